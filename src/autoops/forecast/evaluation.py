"""Scoring forecasts made at past origins: accuracy per method, interval coverage, achieved service.

Used twice with the same code: on the validation windows inside one run (cheap, leave-one-origin-out)
and on the outer folds of a full backtest (each fold re-runs the whole forecaster on truncated data).
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel

from autoops.forecast.config import PolicyConfig
from autoops.forecast.forecaster import ForecastResult
from autoops.forecast.metrics import interval_coverage, summarize_errors
from autoops.forecast.panel import FloatArray
from autoops.forecast.policy import achieved_service

__all__ = ["Evaluation", "MethodScore", "PolicyScore", "evaluate", "evaluate_validation"]

PRIMARY = "autoops"


class MethodScore(BaseModel):
    method: str
    MASE: float
    RMSSE: float
    WAPE: float
    bias: float


class PolicyScore(BaseModel):
    """Target versus achieved service of the order-up-to level over past windows."""

    service_target: float
    protection_periods: int
    cycle_service: float
    fill_rate: float
    windows: int
    normal_formula_cycle_service: float
    normal_formula_fill_rate: float


class Evaluation(BaseModel):
    kind: Literal["validation", "backtest"]
    origins: list[str]
    series: int
    methods: list[MethodScore]
    coverage: dict[str, float]
    error_by_horizon: dict[str, list[float]]
    policy: PolicyScore | None = None

    def score(self, method: str) -> MethodScore:
        return next(m for m in self.methods if m.method == method)


def _by_horizon(actual: FloatArray, fc: FloatArray, mase_s: FloatArray) -> list[float]:
    scaled = np.abs(fc - actual) / mase_s[..., None]
    out: list[float] = []
    for h in range(actual.shape[-1]):
        v = scaled[..., h]
        ok = ~np.isnan(v)
        out.append(float(v[ok].mean()) if ok.any() else float("nan"))
    return out


def evaluate(
    *,
    kind: Literal["validation", "backtest"],
    ids: list[str],
    origins: list[str],
    actual: FloatArray,
    forecasts: dict[str, FloatArray],
    mase_s: FloatArray,
    rmsse_s: FloatArray,
    levels: tuple[int, ...],
    bounds: FloatArray | None,
    policy: PolicyConfig | None = None,
    safety: FloatArray | None = None,
    sigma: FloatArray | None = None,
) -> tuple[Evaluation, pd.DataFrame]:
    """Overall scores and a per-series table; arrays are ``(origins, series, steps)``.

    ``forecasts`` must contain :data:`PRIMARY` (the combined forecast); ``bounds`` holds its interval
    bounds ``(origins, series, steps, 2 * levels)``; ``safety`` and ``sigma`` ``(origins, series)``
    enable the achieved-service check of the stock policy.
    """
    scores: list[MethodScore] = []
    per = pd.DataFrame({"series_id": ids})
    by_h: dict[str, list[float]] = {}
    for name, fc in forecasts.items():
        r = summarize_errors(actual, fc, mase_s, rmsse_s)
        scores.append(MethodScore(
            method=name, MASE=float(r["MASE"]), RMSSE=float(r["RMSSE"]),
            WAPE=float(r["WAPE"]), bias=float(r["bias"]),
        ))
        per[f"mase_{name}"] = r["mase"]
        per[f"rmsse_{name}"] = r["rmsse"]
        by_h[name] = _by_horizon(actual, fc, mase_s)
    coverage: dict[str, float] = {}
    if bounds is not None:
        for j, level in enumerate(levels):
            lo, hi = bounds[..., 2 * j], bounds[..., 2 * j + 1]
            coverage[str(level)] = interval_coverage(actual, lo, hi)
            inside = (actual >= lo - 1e-9) & (actual <= hi + 1e-9)
            ok = ~np.isnan(actual)
            n = ok.sum(axis=(0, 2))
            per[f"coverage_{level}"] = np.where(n > 0, (inside & ok).sum(axis=(0, 2)) / np.maximum(n, 1), np.nan)
    policy_score: PolicyScore | None = None
    if policy is not None and safety is not None and sigma is not None:
        p = policy.protection
        primary = forecasts[PRIMARY]
        got = achieved_service(actual, primary, safety, p)
        z = NormalDist().inv_cdf(policy.service_level)
        normal = achieved_service(actual, primary, z * sigma * np.sqrt(p), p)
        policy_score = PolicyScore(
            service_target=policy.service_level,
            protection_periods=p,
            cycle_service=got["cycle_service"],
            fill_rate=got["fill_rate"],
            windows=int(got["windows"]),
            normal_formula_cycle_service=normal["cycle_service"],
            normal_formula_fill_rate=normal["fill_rate"],
        )
    evaluation = Evaluation(
        kind=kind, origins=origins, series=len(ids), methods=scores, coverage=coverage,
        error_by_horizon=by_h, policy=policy_score,
    )
    return evaluation, per


def _loo_sigma(err: FloatArray, exclude: int) -> FloatArray:
    keep = np.array([i != exclude for i in range(err.shape[0])])
    e = err[keep]
    ok = ~np.isnan(e)
    n = ok.sum(axis=(0, 2))
    return np.where(n > 1, np.sqrt(np.where(ok, e * e, 0.0).sum(axis=(0, 2)) / np.maximum(n, 1)), np.nan)


def evaluate_validation(
    result: ForecastResult, policy: PolicyConfig | None = None
) -> tuple[Evaluation, pd.DataFrame]:
    """Score the run's own validation windows (choices and calibration made without the scored origin)."""
    w = result.windows
    forecasts = {PRIMARY: w.selected, **w.candidates}
    safety = sigma = None
    if policy is not None and policy.protection <= result.config.horizon:
        k = len(w.origins)
        p = policy.protection
        safety = np.full(w.scale.shape, np.nan)
        sigma = np.full(w.scale.shape, np.nan)
        err = w.actual - w.selected
        s_idx = np.arange(w.scale.shape[1])
        for i in range(k):
            q = w.cum_calibrator.quantiles((policy.service_level,), exclude_origin=i)[:, :, 0]
            safety[i] = np.clip(q[w.classes[i], p - 1] * w.scale[i], 0.0, None)
            sigma[i] = _loo_sigma(err, i)[s_idx]
    return evaluate(
        kind="validation",
        ids=result.ids,
        origins=w.origin_dates,
        actual=w.actual,
        forecasts=forecasts,
        mase_s=w.mase_scale,
        rmsse_s=w.rmsse_scale,
        levels=result.levels,
        bounds=w.bounds,
        policy=policy,
        safety=safety,
        sigma=sigma,
    )
