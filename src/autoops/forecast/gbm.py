"""The global LightGBM model: one booster for all series, trained direct-multi-step.

Each training row carries the step ``h`` as a feature and a target ``h`` periods after its origin, so a
single model forecasts all steps without feeding its own predictions back in (no recursion, no error
accumulation, no re-computing features step by step). Sampling one step per (series, origin) keeps the
training set as large as a one-step model's, so the cost stays that of one fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autoops.forecast.config import ForecastConfig
from autoops.forecast.features import FeatureBuilder
from autoops.forecast.panel import FloatArray, IntArray

__all__ = ["GbmFitter", "TrainingRows", "fit_gbm", "fit_predict_gbm", "predict_gbm", "training_rows"]


class TrainingRows:
    """Candidate ``(series, origin, step)`` triples with the target index ``origin + step``."""

    def __init__(self, s: IntArray, t: IntArray, h: IntArray) -> None:
        self.s = s
        self.t = t
        self.h = h

    def until(self, cutoff: int) -> TrainingRows:
        keep = self.t + self.h <= cutoff
        return TrainingRows(self.s[keep], self.t[keep], self.h[keep])


def training_rows(builder: FeatureBuilder, config: ForecastConfig) -> TrainingRows:
    """All origins with enough history, each paired with randomly drawn steps (seeded)."""
    rng = np.random.default_rng(config.seed)
    y = builder.y
    age_ok = np.arange(builder.t_len)[None, :] - builder.start[:, None] >= config.min_train_periods - 1
    s, t = np.nonzero(~np.isnan(y) & age_ok)
    k = config.gbm.horizons_per_origin
    s_rep = np.repeat(s, k).astype(np.int64)
    t_rep = np.repeat(t, k).astype(np.int64)
    h = rng.integers(1, config.horizon + 1, size=len(s_rep)).astype(np.int64)
    keep = np.nonzero(t_rep + h < builder.t_len)[0]
    if len(keep) > config.gbm.max_train_rows:
        keep = np.sort(rng.choice(keep, size=config.gbm.max_train_rows, replace=False))
    return TrainingRows(s_rep[keep], t_rep[keep], h[keep])


def _params(config: ForecastConfig) -> dict[str, Any]:
    g = config.gbm
    return {
        "objective": "regression",
        "learning_rate": g.learning_rate,
        "num_leaves": g.num_leaves,
        "min_data_in_leaf": g.min_data_in_leaf,
        "feature_fraction": g.feature_fraction,
        "bagging_fraction": g.bagging_fraction,
        "bagging_freq": 1,
        "lambda_l2": g.lambda_l2,
        "max_bin": g.max_bin,
        "bin_construct_sample_cnt": g.bin_sample_rows,
        "data_random_seed": config.seed,
        "seed": config.seed,
        "deterministic": True,
        "force_col_wise": True,
        "num_threads": config.num_threads,
        "verbosity": -1,
    }


class GbmFitter:
    """Trains boosters at increasing cutoffs from one feature matrix, binned once.

    Feature rows are assembled once for all training rows. The first (earliest) cutoff's dataset
    finds the bin boundaries from a sample of its own rows; every later dataset reuses them as a
    LightGBM ``reference``, so the costly bin search runs once per run instead of once per fit. Bins
    come only from rows whose target lies at or before the earliest cutoff, so no model ever
    quantises its features with knowledge of what follows its own cutoff.
    """

    def __init__(self, builder: FeatureBuilder, rows: TrainingRows, config: ForecastConfig) -> None:
        self._x, _ = builder.rows(rows.s, rows.t, rows.h)
        self._y = builder.target(rows.s, rows.t, rows.h)
        self._end = rows.t + rows.h
        self._names = builder.names
        self._config = config
        self._reference: Any | None = None
        self._last_cutoff: int | None = None

    def fit(self, cutoff: int) -> Any | None:
        """Train on rows whose target lies at or before ``cutoff``; ``None`` with too little data."""
        import lightgbm as lgb

        if self._last_cutoff is not None and cutoff < self._last_cutoff:
            raise ValueError(
                f"cutoffs must not decrease (got {cutoff} after {self._last_cutoff}): the bins of the "
                "first fit would otherwise see rows after a later fit's cutoff"
            )
        idx = np.nonzero(self._end <= cutoff)[0]
        if len(idx) < 20:
            return None
        self._last_cutoff = cutoff
        g = self._config.gbm
        dataset = lgb.Dataset(
            self._x[idx], label=self._y[idx], feature_name=self._names, reference=self._reference,
            params=_params(self._config), free_raw_data=True,
        )
        if self._reference is None:
            self._reference = dataset.construct()
        return lgb.train(_params(self._config), dataset, num_boost_round=g.num_boost_round)


def fit_gbm(builder: FeatureBuilder, rows: TrainingRows, cutoff: int, config: ForecastConfig) -> Any | None:
    """Train on rows whose target lies at or before ``cutoff``; ``None`` when there is too little data."""
    return GbmFitter(builder, rows, config).fit(cutoff)


def predict_gbm(builder: FeatureBuilder, booster: Any | None, origin: int, config: ForecastConfig) -> FloatArray:
    """Forecast ``(n_series, horizon)`` from ``origin``; NaN for series not observed at the origin."""
    horizon = config.horizon
    out = np.full((builder.y.shape[0], horizon), np.nan)
    alive = np.nonzero(~np.isnan(builder.y[:, origin]))[0].astype(np.int64)
    if booster is None or len(alive) == 0:
        return out
    s = np.repeat(alive, horizon)
    t = np.full(len(s), origin, dtype=np.int64)
    h = np.tile(np.arange(1, horizon + 1, dtype=np.int64), len(alive))
    xp, scale = builder.rows(s, t, h)
    pred = np.asarray(booster.predict(xp, num_threads=config.num_threads), dtype=np.float64)
    out[s, h - 1] = np.clip(pred, 0.0, None) * scale
    return out


def fit_predict_gbm(
    builder: FeatureBuilder, rows: TrainingRows, origin: int, config: ForecastConfig
) -> FloatArray:
    """Train on rows whose target is ``<= origin`` and forecast from ``origin``."""
    return predict_gbm(builder, fit_gbm(builder, rows, origin, config), origin, config)
