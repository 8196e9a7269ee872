"""Demand forecasting for the weekly stock plan: order lines in, forecasts and replenishment out.

One global LightGBM model (direct multi-step) is combined per series with statistical baselines chosen
by rolling backtest; intervals and safety stocks are calibrated on past forecast errors; every run
writes its lineage. The package knows nothing of Zeebe.
"""

from autoops.forecast.backtest import BacktestResult, run_backtest
from autoops.forecast.config import ForecastConfig, GbmParams, PolicyConfig
from autoops.forecast.demand import weekly_demand
from autoops.forecast.errors import (
    ForecastConfigError,
    ForecastError,
    InputSourceError,
    InsufficientHistoryError,
    OrderDataError,
)
from autoops.forecast.evaluation import Evaluation, evaluate_validation
from autoops.forecast.forecaster import ForecastResult, fit_forecast
from autoops.forecast.loading import LoadedHistory, load_order_lines
from autoops.forecast.panel import Panel
from autoops.forecast.pipeline import (
    RunOptions,
    RunSummary,
    forecast_frame,
    run_backtest_job,
    run_forecast_job,
)
from autoops.forecast.policy import stock_policy
from autoops.forecast.synthetic import generate_order_lines
from autoops.forecast.validation import ValidationIssue, ValidationReport, validate_order_lines

__all__ = [
    "BacktestResult",
    "Evaluation",
    "ForecastConfig",
    "ForecastConfigError",
    "ForecastError",
    "ForecastResult",
    "GbmParams",
    "InputSourceError",
    "InsufficientHistoryError",
    "LoadedHistory",
    "OrderDataError",
    "Panel",
    "PolicyConfig",
    "RunOptions",
    "RunSummary",
    "ValidationIssue",
    "ValidationReport",
    "evaluate_validation",
    "fit_forecast",
    "forecast_frame",
    "generate_order_lines",
    "load_order_lines",
    "run_backtest",
    "run_backtest_job",
    "run_forecast_job",
    "stock_policy",
    "validate_order_lines",
    "weekly_demand",
]
