"""FEEL built-in functions, with FEEL-Scala's parameter names, overloads and failure texts.

Each implementation receives already-evaluated arguments. Arguments it cannot use make it raise
``FunctionFailure``; the caller turns that into ``null`` plus a FUNCTION_INVOCATION_FAILURE warning
(``Failed to invoke function 'name': Illegal arguments: ...`` unless a specific text is given).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
import decimal
import functools
import json
import math
import random
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from . import _semantics as S
from ._temporal import parse_date, parse_date_time, parse_duration, parse_time, zone_of
from ._values import (
    DECIMAL_CONTEXT,
    NUMBER_TYPES,
    FeelFunction,
    FeelRange,
    TimeZoneId,
    YearMonthDuration,
    render,
    to_decimal,
    to_json,
)

__all__ = ["BUILTINS", "FunctionFailure", "illegal_arguments"]

BUILTINS: dict[str, list[FeelFunction]] = {}


class FunctionFailure(Exception):
    """Raised by a built-in for arguments it cannot use; ``message`` None means "Illegal arguments"."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "Illegal arguments")
        self.message = message


def illegal_arguments(args: list[Any]) -> str:
    return "Illegal arguments: " + ", ".join(f"'{render(a)}'" for a in args)


def _fail(message: str | None = None) -> NoReturn:
    raise FunctionFailure(message)


def builtin(
    name: str | tuple[str, ...], *params: str, varargs: bool = False, env: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an overload; ``env=True`` passes the evaluation Env as first argument."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if env:

            def invoke(e: S.Env, args: list[Any]) -> Any:
                return fn(e, *args)

        else:

            def invoke(e: S.Env, args: list[Any]) -> Any:
                return fn(*args)

        for n in (name,) if isinstance(name, str) else name:
            BUILTINS.setdefault(n, []).append(FeelFunction(n, tuple(params), invoke, varargs))
        return fn

    return register


# -- argument checks --------------------------------------------------------------------------


def _str(x: Any) -> str:
    if type(x) is not str:
        _fail()
    return x


def _num(x: Any) -> Any:
    if type(x) not in NUMBER_TYPES:
        _fail()
    return x


def _int(x: Any) -> int:
    """Java's ``intValue``: truncation towards zero."""
    return int(to_decimal(_num(x)))


def _list(x: Any) -> list[Any]:
    if type(x) is not list:
        _fail()
    return x


def _ctx(x: Any) -> dict[str, Any]:
    if type(x) is not dict:
        _fail()
    return x


def _dec(x: Any) -> Decimal:
    return to_decimal(_num(x))


def _norm(value: Decimal) -> Any:
    if not value.is_finite():
        _fail()
    return value


# -- conversion -------------------------------------------------------------------------------


@builtin("date", "from")
def _date(value: Any) -> Any:
    if type(value) is str:
        return parse_date(value)  # FEEL-Scala: an unparsable text gives null
    return _as_date(value)


@builtin("date", "year", "month", "day")
def _date3(year: Any, month: Any, day: Any) -> Any:
    y, m, d = _int(year), _int(month), _int(day)
    try:
        return dt.date(y, m, d)
    except ValueError:
        _fail(f"Failed to parse date from: year={render(year)}, month={render(month)}, day={render(day)}")


@builtin("date and time", "from")
def _date_time(value: Any) -> Any:
    return parse_date_time(_str(value))


@builtin("date and time", "date", "time")
def _date_time2(date: Any, time: Any) -> Any:
    if type(date) is dt.datetime and type(time) is str:
        zone = zone_of(time)
        if zone is None:
            _fail()
        return date.replace(tzinfo=zone) if date.tzinfo is None else date.astimezone(zone)
    day = _as_date(date)
    if type(time) is not dt.time:
        _fail()
    if isinstance(time.tzinfo, TimeZoneId):
        # a time with a zone id takes that zone's rules on the given date (ZonedTime.withDate)
        local = dt.datetime.combine(day, time.replace(tzinfo=None))
        zone = zone_of(time.tzinfo.key)
        return local.replace(tzinfo=zone) if zone is not None else dt.datetime.combine(day, time)
    return dt.datetime.combine(day, time)


@builtin("time", "from")
def _time(value: Any) -> Any:
    if type(value) is str:
        return parse_time(value)
    if type(value) is dt.datetime:
        tz = value.tzinfo
        if tz is None:
            return value.time()
        offset = value.utcoffset() or dt.timedelta(0)
        zone: dt.tzinfo = TimeZoneId(tz.key, offset) if isinstance(tz, ZoneInfo) else dt.timezone(offset)
        return value.time().replace(tzinfo=zone)
    if type(value) is dt.date:
        return dt.time(0, tzinfo=dt.UTC)
    if type(value) is dt.time:
        return value
    _fail()


def _clock(hour: Any, minute: Any, second: Any) -> tuple[int, int, int, int]:
    sec = _dec(second)
    micros = int((sec - int(sec)) * 1_000_000)
    return _int(hour), _int(minute), int(sec), micros


@builtin("time", "hour", "minute", "second")
def _time3(hour: Any, minute: Any, second: Any) -> Any:
    h, m, s, us = _clock(hour, minute, second)
    try:
        return dt.time(h, m, s, us)
    except ValueError:
        _fail(
            f"Failed to parse local-time from: hour={render(hour)}, minute={render(minute)}, second={render(second)}"
        )


@builtin("time", "hour", "minute", "second", "offset")
def _time4(hour: Any, minute: Any, second: Any, offset: Any) -> Any:
    if offset is None:
        return _time3(hour, minute, second)
    if type(offset) is not dt.timedelta:
        _fail()
    h, m, s, us = _clock(hour, minute, second)
    try:
        return dt.time(h, m, s, us, tzinfo=dt.timezone(dt.timedelta(seconds=int(offset.total_seconds()))))
    except ValueError:
        _fail(
            f"Failed to parse time from: hour={render(hour)}, minute={render(minute)}, "
            f"second={render(second)}, offset={render(offset)}"
        )


_NUMBER_RE = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def _parse_number(text: str) -> Any:
    if not _NUMBER_RE.fullmatch(text):
        _fail(f"Can't parse '{text}' as a number")
    value = Decimal(text)
    if "." not in text and "e" not in text.lower():
        return int(value)
    return value


@builtin("number", "from")
def _number(value: Any) -> Any:
    return _parse_number(_str(value))


@builtin("number", "from", "grouping separator")
def _number2(value: Any, grouping: Any) -> Any:
    text, sep = _str(value), _str(grouping)
    if sep not in (" ", ",", "."):
        _fail("illegal argument for grouping. Must be one of ' ', ',' or '.'")
    return _parse_number(text.replace(sep, ""))


@builtin("number", "from", "grouping separator", "decimal separator")
def _number3(value: Any, grouping: Any, decimal_sep: Any) -> Any:
    text = _str(value)
    if grouping is None and type(decimal_sep) is str and decimal_sep in (",", "."):
        return _parse_number(text.replace(decimal_sep, "."))
    if decimal_sep is None and type(grouping) is str and grouping in (" ", ",", "."):
        return _parse_number(text.replace(grouping, ""))
    g, d = _str(grouping), _str(decimal_sep)
    if g not in (" ", ",", ".") or d not in (",", ".") or g == d:
        _fail("illegal arguments for grouping or decimal. Must be one of ' ' (grouping only), ',' or '.'")
    return _parse_number(text.replace(g, "").replace(d, "."))


@builtin("string", "from")
def _string(value: Any) -> Any:
    if value is None or type(value) is str:
        return value
    return _to_string(value)


def _to_string(value: Any) -> str:
    if type(value) is dict:
        return "{" + ", ".join(f"{k}:{_to_string(v)}" for k, v in value.items()) + "}"
    if type(value) is list:
        return "[" + ", ".join(_to_string(v) for v in value) + "]"
    return render(value)


@builtin("duration", "from")
def _duration(value: Any) -> Any:
    return parse_duration(_str(value))


@builtin("years and months duration", "from", "to")
def _ym_duration(start: Any, end: Any) -> Any:
    a, b = _as_date(start), _as_date(end)
    months = (b.year - a.year) * 12 + (b.month - a.month)
    # java.time.Period.between: a partial month does not count
    if months > 0 and b.day < a.day:
        months -= 1
    elif months < 0 and b.day > a.day:
        months += 1
    return YearMonthDuration(months)


@builtin("from json", "value")
def _from_json(value: Any) -> Any:
    try:
        return json.loads(_str(value), parse_float=Decimal)
    except ValueError:
        _fail(f"Failed to parse JSON from '{value}'")


@builtin("to json", "value")
def _to_json_fn(value: Any) -> Any:
    return json.dumps(to_json(value, zeebe=False), separators=(",", ":"), ensure_ascii=False)


# -- boolean ----------------------------------------------------------------------------------


@builtin("not", "negand")
def _not(value: Any) -> Any:
    if value is True or value is False:
        return not value
    return None


@builtin("is defined", "value")
def _is_defined(value: Any) -> Any:
    return value is not None


@builtin("get or else", "value", "default")
def _get_or_else(value: Any, default: Any) -> Any:
    return default if value is None else value


@builtin("assert", "value", "condition")
def _assert(value: Any, condition: Any) -> Any:
    if condition is True:
        return value
    _fail("The condition is not fulfilled")


@builtin("assert", "value", "condition", "cause")
def _assert3(value: Any, condition: Any, cause: Any) -> Any:
    if condition is True:
        return value
    _fail(_str(cause))


# -- strings ----------------------------------------------------------------------------------


def _offset(seq: str | list[Any], position: int) -> int:
    """0-based offset of a FEEL position (1 is the first item, -1 the last)."""
    return position - 1 if position > 0 else len(seq) + position


@builtin("substring", "string", "start position")
def _substring(string: Any, start: Any) -> Any:
    s = _str(string)
    i = _offset(s, _int(start))
    if i < 0 or i > len(s):
        _fail()
    return s[i:]


@builtin("substring", "string", "start position", "length")
def _substring3(string: Any, start: Any, length: Any) -> Any:
    s = _str(string)
    i = _offset(s, _int(start))
    n = _int(length)
    if i < 0 or i > len(s) or n < 0:
        _fail()
    return s[i : min(i + n, len(s))]


@builtin("string length", "string")
def _string_length(string: Any) -> Any:
    return len(_str(string))


@builtin("upper case", "string")
def _upper(string: Any) -> Any:
    return _str(string).upper()


@builtin("lower case", "string")
def _lower(string: Any) -> Any:
    return _str(string).lower()


@builtin("substring before", "string", "match")
def _substring_before(string: Any, match: Any) -> Any:
    s, m = _str(string), _str(match)
    i = s.find(m)
    return s[:i] if i > 0 else ""


@builtin("substring after", "string", "match")
def _substring_after(string: Any, match: Any) -> Any:
    s, m = _str(string), _str(match)
    i = s.find(m)
    return s[i + len(m) :] if i >= 0 else ""


@builtin("contains", "string", "match")
def _contains(string: Any, match: Any) -> Any:
    return _str(match) in _str(string)


@builtin("starts with", "string", "match")
def _starts_with(string: Any, match: Any) -> Any:
    return _str(string).startswith(_str(match))


@builtin("ends with", "string", "match")
def _ends_with(string: Any, match: Any) -> Any:
    return _str(string).endswith(_str(match))


_FLAG_BITS = {"s": re.DOTALL, "m": re.MULTILINE, "i": re.IGNORECASE, "x": re.VERBOSE}
_PATTERN_CACHE: dict[tuple[str, int], re.Pattern[str]] = {}


def _pattern(pattern: Any, flags: Any = "") -> re.Pattern[str]:
    p = _str(pattern)
    bits = 0
    for ch in _str(flags):
        bits |= _FLAG_BITS.get(ch, 0)
    key = (p, bits)
    compiled = _PATTERN_CACHE.get(key)
    if compiled is None:
        try:
            compiled = re.compile(p, bits)
        except (re.error, OverflowError, RecursionError):
            _fail(f"Invalid pattern '{p}'")
        if len(_PATTERN_CACHE) > 256:
            _PATTERN_CACHE.clear()
        _PATTERN_CACHE[key] = compiled
    return compiled


def _java_replacement(replacement: str) -> Callable[[re.Match[str]], str]:
    """Java's Matcher.replaceAll syntax: ``$1``, ``${name}`` and ``\\`` escapes."""
    parts: list[str | int] = []
    i = 0
    buf: list[str] = []
    while i < len(replacement):
        ch = replacement[i]
        if ch == "\\" and i + 1 < len(replacement):
            buf.append(replacement[i + 1])
            i += 2
            continue
        if ch == "$":
            m = re.match(r"\$(\d+)|\$\{(\w+)\}", replacement[i:])
            if not m:
                _fail("Illegal group reference")
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append(int(m.group(1)) if m.group(1) else m.group(2))
            i += m.end()
            continue
        buf.append(ch)
        i += 1
    if buf:
        parts.append("".join(buf))

    def expand(match: re.Match[str]) -> str:
        out: list[str] = []
        for part in parts:
            if isinstance(part, str) and not isinstance(part, bool) and part.isidentifier() and part in (
                match.re.groupindex
            ):
                out.append(match.group(part) or "")
            elif isinstance(part, int):
                if part > (match.re.groups or 0):
                    raise FunctionFailure(f"No group {part}")
                out.append(match.group(part) or "")
            else:
                out.append(part)
        return "".join(out)

    return expand


@builtin("replace", "input", "pattern", "replacement", "flags")
@builtin("replace", "input", "pattern", "replacement")  # registered first: decorators apply bottom-up
def _replace(input_: Any, pattern: Any, replacement: Any, flags: Any = "") -> Any:
    return _pattern(pattern, flags).sub(_java_replacement(_str(replacement)), _str(input_))


@builtin("matches", "input", "pattern", "flags")
@builtin("matches", "input", "pattern")
def _matches(input_: Any, pattern: Any, flags: Any = "") -> Any:
    return _pattern(pattern, flags).search(_str(input_)) is not None


@builtin("split", "string", "delimiter")
def _split(string: Any, delimiter: Any) -> Any:
    s = _str(string)
    try:
        p = _pattern(delimiter)
    except FunctionFailure:
        _fail(f"Invalid pattern for delimiter '{delimiter}'")
    # Java's Pattern.split(s, -1): trailing empty strings stay, groups are not returned, and a
    # zero-width match at the very start does not produce a leading empty string
    parts: list[str] = []
    last = 0
    for m in p.finditer(s):
        if m.end() == 0:
            continue
        parts.append(s[last : m.start()])
        last = m.end()
    parts.append(s[last:])
    return parts


@builtin("extract", "input", "pattern")
def _extract(input_: Any, pattern: Any) -> Any:
    return [m.group(0) for m in _pattern(pattern).finditer(_str(input_))]


@builtin("trim", "string")
def _trim(string: Any) -> Any:
    # Java's String.trim removes characters <= U+0020
    return _str(string).strip("".join(chr(c) for c in range(33)))


@builtin("uuid")
def _uuid() -> Any:
    return str(uuid.uuid4())


@builtin("to base64", "value")
def _to_base64(value: Any) -> Any:
    return base64.b64encode(_str(value).encode("utf-8")).decode("ascii")


@builtin("from base64", "value")
def _from_base64(value: Any) -> Any:
    try:
        return base64.b64decode(_str(value), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        _fail(f"Invalid Base64 value '{value}'")


@builtin("is blank", "string")
def _is_blank(string: Any) -> Any:
    return _str(string).strip() == ""


# -- numbers ----------------------------------------------------------------------------------


def _quantize(n: Any, scale: Any, rounding: str) -> Any:
    d = _dec(n)
    sc = _int(scale)
    if not -6111 <= sc <= 6176:
        _fail()
    try:
        return _norm(d.quantize(Decimal(1).scaleb(-sc), rounding=rounding, context=DECIMAL_CONTEXT))
    except decimal.DecimalException:
        _fail()


_ROUNDING_MODES = {
    "up": decimal.ROUND_UP,
    "down": decimal.ROUND_DOWN,
    "ceiling": decimal.ROUND_CEILING,
    "floor": decimal.ROUND_FLOOR,
    "half_up": decimal.ROUND_HALF_UP,
    "half_down": decimal.ROUND_HALF_DOWN,
    "half_even": decimal.ROUND_HALF_EVEN,
    "unnecessary": "UNNECESSARY",
}


def _to_integral(n: Any, rounding: str) -> Any:
    if type(n) is int:
        return n
    return int(_dec(n).to_integral_value(rounding=rounding))


# registration order is overload order: a call with named arguments takes the first that fits
builtin("floor", "n")(functools.partial(_to_integral, rounding=decimal.ROUND_FLOOR))
builtin("ceiling", "n")(functools.partial(_to_integral, rounding=decimal.ROUND_CEILING))

for _name, _rounding in (
    ("decimal", decimal.ROUND_HALF_EVEN),
    ("floor", decimal.ROUND_FLOOR),
    ("ceiling", decimal.ROUND_CEILING),
    ("round up", decimal.ROUND_UP),
    ("round down", decimal.ROUND_DOWN),
    ("round half up", decimal.ROUND_HALF_UP),
    ("round half down", decimal.ROUND_HALF_DOWN),
):
    builtin(_name, "n", "scale")(functools.partial(_quantize, rounding=_rounding))


@builtin("decimal", "n", "scale", "mode")
def _decimal3(n: Any, scale: Any, mode: Any) -> Any:
    rounding = _ROUNDING_MODES.get(_str(mode).lower())
    if rounding is None:
        _fail(
            f"Illegal argument '{mode}' for rounding mode. Must be one of: "
            + ", ".join(m.upper() for m in _ROUNDING_MODES)
        )
    if rounding == "UNNECESSARY":
        d = _dec(n)
        exact = _quantize(n, scale, decimal.ROUND_DOWN)
        if exact != d:
            _fail("Failed to apply rounding mode 'UNNECESSARY': Rounding necessary")
        return exact
    return _quantize(n, scale, rounding)


def _abs(n: Any) -> Any:
    if type(n) is int:
        return abs(n)
    if type(n) in NUMBER_TYPES:
        return abs(to_decimal(n))
    if type(n) is dt.timedelta:
        return abs(n)
    if type(n) is YearMonthDuration:
        return YearMonthDuration(abs(n.months))
    _fail()


builtin("abs", "number")(_abs)
builtin("abs", "n")(_abs)


@builtin("modulo", "dividend", "divisor")
def _modulo(dividend: Any, divisor: Any) -> Any:
    a, b = _num(dividend), _num(divisor)
    if b == 0:
        _fail()
    if type(a) is int and type(b) is int:
        return a % b
    da, db = to_decimal(a), to_decimal(b)
    # FEEL-Scala: ((dividend % divisor) + divisor) % divisor with Java's truncating remainder,
    # i.e. the result has the sign of the divisor
    try:
        r = DECIMAL_CONTEXT.remainder(DECIMAL_CONTEXT.add(DECIMAL_CONTEXT.remainder(da, db), db), db)
    except decimal.DecimalException:
        _fail()
    return _norm(r)


def _from_float(value: float) -> Any:
    if math.isnan(value) or math.isinf(value):
        _fail()
    return Decimal(repr(value))


def _float(number: Any) -> float:
    try:
        return float(_dec(number))
    except OverflowError:
        _fail()


# FEEL-Scala computes sqrt, log and exp with java.lang.Math on doubles; so do we, to return the
# same digits (e.g. log(10) = 2.302585092994046).


@builtin("sqrt", "number")
def _sqrt(number: Any) -> Any:
    x = _float(number)
    if x < 0:
        return None
    return _from_float(math.sqrt(x))


@builtin("log", "number")
def _log(number: Any) -> Any:
    x = _float(number)
    if x <= 0:
        _fail()
    return _from_float(math.log(x))


@builtin("exp", "number")
def _exp(number: Any) -> Any:
    try:
        return _from_float(math.exp(_float(number)))
    except OverflowError:
        _fail()


def _whole(number: Any) -> int | None:
    d = _dec(number)
    return int(d) if d == d.to_integral_value() else None


@builtin("odd", "number")
def _odd(number: Any) -> Any:
    n = _whole(number)
    return n is not None and n % 2 != 0


@builtin("even", "number")
def _even(number: Any) -> Any:
    n = _whole(number)
    return n is not None and n % 2 == 0


@builtin("random number")
def _random_number() -> Any:
    return Decimal(repr(random.random()))


# -- lists ------------------------------------------------------------------------------------


@builtin("list contains", "list", "element")
def _list_contains(lst: Any, element: Any) -> Any:
    return any(S.eq(x, element) is True for x in _list(lst))


@builtin("count", "list")
def _count(lst: Any) -> Any:
    return len(_list(lst))


def _comparable_list(items: list[Any]) -> bool:
    if not items:
        return False
    first = items[0]
    return all(S.comparable(first, x) for x in items) and S.comparable(first, first)


def _extreme(items: Any, pick_max: bool) -> Any:
    lst = _list(items)
    if not lst:
        return None
    if not _comparable_list(lst):
        _fail(f"{render(lst)} is not comparable")
    key = S.order_key
    return max(lst, key=key) if pick_max else min(lst, key=key)


@builtin("min", "list", varargs=True)
def _min(lst: Any) -> Any:
    return _extreme(lst, False)


@builtin("max", "list", varargs=True)
def _max(lst: Any) -> Any:
    return _extreme(lst, True)


def _numbers(lst: Any) -> list[Any]:
    items = _list(lst)
    for x in items:
        if type(x) not in NUMBER_TYPES:
            _fail(f"expected number but found '{render(x)}'")
    return items


def _sum_values(items: list[Any]) -> Any:
    if all(type(x) is int for x in items):
        return S.int_result(sum(items))
    total = Decimal(0)
    for x in items:
        total = DECIMAL_CONTEXT.add(total, to_decimal(x))
    return total


@builtin("sum", "list", varargs=True)
def _sum(lst: Any) -> Any:
    items = _list(lst)
    if not items:
        return None
    return _sum_values(_numbers(items))


@builtin("product", "list", varargs=True)
def _product(lst: Any) -> Any:
    items = _list(lst)
    if not items:
        return None
    result: Any = 1
    for x in _numbers(items):
        if type(result) is int and type(x) is int:
            result = S.int_result(result * x)
        else:
            result = DECIMAL_CONTEXT.multiply(to_decimal(result), to_decimal(x))
    return result


def _div(a: Any, b: int) -> Any:
    if type(a) is int and a % b == 0:
        return a // b
    return DECIMAL_CONTEXT.divide(to_decimal(a), Decimal(b))


@builtin("mean", "list", varargs=True)
def _mean(lst: Any) -> Any:
    items = _list(lst)
    if not items:
        return None
    return _div(_sum_values(_numbers(items)), len(items))


@builtin("median", "list", varargs=True)
def _median(lst: Any) -> Any:
    items = _list(lst)
    if not items:
        return None
    ordered = sorted(_numbers(items), key=to_decimal)
    n = len(ordered)
    if n % 2 == 1:
        return ordered[n // 2]
    return _div(_sum_values([ordered[n // 2 - 1], ordered[n // 2]]), 2)


@builtin("stddev", "list", varargs=True)
def _stddev(lst: Any) -> Any:
    items = _list(lst)
    if not items:
        return None
    numbers = [to_decimal(x) for x in _numbers(items)]
    if len(numbers) < 2:
        _fail()
    mean = DECIMAL_CONTEXT.divide(sum(numbers, Decimal(0)), Decimal(len(numbers)))
    dev = sum(((n - mean) ** 2 for n in numbers), Decimal(0))
    return _from_float(math.sqrt(float(DECIMAL_CONTEXT.divide(dev, Decimal(len(numbers) - 1)))))


@builtin("mode", "list", varargs=True)
def _mode(lst: Any) -> Any:
    items = _list(lst)
    if not items:
        return []
    numbers = _numbers(items)
    counts: dict[Decimal, tuple[int, Any]] = {}
    for x in numbers:
        k = to_decimal(x)
        c, first = counts.get(k, (0, x))
        counts[k] = (c + 1, first)
    top = max(c for c, _ in counts.values())
    return [v for k, (c, v) in sorted(counts.items()) if c == top]


def _junction(lst: Any, absorbing: bool) -> Any:
    """FEEL's three-valued all() (``absorbing`` False) and any() (``absorbing`` True)."""
    state: Any = not absorbing
    for item in _list(lst):
        if state is absorbing:
            return absorbing
        if state is not None and (item is True or item is False):
            state = item
        elif state is None and item is absorbing:
            state = absorbing
        else:
            state = None
    return state


builtin(("and", "all"), "list", varargs=True)(functools.partial(_junction, absorbing=False))
builtin(("or", "any"), "list", varargs=True)(functools.partial(_junction, absorbing=True))


def _nonzero_offset(items: list[Any], position: Any, name: str) -> int:
    p = _int(position)
    if p == 0:
        _fail(f"{name} must be a non-zero number")
    return _offset(items, p)


@builtin("sublist", "list", "start")
def _sublist(lst: Any, start: Any) -> Any:
    items = _list(lst)
    return items[max(0, _nonzero_offset(items, start, "start position")) :]


@builtin("sublist", "list", "start", "length")
def _sublist3(lst: Any, start: Any, length: Any) -> Any:
    items = _list(lst)
    n = _int(length)
    i = max(0, _nonzero_offset(items, start, "start position"))
    return items[i : max(i, i + n)]


@builtin("append", "list", "items", varargs=True)
def _append(lst: Any, items: Any) -> Any:
    return [*_list(lst), *_list(items)]


@builtin("concatenate", "lists", varargs=True)
def _concatenate(lists: Any) -> Any:
    result: list[Any] = []
    for x in _list(lists):
        if type(x) is list:
            result.extend(x)
        else:
            result.append(x)
    return result


@builtin("insert before", "list", "position", "newItem")
def _insert_before(lst: Any, position: Any, new_item: Any) -> Any:
    items = _list(lst)
    i = max(0, _nonzero_offset(items, position, "position"))
    return [*items[:i], new_item, *items[i:]]


@builtin("remove", "list", "position")
def _remove(lst: Any, position: Any) -> Any:
    items = _list(lst)
    i = _nonzero_offset(items, position, "position")
    if i < 0:
        return list(items)
    return [*items[:i], *items[i + 1 :]]


@builtin("reverse", "list")
def _reverse(lst: Any) -> Any:
    return list(reversed(_list(lst)))


@builtin("index of", "list", "match")
def _index_of(lst: Any, match: Any) -> Any:
    return [i for i, x in enumerate(_list(lst), start=1) if S.eq(x, match) is True]


def _key(value: Any) -> Any:
    """A hashable key that is equal exactly when FEEL equality holds, for simple values; else None."""
    t = type(value)
    if t is str:
        return ("s", value)
    if t in NUMBER_TYPES:
        return ("n", to_decimal(value))
    if t is bool:
        return ("b", value)
    if value is None:
        return ("0",)
    return None


def _distinct(items: list[Any]) -> list[Any]:
    keys = [_key(x) for x in items]
    if all(k is not None for k in keys):
        # linear for lists of simple values; FEEL equality for everything else
        seen: set[Any] = set()
        unique: list[Any] = []
        for k, x in zip(keys, items, strict=True):
            if k not in seen:
                seen.add(k)
                unique.append(x)
        return unique
    result: list[Any] = []
    for x in items:
        if not any(S.eq(x, y) is True for y in result):
            result.append(x)
    return result


@builtin("union", "lists", varargs=True)
def _union(lists: Any) -> Any:
    return _distinct(_concatenate(lists))


@builtin("distinct values", "list")
def _distinct_values(lst: Any) -> Any:
    return _distinct(_list(lst))


@builtin("duplicate values", "list")
def _duplicate_values(lst: Any) -> Any:
    items = _list(lst)
    keys = [_key(x) for x in items]
    if all(k is not None for k in keys):
        counts: dict[Any, int] = {}
        for k in keys:
            counts[k] = counts.get(k, 0) + 1
        return [x for x in _distinct(items) if counts[_key(x)] > 1]
    return [x for x in _distinct(items) if sum(1 for y in items if S.eq(x, y) is True) > 1]


def _flatten(items: list[Any]) -> list[Any]:
    result: list[Any] = []
    for x in items:
        if type(x) is list:
            result.extend(_flatten(x))
        else:
            result.append(x)
    return result


@builtin("flatten", "list")
def _flatten_fn(lst: Any) -> Any:
    return _flatten(_list(lst))


@builtin("sort", "list", "precedes", env=True)
def _sort2(env: S.Env, lst: Any, precedes: Any) -> Any:
    items = _list(lst)
    if type(precedes) is not FeelFunction:
        _fail()
    if len(precedes.params) != 2:
        _fail(f"expect boolean function with 2 arguments, but found '{len(precedes.params)}'")

    def compare(a: Any, b: Any) -> int:
        if precedes.invoke(env, [a, b]) is True:
            return -1
        r = precedes.invoke(env, [b, a])
        if r is True:
            return 1
        if r is False:
            return 0
        raise FunctionFailure(f"fail to sort list by given precedes function: expected boolean but found '{render(r)}'")

    return sorted(items, key=functools.cmp_to_key(compare))


def _join(lst: Any, delimiter: str = "", prefix: str = "", suffix: str = "") -> Any:
    items = _list(lst)
    if not all(x is None or type(x) is str for x in items):
        _fail(f"expected a list of strings but found '{render(items)}'")
    return prefix + delimiter.join(x for x in items if x is not None) + suffix


@builtin("string join", "list")
def _string_join(lst: Any) -> Any:
    return _join(lst)


@builtin("string join", "list", "delimiter")
def _string_join2(lst: Any, delimiter: Any) -> Any:
    return _join(lst, "" if delimiter is None else _str(delimiter))


@builtin("string join", "list", "delimiter", "prefix", "suffix")
def _string_join4(lst: Any, delimiter: Any, prefix: Any, suffix: Any) -> Any:
    def opt(x: Any) -> str:
        return "" if x is None else _str(x)

    return _join(lst, opt(delimiter), opt(prefix), opt(suffix))


@builtin("is empty", "list")
def _is_empty(lst: Any) -> Any:
    return len(_list(lst)) == 0


@builtin("partition", "list", "size")
def _partition(lst: Any, size: Any) -> Any:
    items = _list(lst)
    n = _int(size)
    if n <= 0:
        _fail(f"'size' should be greater than zero but was '{render(size)}'")
    return [items[i : i + n] for i in range(0, len(items), n)]


# -- contexts ---------------------------------------------------------------------------------


def _get_entries(context: Any) -> Any:
    return [{"key": k, "value": v} for k, v in _ctx(context).items()]


builtin("get entries", "context")(_get_entries)
builtin("get entries", "m")(_get_entries)


def _get_value(context: Any, key: Any) -> Any:
    c = _ctx(context)
    if type(key) is str:
        return c.get(key)
    keys = _list(key)
    if not all(type(k) is str for k in keys):
        return None
    value: Any = c
    for k in keys:
        if type(value) is not dict or k not in value:
            return None
        value = value[k]
    return None if not keys else value


builtin("get value", "m", "key")(_get_value)
builtin("get value", "context", "key")(_get_value)
builtin("get value", "context", "keys")(_get_value)


def _context_put(context: Any, key: Any, value: Any) -> Any:
    c = _ctx(context)
    if type(key) is str:
        return {**c, key: value}
    keys = _list(key)
    if not keys:
        return None
    if not all(type(k) is str for k in keys):
        _fail()

    def put(ctx: dict[str, Any], path: list[str]) -> dict[str, Any]:
        head = path[0]
        if len(path) == 1:
            return {**ctx, head: value}
        nested = ctx.get(head)
        return {**ctx, head: put(nested if type(nested) is dict else {}, path[1:])}

    return put(c, keys)


builtin(("context put", "put"), "context", "key", "value")(_context_put)
builtin("context put", "context", "keys", "value")(_context_put)


@builtin(("context merge", "put all"), "contexts", varargs=True)
def _context_merge(contexts: Any) -> Any:
    items = _list(contexts)
    if not all(type(c) is dict for c in items):
        return None
    result: dict[str, Any] = {}
    for c in items:
        result.update(c)
    return result


@builtin("context", "entries")
def _context(entries: Any) -> Any:
    items = _list(entries)
    if not all(type(e) is dict and "value" in e and type(e.get("key")) is str for e in items):
        return None
    return {e["key"]: e["value"] for e in items}


# -- temporal ---------------------------------------------------------------------------------


@builtin("now", env=True)
def _now(env: S.Env) -> Any:
    return env.now()


@builtin("today", env=True)
def _today(env: S.Env) -> Any:
    return env.now().date()


def _as_date(value: Any) -> dt.date:
    if type(value) is dt.datetime:
        return value.date()
    if type(value) is dt.date:
        return value
    _fail()


@builtin("day of year", "date")
def _day_of_year(date: Any) -> Any:
    return _as_date(date).timetuple().tm_yday


@builtin("day of week", "date")
def _day_of_week(date: Any) -> Any:
    return calendar.day_name[_as_date(date).weekday()]


@builtin("month of year", "date")
def _month_of_year(date: Any) -> Any:
    return calendar.month_name[_as_date(date).month]


@builtin("week of year", "date")
def _week_of_year(date: Any) -> Any:
    return _as_date(date).isocalendar()[1]


@builtin("last day of month", "date")
def _last_day_of_month(date: Any) -> Any:
    d = _as_date(date)
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


# -- ranges (FEEL 1.3 "range" functions, points and ranges) -----------------------------------


def _as_range(x: Any) -> FeelRange:
    if type(x) is FeelRange:
        return x
    return FeelRange(x, x, True, True)


def _lt(a: Any, b: Any) -> bool:
    if not S.comparable(a, b):
        _fail()
    return bool(S.order_key(a) < S.order_key(b))


def _eqv(a: Any, b: Any) -> bool:
    return S.eq(a, b) is True


def _precedes(a: Any, b: Any, tie: bool) -> bool:
    """``a`` before ``b``; when they are equal, ``tie`` (which the endpoints' closedness decides)."""
    return _lt(a, b) or (tie and _eqv(a, b))


@builtin("before", "point1", "point2")
def _before_points(a: Any, b: Any) -> Any:
    ra, rb = _as_range(a), _as_range(b)
    return _precedes(ra.end, rb.start, not (ra.end_closed and rb.start_closed))


@builtin("includes", "range", "point")
def _includes(rng: Any, point: Any) -> Any:
    r1, r2 = _as_range(rng), _as_range(point)
    # both ends are compared (no short cut): an incomparable end fails even when the start is out
    start_ok = _precedes(r1.start, r2.start, r1.start_closed or not r2.start_closed)
    end_ok = _precedes(r2.end, r1.end, r1.end_closed or not r2.end_closed)
    return start_ok and end_ok


@builtin("coincides", "point1", "point2")
def _coincides(a: Any, b: Any) -> Any:
    ra, rb = _as_range(a), _as_range(b)
    return (
        _eqv(ra.start, rb.start)
        and _eqv(ra.end, rb.end)
        and ra.start_closed == rb.start_closed
        and ra.end_closed == rb.end_closed
    )


@builtin("starts", "point", "range")
def _starts(point: Any, rng: Any) -> Any:
    p, r = _as_range(point), _as_range(rng)
    return (
        _eqv(p.start, r.start)
        and p.start_closed == r.start_closed
        and _precedes(p.end, r.end, r.end_closed or not p.end_closed)
    )


@builtin("finishes", "point", "range")
def _finishes(point: Any, rng: Any) -> Any:
    p, r = _as_range(point), _as_range(rng)
    return (
        _eqv(p.end, r.end)
        and p.end_closed == r.end_closed
        and _precedes(r.start, p.start, r.start_closed or not p.start_closed)
    )


@builtin("meets", "range1", "range2")
def _meets(a: Any, b: Any) -> Any:
    ra, rb = _as_range(a), _as_range(b)
    return ra.end_closed and rb.start_closed and _eqv(ra.end, rb.start)


@builtin("overlaps", "range1", "range2")
def _overlaps(a: Any, b: Any) -> Any:
    ra, rb = _as_range(a), _as_range(b)
    return not (_before_points(ra, rb) or _before_points(rb, ra))


@builtin("overlaps before", "range1", "range2")
def _overlaps_before(a: Any, b: Any) -> Any:
    ra, rb = _as_range(a), _as_range(b)
    starts_first = _precedes(ra.start, rb.start, ra.start_closed and not rb.start_closed)
    ends_inside = _precedes(rb.start, ra.end, ra.end_closed and rb.start_closed) and _precedes(
        ra.end, rb.end, not ra.end_closed or rb.end_closed
    )
    return starts_first and ends_inside


def _mirror(relation: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """The converse relation: ``after(a, b)`` is ``before(b, a)``."""
    return lambda a, b: relation(b, a)


builtin("after", "point1", "point2")(_mirror(_before_points))
builtin("during", "point", "range")(_mirror(_includes))
builtin("started by", "range", "point")(_mirror(_starts))
builtin("finished by", "range", "point")(_mirror(_finishes))
builtin("met by", "range1", "range2")(_mirror(_meets))
builtin("overlaps after", "range1", "range2")(_mirror(_overlaps_before))


# -- Camunda extensions -----------------------------------------------------------------------


def _from_ai(value: Any, *_metadata: Any) -> Any:
    """Tags a value for AI integrations; the engine returns it unchanged."""
    return value


_FROM_AI_PARAMS = ("value", "description", "type", "schema", "options")
for _arity in range(1, len(_FROM_AI_PARAMS) + 1):  # every prefix is an overload
    builtin("fromAi", *_FROM_AI_PARAMS[:_arity])(_from_ai)
