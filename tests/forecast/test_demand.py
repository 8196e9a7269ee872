from __future__ import annotations

import numpy as np
import pandas as pd

from autoops.forecast import validate_order_lines, weekly_demand
from autoops.forecast.panel import Panel


def _lines(rows: list[tuple[str, str, float]], location: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["ordered_at", "sku", "quantity"])
    frame.insert(0, "order_id", [f"O{i}" for i in range(len(frame))])
    frame["unit_price"] = 2.0
    if location is not None:
        frame["location"] = location
    clean, _ = validate_order_lines(frame)
    return clean


def test_calendar_is_filled_with_zeros_from_each_first_sale() -> None:
    lines = _lines([
        ("2024-01-01", "A", 5), ("2024-01-03", "A", 1),   # week of Mon 2024-01-01
        ("2024-01-24", "A", 2),                            # week of 01-22, weeks 01-08 and 01-15 empty
        ("2024-01-16", "B", 4),                            # B starts in week 01-15
        ("2024-02-04", "B", 1),                            # Sunday: last week complete (Mon..Sun)
    ])
    weekly = weekly_demand(lines)
    a = weekly[weekly["sku"] == "A"]
    b = weekly[weekly["sku"] == "B"]
    assert a["week"].dt.strftime("%m-%d").tolist() == ["01-01", "01-08", "01-15", "01-22", "01-29"]
    assert a["demand"].tolist() == [6.0, 0.0, 0.0, 2.0, 0.0]
    assert b["week"].dt.strftime("%m-%d").tolist() == ["01-15", "01-22", "01-29"]
    assert b["demand"].tolist() == [4.0, 0.0, 1.0]
    assert (weekly["week"].dt.dayofweek == 0).all()


def test_week_start_and_partial_last_week() -> None:
    lines = _lines([("2024-01-07", "A", 1), ("2024-01-14", "A", 2), ("2024-01-15", "A", 3)])
    sunday = weekly_demand(lines, week_start="SUN", drop_partial_last_week=False)
    assert sunday["week"].dt.strftime("%m-%d").tolist() == ["01-07", "01-14"]
    assert sunday["demand"].tolist() == [1.0, 5.0]
    # with the default, the Sunday week 01-14 holds two days of data only and is left out
    assert weekly_demand(lines, week_start="SUN")["demand"].tolist() == [1.0]
    # Monday weeks: the last order is on Monday 01-15, a week with one day of data, so it is dropped.
    monday = weekly_demand(lines, week_start="MON")
    assert monday["week"].dt.strftime("%m-%d").tolist() == ["01-01", "01-08"]
    kept = weekly_demand(lines, week_start="MON", drop_partial_last_week=False)
    assert kept["demand"].tolist() == [1.0, 2.0, 3.0]


def test_returns_are_netted_and_net_demand_floored_at_zero() -> None:
    lines = _lines([
        ("2024-01-01", "A", 10), ("2024-01-02", "A", -3),
        ("2024-01-09", "A", -4), ("2024-01-14", "A", 1),
    ])
    weekly = weekly_demand(lines)
    assert weekly["demand"].tolist() == [7.0, 0.0]
    assert weekly["returns"].tolist() == [3.0, 4.0]
    assert weekly["gross"].tolist() == [10.0, 1.0]


def test_locations_split_series_and_build_a_panel() -> None:
    lines = _lines(
        [("2024-01-01", "A", 1), ("2024-01-02", "A", 2), ("2024-01-10", "A", 4), ("2024-01-14", "A", 1)],
        location=["N", "S", "N", "N"],
    )
    weekly = weekly_demand(lines)
    assert sorted(weekly["series_id"].unique()) == ["A@N", "A@S"]
    panel = Panel.from_long(weekly, freq="W-MON", season_length=52)
    assert panel.ids == ["A@N", "A@S"]
    np.testing.assert_array_equal(panel.y, [[1.0, 5.0], [2.0, 0.0]])
