"""End-to-end runs: order history file in, forecast, policy, metrics, plots and lineage out.

This is the one entry point the CLI and the job handler call, so both produce identical files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from autoops.forecast.backtest import run_backtest
from autoops.forecast.calibration import CLASS_NAMES
from autoops.forecast.config import ForecastConfig, PolicyConfig, WeekStart
from autoops.forecast.demand import week_freq, weekly_demand
from autoops.forecast.errors import ForecastConfigError
from autoops.forecast.evaluation import Evaluation, evaluate_validation
from autoops.forecast.forecaster import ForecastResult, fit_forecast
from autoops.forecast.lineage import HistoryInfo, Lineage
from autoops.forecast.loading import LoadedHistory, load_order_lines
from autoops.forecast.panel import Panel
from autoops.forecast.plots import plot_error_by_horizon, plot_top_series
from autoops.forecast.policy import stock_policy
from autoops.logging import get_logger

__all__ = ["OutputFormat", "RunOptions", "RunSummary", "forecast_frame", "run_backtest_job", "run_forecast_job"]

OutputFormat = Literal["csv", "parquet"]
Progress = Callable[[str, int, int], None]
_log = get_logger(__name__)


class RunOptions(BaseModel):
    """Everything a run needs besides the forecaster and policy settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    history: str
    out_dir: Path
    week_start: WeekStart = "MON"
    by_location: bool | None = None
    table: str = "order_lines"
    query: str | None = None
    inventory: Path | None = None
    formats: tuple[OutputFormat, ...] = ("csv",)
    top_n_plots: int = 6
    on_invalid: Literal["drop", "raise"] = "drop"
    max_invalid_fraction: float = 0.05


class RunSummary(BaseModel):
    """What a run produced, for the CLI table and for a job's output variables."""

    out_dir: str
    files: list[str]
    series: int
    first_period: str
    last_period: str
    evaluation: Evaluation
    rows_read: int = 0
    rows_valid: int = 0
    input_issues: list[str] = []
    total_order_quantity: float | None = None
    series_to_order: int | None = None


def _prepare(options: RunOptions, config: ForecastConfig) -> tuple[LoadedHistory, pd.DataFrame, Panel]:
    loaded = load_order_lines(
        options.history, table=options.table, query=options.query,
        on_invalid=options.on_invalid, max_invalid_fraction=options.max_invalid_fraction,
    )
    weekly = weekly_demand(loaded.lines, week_start=options.week_start, by_location=options.by_location)
    panel = Panel.from_long(weekly, freq=week_freq(options.week_start), season_length=config.season_length)
    return loaded, weekly, panel


def forecast_frame(result: ForecastResult, keys: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long forecast table: one row per series and future period."""
    s, h = result.mean.shape
    frame = pd.DataFrame({
        "series_id": np.repeat(np.asarray(result.ids, dtype=object), h),
        "period": np.tile(result.periods, s),
        "step": np.tile(np.arange(1, h + 1), s),
        "forecast": result.mean.reshape(-1),
    })
    for level in result.levels:
        frame[f"lower_{level}"] = result.lower(level).reshape(-1)
        frame[f"upper_{level}"] = result.upper(level).reshape(-1)
    frame["method"] = np.repeat(np.asarray(result.method, dtype=object), h)
    frame["demand_class"] = np.repeat(np.asarray(CLASS_NAMES, dtype=object)[result.classes], h)
    if keys is not None:
        frame = keys.merge(frame, on="series_id", how="right")
    return frame


def _write_table(frame: pd.DataFrame, out_dir: Path, stem: str, formats: tuple[OutputFormat, ...]) -> list[str]:
    names: list[str] = []
    for fmt in formats:
        path = out_dir / f"{stem}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False, float_format="%.4f")
        else:
            frame.to_parquet(path, index=False)
        names.append(path.name)
    return names


def _keys(weekly: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ("series_id", "sku", "location") if c in weekly.columns]
    return weekly[cols].drop_duplicates("series_id").reset_index(drop=True)


def _history_info(panel: Panel) -> HistoryInfo:
    return HistoryInfo(
        first_period=str(panel.periods[0].date()),
        last_period=str(panel.periods[-1].date()),
        periods=panel.n_periods,
        series=panel.n_series,
        observations=int((~np.isnan(panel.y)).sum()),
        frequency=panel.freq,
    )


def _input_info(loaded: LoadedHistory) -> dict[str, Any]:
    return {
        **loaded.source.model_dump(),
        "rows_read": loaded.report.rows_read,
        "rows_valid": loaded.report.rows_valid,
        "issues": [i.model_dump(exclude={"examples"}) for i in loaded.report.issues],
    }


def run_forecast_job(
    options: RunOptions,
    config: ForecastConfig,
    policy: PolicyConfig,
    progress: Progress | None = None,
) -> RunSummary:
    """Load, forecast, derive the stock policy, score on validation windows and write everything."""
    if policy.protection > config.horizon:
        raise ForecastConfigError(
            f"lead time + review period = {policy.protection} periods exceeds the horizon {config.horizon}; "
            "raise --horizon or shorten --lead-time-weeks / --review-weeks"
        )
    out_dir = options.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    loaded, weekly, panel = _prepare(options, config)
    result = fit_forecast(panel, config, progress)
    evaluation, per_series = evaluate_validation(result, policy)
    inventory = None
    if options.inventory is not None:
        inv_path = options.inventory
        inventory = pd.read_parquet(inv_path) if inv_path.suffix in {".parquet", ".pq"} else pd.read_csv(
            inv_path, dtype={"sku": str, "series_id": str}
        )
    policy_table = stock_policy(result, policy, inventory)
    keys = _keys(weekly)
    files: list[str] = []
    files += _write_table(forecast_frame(result, keys), out_dir, "forecast", options.formats)
    files += _write_table(keys.merge(policy_table, on="series_id", how="right"), out_dir, "policy", options.formats)
    per_series["method"] = result.method
    files += _write_table(per_series, out_dir, "metrics_by_series", options.formats)
    metrics = {"validation": evaluation.model_dump(), "validation_report": loaded.report.model_dump()}
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str) + "\n", encoding="utf-8")
    files.append("metrics.json")
    plots = out_dir / "plots"
    plots.mkdir(exist_ok=True)
    plot_top_series(panel, result, plots / "forecast_top_series.png", options.top_n_plots)
    plot_error_by_horizon(evaluation, plots / "error_by_horizon.png")
    files += ["plots/forecast_top_series.png", "plots/error_by_horizon.png"]
    Lineage(
        command="forecast run",
        input=_input_info(loaded),
        history=_history_info(panel),
        parameters={
            "forecast": config.model_dump(),
            "policy": policy.model_dump(),
            "options": options.model_dump(mode="json"),
        },
        metrics=evaluation.model_dump(),
    ).write(out_dir)
    files.append("lineage.json")
    _log.info("forecast_written", out_dir=str(out_dir), series=panel.n_series)
    return RunSummary(
        out_dir=str(out_dir), files=files, series=panel.n_series,
        first_period=str(panel.periods[0].date()), last_period=str(panel.periods[-1].date()),
        evaluation=evaluation,
        rows_read=loaded.report.rows_read, rows_valid=loaded.report.rows_valid,
        input_issues=[i.render() for i in loaded.report.issues],
        total_order_quantity=float(policy_table["order_quantity"].sum()),
        series_to_order=int((policy_table["order_quantity"] > 0).sum()),
    )


def run_backtest_job(
    options: RunOptions,
    config: ForecastConfig,
    policy: PolicyConfig,
    *,
    folds: int = 3,
    fold_step: int | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Rolling-origin backtest of the whole method; writes metrics, per-series table, plot, lineage."""
    out_dir = options.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    loaded, weekly, panel = _prepare(options, config)
    bt = run_backtest(panel, config, policy, folds=folds, fold_step=fold_step, progress=progress)
    keys = _keys(weekly)
    files = _write_table(keys.merge(bt.per_series, on="series_id", how="right"), out_dir,
                         "backtest_by_series", options.formats)
    metrics = {"backtest": bt.evaluation.model_dump(), "validation_report": loaded.report.model_dump()}
    (out_dir / "backtest_metrics.json").write_text(json.dumps(metrics, indent=2, default=str) + "\n",
                                                   encoding="utf-8")
    files.append("backtest_metrics.json")
    plots = out_dir / "plots"
    plots.mkdir(exist_ok=True)
    plot_error_by_horizon(bt.evaluation, plots / "backtest_error_by_horizon.png")
    files.append("plots/backtest_error_by_horizon.png")
    Lineage(
        command="forecast backtest",
        input=_input_info(loaded),
        history=_history_info(panel),
        parameters={
            "forecast": config.model_dump(),
            "policy": policy.model_dump(),
            "options": options.model_dump(mode="json"),
            "folds": folds,
            "fold_step": fold_step or config.horizon,
        },
        metrics=bt.evaluation.model_dump(),
    ).write(out_dir)
    files.append("lineage.json")
    return RunSummary(
        out_dir=str(out_dir), files=files, series=panel.n_series,
        first_period=str(panel.periods[0].date()), last_period=str(panel.periods[-1].date()),
        evaluation=bt.evaluation,
        rows_read=loaded.report.rows_read, rows_valid=loaded.report.rows_valid,
        input_issues=[i.render() for i in loaded.report.issues],
    )
