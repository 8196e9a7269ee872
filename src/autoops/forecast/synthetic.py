"""A realistic synthetic order history, for examples, tests and the benchmark.

Real order exports cannot ship with the project, yet the forecaster must be exercised on what real ones
contain: weekday and yearly cycles, year-end ramps, growth and decline, promotions with price cuts,
slow and lumpy items, SKUs launched mid-history, returns, and the odd broken row. Each SKU draws a
profile from a seeded generator; daily demand is a negative-binomial count of orders, each order a few
units (bulk orders for lumpy items).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["generate_order_lines"]


def generate_order_lines(
    n_skus: int = 500,
    start: str | pd.Timestamp = "2023-01-02",
    end: str | pd.Timestamp = "2025-12-28",
    seed: int = 0,
    *,
    n_locations: int = 1,
    bad_rows: int = 0,
) -> pd.DataFrame:
    """Order lines ``order_id, ordered_at, sku, quantity, unit_price[, location]``, sorted by time.

    About 15% of SKUs are intermittent (a few orders a month), 10% lumpy (rare bulk orders), 15% are
    launched after the start, 5% are discontinued before the end. Roughly 2% of lines are returns
    (negative quantity, a few days after a sale). ``bad_rows`` appends that many broken rows (bad
    dates, non-numeric quantities, missing SKU, exact duplicates); then every column is text, as read
    from a hand-edited CSV.
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    n_days = len(days)
    t_years = np.arange(n_days) / 365.25
    doy = np.asarray(days.dayofyear, dtype=np.float64)
    dow = np.asarray(days.dayofweek)

    kind = rng.choice(["smooth", "intermittent", "lumpy"], size=n_skus, p=[0.75, 0.15, 0.10])
    base_weekly = np.exp(rng.normal(np.log(12.0), 1.0, size=n_skus))
    base_weekly = np.where(kind == "intermittent", rng.uniform(0.3, 2.0, n_skus), base_weekly)
    base_weekly = np.where(kind == "lumpy", rng.uniform(0.5, 3.0, n_skus), base_weekly)
    mean_size = np.where(kind == "lumpy", rng.uniform(6, 25, n_skus), rng.uniform(1.5, 4.0, n_skus))
    growth = rng.normal(0.05, 0.2, n_skus)
    amp = rng.uniform(0.0, 0.5, n_skus) * (rng.random(n_skus) < 0.7)
    phase = rng.uniform(0, 2 * np.pi, n_skus)
    xmas = rng.uniform(0.3, 1.5, n_skus) * (rng.random(n_skus) < 0.3)
    weekday_profile = np.array([1.15, 1.1, 1.05, 1.05, 1.1, 0.85, 0.7])
    launch = np.where(rng.random(n_skus) < 0.15, rng.integers(60, max(61, n_days - 90), n_skus), 0)
    stop = np.where(rng.random(n_skus) < 0.05, rng.integers(n_days // 2, n_days - 30, n_skus), n_days)
    price0 = np.round(np.exp(rng.normal(np.log(15.0), 0.8, n_skus)), 2)
    elasticity = rng.uniform(1.0, 3.0, n_skus)

    # Promotions: 1-2 week windows with 10-40% off, a few per year on smooth items.
    discount = np.zeros((n_skus, n_days))
    n_promos = rng.poisson(3.0 * n_days / 365.25, n_skus) * (kind == "smooth")
    for i in np.nonzero(n_promos)[0]:
        for _ in range(int(n_promos[i])):
            a = int(rng.integers(0, n_days - 14))
            discount[i, a : a + int(rng.integers(7, 15))] = rng.uniform(0.1, 0.4)
    price = price0[:, None] * (1.0 - discount)
    uplift = (1.0 - discount) ** (-elasticity[:, None])

    season = 1.0 + amp[:, None] * np.sin(2 * np.pi * doy[None, :] / 365.25 + phase[:, None])
    ramp = 1.0 + xmas[:, None] * np.exp(-(((doy[None, :] - 350.0) / 12.0) ** 2))
    trend = np.exp(growth[:, None] * t_years[None, :])
    life = np.arange(n_days)[None, :]
    ramp_up = np.clip((life - launch[:, None]) / 56.0, 0.0, 1.0)
    alive = (life >= launch[:, None]) & (life < stop[:, None])
    daily_units = (base_weekly[:, None] / 7.0) * season * ramp * trend * uplift * weekday_profile[dow][None, :]
    daily_units = np.where(alive, daily_units * np.maximum(ramp_up, 0.15), 0.0)
    order_rate = daily_units / mean_size[:, None]
    # Negative binomial (gamma-Poisson) order counts: more variance than Poisson, as in real demand.
    shape = 4.0
    lam = rng.gamma(shape, order_rate / shape) if order_rate.size else order_rate
    n_orders = rng.poisson(lam)

    sku_idx, day_idx = np.nonzero(n_orders)
    counts = n_orders[sku_idx, day_idx]
    line_sku = np.repeat(sku_idx, counts)
    line_day = np.repeat(day_idx, counts)
    size = mean_size[line_sku]
    qty = 1 + rng.poisson(np.maximum(size - 1.0, 0.0))
    seconds = rng.integers(7 * 3600, 21 * 3600, size=len(line_sku))
    ordered_at = days[line_day] + pd.to_timedelta(seconds, unit="s")
    unit_price = price[line_sku, line_day]

    n_ret = int(0.02 * len(line_sku))
    ret_src = rng.choice(len(line_sku), size=n_ret, replace=False) if n_ret else np.array([], dtype=int)
    ret_delay = pd.to_timedelta(rng.integers(1, 15, size=n_ret), unit="D")
    ret_qty = -np.minimum(qty[ret_src], 1 + rng.poisson(0.3, n_ret))
    frame = pd.DataFrame({
        "ordered_at": np.concatenate([ordered_at.to_numpy(), (ordered_at[ret_src] + ret_delay).to_numpy()]),
        "sku": np.concatenate([line_sku, line_sku[ret_src]]),
        "quantity": np.concatenate([qty, ret_qty]).astype(np.int64),
        "unit_price": np.concatenate([unit_price, unit_price[ret_src]]).round(2),
    })
    frame = frame[frame["ordered_at"] <= days[-1] + pd.Timedelta(hours=23, minutes=59)]
    frame = frame.sort_values("ordered_at", kind="stable").reset_index(drop=True)
    frame.insert(0, "order_id", [f"SO{i:08d}" for i in range(1, len(frame) + 1)])
    frame["sku"] = [f"SKU-{i:05d}" for i in frame["sku"].to_numpy()]
    if n_locations > 1:
        frame["location"] = [f"WH{i + 1}" for i in rng.integers(0, n_locations, len(frame))]
    if bad_rows > 0:
        frame = _add_bad_rows(frame, bad_rows, rng)
    return frame


def _add_bad_rows(frame: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    text = frame.astype({c: str for c in frame.columns})
    text["ordered_at"] = frame["ordered_at"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    picks = text.iloc[rng.choice(len(text), size=n, replace=len(text) < n)].copy().reset_index(drop=True)
    for i in range(n):
        fault = i % 4
        if fault == 0:
            picks.loc[i, "ordered_at"] = "31/02/2024"
        elif fault == 1:
            picks.loc[i, "quantity"] = "two"
        elif fault == 2:
            picks.loc[i, "sku"] = ""
        # fault 3: an exact duplicate of an existing line
    return pd.concat([text, picks], ignore_index=True)
