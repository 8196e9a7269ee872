"""Job handlers of the weekly demand forecast: :mod:`autoops.forecast` adapted to Zeebe jobs.

``forecast.run`` learns from the shop's order history (table ``order_history`` of the shop database)
and writes forecast, stock policy, metrics, plots and lineage to ``<forecast dir>/<run id>/``;
``stock-policy.compute`` turns that policy into a proposal in the shop database and measures how far
the reorder points moved against the published plan; ``stock-policy.publish`` and
``stock-policy.reject`` settle the proposal. Settings come from task headers, and process variables of
the same name win, so a manual start can ask for another horizon or service level.
"""

from __future__ import annotations

import csv
import math
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import ValidationError

from autoops.forecast import ForecastConfig, ForecastError, PolicyConfig, RunOptions, run_forecast_job
from autoops.worker import JobContext, PermanentError, RetryPolicy, Router, Variable
from workers._app import app
from workers._shop_calls import shop_errors_are_permanent
from workers.shop import PolicyRow, ShopError

__all__ = ["router"]

router = Router()
_PERMANENT = RetryPolicy(non_retryable=(ShopError, ForecastError, ValidationError, ValueError))

RunId = Annotated[str, Variable("runId")]


def _setting(ctx: JobContext, name: str, variable: Any, default: str) -> str:
    if variable is not None:
        return str(variable)
    return ctx.custom_headers.get(name, default)


@router.task("forecast.run", timeout=timedelta(minutes=2), lease_extension=True, retries=_PERMANENT)
def run_forecast(
    ctx: JobContext,
    horizon: Annotated[int | None, Variable("horizon")] = None,
    service_level: Annotated[float | None, Variable("serviceLevel")] = None,
    lead_time_weeks: Annotated[int | None, Variable("leadTimeWeeks")] = None,
) -> dict[str, Any]:
    """Forecast every SKU and derive its stock policy against the shop's stock on hand."""
    context = app()
    try:
        config = ForecastConfig.model_validate(
            {**context.forecast.model_dump(), "horizon": int(_setting(ctx, "horizon", horizon, str(context.forecast.horizon)))}
        )
        policy = PolicyConfig(
            service_level=float(_setting(ctx, "serviceLevel", service_level, "0.95")),
            lead_time=int(_setting(ctx, "leadTimeWeeks", lead_time_weeks, "2")),
        )
    except (ValueError, ValidationError) as exc:
        raise PermanentError(f"invalid forecast settings in headers or variables: {exc}") from None
    run_id = f"run-{ctx.process_instance_key}"
    out_dir = context.forecast_dir / run_id
    out_dir.mkdir(parents=True, exist_ok=True)
    inventory = out_dir / "inventory.csv"
    with inventory.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "on_hand"])
        writer.writerows(context.shop.inventory())
    options = RunOptions(
        history=str(context.shop.path), table="order_history", out_dir=out_dir, inventory=inventory, top_n_plots=4
    )
    try:
        summary = run_forecast_job(options, config, policy)
    except ForecastError as exc:
        raise PermanentError(f"forecast run {run_id} failed: {exc}") from None
    return {
        "runId": run_id,
        "forecastDir": str(out_dir),
        "seriesCount": summary.series,
        "horizon": config.horizon,
        "serviceLevel": policy.service_level,
        "historyFrom": summary.first_period,
        "historyTo": summary.last_period,
        "totalOrderQuantity": round(summary.total_order_quantity or 0.0, 1),
        "skusToOrder": summary.series_to_order or 0,
    }


def _finite(value: str) -> float:
    number = float(value)
    return number if math.isfinite(number) else 0.0


def read_policy(path: Path) -> list[PolicyRow]:
    """The policy table a forecast run wrote (``policy.csv``), one row per SKU."""
    if not path.is_file():
        raise PermanentError(f"no stock policy at {path}; the forecast run must finish first")
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            PolicyRow(
                sku=row.get("sku") or row["series_id"],
                reorder_point=_finite(row["reorder_point"]),
                safety_stock=_finite(row["safety_stock"]),
                order_up_to=_finite(row["order_up_to"]),
                order_quantity=_finite(row["order_quantity"]),
            )
            for row in csv.DictReader(handle)
        ]


@router.task("stock-policy.compute", retries=_PERMANENT)
def compute_stock_policy(
    ctx: JobContext,
    run_id: RunId,
    forecast_dir: Annotated[str, Variable("forecastDir")],
    threshold: Annotated[float | None, Variable("reorderPointChangeThreshold")] = None,
) -> dict[str, Any]:
    """Store the run's policy as a proposal and compare it with the plan in force."""
    limit = float(_setting(ctx, "reorderPointChangeThreshold", threshold, "0.25"))
    rows = read_policy(Path(forecast_dir) / "policy.csv")
    with shop_errors_are_permanent():
        changes = app().shop.propose_policy(run_id, rows)
    above = [c for c in changes if c.relative_change > limit]
    top = "\n".join(
        f"{c.sku}: {'new' if c.previous is None else f'{c.previous:.1f}'} -> {c.proposed:.1f}" for c in changes[:10]
    )
    return {
        "skuCount": len(changes),
        "maxReorderPointChange": max((c.relative_change for c in changes), default=0.0),
        "reorderPointChangeThreshold": limit,
        "changedSkus": len(above),
        "topChangesText": top,
    }


@router.task("stock-policy.publish", retries=_PERMANENT)
def publish_stock_policy(run_id: RunId) -> dict[str, Any]:
    with shop_errors_are_permanent():
        return {"publishedSkus": app().shop.publish_policy(run_id)}


@router.task("stock-policy.reject", retries=_PERMANENT)
def reject_stock_policy(run_id: RunId) -> dict[str, Any]:
    with shop_errors_are_permanent():
        return {"discardedSkus": app().shop.reject_policy(run_id)}
