"""Static timer values: dates, durations, cycles and Spring cron, with hand-computed fire times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from autoops.bpmn.timers import (
    CronSchedule,
    Duration,
    RepeatingInterval,
    TimerValueError,
    parse_cron,
    parse_cycle,
    parse_date,
    parse_duration,
)

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --------------------------------------------------------------------------- dates


def test_date_with_z_is_utc() -> None:
    assert parse_date("2019-10-01T12:00:00Z") == utc(2019, 10, 1, 12)


def test_date_with_offset_keeps_offset() -> None:
    value = parse_date("2019-10-02T08:09:40+02:00")
    assert value.utcoffset() == timedelta(hours=2)
    assert value == utc(2019, 10, 2, 6, 9, 40)


def test_date_with_zone_only_uses_zone_rules() -> None:
    value = parse_date("2019-10-02T08:09:40[Europe/Berlin]")
    assert value.tzinfo == BERLIN
    assert value.utcoffset() == timedelta(hours=2)  # summer time in October


def test_date_with_offset_and_zone() -> None:
    value = parse_date("2019-12-02T08:09:40+01:00[Europe/Berlin]")
    assert value == utc(2019, 12, 2, 7, 9, 40)
    assert value.tzinfo == BERLIN


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2019-10-02T08:09:40", "no offset or zone"),
        ("2019-10-02", "without a time"),
        ("2019-10-02T08:09:40[Mars/Olympus]", "unknown time zone"),
        ("yesterday", "not an ISO 8601 date-time"),
        ("2019-13-02T08:09:40Z", "not an ISO 8601 date-time"),
    ],
)
def test_bad_dates_are_rejected(text: str, fragment: str) -> None:
    with pytest.raises(TimerValueError, match=fragment):
        parse_date(text)


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT15M", Duration(minutes=15)),
        ("P1DT12H", Duration(days=1, hours=12)),
        ("P2W", Duration(weeks=2)),
        ("P1Y2M3W4DT5H6M7S", Duration(1, 2, 3, 4, 5, 6, 7.0)),
        ("PT1.5S", Duration(seconds=1.5)),
        ("PT0S", Duration()),
        ("-PT5S", Duration(seconds=-5.0)),
        ("-P1DT2H", Duration(days=-1, hours=-2)),
        ("P-1D", Duration(days=-1)),
        ("pt10m", Duration(minutes=10)),
    ],
)
def test_durations_parse(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P", "PT", "P1H", "P1.5D", "15M", "", "PT1S5M", "P1DT"])
def test_bad_durations_are_rejected(text: str) -> None:
    with pytest.raises(TimerValueError, match="not an ISO 8601 duration"):
        parse_duration(text)


def test_zero_and_negative_durations_do_not_move_forward() -> None:
    start = utc(2025, 1, 1)
    assert not parse_duration("PT0S").is_positive(start)
    assert not parse_duration("-PT1M").is_positive(start)
    assert parse_duration("PT1S").is_positive(start)


def test_month_addition_clamps_to_month_end() -> None:
    assert parse_duration("P1M").add_to(utc(2025, 1, 31)) == utc(2025, 2, 28)
    assert parse_duration("P1M").add_to(utc(2024, 1, 31)) == utc(2024, 2, 29)
    assert parse_duration("P1Y").add_to(utc(2024, 2, 29)) == utc(2025, 2, 28)
    assert parse_duration("-P2M").add_to(utc(2025, 1, 15)) == utc(2024, 11, 15)


def test_days_are_wall_clock_and_hours_are_elapsed_across_dst() -> None:
    # Berlin moves from +01:00 to +02:00 on 2025-03-30 at 02:00.
    before = datetime(2025, 3, 29, 12, 0, tzinfo=BERLIN)
    assert parse_duration("P1D").add_to(before) == datetime(2025, 3, 30, 12, 0, tzinfo=BERLIN)
    after_24h = parse_duration("PT24H").add_to(before)
    assert (after_24h.hour, after_24h.utcoffset()) == (13, timedelta(hours=2))


def test_total_seconds() -> None:
    assert parse_duration("P1DT1H").total_seconds() == 90000.0
    assert parse_duration("P1M").total_seconds(utc(2025, 2, 1)) == 28 * 86400.0


# --------------------------------------------------------------------------- cycles


def test_cycle_without_start_is_relative_to_the_moment() -> None:
    cycle = parse_cycle("R5/PT10S")
    assert isinstance(cycle, RepeatingInterval)
    assert cycle.repetitions == 5
    assert cycle.next_after(utc(2025, 1, 1, 12)) == utc(2025, 1, 1, 12, 0, 10)


def test_unbounded_cycle() -> None:
    cycle = parse_cycle("R/P1D")
    assert isinstance(cycle, RepeatingInterval)
    assert cycle.repetitions is None
    assert cycle.next_after(utc(2025, 1, 1, 8)) == utc(2025, 1, 2, 8)


def test_cycle_with_start_follows_its_grid() -> None:
    cycle = parse_cycle("R3/2022-04-27T17:20:00Z/P1D")
    assert isinstance(cycle, RepeatingInterval)
    assert cycle.start == utc(2022, 4, 27, 17, 20)
    assert cycle.next_after(utc(2022, 4, 1)) == utc(2022, 4, 27, 17, 20)
    assert cycle.next_after(utc(2022, 4, 27, 17, 20)) == utc(2022, 4, 28, 17, 20)
    assert cycle.next_after(utc(2022, 4, 28, 18, 0)) == utc(2022, 4, 29, 17, 20)


def test_cycle_with_start_and_months_steps_by_calendar() -> None:
    cycle = parse_cycle("R/2025-01-31T00:00:00Z/P1M")
    assert isinstance(cycle, RepeatingInterval)
    assert cycle.next_after(utc(2025, 1, 31)) == utc(2025, 2, 28)
    assert cycle.next_after(utc(2025, 2, 28)) == utc(2025, 3, 28)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("R3/PT", "not an ISO 8601 duration"),
        ("R3/2022-04-27T17:20:00Z/P1D/x", "too many"),
        ("R3/2022-04-27T17:20:00/P1D", "no offset or zone"),
        ("R3", "not a cycle"),
        ("every day", "six-field cron"),
    ],
)
def test_bad_cycles_are_rejected(text: str, fragment: str) -> None:
    with pytest.raises(TimerValueError, match=fragment):
        parse_cycle(text)


def test_cycle_text_may_be_cron() -> None:
    assert isinstance(parse_cycle("0 0 9-17 * * MON-FRI"), CronSchedule)


# --------------------------------------------------------------------------- cron (hand computed)

# Calendar facts used below: 2025-01-01 is a Wednesday, so 2025-01-03 is a Friday, 2025-01-06 a
# Monday, 2025-07-01 a Tuesday, 2025-06-13 the first Friday the 13th of 2025, 2025-01-31 the last
# Friday of January and 2025-02-15 a Saturday.


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 0 9-17 * * MON-FRI", utc(2025, 1, 3, 17, 30), utc(2025, 1, 6, 9)),
        ("0 0 9-17 * * MON-FRI", utc(2025, 1, 6, 9), utc(2025, 1, 6, 10)),
        ("*/15 * * * * *", utc(2025, 1, 1, 12, 0, 7), utc(2025, 1, 1, 12, 0, 15)),
        ("*/15 * * * * *", utc(2025, 1, 1, 12, 0, 59, 500000), utc(2025, 1, 1, 12, 1, 0)),
        ("0 30 8 1 * ?", utc(2025, 1, 15), utc(2025, 2, 1, 8, 30)),
        ("0 0 0 L * *", utc(2024, 2, 10), utc(2024, 2, 29)),
        ("0 0 0 L * *", utc(2023, 2, 10), utc(2023, 2, 28)),
        ("0 0 0 L-1 * *", utc(2023, 2, 10), utc(2023, 2, 27)),
        ("0 0 12 * JAN,JUL MON", utc(2025, 2, 1), utc(2025, 7, 7, 12)),
        ("0 0 0 13 * FRI", utc(2025, 1, 1), utc(2025, 6, 13)),
        ("0 0 10 ? * 5L", utc(2025, 1, 1), utc(2025, 1, 31, 10)),
        ("0 0 10 ? * FRIL", utc(2025, 1, 1), utc(2025, 1, 31, 10)),
        ("0 0 10 ? * MON#2", utc(2025, 1, 1), utc(2025, 1, 13, 10)),
        ("0 0 0 15W * *", utc(2025, 2, 1), utc(2025, 2, 14)),
        ("0 0 0 LW * *", utc(2025, 5, 1), utc(2025, 5, 30)),
        ("0 0 0 * * 7", utc(2025, 1, 1), utc(2025, 1, 5)),
        ("0 0 0 * * 0", utc(2025, 1, 1), utc(2025, 1, 5)),
        ("0 0 0 1 1 *", utc(2025, 6, 1), utc(2026, 1, 1)),
        ("0 0/20 6-7 * * *", utc(2025, 1, 1, 7, 41), utc(2025, 1, 2, 6, 0)),
        ("30 5 4 1,15 * *", utc(2025, 1, 2), utc(2025, 1, 15, 4, 5, 30)),
        ("@daily", utc(2025, 1, 1, 10), utc(2025, 1, 2)),
        ("@hourly", utc(2025, 1, 1, 10, 59, 59), utc(2025, 1, 1, 11)),
    ],
)
def test_cron_next_fire(expression: str, after: datetime, expected: datetime) -> None:
    assert parse_cron(expression).next_after(after) == expected


def test_cron_that_never_fires_returns_none() -> None:
    assert parse_cron("0 0 0 30 2 *").next_after(utc(2025, 1, 1)) is None


def test_cron_runs_in_the_zone_of_the_moment() -> None:
    after = datetime(2025, 3, 1, 10, 0, tzinfo=BERLIN)
    assert parse_cron("0 0 9 * * *").next_after(after) == datetime(2025, 3, 2, 9, 0, tzinfo=BERLIN)
    fixed = timezone(timedelta(hours=-5))
    result = parse_cron("0 0 9 * * *").next_after(datetime(2025, 3, 1, 10, tzinfo=fixed))
    assert result is not None and result.tzinfo == fixed and result.day == 2


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("0 0 25 * * *", "out of range"),
        ("* * * *", "has 4 fields"),
        ("0 0 0 * * FOO", "not a valid day-of-week"),
        ("0 */0 * * * *", "positive number"),
        ("0 5-1 * * * *", "runs backwards"),
        ("0 0 0 32 * *", "out of range"),
        ("0 0 0 * 13 *", "out of range"),
        ("0 0 0 * * MON#6", "occurrence 1-5"),
        ("0 0 0 ,1 * *", "empty list item"),
    ],
)
def test_bad_cron_is_rejected(expression: str, fragment: str) -> None:
    with pytest.raises(TimerValueError, match=fragment):
        parse_cron(expression)
