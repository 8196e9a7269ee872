from __future__ import annotations

import numpy as np

from autoops.forecast import run_backtest
from autoops.forecast.calibration import ResidualCalibrator, conformal_quantile

from ._helpers import seasonal_panel, small_config


def test_conformal_quantile_uses_the_finite_sample_rank() -> None:
    x = np.arange(1.0, 20.0)  # n = 19
    assert conformal_quantile(x, 0.9) == 18.0  # ceil(20 * 0.9) = 18th smallest
    assert conformal_quantile(x, 0.1) == 2.0  # floor(20 * 0.1) = 2nd smallest
    assert conformal_quantile(x, 0.99) == 19.0
    assert np.isnan(conformal_quantile(np.array([np.nan]), 0.5))


def test_sparse_classes_borrow_the_pooled_distribution() -> None:
    resid = np.zeros((1, 50, 1))
    resid[0, :, 0] = np.arange(50.0)
    classes = np.zeros((1, 50), dtype=np.int64)
    classes[0, :5] = 3  # five lumpy series only: too few for their own quantile
    q = ResidualCalibrator(resid, classes, min_samples=40).quantiles((0.5,))
    assert q[3, 0, 0] == conformal_quantile(np.arange(50.0), 0.5)  # pooled: 25
    assert q[0, 0, 0] == conformal_quantile(np.arange(5.0, 50.0), 0.5)  # own 45 residuals: 27


def test_intervals_cover_at_their_nominal_rate_on_known_noise() -> None:
    # 60 seasonal series with N(0, 2) noise; three backtest folds of 8 weeks = 1440 held-out points.
    panel = seasonal_panel(n_series=60, n_periods=110, noise=2.0, seed=3)
    bt = run_backtest(panel, small_config(season_length=13), folds=3, fold_step=8)
    cov = bt.evaluation.coverage
    assert 0.74 <= cov["80"] <= 0.87, cov
    assert 0.91 <= cov["95"] <= 0.985, cov
    # and the intervals are not trivially wide: the 95% band of a N(0, 2) error is about 7.8 wide
    res = bt.results[-1]
    width = (res.upper(95) - res.lower(95)).mean()
    assert 7.0 < width < 12.0, width
