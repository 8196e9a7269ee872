"""Parsing and arithmetic of FEEL temporal values (java.time semantics on Python's datetime).

Two java.time behaviours matter and differ from Python's defaults:
- ZonedDateTime.plus(Duration) moves along the instant time line (Python adds wall-clock time for
  same-zone arithmetic), and Duration.between measures elapsed time; both are done in UTC here.
- LocalDate.plus(Period) clamps the day to the end of the month (Jan 31 + P1M = Feb 28/29).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._values import TimeZoneId, YearMonthDuration

__all__ = [
    "add_months",
    "between",
    "parse_date",
    "parse_date_time",
    "parse_duration",
    "parse_temporal",
    "parse_time",
    "plus_duration",
]

UTC = dt.UTC

_DATE_RE = re.compile(r"(-?\d{4,9})-(\d{2})-(\d{2})")
_TIME_RE = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?")
_ZONE_RE = re.compile(r"(Z|[+-]\d{2}:\d{2}(?::\d{2})?|@[A-Za-z][A-Za-z0-9_/+\-]*)?(?:\[([A-Za-z][A-Za-z0-9_/+\-]*)\])?")
_YM_RE = re.compile(r"(-)?P(?:(-?\d+)Y)?(?:(-?\d+)M)?")
_DT_RE = re.compile(
    r"([-+])?P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{1,9}))?S)?)?"
)


def _zone(spec: str | None, bracket: str | None) -> dt.tzinfo | None:
    if bracket:
        return ZoneInfo(bracket)
    if not spec:
        return None
    if spec == "Z":
        return UTC
    if spec.startswith("@"):
        return ZoneInfo(spec[1:])
    sign = 1 if spec[0] == "+" else -1
    parts = [int(p) for p in spec[1:].split(":")]
    seconds = parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)
    if seconds > 18 * 3600:
        raise ValueError("offset out of range")
    return dt.timezone(dt.timedelta(seconds=sign * seconds))


def zone_of(name: str) -> dt.tzinfo | None:
    """A zone from an IANA id, ``Z`` or an offset such as ``+01:00``; None if unknown."""
    try:
        if name == "Z" or name.startswith(("+", "-")):
            return _zone(name, None)
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError, IndexError):
        return None


def parse_date(text: str) -> dt.date | None:
    m = _DATE_RE.fullmatch(text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _clock(m: re.Match[str]) -> tuple[int, int, int, int]:
    hour, minute = int(m.group(1)), int(m.group(2))
    second = int(m.group(3) or 0)
    frac = m.group(4) or ""
    micro = int((frac + "000000")[:6]) if frac else 0
    return hour, minute, second, micro


def parse_time(text: str) -> dt.time | None:
    """``HH:mm[:ss[.fff]]`` with an optional offset (``Z``, ``+01:00``) or ``@Zone/Id``."""
    if text.startswith("T"):
        text = text[1:]
    m = _TIME_RE.match(text)
    if not m:
        return None
    rest = text[m.end() :]
    z = _ZONE_RE.fullmatch(rest)
    if not z:
        return None
    try:
        hour, minute, second, micro = _clock(m)
        tz = _zone(z.group(1), z.group(2))
        if isinstance(tz, ZoneInfo):
            # A time with a zone id has no date to resolve the offset: use the zone's current offset.
            offset = dt.datetime.now(tz).utcoffset() or dt.timedelta(0)
            tz = TimeZoneId(tz.key, offset)
        return dt.time(hour, minute, second, micro, tzinfo=tz)
    except (ValueError, ZoneInfoNotFoundError):
        return None


def parse_date_time(text: str) -> dt.datetime | None:
    """``yyyy-MM-ddTHH:mm[:ss[.fff]]`` with optional offset or zone; a plain date means midnight."""
    if "T" not in text:
        date = parse_date(text)
        return None if date is None else dt.datetime(date.year, date.month, date.day)
    date_part, _, rest = text.partition("T")
    date = parse_date(date_part)
    if date is None:
        return None
    m = _TIME_RE.match(rest)
    if not m:
        return None
    z = _ZONE_RE.fullmatch(rest[m.end() :])
    if not z:
        return None
    try:
        hour, minute, second, micro = _clock(m)
        tz = _zone(z.group(1), z.group(2))
        return dt.datetime(date.year, date.month, date.day, hour, minute, second, micro, tzinfo=tz)
    except (ValueError, ZoneInfoNotFoundError):
        return None


def parse_duration(text: str) -> dt.timedelta | YearMonthDuration | None:
    """ISO 8601 durations: ``P1Y2M`` (years and months) or ``P1DT2H3M4.5S`` (days and time)."""
    m = _YM_RE.fullmatch(text)
    if m and (m.group(2) or m.group(3)):
        months = int(m.group(2) or 0) * 12 + int(m.group(3) or 0)
        return YearMonthDuration(-months if m.group(1) else months)
    m = _DT_RE.fullmatch(text)
    if not m or not any(m.group(k) for k in (2, 3, 4, 5)) or text.endswith("T"):
        return None
    try:
        days = int(m.group(2) or 0)
        hours = int(m.group(3) or 0)
        minutes = int(m.group(4) or 0)
        seconds = int(m.group(5) or 0)
        frac = m.group(6) or ""
        micros = int((frac + "000000")[:6]) if frac else 0
        if seconds < 0 or (m.group(5) or "").startswith("-"):
            micros = -micros
        value = dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds, microseconds=micros)
    except OverflowError:
        return None
    return -value if m.group(1) == "-" else value


def parse_temporal(text: str) -> Any:
    """The value of ``@"..."``: the first of date, time, date-time, durations that parses."""
    if _DATE_RE.fullmatch(text):
        return parse_date(text)
    if text.startswith(("P", "-P", "+P")):
        return parse_duration(text)
    if "T" in text:
        return parse_date_time(text)
    return parse_time(text)


# ---------------------------------------------------------------------------------------------
# arithmetic


def add_months(value: Any, months: int) -> Any:
    """date / date-time plus a number of months, clamping the day like java.time's Period."""
    total = value.year * 12 + (value.month - 1) + months
    year, month0 = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    day = min(value.day, calendar.monthrange(year, month0 + 1)[1])
    result = value.replace(year=year, month=month0 + 1, day=day)
    if isinstance(result, dt.datetime) and isinstance(result.tzinfo, ZoneInfo):
        # resolve the wall-clock time in its zone again (gaps and overlaps)
        result = result.astimezone(UTC).astimezone(result.tzinfo)
    return result


def plus_duration(value: Any, delta: dt.timedelta) -> Any:
    """date-time / time / date plus a days-and-time duration, with java.time semantics."""
    if isinstance(value, dt.datetime):
        tz = value.tzinfo
        if isinstance(tz, ZoneInfo):
            return (value.astimezone(UTC) + delta).astimezone(tz)
        return value + delta
    if isinstance(value, dt.date):
        return (dt.datetime(value.year, value.month, value.day) + delta).date()
    # time: wraps around midnight like LocalTime/OffsetTime.plus
    base = dt.datetime(2000, 1, 1, value.hour, value.minute, value.second, value.microsecond)
    moved = base + delta
    return moved.time().replace(tzinfo=value.tzinfo)


def between(later: Any, earlier: Any) -> dt.timedelta:
    """Elapsed duration from ``earlier`` to ``later`` (both aware or both naive date-times)."""
    if later.tzinfo is not None:
        return later.astimezone(UTC) - earlier.astimezone(UTC)  # type: ignore[no-any-return]
    return later - earlier  # type: ignore[no-any-return]


def time_between(later: dt.time, earlier: dt.time) -> dt.timedelta:
    def seconds(t: dt.time) -> dt.timedelta:
        off = t.utcoffset() or dt.timedelta(0)
        return dt.timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond) - off

    return seconds(later) - seconds(earlier)
