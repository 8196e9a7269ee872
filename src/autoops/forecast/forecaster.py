"""The forecaster: global LightGBM plus per-series baselines, chosen per series by rolling backtest.

Steps, all from data up to the last period:

1. Validation origins: ``n_origins`` past points ``step`` periods apart, ending one horizon before the
   end, so together their windows cover about a year on weekly data (quiet weeks and peaks alike).
2. Fit the global model once as of the first origin (it forecasts from every validation origin without
   seeing what follows the earliest; ``refit_every`` refits it more often) and once on all data for the
   final forecast; compute every baseline at every origin (cheap).
3. Per series, pick the candidate (single methods and equal-weight combinations with the model) with
   the lowest scaled error over the origins, keeping the pooled best unless a series' own best beats
   it by ``selection_margin``. New series without a validation window get the pooled best.
4. Calibrate intervals on the residuals of the *chosen* forecasts. To keep them honest the choice used
   for origin ``k``'s residual is made without origin ``k`` (leave-one-origin-out), and so is the
   calibration used to measure coverage at ``k``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from autoops.forecast.baselines import BASELINE_METHODS, baseline_forecasts
from autoops.forecast.calibration import ResidualCalibrator, demand_class
from autoops.forecast.config import ForecastConfig
from autoops.forecast.errors import InsufficientHistoryError
from autoops.forecast.features import FeatureBuilder
from autoops.forecast.gbm import GbmFitter, predict_gbm, training_rows
from autoops.forecast.metrics import mase_scale, rmsse_scale
from autoops.forecast.panel import FloatArray, IntArray, Panel
from autoops.logging import get_logger

__all__ = ["ForecastResult", "OriginWindows", "ProgressCallback", "fit_forecast", "interval_probs"]

ProgressCallback = Callable[[str, int, int], None]
_log = get_logger(__name__)
_COMBOS: dict[str, tuple[str, ...]] = {
    "lgbm_ses": ("lgbm", "ses"),
    "lgbm_theta": ("lgbm", "theta"),
    "lgbm_seasonal_ses": ("lgbm", "seasonal_ses"),
    "lgbm_tsb": ("lgbm", "tsb"),
}
_FALLBACK = "lgbm_ses"


def interval_probs(levels: tuple[int, ...]) -> tuple[float, ...]:
    """Lower and upper quantile probabilities of each central level, in level order."""
    probs: list[float] = []
    for level in levels:
        a = (100 - level) / 200.0
        probs.extend([a, 1.0 - a])
    return tuple(probs)


@dataclass(frozen=True)
class OriginWindows:
    """Forecasts made at several past origins and what actually happened after them."""

    origins: list[int]
    origin_dates: list[str]
    actual: FloatArray  # (K, S, H)
    candidates: dict[str, FloatArray]  # each (K, S, H)
    selected: FloatArray  # (K, S, H), leave-one-origin-out choice
    scale: FloatArray  # (K, S) level scale at each origin
    classes: IntArray  # (K, S)
    mase_scale: FloatArray  # (K, S)
    rmsse_scale: FloatArray  # (K, S)
    bounds: FloatArray  # (K, S, H, 2 * levels) leave-one-origin-out interval bounds
    cum_calibrator: ResidualCalibrator


@dataclass(frozen=True)
class ForecastResult:
    """Final forecasts from the last period plus everything needed to judge and use them."""

    ids: list[str]
    history_end: pd.Timestamp
    periods: pd.DatetimeIndex
    mean: FloatArray  # (S, H)
    bounds: FloatArray  # (S, H, 2 * levels): lower/upper per level
    levels: tuple[int, ...]
    method: list[str]
    scale: FloatArray  # (S,)
    classes: IntArray  # (S,)
    cum_calibrator: ResidualCalibrator
    candidates: dict[str, FloatArray]
    windows: OriginWindows
    config: ForecastConfig
    timings: dict[str, float] = field(default_factory=dict)

    def lower(self, level: int) -> FloatArray:
        return self.bounds[:, :, 2 * self.levels.index(level)]

    def upper(self, level: int) -> FloatArray:
        return self.bounds[:, :, 2 * self.levels.index(level) + 1]


def validation_origins(n_periods: int, config: ForecastConfig) -> list[int]:
    """Origins (period indices) for validation; fewer than asked when the history is short."""
    last = n_periods - 1 - config.horizon
    origins = [last - j * config.step for j in range(config.n_origins)]
    floor = config.min_train_periods + 1
    usable = sorted(o for o in origins if o >= floor)
    if len(usable) < 2:
        raise InsufficientHistoryError(
            f"{n_periods} periods of history cannot hold two validation windows of {config.horizon} "
            f"periods {config.step} apart after {floor} training periods; provide at least "
            f"{floor + config.step + config.horizon + 1} periods, or lower --horizon / origin step"
        )
    return usable


def _scores(actual: FloatArray, fc: FloatArray, scale: FloatArray) -> FloatArray:
    """Per (origin, series) scaled error: mean absolute plus root mean squared, over steps."""
    err = fc - actual
    ok = ~np.isnan(err)
    n = ok.sum(axis=-1)
    mae = np.where(ok, np.abs(err), 0.0).sum(axis=-1) / np.maximum(n, 1)
    rmse = np.sqrt(np.where(ok, err * err, 0.0).sum(axis=-1) / np.maximum(n, 1))
    return np.where(n > 0, (mae + rmse) / scale, np.nan)


def _choose(
    score: FloatArray, names: list[str], exclude: int | None, margin: float
) -> tuple[IntArray, int]:
    """Candidate index per series, and the pooled default, from scores over origins (one left out).

    The default is the candidate with the lowest mean score over all series. A series switches to its
    own best candidate only when that one beats the default by ``margin`` (relative) on the series'
    own windows: a few windows are a noisy basis for choosing among many candidates, and a pooled
    choice that is nearly as good on the series generalises better.
    """
    _, k, _ = score.shape
    keep = np.array([i != exclude for i in range(k)])
    sub = score[:, keep, :]
    ok = ~np.isnan(sub)
    total = np.where(ok, sub, 0.0).sum(axis=1)
    count = ok.sum(axis=1)
    complete = (count == count.max(axis=0, keepdims=True)) & (count > 0)
    mean = np.where(complete, total / np.maximum(count, 1), np.inf)  # (C, S)
    has = np.isfinite(mean.min(axis=0))
    pooled = np.where(np.isfinite(mean[:, has]), mean[:, has], 0.0).mean(axis=1) if has.any() else None
    if pooled is not None:
        default = int(np.argmin(pooled))
    else:
        default = names.index(_FALLBACK) if _FALLBACK in names else 0
    best = np.argmin(mean, axis=0).astype(np.int64)
    rows = np.arange(mean.shape[1])
    switch = has & (mean[best, rows] < (1.0 - margin) * mean[default, rows])
    return np.where(switch, best, default).astype(np.int64), default


def fit_forecast(
    panel: Panel, config: ForecastConfig, progress: ProgressCallback | None = None
) -> ForecastResult:
    """Forecast every series of ``panel`` ``config.horizon`` periods past its last period."""
    import time

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    horizon = config.horizon
    t_len = panel.n_periods
    origins = validation_origins(t_len, config)
    all_origins = [*origins, t_len - 1]
    total_steps = -(-len(origins) // config.refit_every) + 4
    done = 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(label, done, total_steps)

    builder = FeatureBuilder(panel, horizon)
    rows = training_rows(builder, config)
    timings["features"] = time.perf_counter() - t0
    tick("features")

    use_gbm = "lgbm" in config.methods
    gbm_fc = np.full((len(all_origins), panel.n_series, horizon), np.nan)
    t1 = time.perf_counter()
    # One model serves ``refit_every`` consecutive validation origins (trained as of the first of
    # them, so it never sees their future); the final model is always trained on everything.
    groups = [origins[i : i + config.refit_every] for i in range(0, len(origins), config.refit_every)]
    groups.append([t_len - 1])
    fitter = GbmFitter(builder, rows, config) if use_gbm else None
    for group in groups:
        booster = fitter.fit(group[0]) if fitter is not None else None
        for origin in group:
            gbm_fc[all_origins.index(origin)] = predict_gbm(builder, booster, origin, config)
        tick(f"model at {panel.periods[group[0]].date()}")
    timings["gbm"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    base_methods = tuple(m for m in config.methods if m in BASELINE_METHODS)
    needed = set(base_methods) | {"ses"}
    stats = baseline_forecasts(panel.y, all_origins, horizon, panel.season_length, tuple(sorted(needed)))
    cands: dict[str, FloatArray] = {name: stats[name] for name in base_methods}
    if use_gbm:
        # The model is trained from a series' min_train_periods-th period on; younger series (and any
        # the model could not forecast) take the SES level of what they have sold so far.
        ages = np.stack([o - panel.start for o in all_origins])
        young = (ages < config.min_train_periods - 1)[:, :, None]
        cands["lgbm"] = np.where(np.isnan(gbm_fc) | young, stats["ses"], gbm_fc)
    for name, parts in _COMBOS.items():
        if all(p in cands for p in parts):
            cands[name] = np.mean(np.stack([cands[p] for p in parts]), axis=0)
    names = list(cands)
    if _FALLBACK not in cands:
        cands[_FALLBACK] = stats["ses"]
        names.append(_FALLBACK)
    timings["baselines"] = time.perf_counter() - t2
    tick("baselines")

    k = len(origins)
    steps = np.arange(1, horizon + 1)
    actual = np.full((k, panel.n_series, horizon), np.nan)
    for i, o in enumerate(origins):
        actual[i] = panel.y[:, o + steps]
    scale_k = np.stack([builder.scale[:, o] for o in origins])
    classes_k = np.stack([demand_class(builder.adi[:, o], builder.cv2[:, o]) for o in origins])
    m_scale = np.stack([mase_scale(panel.y[:, : o + 1], panel.season_length) for o in origins])
    r_scale = np.stack([rmsse_scale(panel.y[:, : o + 1]) for o in origins])
    # Scale for choosing: one per series, the naive error at the first origin (or the level scale).
    sel_scale = np.where(np.isnan(m_scale), scale_k, m_scale)
    score = np.stack([_scores(actual, cands[n][:k], sel_scale) for n in names])  # (C, K, S)

    margin = config.selection_margin
    choice, _default = _choose(score, names, None, margin)
    cand_stack = np.stack([cands[n] for n in names])  # (C, K+1, S, H)
    s_idx = np.arange(panel.n_series)
    selected = np.empty((k, panel.n_series, horizon))
    for i in range(k):
        loo, _ = _choose(score, names, i, margin)
        selected[i] = cand_stack[loo, i, s_idx, :]
    final_mean = cand_stack[choice, k, s_idx, :]
    final_mean = np.where(np.isnan(final_mean), 0.0, final_mean)

    resid = (actual - selected) / scale_k[:, :, None]
    calibrator = ResidualCalibrator(resid, classes_k)
    cum_resid = (np.cumsum(actual, axis=2) - np.cumsum(selected, axis=2)) / scale_k[:, :, None]
    cum_calibrator = ResidualCalibrator(cum_resid, classes_k)
    probs = interval_probs(config.levels)
    bounds_k = np.full((k, panel.n_series, horizon, len(probs)), np.nan)
    for i in range(k):
        q = calibrator.quantiles(probs, exclude_origin=i)
        sc = np.where(np.isnan(scale_k[i]), 0.0, scale_k[i])
        bounds_k[i] = ResidualCalibrator.apply(selected[i], sc, classes_k[i], q)
    final_scale = np.where(np.isnan(builder.scale[:, t_len - 1]), 0.0, builder.scale[:, t_len - 1])
    final_classes = demand_class(builder.adi[:, t_len - 1], builder.cv2[:, t_len - 1])
    bounds = ResidualCalibrator.apply(final_mean, final_scale, final_classes, calibrator.quantiles(probs))
    tick("calibration")
    timings["total"] = time.perf_counter() - t0
    _log.info("forecast_fitted", series=panel.n_series, periods=t_len, origins=len(origins), **timings)

    windows = OriginWindows(
        origins=origins,
        origin_dates=[str(panel.periods[o].date()) for o in origins],
        actual=actual,
        candidates={n: cands[n][:k] for n in names},
        selected=selected,
        scale=scale_k,
        classes=classes_k,
        mase_scale=m_scale,
        rmsse_scale=r_scale,
        bounds=bounds_k,
        cum_calibrator=cum_calibrator,
    )
    return ForecastResult(
        ids=panel.ids,
        history_end=panel.periods[-1],
        periods=panel.future_periods(horizon),
        mean=final_mean,
        bounds=bounds,
        levels=config.levels,
        method=[names[c] for c in choice],
        scale=final_scale,
        classes=final_classes,
        cum_calibrator=cum_calibrator,
        candidates={n: cands[n][k] for n in names},
        windows=windows,
        config=config,
        timings=timings,
    )
