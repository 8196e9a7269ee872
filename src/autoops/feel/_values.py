"""The Python representation of FEEL values, their type names and their text forms.

FEEL value  ->  Python
  null      ->  None
  boolean   ->  bool
  number    ->  int (exact integers) or decimal.Decimal (34 significant digits, like FEEL-Scala's
                BigDecimal with DECIMAL128); a float read from the variables is accepted and treated as
                the decimal of its shortest repr
  string    ->  str
  list      ->  list
  context   ->  dict (str keys, insertion ordered)
  date      ->  datetime.date
  time      ->  datetime.time (naive: local time; with tzinfo: time with offset)
  date and time -> datetime.datetime (naive: local date-time; aware: offset or zone id)
  days and time duration  -> datetime.timedelta
  years and months duration -> YearMonthDuration
  range     ->  FeelRange
  function  ->  FeelFunction
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "DECIMAL_CONTEXT",
    "NUMBER_TYPES",
    "FeelFunction",
    "FeelRange",
    "TimeZoneId",
    "YearMonthDuration",
    "format_duration",
    "format_temporal",
    "is_number",
    "render",
    "to_decimal",
    "to_json",
    "type_name",
]

#: FEEL-Scala computes with java.math.MathContext.DECIMAL128: 34 digits, half-even rounding.
DECIMAL_CONTEXT = decimal.Context(
    prec=34, rounding=decimal.ROUND_HALF_EVEN, Emax=6144, Emin=-6143, traps=[decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero]
)

NUMBER_TYPES = frozenset({int, Decimal, float})


@dataclass(frozen=True, slots=True, order=True)
class YearMonthDuration:
    """A FEEL ``years and months duration`` (a Java ``Period`` without days), kept as total months."""

    months: int

    @property
    def years_part(self) -> int:
        return int(self.months / 12)

    @property
    def months_part(self) -> int:
        return self.months - 12 * self.years_part

    def __str__(self) -> str:
        return format_year_month(self)


@dataclass(frozen=True, slots=True)
class FeelRange:
    """A FEEL range value such as ``[1..10]`` or ``(a..b]``; ``None`` bounds are open-ended."""

    start: Any
    end: Any
    start_closed: bool
    end_closed: bool

    def __str__(self) -> str:
        return (
            ("[" if self.start_closed else "(")
            + render(self.start)
            + ".."
            + render(self.end)
            + ("]" if self.end_closed else ")")
        )


@dataclass(frozen=True, slots=True, eq=False)
class FeelFunction:
    """A callable FEEL value: a built-in overload or a user-defined ``function(a, b) ...``.

    ``invoke`` receives the evaluation Env and the evaluated arguments in parameter order (missing named ones as None) and
    returns a FEEL value, or raises ``_Invalid`` (see the builtins module) for unusable arguments.
    """

    name: str
    params: tuple[str, ...]
    invoke: Callable[[Any, list[Any]], Any]
    varargs: bool = False

    def __str__(self) -> str:
        return f"function({', '.join(self.params)})"


class TimeZoneId(dt.tzinfo):
    """The zone of a FEEL time such as ``10:00@Europe/Paris``.

    A time of day has no date to resolve daylight saving time, so (like FEEL-Scala's ZonedTime) it
    keeps the zone id for display and a fixed offset, taken when the value is created.
    """

    def __init__(self, key: str, offset: dt.timedelta) -> None:
        self.key = key
        self._offset = offset

    def utcoffset(self, when: dt.datetime | None) -> dt.timedelta:
        return self._offset

    def dst(self, when: dt.datetime | None) -> None:
        return None

    def tzname(self, when: dt.datetime | None) -> str:
        return self.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TimeZoneId) and (self.key, self._offset) == (other.key, other._offset)

    def __hash__(self) -> int:
        return hash((self.key, self._offset))

    def __repr__(self) -> str:
        return f"TimeZoneId({self.key!r}, {self._offset!r})"


def is_number(value: Any) -> bool:
    return type(value) in NUMBER_TYPES


def to_decimal(value: Any) -> Decimal:
    """Exact Decimal of a FEEL number (floats via their shortest repr, as Java's BigDecimal.valueOf)."""
    t = type(value)
    if t is Decimal:
        return value  # type: ignore[no-any-return]
    if t is int:
        return Decimal(value)
    return Decimal(repr(value))


_TYPE_NAMES: dict[type, str] = {
    type(None): "null",
    bool: "boolean",
    **dict.fromkeys(NUMBER_TYPES, "number"),
    str: "string",
    list: "list",
    dict: "context",
    dt.datetime: "date and time",
    dt.date: "date",
    dt.time: "time",
    dt.timedelta: "days and time duration",
    YearMonthDuration: "years and months duration",
    FeelRange: "range",
    FeelFunction: "function",
}


def type_name(value: Any) -> str:
    """FEEL-Scala's type name of a value (as used by ``instance of`` and in messages)."""
    t = type(value)
    return _TYPE_NAMES.get(t) or t.__name__


# ---------------------------------------------------------------------------------------------
# text forms


def _format_offset(offset: dt.timedelta | None) -> str:
    if offset is None:
        return ""
    total = int(offset.total_seconds())
    if total == 0:
        return "Z"
    sign = "+" if total > 0 else "-"
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    if seconds:
        text += f":{seconds:02d}"
    return text


def _format_clock(value: dt.time | dt.datetime) -> str:
    text = f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text


def _format_date(value: dt.date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def format_temporal(value: dt.date | dt.time) -> str:
    """ISO 8601 text of a date, time or date-time, in FEEL-Scala's spelling (``@Zone/Id`` for zones)."""
    if isinstance(value, dt.datetime):
        text = _format_date(value) + "T" + _format_clock(value)
        tz = value.tzinfo
        if tz is None:
            return text
        if isinstance(tz, ZoneInfo):
            return f"{text}@{tz.key}"
        return text + _format_offset(value.utcoffset())
    if isinstance(value, dt.date):
        return _format_date(value)
    text = _format_clock(value)
    tz = value.tzinfo
    if tz is None:
        return text
    if isinstance(tz, ZoneInfo | TimeZoneId):
        return f"{text}@{tz.key}"
    return text + _format_offset(value.utcoffset())


def format_year_month(value: YearMonthDuration) -> str:
    years, months = value.years_part, value.months_part
    if years == 0 and months == 0:
        return "P0Y"
    if years <= 0 and months <= 0:
        return "-" + _ym(-years, -months)
    return _ym(years, months)


def _ym(years: int, months: int) -> str:
    return "P" + (f"{years}Y" if years else "") + (f"{months}M" if months else "")


def format_duration(value: dt.timedelta | YearMonthDuration) -> str:
    """ISO 8601 text of a duration as FEEL-Scala prints it (``P1DT2H``, ``-PT5M``, ``P1Y2M``)."""
    if isinstance(value, YearMonthDuration):
        return format_year_month(value)
    total_us = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    negative = total_us < 0
    total_us = abs(total_us)
    seconds_total, micros = divmod(total_us, 1_000_000)
    days, rest = divmod(seconds_total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if not (days or hours or minutes or seconds or micros):
        return "P0D"
    text = "P" + (f"{days}D" if days else "")
    if hours or minutes or seconds or micros:
        text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        if seconds or micros:
            sec = str(seconds)
            if micros:
                sec += f".{micros:06d}".rstrip("0")
            text += sec + "S"
    return ("-" + text) if negative else text


def format_number(value: Any) -> str:
    if type(value) is int and not -(10**4000) < value < 10**4000:
        # beyond Python's int-to-text limit: show it rounded, as a decimal
        return str(DECIMAL_CONTEXT.create_decimal(value))
    if type(value) is float:
        if value == int(value) and abs(value) < 1e16:
            return str(Decimal(repr(value)))
        return repr(value)
    return str(value)


def render(value: Any) -> str:
    """FEEL-Scala's ``toString`` of a value, used inside warning messages (strings are quoted)."""
    if value is None:
        return "null"
    t = type(value)
    if t is bool:
        return "true" if value else "false"
    if t is str:
        return f'"{value}"'
    if t in NUMBER_TYPES:
        return format_number(value)
    if t is list:
        return "[" + ", ".join(render(v) for v in value) + "]"
    if t is dict:
        return "{" + ", ".join(f"{k}:{render(v)}" for k, v in value.items()) + "}"
    if t is dt.timedelta or t is YearMonthDuration:
        return format_duration(value)
    if t in (dt.date, dt.time, dt.datetime):
        return format_temporal(value)
    return str(value)


# ---------------------------------------------------------------------------------------------
# JSON boundary

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def to_json(value: Any, *, zeebe: bool = True) -> Any:
    """Convert a FEEL value into a JSON-compatible Python value, as Zeebe stores results.

    ``zeebe=False`` gives FEEL's own ``to json()`` spelling, which differs only for local times
    (``14:00:00`` instead of Zeebe's ``14:00``).

    Integers stay int; integral decimals within int64 become int; other numbers become float;
    temporal values become ISO 8601 strings; contexts become dicts and lists lists; ranges become
    their text (``[1..10]``), as FEEL's ``to json`` writes them. Functions have no JSON form: None.
    """
    if value is None:
        return None
    t = type(value)
    if t is bool or t is str or t is int or t is float:
        return value
    if t is Decimal:
        if value == value.to_integral_value():
            as_int = int(value)
            if _INT64_MIN <= as_int <= _INT64_MAX:
                return as_int
        as_float = float(value)
        return as_float if math.isfinite(as_float) else None
    if t is list:
        return [to_json(v, zeebe=zeebe) for v in value]
    if t is dict:
        return {str(k): to_json(v, zeebe=zeebe) for k, v in value.items()}
    if t is dt.timedelta or t is YearMonthDuration:
        return format_duration(value)
    if zeebe and t is dt.time and value.tzinfo is None and value.second == 0 and value.microsecond == 0:
        # Zeebe writes a local time with java's LocalTime.toString: 14:00, not 14:00:00
        return f"{value.hour:02d}:{value.minute:02d}"
    if t is dt.datetime and isinstance(value.tzinfo, ZoneInfo):
        # as FEEL-Scala's `to json`: 2025-11-24T10:00:00+01:00[Europe/Berlin]
        plain = value.replace(tzinfo=None)
        return f"{format_temporal(plain)}{_format_offset(value.utcoffset())}[{value.tzinfo.key}]"
    if t in (dt.date, dt.time, dt.datetime):
        return format_temporal(value)
    if t is FeelRange:
        return str(value)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [to_json(v, zeebe=zeebe) for v in value]
    return None
