from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autoops.forecast import ForecastConfigError, PolicyConfig, stock_policy
from autoops.forecast.calibration import ResidualCalibrator
from autoops.forecast.forecaster import ForecastResult, OriginWindows
from autoops.forecast.policy import achieved_service, normal_safety_stock, order_up_to

from ._helpers import small_config


def test_order_up_to_sums_the_forecast_and_scales_the_quantile() -> None:
    mean = np.array([[10.0, 10.0, 10.0, 10.0], [1.0, 2.0, 3.0, 4.0]])
    q = np.zeros((4, 4))
    q[0, 2] = 1.5  # smooth class, three periods
    q[3, 2] = -0.4  # lumpy class: negative quantile gives no safety stock, never a negative one
    demand, safety = order_up_to(mean, np.array([2.0, 1.0]), np.array([0, 3]), q, 3)
    np.testing.assert_allclose(demand, [30.0, 6.0])
    np.testing.assert_allclose(safety, [3.0, 0.0])


def test_normal_formula() -> None:
    # z(0.95) = 1.644854; 1.644854 * 10 * sqrt(4) = 32.897
    np.testing.assert_allclose(normal_safety_stock(np.array([10.0]), 4, 0.95), [32.8971], atol=1e-3)


def test_achieved_service_counts_windows_and_shortfall() -> None:
    actual = np.array([[[5.0, 5.0, 99.0]], [[8.0, 6.0, 0.0]]])  # two origins, one series, P = 2
    mean = np.full((2, 1, 3), 5.0)
    safety = np.array([[1.0], [1.0]])  # S = 11 for both windows
    got = achieved_service(actual, mean, safety, 2)
    assert got["cycle_service"] == 0.5  # 10 <= 11, 14 > 11
    assert got["fill_rate"] == pytest.approx(1 - 3 / 24)
    assert got["windows"] == 2


def _result(mean: np.ndarray, scale: np.ndarray) -> ForecastResult:
    s, h = mean.shape
    # every (origin, series) has cumulative residuals 0, 1, ..., 39 spread over 40 series
    cum = np.tile(np.arange(40.0)[None, :, None], (1, 1, h))
    classes = np.zeros((1, 40), dtype=np.int64)
    windows = OriginWindows(
        origins=[0], origin_dates=["2024-01-01"], actual=np.zeros((1, s, h)), candidates={},
        selected=np.zeros((1, s, h)), scale=np.ones((1, s)), classes=np.zeros((1, s), dtype=np.int64),
        mase_scale=np.ones((1, s)), rmsse_scale=np.ones((1, s)), bounds=np.zeros((1, s, h, 4)),
        cum_calibrator=ResidualCalibrator(cum, classes),
    )
    return ForecastResult(
        ids=["A", "B"], history_end=pd.Timestamp("2024-06-24"),
        periods=pd.date_range("2024-07-01", periods=h, freq="W-MON"), mean=mean,
        bounds=np.zeros((s, h, 4)), levels=(80, 95), method=["ses", "ses"], scale=scale,
        classes=np.zeros(s, dtype=np.int64), cum_calibrator=windows.cum_calibrator, candidates={},
        windows=windows, config=small_config(horizon=h),
    )


def test_stock_policy_hand_computed() -> None:
    mean = np.array([[10.0] * 4, [2.0] * 4])
    result = _result(mean, scale=np.array([0.5, 2.0]))
    inventory = pd.DataFrame({"sku": ["A", "B"], "on_hand": [12.0, 40.0], "on_order": [5.0, 0.0],
                              "backorders": [2.0, 0.0]})
    table = stock_policy(result, PolicyConfig(service_level=0.95, lead_time=2, review_period=1), inventory)
    # Steps 1-3 pool three identical sets of residuals 0..39: n = 120, rank ceil(121 * 0.95) = 115,
    # the 115th smallest of (0,0,0,1,1,1,...) is 38. Lead time 2 pools steps 1-3 too (window h-1..h+1).
    a, b = table.iloc[0], table.iloc[1]
    assert a["forecast_protection"] == 30.0 and a["forecast_lead_time"] == 20.0
    assert a["safety_stock"] == pytest.approx(38 * 0.5)
    assert a["order_up_to"] == pytest.approx(30 + 19)
    assert a["reorder_point"] == pytest.approx(20 + 19)
    assert a["inventory_position"] == pytest.approx(12 + 5 - 2)
    assert a["order_quantity"] == pytest.approx(49 - 15)
    assert b["safety_stock"] == pytest.approx(76.0)
    assert b["order_quantity"] == pytest.approx(0.0 + max(0.0, 6 + 76 - 40))


def test_policy_longer_than_horizon_is_refused() -> None:
    result = _result(np.ones((2, 4)), np.ones(2))
    with pytest.raises(ForecastConfigError, match="exceeds the forecast horizon 4"):
        stock_policy(result, PolicyConfig(lead_time=4, review_period=1))
