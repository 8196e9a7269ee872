"""No feature, model or baseline may look past its origin: perturbing the future changes nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autoops.forecast import fit_forecast, validate_order_lines, weekly_demand
from autoops.forecast.baselines import baseline_forecasts
from autoops.forecast.features import FeatureBuilder
from autoops.forecast.forecaster import validation_origins
from autoops.forecast.gbm import GbmFitter, fit_predict_gbm, predict_gbm, training_rows
from autoops.forecast.panel import Panel

from ._helpers import small_config


def _panel(order_lines: pd.DataFrame) -> Panel:
    clean, _ = validate_order_lines(order_lines)
    return Panel.from_long(weekly_demand(clean), freq="W-MON", season_length=52)


def _perturbed(panel: Panel, origin: int, seed: int) -> Panel:
    """Same panel, with every observation after ``origin`` shuffled and scaled (NaN layout kept)."""
    rng = np.random.default_rng(seed)
    y = panel.y.copy()
    future = y[:, origin + 1 :]
    observed = ~np.isnan(future)
    values = future[observed]
    future[observed] = rng.permutation(values) * rng.uniform(0.0, 5.0, values.size)
    y[:, origin + 1 :] = future
    price = None if panel.price is None else panel.price.copy()
    if price is not None:
        price[:, origin + 1 :] = rng.uniform(0.5, 50.0, price[:, origin + 1 :].shape)
    return Panel(ids=panel.ids, periods=panel.periods, y=y, price=price, freq=panel.freq,
                 season_length=panel.season_length)


def test_model_and_baselines_ignore_data_after_the_origin(order_lines: pd.DataFrame) -> None:
    panel = _panel(order_lines)
    config = small_config()
    origin = panel.n_periods - 1 - 20
    other = _perturbed(panel, origin, seed=5)
    assert not np.allclose(np.nan_to_num(panel.y[:, origin + 1 :]), np.nan_to_num(other.y[:, origin + 1 :]))

    forecasts = []
    baselines = []
    for p in (panel, other):
        builder = FeatureBuilder(p, config.horizon)
        forecasts.append(fit_predict_gbm(builder, training_rows(builder, config), origin, config))
        baselines.append(baseline_forecasts(p.y, [origin - 10, origin], config.horizon, 52, config.methods))
    assert np.isfinite(forecasts[0][~np.isnan(panel.y[:, origin])]).all()
    np.testing.assert_array_equal(forecasts[0], forecasts[1])
    for name in baselines[0]:
        np.testing.assert_array_equal(baselines[0][name], baselines[1][name], err_msg=name)


def test_feature_rows_before_the_origin_do_not_change(order_lines: pd.DataFrame) -> None:
    panel = _panel(order_lines)
    origin = panel.n_periods - 1 - 13
    a, b = FeatureBuilder(panel, 13), FeatureBuilder(_perturbed(panel, origin, seed=9), 13)
    s, t = np.nonzero(~np.isnan(panel.y[:, : origin + 1]))
    h = np.full(len(s), 13, dtype=np.int64)
    xa, sa = a.rows(s.astype(np.int64), t.astype(np.int64), h)
    xb, sb = b.rows(s.astype(np.int64), t.astype(np.int64), h)
    np.testing.assert_array_equal(xa, xb)
    np.testing.assert_array_equal(sa, sb)


def test_reused_bins_do_not_leak_the_future_into_validation_forecasts(order_lines: pd.DataFrame) -> None:
    """The final model reuses the validation model's bins; the validation model must not see later rows.

    Perturbing everything after the first validation origin must leave the model's forecasts from that
    origin unchanged in a full run, even though the final model (trained on the perturbed rows too) is
    fitted from the same binned feature matrix.
    """
    panel = _panel(order_lines)
    config = small_config()
    first = validation_origins(panel.n_periods, config)[0]
    a = fit_forecast(panel, config)
    b = fit_forecast(_perturbed(panel, first, seed=3), config)
    np.testing.assert_array_equal(a.windows.candidates["lgbm"][0], b.windows.candidates["lgbm"][0])
    assert not np.array_equal(a.candidates["lgbm"], b.candidates["lgbm"])


def test_fitter_refuses_an_earlier_cutoff_and_matches_a_fresh_fit(order_lines: pd.DataFrame) -> None:
    panel = _panel(order_lines)
    config = small_config()
    builder = FeatureBuilder(panel, config.horizon)
    rows = training_rows(builder, config)
    origin = panel.n_periods - 1 - 20
    fitter = GbmFitter(builder, rows, config)
    shared = predict_gbm(builder, fitter.fit(origin), origin, config)
    np.testing.assert_array_equal(shared, fit_predict_gbm(builder, rows, origin, config))
    later = fitter.fit(panel.n_periods - 1)
    assert later is not None
    with pytest.raises(ValueError, match="cutoffs must not decrease"):
        fitter.fit(origin)
