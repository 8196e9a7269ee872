"""Order lines to weekly net demand per SKU (and location) on a complete calendar.

Weeks without orders are real zeros for a SKU that is on sale, so the calendar is filled from each
series' first sale to the end of the data; before the first sale the series does not exist yet and is
left out rather than padded with zeros that would look like a long run of no demand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from autoops.forecast.config import WeekStart
from autoops.logging import get_logger

__all__ = ["WEEKDAYS", "week_freq", "weekly_demand"]

WEEKDAYS: tuple[WeekStart, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_log = get_logger(__name__)


def week_freq(week_start: WeekStart) -> str:
    """pandas frequency whose timestamps are the configured first day of each week."""
    return f"W-{week_start}"


def _week_of(ts: pd.Series, week_start: WeekStart) -> pd.Series:
    offset = WEEKDAYS.index(week_start)
    day = ts.dt.normalize()
    back = (day.dt.dayofweek - offset) % 7
    weeks: pd.Series = day - pd.to_timedelta(back, unit="D")
    return weeks


def weekly_demand(
    lines: pd.DataFrame,
    *,
    week_start: WeekStart = "MON",
    by_location: bool | None = None,
    drop_partial_last_week: bool = True,
) -> pd.DataFrame:
    """Aggregate validated order lines into one row per series and week.

    Returns columns ``series_id, sku, [location], week, demand, gross, returns, price, lines``:
    ``demand`` is net of returns and floored at zero; ``price`` is the quantity-weighted unit price of
    the week's sales (NaN without sales or prices). ``by_location=None`` splits by location when the
    column exists and has more than one value. A last week covering fewer than six days of data is
    dropped (when ``drop_partial_last_week``) so that it is not mistaken for a collapse in demand.
    """
    frame = lines
    if by_location is None:
        by_location = "location" in frame.columns and frame["location"].nunique() > 1
    keys = ["sku", "location"] if by_location else ["sku"]
    work = pd.DataFrame({k: frame[k].astype(str) for k in keys})
    work["week"] = _week_of(frame["ordered_at"], week_start)
    qty = frame["quantity"].astype("float64")
    work["gross"] = qty.clip(lower=0.0)
    work["returns"] = (-qty).clip(lower=0.0)
    work["net"] = qty
    has_price = "unit_price" in frame.columns
    if has_price:
        price = frame["unit_price"].astype("float64")
        sold = (qty > 0) & price.notna()
        work["value"] = np.where(sold, price * qty, 0.0)
        work["priced_qty"] = np.where(sold, qty, 0.0)
    work["lines"] = 1
    agg = work.groupby([*keys, "week"], sort=True).sum(numeric_only=True).reset_index()

    last_day = frame["ordered_at"].max().normalize()
    end_week = _week_of(pd.Series([last_day]), week_start).iloc[0]
    if drop_partial_last_week and (last_day - end_week).days < 5:
        end_week = end_week - pd.Timedelta(days=7)
        _log.info("partial_last_week_dropped", last_order_day=str(last_day.date()))
    agg = agg[agg["week"] <= end_week]

    first_sale = agg[agg["gross"] > 0].groupby(keys)["week"].min().rename("first_week")
    no_sales = agg.groupby(keys).ngroups - len(first_sale)
    if no_sales:
        _log.info("series_without_sales_skipped", count=no_sales)
    agg = agg.merge(first_sale, left_on=keys, right_index=True, how="inner")
    agg = agg[agg["week"] >= agg["first_week"]]

    freq = week_freq(week_start)
    frames: list[pd.DataFrame] = []
    for key, first in first_sale.items():
        weeks = pd.date_range(first, end_week, freq=freq)
        if len(weeks) == 0:
            continue
        part = pd.DataFrame({"week": weeks})
        key_tuple = key if isinstance(key, tuple) else (key,)
        for name, value in zip(keys, key_tuple, strict=True):
            part[name] = value
        frames.append(part)
    if not frames:
        return pd.DataFrame(columns=["series_id", *keys, "week", "demand", "gross", "returns", "price", "lines"])
    grid = pd.concat(frames, ignore_index=True)
    out = grid.merge(agg.drop(columns=["first_week"]), on=[*keys, "week"], how="left")
    for col in ("gross", "returns", "net", "lines"):
        out[col] = out[col].fillna(0.0)
    out["demand"] = out["net"].clip(lower=0.0)
    if has_price:
        out["price"] = np.where(out["priced_qty"] > 0, out["value"] / out["priced_qty"].where(out["priced_qty"] > 0), np.nan)
    else:
        out["price"] = np.nan
    out["lines"] = out["lines"].astype("int64")
    out["series_id"] = out["sku"] if not by_location else out["sku"] + "@" + out["location"]
    cols = ["series_id", *keys, "week", "demand", "gross", "returns", "price", "lines"]
    return out[cols].sort_values(["series_id", "week"]).reset_index(drop=True)
