"""A dense (series x period) matrix view of many time series.

Every method in the package (features, baselines, backtest) works on whole matrices at once instead of
looping over thousands of series in Python. Cells before a series' first period are NaN; cells after it
are real observations (zeros included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["FloatArray", "IntArray", "Panel"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Panel:
    """Aligned series on one regular calendar."""

    ids: list[str]
    periods: pd.DatetimeIndex
    y: FloatArray
    price: FloatArray | None
    freq: str
    season_length: int

    @property
    def n_series(self) -> int:
        return len(self.ids)

    @property
    def n_periods(self) -> int:
        return len(self.periods)

    @property
    def start(self) -> IntArray:
        """Index of each series' first observed period (``n_periods`` when it has none)."""
        valid = ~np.isnan(self.y)
        first = np.where(valid.any(axis=1), valid.argmax(axis=1), self.n_periods)
        return first.astype(np.int64)

    def truncate(self, end: int) -> Panel:
        """The panel as it was known at period index ``end - 1`` (periods ``[0, end)``)."""
        return Panel(
            ids=self.ids,
            periods=self.periods[:end],
            y=self.y[:, :end],
            price=None if self.price is None else self.price[:, :end],
            freq=self.freq,
            season_length=self.season_length,
        )

    def future_periods(self, horizon: int) -> pd.DatetimeIndex:
        """The ``horizon`` periods after the last one."""
        return pd.date_range(self.periods[-1], periods=horizon + 1, freq=self.freq)[1:]

    @classmethod
    def from_long(
        cls,
        frame: pd.DataFrame,
        *,
        freq: str,
        season_length: int,
        id_col: str = "series_id",
        time_col: str = "week",
        target_col: str = "demand",
        price_col: str | None = "price",
    ) -> Panel:
        """Build from long rows; missing periods after a series' first row become zeros."""
        if frame.empty:
            raise ValueError("cannot build a panel from an empty frame")
        times = pd.DatetimeIndex(pd.to_datetime(frame[time_col]))
        periods = pd.date_range(times.min(), times.max(), freq=freq)
        if len(periods) == 0 or periods[0] != times.min():
            raise ValueError(f"period {times.min()} is not on the {freq!r} calendar")
        ids_cat = pd.Categorical(frame[id_col].astype(str))
        ids = [str(c) for c in ids_cat.categories]
        row = ids_cat.codes.astype(np.int64)
        col = periods.get_indexer(times)
        if (col < 0).any():
            bad = times[col < 0][0]
            raise ValueError(f"period {bad} is not on the {freq!r} calendar starting {periods[0]}")
        shape = (len(ids), len(periods))
        y = np.full(shape, np.nan)
        y[row, col] = frame[target_col].to_numpy(dtype=np.float64)
        first = np.full(len(ids), len(periods), dtype=np.int64)
        np.minimum.at(first, row, col)
        after = np.arange(len(periods))[None, :] >= first[:, None]
        y = np.where(after & np.isnan(y), 0.0, y)
        price: FloatArray | None = None
        if price_col is not None and price_col in frame.columns:
            values = frame[price_col].to_numpy(dtype=np.float64)
            if np.isfinite(values).any():
                price = np.full(shape, np.nan)
                price[row, col] = values
        return cls(ids=ids, periods=periods, y=y, price=price, freq=freq, season_length=season_length)

    def to_long(self) -> pd.DataFrame:
        """Observed cells as long rows ``series_id, period, y``."""
        rows, cols = np.nonzero(~np.isnan(self.y))
        return pd.DataFrame({
            "series_id": np.asarray(self.ids, dtype=object)[rows],
            "period": self.periods[cols],
            "y": self.y[rows, cols],
        })
