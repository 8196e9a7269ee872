from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autoops.forecast import (
    InsufficientHistoryError,
    PolicyConfig,
    evaluate_validation,
    fit_forecast,
    forecast_frame,
    stock_policy,
    validate_order_lines,
    weekly_demand,
)
from autoops.forecast.baselines import baseline_forecasts
from autoops.forecast.metrics import mase_scale, summarize_errors
from autoops.forecast.panel import Panel

from ._helpers import small_config


def _panel(order_lines: pd.DataFrame) -> Panel:
    clean, _ = validate_order_lines(order_lines)
    return Panel.from_long(weekly_demand(clean), freq="W-MON", season_length=52)


def test_same_seed_same_forecast(order_lines: pd.DataFrame) -> None:
    panel = _panel(order_lines)
    a = fit_forecast(panel, small_config(seed=7))
    b = fit_forecast(panel, small_config(seed=7))
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.bounds, b.bounds)
    assert a.method == b.method
    pd.testing.assert_frame_equal(forecast_frame(a), forecast_frame(b))
    pd.testing.assert_frame_equal(stock_policy(a, PolicyConfig()), stock_policy(b, PolicyConfig()))
    ev_a, per_a = evaluate_validation(a, PolicyConfig())
    ev_b, per_b = evaluate_validation(b, PolicyConfig())
    assert ev_a == ev_b
    pd.testing.assert_frame_equal(per_a, per_b)
    c = fit_forecast(panel, small_config(seed=8))
    assert not np.array_equal(a.candidates["lgbm"], c.candidates["lgbm"])


def test_forecast_shapes_order_and_no_series_worse_than_its_choice(order_lines: pd.DataFrame) -> None:
    panel = _panel(order_lines)
    res = fit_forecast(panel, small_config())
    assert res.mean.shape == (panel.n_series, 8)
    assert (res.mean >= 0).all()
    for level in (80, 95):
        assert (res.lower(level) <= res.mean + 1e-9).all() and (res.upper(level) >= res.mean - 1e-9).all()
    assert (res.upper(95) >= res.upper(80) - 1e-9).all()
    assert res.periods[0] == panel.periods[-1] + pd.Timedelta(weeks=1)
    evaluation, per_series = evaluate_validation(res)
    names = {m.method for m in evaluation.methods}
    assert {"autoops", "lgbm", "ses", "seasonal_naive", "tsb"} <= names
    assert set(per_series.columns) >= {"series_id", "mase_autoops", "coverage_80"}
    assert len(evaluation.error_by_horizon["autoops"]) == 8


def test_new_items_get_a_forecast_from_their_short_history() -> None:
    periods = pd.date_range("2023-01-02", periods=80, freq="W-MON")
    rows = [pd.DataFrame({"series_id": f"old{i}", "week": periods, "demand": 20.0 + (np.arange(80) % 5) + i})
            for i in range(8)]
    rows.append(pd.DataFrame({"series_id": "new", "week": periods[-3:], "demand": [9.0, 11.0, 10.0]}))
    panel = Panel.from_long(pd.concat(rows), freq="W-MON", season_length=52, price_col=None)
    res = fit_forecast(panel, small_config(n_origins=2))
    new = res.ids.index("new")
    assert 5.0 < res.mean[new].mean() < 15.0
    assert np.isfinite(res.upper(95)[new]).all()


def test_too_short_history_is_explained() -> None:
    periods = pd.date_range("2024-01-01", periods=12, freq="W-MON")
    frame = pd.DataFrame({"series_id": "a", "week": periods, "demand": 1.0})
    panel = Panel.from_long(frame, freq="W-MON", season_length=52, price_col=None)
    with pytest.raises(InsufficientHistoryError, match="provide at least"):
        fit_forecast(panel, small_config())


def test_baselines_on_textbook_series() -> None:
    t = np.arange(48)
    seasonal = 10.0 + np.tile([0.0, 5.0, -3.0, 1.0], 12)
    flat = np.full(48, 7.0)
    intermittent = np.where(t % 4 == 0, 8.0, 0.0)
    y = np.vstack([seasonal, flat, intermittent])
    fc = baseline_forecasts(y, [47], 6, 4, ("seasonal_naive", "ses", "tsb", "seasonal_ses"))
    np.testing.assert_allclose(fc["seasonal_naive"][0, 0], np.tile(seasonal[44:48], 2)[:6])
    np.testing.assert_allclose(fc["ses"][0, 1], 7.0)
    # TSB converges to probability 1/4 times size 8 = 2 per period
    assert fc["tsb"][0, 2, 0] == pytest.approx(2.0, abs=0.6)
    # a perfectly seasonal series is reproduced by seasonal SES
    np.testing.assert_allclose(fc["seasonal_ses"][0, 0], np.tile(seasonal[44:48], 2)[:6], rtol=0.05)


def test_mase_is_scaled_by_in_sample_seasonal_naive_error() -> None:
    y = np.array([[1.0, 2.0, 3.0, 2.0, 4.0, 5.0]])  # m = 2: |3-1|, |2-2|, |4-3|, |5-2| -> mean 1.5
    np.testing.assert_allclose(mase_scale(y, 2), [1.5])
    r = summarize_errors(np.array([[6.0, 6.0]]), np.array([[3.0, 6.0]]), np.array([1.5]), np.array([1.0]))
    assert r["MASE"] == pytest.approx(1.5 / 1.5)
    assert r["WAPE"] == pytest.approx(3 / 12)
    assert r["bias"] == pytest.approx(-3 / 12)
