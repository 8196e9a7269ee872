"""Static timer values of BPMN timer events: ISO 8601 dates, durations, cycles and cron.

The validator uses the parse functions to reject a model whose static timer text Zeebe would
reject; the engine uses the same functions (and :meth:`next_after`) to schedule timers, so the
two can never disagree about what a timer means. Every function raises :class:`TimerValueError`
with a message saying what is wrong in the text.

Semantics follow Zeebe (docs ``timer-events.md``): durations are ``PnYnMnWnDTnHnMnS`` (calendar
parts are added in local time like ``java.time.Period``, clock parts as elapsed time like
``java.time.Duration``); cycles are ``R[n]/<duration>`` or ``R[n]/<start>/<duration>``; cron is
Spring's six-field form (second minute hour day-of-month month day-of-week) where day-of-month and
day-of-week must both match.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CronSchedule",
    "Duration",
    "RepeatingInterval",
    "TimerValueError",
    "parse_cron",
    "parse_cycle",
    "parse_date",
    "parse_duration",
]


class TimerValueError(ValueError):
    """A static timer text that is not a valid date, duration, cycle or cron expression."""


# --------------------------------------------------------------------------- dates

_ZONE_SUFFIX = re.compile(r"^(?P<body>[^\[]+)\[(?P<zone>[^\]]+)\]$")


def parse_date(text: str) -> datetime:
    """An ISO 8601 date-time with an offset (``Z``, ``+02:00``) and/or a ``[Region/City]`` zone.

    A date-time without either is refused: a timer must not depend on the server's time zone.
    """
    value = text.strip()
    zone: tzinfo | None = None
    match = _ZONE_SUFFIX.match(value)
    if match is not None:
        value = match.group("body")
        zone_name = match.group("zone")
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise TimerValueError(f"unknown time zone '{zone_name}' in date '{text}'") from None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise TimerValueError(
            f"'{text}' is not an ISO 8601 date-time (expected e.g. 2025-01-31T09:00:00Z or "
            "2025-01-31T09:00:00+01:00[Europe/Berlin])"
        ) from None
    if "T" not in value:
        raise TimerValueError(
            f"'{text}' is a date without a time; give a date-time such as {value}T00:00:00Z"
        )
    if zone is not None:
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=zone)
        return parsed.astimezone(zone)
    if parsed.tzinfo is None:
        raise TimerValueError(
            f"date-time '{text}' has no offset or zone; add one, e.g. '{value}Z' or '{value}[Europe/Berlin]'"
        )
    return parsed


# --------------------------------------------------------------------------- durations

_DURATION = re.compile(
    r"^(?P<sign>[-+]?)P(?!$)"
    r"(?:(?P<years>[-+]?\d+)Y)?"
    r"(?:(?P<months>[-+]?\d+)M)?"
    r"(?:(?P<weeks>[-+]?\d+)W)?"
    r"(?:(?P<days>[-+]?\d+)D)?"
    r"(?:T(?=[-+\d])"
    r"(?:(?P<hours>[-+]?\d+)H)?"
    r"(?:(?P<minutes>[-+]?\d+)M)?"
    r"(?:(?P<seconds>[-+]?\d+(?:[.,]\d{1,9})?)S)?"
    r")?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Duration:
    """An ISO 8601 duration, kept in its parts so that months and years stay calendar-aware."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: float = 0.0

    @property
    def has_calendar_part(self) -> bool:
        return bool(self.years or self.months)

    def clock_delta(self) -> timedelta:
        """The weeks/days/hours/minutes/seconds part as a fixed delta."""
        return timedelta(
            weeks=self.weeks, days=self.days, hours=self.hours, minutes=self.minutes, seconds=self.seconds
        )

    def add_to(self, moment: datetime) -> datetime:
        """``moment`` plus this duration: years and months by the calendar (the day is clamped
        to the end of a shorter month), days and weeks in local time, the clock part as
        elapsed time."""
        result = moment
        total_months = self.years * 12 + self.months
        if total_months:
            month_index = result.year * 12 + (result.month - 1) + total_months
            year, month = divmod(month_index, 12)
            month += 1
            if not 1 <= year <= 9999:
                raise OverflowError("date out of range")
            day = min(result.day, calendar.monthrange(year, month)[1])
            result = result.replace(year=year, month=month, day=day)
        if self.weeks or self.days:
            result = result + timedelta(weeks=self.weeks, days=self.days)
        clock = timedelta(hours=self.hours, minutes=self.minutes, seconds=self.seconds)
        if clock and result.tzinfo is not None:
            # Elapsed-time arithmetic: go through UTC so that DST changes are honoured.
            result = (result.astimezone(UTC) + clock).astimezone(result.tzinfo)
        elif clock:
            result = result + clock
        return result

    def is_positive(self, reference: datetime | None = None) -> bool:
        """Whether the duration moves time forward from ``reference`` (now in UTC by default)."""
        start = reference if reference is not None else datetime.now(UTC)
        return self.add_to(start) > start

    def total_seconds(self, reference: datetime | None = None) -> float:
        """Length in seconds, measured from ``reference`` when months or years are involved."""
        if not self.has_calendar_part:
            return self.clock_delta().total_seconds()
        start = reference if reference is not None else datetime.now(UTC)
        return (self.add_to(start) - start).total_seconds()


def parse_duration(text: str) -> Duration:
    """``PnYnMnWnDTnHnMnS``; a leading ``-`` negates the whole, each part may carry a sign too.

    Zero and negative durations are valid (the timer fires at once); only seconds may have a
    fraction.
    """
    value = text.strip()
    match = _DURATION.match(value)
    if match is None:
        raise TimerValueError(f"'{text}' is not an ISO 8601 duration (expected e.g. PT15M, P1DT12H or P2W)")
    sign = -1 if match.group("sign") == "-" else 1

    def part(name: str) -> int:
        raw = match.group(name) if match is not None else None
        return sign * int(raw) if raw else 0

    raw_seconds = match.group("seconds")
    seconds = sign * float(raw_seconds.replace(",", ".")) if raw_seconds else 0.0
    return Duration(
        years=part("years"),
        months=part("months"),
        weeks=part("weeks"),
        days=part("days"),
        hours=part("hours"),
        minutes=part("minutes"),
        seconds=seconds,
    )


# --------------------------------------------------------------------------- cycles

_MAX_STEPS = 100_000


@dataclass(frozen=True, slots=True)
class RepeatingInterval:
    """``R[n]/[start/]duration``: ``repetitions`` is ``None`` for an unbounded cycle (``R/``).

    Counting the repetitions already fired is the scheduler's business; this value only answers
    "when is the next tick after a moment".
    """

    repetitions: int | None
    interval: Duration
    start: datetime | None = None

    def next_after(self, moment: datetime) -> datetime:
        """The first tick strictly after ``moment``.

        Without a start the cycle is anchored at ``moment`` itself (Zeebe arms a cycle relative to
        the activation time); with a start the ticks are ``start``, ``start + interval``, ...
        """
        if self.start is None:
            return self.interval.add_to(moment)
        tick = self.start
        if tick > moment:
            return tick
        if not self.interval.is_positive(tick):
            # A zero or negative interval never advances; fire at once, i.e. at ``moment``.
            return moment
        if not self.interval.has_calendar_part:
            step = self.interval.clock_delta()
            count = int((moment - tick) / step) + 1
            tick = tick + step * count
            while tick <= moment:
                tick = tick + step
            return tick
        steps = 0
        while tick <= moment:
            tick = self.interval.add_to(tick)
            steps += 1
            if steps > _MAX_STEPS:
                raise TimerValueError("cycle start lies too far in the past to enumerate its ticks")
        return tick


_CYCLE = re.compile(r"^R(?P<count>\d*)/(?P<rest>.+)$", re.IGNORECASE)


def parse_cycle(text: str) -> RepeatingInterval | CronSchedule:
    """A repeating interval ``R[n]/[start/]duration`` or a Spring-style six-field cron."""
    value = text.strip()
    match = _CYCLE.match(value)
    if match is None:
        if value.startswith(("R", "r")) and "/" not in value:
            raise TimerValueError(f"'{text}' is not a cycle: expected 'R<n>/<duration>', e.g. R3/PT10M")
        return parse_cron(value)
    count = int(match.group("count")) if match.group("count") else None
    parts = match.group("rest").split("/")
    if len(parts) == 1:
        return RepeatingInterval(count, parse_duration(parts[0]))
    if len(parts) == 2:
        start = parse_date(parts[0])
        return RepeatingInterval(count, parse_duration(parts[1]), start)
    raise TimerValueError(
        f"'{text}' has too many '/' parts; expected R<n>/<duration> or R<n>/<start>/<duration>"
    )


# --------------------------------------------------------------------------- cron

_MONTH_NAMES = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
_DAY_NAMES = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
_MACROS = {
    "@yearly": "0 0 0 1 1 *",
    "@annually": "0 0 0 1 1 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *",
    "@midnight": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
}


@dataclass(frozen=True, slots=True)
class _DomSpec:
    """Day-of-month special forms: ``L``/``L-n`` (last day, minus n) and ``nW``/``LW``."""

    days: frozenset[int]
    last_offsets: frozenset[int]  # L-n -> n (L -> 0)
    nearest_weekday: frozenset[int]  # nW -> n
    last_weekday: bool  # LW

    def matches(self, day: date) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        if day.day in self.days:
            return True
        if any(day.day == last - off for off in self.last_offsets):
            return True
        if self.last_weekday and day == _nearest_weekday(day.year, day.month, last):
            return True
        return any(
            n <= last and day == _nearest_weekday(day.year, day.month, n) for n in self.nearest_weekday
        )


@dataclass(frozen=True, slots=True)
class _DowSpec:
    """Day-of-week (0 = Sunday) with Spring's ``5L`` (last Friday) and ``MON#2`` (second Monday)."""

    days: frozenset[int]
    last_of_month: frozenset[int]
    nth: frozenset[tuple[int, int]]

    def matches(self, day: date) -> bool:
        dow = (day.weekday() + 1) % 7
        if dow in self.days:
            return True
        last = calendar.monthrange(day.year, day.month)[1]
        if dow in self.last_of_month and day.day + 7 > last:
            return True
        return (dow, (day.day - 1) // 7 + 1) in self.nth


def _nearest_weekday(year: int, month: int, day: int) -> date:
    """Spring/Quartz ``W``: the weekday nearest to ``day`` without leaving the month."""
    target = date(year, month, day)
    last = calendar.monthrange(year, month)[1]
    if target.weekday() == 5:  # Saturday -> Friday, or Monday if the 1st
        return target - timedelta(days=1) if day > 1 else target + timedelta(days=2)
    if target.weekday() == 6:  # Sunday -> Monday, or Friday if the last day
        return target + timedelta(days=1) if day < last else target - timedelta(days=2)
    return target


def _number(token: str, names: dict[str, int], field: str, text: str) -> int:
    upper = token.upper()
    if upper in names:
        return names[upper]
    if not token.isdigit():
        raise TimerValueError(f"cron '{text}': '{token}' is not a valid {field} value")
    return int(token)


def _field(
    part: str, low: int, high: int, field: str, text: str, names: dict[str, int] | None = None
) -> frozenset[int]:
    """Parse one plain cron field (``*``, ``?``, ``a``, ``a-b``, ``a/n``, ``a-b/n``, lists)."""
    table = names or {}
    values: set[int] = set()
    for item in part.split(","):
        if not item:
            raise TimerValueError(f"cron '{text}': empty list item in the {field} field")
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise TimerValueError(
                    f"cron '{text}': step '{step_text}' in the {field} field must be a positive number"
                )
            step = int(step_text)
        if base in {"*", "?"}:
            start, end = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            start, end = _number(a, table, field, text), _number(b, table, field, text)
        else:
            start = _number(base, table, field, text)
            end = high if slash else start
        if not (low <= start <= high and low <= end <= high):
            raise TimerValueError(f"cron '{text}': {field} value out of range {low}-{high} in '{item}'")
        if start > end:
            raise TimerValueError(f"cron '{text}': range '{base}' in the {field} field runs backwards")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _dom_field(part: str, text: str) -> _DomSpec:
    days: set[int] = set()
    last: set[int] = set()
    nearest: set[int] = set()
    last_weekday = False
    plain: list[str] = []
    for item in part.split(","):
        upper = item.upper()
        if upper == "LW":
            last_weekday = True
        elif upper == "L":
            last.add(0)
        elif upper.startswith("L-") and upper[2:].isdigit() and int(upper[2:]) <= 30:
            last.add(int(upper[2:]))
        elif upper.endswith("W") and upper[:-1].isdigit() and 1 <= int(upper[:-1]) <= 31:
            nearest.add(int(upper[:-1]))
        else:
            plain.append(item)
    if plain:
        days.update(_field(",".join(plain), 1, 31, "day-of-month", text))
    return _DomSpec(frozenset(days), frozenset(last), frozenset(nearest), last_weekday)


def _weekday(token: str, text: str) -> int:
    value = _number(token, _DAY_NAMES, "day-of-week", text)
    if not 0 <= value <= 7:
        raise TimerValueError(f"cron '{text}': day-of-week '{token}' out of range 0-7")
    return value % 7


def _dow_field(part: str, text: str) -> _DowSpec:
    days: set[int] = set()
    last: set[int] = set()
    nth: set[tuple[int, int]] = set()
    plain: list[str] = []
    for item in part.split(","):
        upper = item.upper()
        if "#" in upper:
            day, _, which = upper.partition("#")
            if not which.isdigit() or not 1 <= int(which) <= 5:
                raise TimerValueError(f"cron '{text}': '{item}' needs an occurrence 1-5 after '#'")
            nth.add((_weekday(day, text), int(which)))
        elif upper.endswith("L") and len(upper) > 1:
            last.add(_weekday(upper[:-1], text))
        else:
            plain.append(item)
    if plain:
        days.update(v % 7 for v in _field(",".join(plain), 0, 7, "day-of-week", text, _DAY_NAMES))
    return _DowSpec(frozenset(days), frozenset(last), frozenset(nth))


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """A Spring-style cron: second, minute, hour, day-of-month, month, day-of-week.

    Times are evaluated in the time zone of the moment passed to :meth:`next_after` (the engine
    passes UTC).
    """

    expression: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: _DomSpec
    months: frozenset[int]
    days_of_week: _DowSpec

    def _day_matches(self, day: date) -> bool:
        return day.month in self.months and self.days_of_month.matches(day) and self.days_of_week.matches(day)

    def next_after(self, moment: datetime) -> datetime | None:
        """The first fire time strictly after ``moment`` (whole seconds), or ``None`` if the
        expression can never fire (e.g. 30 February)."""
        start = moment.replace(microsecond=0) + timedelta(seconds=1)
        day = start.date()
        first_day = True
        # 28 years cover every (leap year, weekday) combination; nothing fires later than that.
        horizon = day + min(timedelta(days=366 * 28), date.max - day)
        while day <= horizon:
            if day.month not in self.months:
                day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
                first_day = False
                continue
            if self._day_matches(day):
                found = self._first_time(day, start if first_day else None, start.tzinfo)
                if found is not None:
                    return found
            day = day + timedelta(days=1)
            first_day = False
        return None

    def _first_time(self, day: date, not_before: datetime | None, tz: tzinfo | None) -> datetime | None:
        for hour in sorted(self.hours):
            if not_before is not None and hour < not_before.hour:
                continue
            for minute in sorted(self.minutes):
                if not_before is not None and (hour, minute) < (not_before.hour, not_before.minute):
                    continue
                for second in sorted(self.seconds):
                    if not_before is not None and (hour, minute, second) < (
                        not_before.hour,
                        not_before.minute,
                        not_before.second,
                    ):
                        continue
                    candidate = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)
                    return candidate
        return None


def parse_cron(text: str) -> CronSchedule:
    """A six-field Spring cron (``0 0 9-17 * * MON-FRI``) or a macro such as ``@daily``."""
    value = text.strip()
    expanded = _MACROS.get(value.lower(), value)
    parts = expanded.split()
    if len(parts) != 6:
        raise TimerValueError(
            f"'{text}' is neither a cycle (R<n>/<duration>) nor a six-field cron expression "
            f"(second minute hour day-of-month month day-of-week); it has {len(parts)} fields"
        )
    sec, minute, hour, dom, month, dow = parts
    return CronSchedule(
        expression=value,
        seconds=_field(sec, 0, 59, "second", text),
        minutes=_field(minute, 0, 59, "minute", text),
        hours=_field(hour, 0, 23, "hour", text),
        days_of_month=_dom_field(dom, text),
        months=_field(month, 1, 12, "month", text, _MONTH_NAMES),
        days_of_week=_dow_field(dow, text),
    )
