"""Accuracy measures shared by selection, backtest and benchmark, so every number means the same.

MASE uses the in-sample seasonal-naive error as its scale (falling back to the one-step naive scale for
series shorter than a season and a bit); RMSSE uses the one-step naive scale as in the M5 competition.
Series with a zero scale (constant history) have no scaled error and are left out of the means.
"""

from __future__ import annotations

import numpy as np

from autoops.forecast.panel import FloatArray

__all__ = ["interval_coverage", "mase_scale", "rmsse_scale", "summarize_errors"]


def _diff_scale(y: FloatArray, lag: int, power: int) -> FloatArray:
    if y.shape[1] <= lag:
        return np.full(y.shape[0], np.nan)
    d = y[:, lag:] - y[:, :-lag]
    valid = ~np.isnan(d)
    total = np.where(valid, np.abs(d) ** power, 0.0).sum(axis=1)
    n = valid.sum(axis=1)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def mase_scale(y: FloatArray, season_length: int) -> FloatArray:
    """Mean absolute seasonal difference of each series' history (NaN when zero or unavailable)."""
    m = max(season_length, 1)
    seasonal = _diff_scale(y, m, 1)
    one = _diff_scale(y, 1, 1)
    n_obs = (~np.isnan(y)).sum(axis=1)
    scale = np.where((n_obs > m) & (seasonal > 0), seasonal, one)
    return np.where(scale > 0, scale, np.nan)


def rmsse_scale(y: FloatArray) -> FloatArray:
    """Mean squared one-step difference of each series' history (NaN when zero or unavailable)."""
    scale = _diff_scale(y, 1, 2)
    return np.where(scale > 0, scale, np.nan)


def interval_coverage(actual: FloatArray, lower: FloatArray, upper: FloatArray) -> float:
    """Share of observed actuals inside ``[lower, upper]``."""
    ok = ~np.isnan(actual) & ~np.isnan(lower) & ~np.isnan(upper)
    if not ok.any():
        return float("nan")
    inside = (actual >= lower - 1e-9) & (actual <= upper + 1e-9)
    return float(inside[ok].mean())


def summarize_errors(
    actual: FloatArray, forecast: FloatArray, mase_s: FloatArray, rmsse_s: FloatArray
) -> dict[str, FloatArray | float]:
    """Per-series and overall errors for arrays shaped ``(..., n_series, horizon)``.

    ``mase_s`` and ``rmsse_s`` broadcast against ``(..., n_series)`` (one scale per origin and series).
    Returns per-series ``mase``/``rmsse`` arrays (averaged over origins and steps) and overall
    ``MASE``, ``RMSSE`` (means over series), ``WAPE`` and ``bias`` (forecast minus actual, relative to
    total actual demand).
    """
    err = forecast - actual
    ok = ~np.isnan(err)
    abs_err = np.where(ok, np.abs(err), 0.0)
    sq_err = np.where(ok, err * err, 0.0)
    n = ok.sum(axis=-1)
    mae = np.where(n > 0, abs_err.sum(axis=-1) / np.maximum(n, 1), np.nan)  # (..., S)
    mse = np.where(n > 0, sq_err.sum(axis=-1) / np.maximum(n, 1), np.nan)
    scaled_mae = mae / mase_s
    scaled_mse = mse / rmsse_s
    if scaled_mae.ndim > 1:
        lead = tuple(range(scaled_mae.ndim - 1))
        per_mase = _nanmean(scaled_mae, lead)
        per_rmsse = np.sqrt(_nanmean(scaled_mse, lead))
    else:
        per_mase = scaled_mae
        per_rmsse = np.sqrt(scaled_mse)
    total_actual = float(np.abs(np.where(ok, actual, 0.0)).sum())
    return {
        "mase": per_mase,
        "rmsse": per_rmsse,
        "MASE": _nanmean_all(per_mase),
        "RMSSE": _nanmean_all(per_rmsse),
        "WAPE": float(abs_err.sum() / total_actual) if total_actual > 0 else float("nan"),
        "bias": float(np.where(ok, err, 0.0).sum() / total_actual) if total_actual > 0 else float("nan"),
    }


def _nanmean(a: FloatArray, axis: tuple[int, ...]) -> FloatArray:
    ok = ~np.isnan(a)
    n = ok.sum(axis=axis)
    total = np.where(ok, a, 0.0).sum(axis=axis)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _nanmean_all(a: FloatArray) -> float:
    ok = ~np.isnan(a)
    return float(a[ok].mean()) if ok.any() else float("nan")
