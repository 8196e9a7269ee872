"""Rolling-origin backtest: re-run the whole forecaster as of several past dates and score it.

Unlike the validation windows inside a run, each fold here hides everything after its origin from
the forecaster, including method choice and interval calibration, so the scores are what a planner
would have seen had the system run on those dates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from autoops.forecast.config import ForecastConfig, PolicyConfig
from autoops.forecast.errors import InsufficientHistoryError
from autoops.forecast.evaluation import PRIMARY, Evaluation, evaluate
from autoops.forecast.forecaster import ForecastResult, fit_forecast
from autoops.forecast.metrics import mase_scale, rmsse_scale
from autoops.forecast.panel import Panel

__all__ = ["BacktestResult", "run_backtest"]


@dataclass(frozen=True)
class BacktestResult:
    evaluation: Evaluation
    per_series: pd.DataFrame
    fold_origins: list[str]
    results: list[ForecastResult]


def run_backtest(
    panel: Panel,
    config: ForecastConfig,
    policy: PolicyConfig | None = None,
    *,
    folds: int = 3,
    fold_step: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> BacktestResult:
    """Forecast from ``folds`` past origins ``fold_step`` periods apart (default: the horizon)."""
    h = config.horizon
    step = fold_step or h
    t_len = panel.n_periods
    origins = sorted(t_len - 1 - h - j * step for j in range(folds))
    if origins[0] < 1:
        raise InsufficientHistoryError(
            f"{t_len} periods cannot hold {folds} backtest folds of {h} periods {step} apart; "
            "use fewer --folds or a shorter horizon"
        )
    steps = np.arange(1, h + 1)
    n_s = panel.n_series
    actual = np.full((folds, n_s, h), np.nan)
    results: list[ForecastResult] = []
    fc: dict[str, list[np.ndarray]] = {}
    bounds: list[np.ndarray] = []
    safety = np.full((folds, n_s), np.nan)
    sigma = np.full((folds, n_s), np.nan)
    m_s = np.full((folds, n_s), np.nan)
    r_s = np.full((folds, n_s), np.nan)
    for j, origin in enumerate(origins):
        sub = panel.truncate(origin + 1)

        def fold_progress(label: str, done: int, total: int, j: int = j) -> None:
            if progress is not None:
                progress(f"fold {j + 1}/{folds}: {label}", j * total + done, folds * total)

        res = fit_forecast(sub, config, fold_progress)
        results.append(res)
        alive = ~np.isnan(sub.y[:, origin])
        actual[j] = np.where(alive[:, None], panel.y[:, origin + steps], np.nan)
        for name, values in {PRIMARY: res.mean, **res.candidates}.items():
            fc.setdefault(name, []).append(np.where(alive[:, None], values, np.nan))
        bounds.append(np.where(alive[:, None, None], res.bounds, np.nan))
        m_s[j] = mase_scale(sub.y, sub.season_length)
        r_s[j] = rmsse_scale(sub.y)
        if policy is not None and policy.protection <= h:
            q = res.cum_calibrator.quantiles((policy.service_level,))[:, :, 0]
            safety[j] = np.where(alive, np.clip(q[res.classes, policy.protection - 1] * res.scale, 0, None), np.nan)
            w = res.windows
            err = w.actual - w.selected
            ok = ~np.isnan(err)
            n = ok.sum(axis=(0, 2))
            sigma[j] = np.where(n > 1, np.sqrt(np.where(ok, err * err, 0.0).sum(axis=(0, 2)) / np.maximum(n, 1)), np.nan)
    dates = [str(panel.periods[o].date()) for o in origins]
    evaluation, per = evaluate(
        kind="backtest",
        ids=panel.ids,
        origins=dates,
        actual=actual,
        forecasts={k: np.stack(v) for k, v in fc.items()},
        mase_s=m_s,
        rmsse_s=r_s,
        levels=config.levels,
        bounds=np.stack(bounds),
        policy=policy,
        safety=safety if policy is not None else None,
        sigma=sigma if policy is not None else None,
    )
    return BacktestResult(evaluation=evaluation, per_series=per, fold_origins=dates, results=results)
