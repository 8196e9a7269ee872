"""Stock policy from the forecast distribution: safety stock, reorder point, order-up-to, order size.

Periodic review, order-up-to (R, S): every ``review_period`` periods the planner raises the inventory
position to ``S``; an order placed now arrives after ``lead_time`` periods, so ``S`` must cover demand
over the protection interval ``P = lead_time + review_period``. With ``F_P`` the forecast demand over
``P`` and ``q_P(alpha)`` the ``alpha``-quantile of the scaled *cumulative* forecast error over ``P``
periods (measured at past origins, per demand class), ::

    safety stock     SS  = max(0, q_P(alpha) * scale)
    order-up-to      S   = F_P + SS
    reorder point    ROP = F_L + max(0, q_L(alpha) * scale)      (continuous-review equivalent)
    order quantity   Q   = max(0, S - (on_hand + on_order - backorders))

so that demand over ``P`` stays below ``S`` with probability ``alpha`` (cycle service level) if
future errors behave like past ones. The textbook ``z * sigma * sqrt(P)`` is reported next to it
for comparison only: it assumes normal, independent, homoscedastic errors, which lumpy weekly demand
violates, and it under-delivers on such data.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from autoops.forecast.config import PolicyConfig
from autoops.forecast.errors import ForecastConfigError
from autoops.forecast.forecaster import ForecastResult
from autoops.forecast.panel import FloatArray, IntArray

__all__ = ["achieved_service", "normal_safety_stock", "order_up_to", "stock_policy"]


def _check(policy: PolicyConfig, horizon: int) -> None:
    if policy.protection > horizon:
        raise ForecastConfigError(
            f"lead time {policy.lead_time} + review period {policy.review_period} = {policy.protection} "
            f"periods exceeds the forecast horizon {horizon}; raise --horizon or shorten the lead time"
        )


def order_up_to(
    mean: FloatArray, scale: FloatArray, classes: IntArray, cum_quantile: FloatArray, periods: int
) -> tuple[FloatArray, FloatArray]:
    """Forecast over ``periods`` and safety stock per series.

    ``cum_quantile`` is shaped ``(n_classes, horizon)``: the service-level quantile of scaled
    cumulative errors for each class and number of periods.
    """
    demand = mean[:, :periods].sum(axis=1)
    safety = np.clip(cum_quantile[classes, periods - 1] * scale, 0.0, None)
    return demand, safety


def normal_safety_stock(sigma: FloatArray, periods: int, service_level: float) -> FloatArray:
    """Textbook ``z * sigma * sqrt(P)`` with ``sigma`` the one-period forecast error deviation."""
    z = NormalDist().inv_cdf(service_level)
    out: FloatArray = z * sigma * np.sqrt(periods)
    return out


def stock_policy(
    result: ForecastResult, policy: PolicyConfig, inventory: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per series with the policy quantities and the suggested order.

    ``inventory`` may hold ``series_id`` (or ``sku``), ``on_hand``, ``on_order`` and ``backorders``;
    missing series or columns count as zero.
    """
    _check(policy, result.config.horizon)
    alpha = policy.service_level
    q = result.cum_calibrator.quantiles((alpha,))[:, :, 0]
    p, lead = policy.protection, policy.lead_time
    f_p, ss = order_up_to(result.mean, result.scale, result.classes, q, p)
    f_l, ss_l = order_up_to(result.mean, result.scale, result.classes, q, lead)
    frame = pd.DataFrame({"series_id": result.ids})
    inv = _inventory(frame, inventory)
    position = inv["on_hand"] + inv["on_order"] - inv["backorders"]
    s_level = f_p + ss
    w = result.windows
    err = w.actual - w.selected
    ok = ~np.isnan(err)
    n = ok.sum(axis=(0, 2))
    sigma = np.sqrt(np.where(ok, err * err, 0.0).sum(axis=(0, 2)) / np.maximum(n, 1))
    return pd.DataFrame({
        "series_id": result.ids,
        "service_level": alpha,
        "lead_time": lead,
        "review_period": policy.review_period,
        "forecast_lead_time": f_l,
        "forecast_protection": f_p,
        "safety_stock": ss,
        "reorder_point": f_l + ss_l,
        "order_up_to": s_level,
        "on_hand": inv["on_hand"].to_numpy(),
        "on_order": inv["on_order"].to_numpy(),
        "backorders": inv["backorders"].to_numpy(),
        "inventory_position": position.to_numpy(),
        "order_quantity": np.clip(s_level - position.to_numpy(), 0.0, None),
        "safety_stock_normal": normal_safety_stock(sigma, p, alpha),
    })


def _inventory(frame: pd.DataFrame, inventory: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["on_hand", "on_order", "backorders"]
    if inventory is None:
        return pd.DataFrame(0.0, index=frame.index, columns=cols)
    key = "series_id" if "series_id" in inventory.columns else "sku"
    if key not in inventory.columns:
        raise ForecastConfigError(
            "inventory file needs a 'sku' (or 'series_id') column with on_hand/on_order/backorders"
        )
    inv = inventory.copy()
    inv[key] = inv[key].astype(str)
    for c in cols:
        inv[c] = pd.to_numeric(inv[c], errors="raise") if c in inv.columns else 0.0
    inv = inv.groupby(key)[cols].sum()
    merged = frame.merge(inv, left_on="series_id", right_index=True, how="left")
    return merged[cols].fillna(0.0).reset_index(drop=True)


def achieved_service(
    actual: FloatArray,
    mean: FloatArray,
    safety: FloatArray,
    periods: int,
) -> dict[str, float]:
    """Cycle service (share of windows where demand over ``periods`` stayed within ``S``) and fill rate.

    Arrays are ``(..., n_series, horizon)`` (``safety``: ``(..., n_series)``); windows with missing
    actuals or no forecast are skipped.
    """
    demand = actual[..., :periods].sum(axis=-1)
    level = mean[..., :periods].sum(axis=-1) + safety
    ok = ~np.isnan(demand) & ~np.isnan(level)
    if not ok.any():
        return {"cycle_service": float("nan"), "fill_rate": float("nan"), "windows": 0.0}
    d, s = demand[ok], level[ok]
    short = np.clip(d - s, 0.0, None).sum()
    total = d.sum()
    return {
        "cycle_service": float((d <= s + 1e-9).mean()),
        "fill_rate": float(1.0 - short / total) if total > 0 else 1.0,
        "windows": float(ok.sum()),
    }
