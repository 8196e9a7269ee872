"""Small, fast inputs shared by the forecasting tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from autoops.forecast import ForecastConfig, GbmParams
from autoops.forecast.panel import Panel


def small_config(**overrides: object) -> ForecastConfig:
    """A fast configuration: few trees, three origins; the method is the same as the default."""
    base: dict[str, object] = {
        "horizon": 8,
        "n_origins": 3,
        "origin_step": 8,
        "gbm": GbmParams(num_boost_round=40, min_data_in_leaf=20),
        # one thread: OpenMP barriers make multi-threaded LightGBM crawl on a busy machine
        "num_threads": 1,
    }
    base.update(overrides)
    return ForecastConfig.model_validate(base)


def seasonal_panel(n_series: int = 30, n_periods: int = 120, noise: float = 1.0, seed: int = 0) -> Panel:
    """Stationary seasonal series with Gaussian noise of known standard deviation."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)
    level = rng.uniform(20, 40, n_series)[:, None]
    season = 3.0 * np.sin(2 * np.pi * t / 13)[None, :]
    y = level + season + rng.normal(0.0, noise, (n_series, n_periods))
    periods = pd.date_range("2020-01-06", periods=n_periods, freq="W-MON")
    return Panel(ids=[f"S{i:03d}" for i in range(n_series)], periods=periods, y=y, price=None,
                 freq="W-MON", season_length=13)
