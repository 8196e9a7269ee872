"""FEEL-Scala's evaluation rules: the evaluation environment, equality, ordering, arithmetic and
path access, each returning ``None`` plus a warning where FEEL-Scala suppresses a failure.

Message texts mirror FEEL-Scala's (``FeelInterpreter``) so that Zeebe-style incident messages read
the same as on a real cluster.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from . import _temporal as T
from ._errors import Warning
from ._values import (
    DECIMAL_CONTEXT,
    NUMBER_TYPES,
    FeelFunction,
    FeelRange,
    YearMonthDuration,
    render,
    to_decimal,
)

__all__ = [
    "ASSERT_FAILURE",
    "FUNCTION_INVOCATION_FAILURE",
    "INVALID_TYPE",
    "NOT_COMPARABLE",
    "NO_CONTEXT_ENTRY_FOUND",
    "NO_FUNCTION_FOUND",
    "NO_PROPERTY_FOUND",
    "NO_VARIABLE_FOUND",
    "Env",
    "Fatal",
    "ScopeError",
]

NO_VARIABLE_FOUND = "NO_VARIABLE_FOUND"
NO_CONTEXT_ENTRY_FOUND = "NO_CONTEXT_ENTRY_FOUND"
NO_PROPERTY_FOUND = "NO_PROPERTY_FOUND"
NOT_COMPARABLE = "NOT_COMPARABLE"
INVALID_TYPE = "INVALID_TYPE"
NO_FUNCTION_FOUND = "NO_FUNCTION_FOUND"
FUNCTION_INVOCATION_FAILURE = "FUNCTION_INVOCATION_FAILURE"
ASSERT_FAILURE = "ASSERT_FAILURE"

#: Upper bound of loop iterations (for / some / every / filters) in one evaluation, so that an
#: expression such as ``for i in 1..10000000000 return i`` fails fast instead of hanging.
MAX_ITERATIONS = 2_000_000

_EMPTY: dict[str, Any] = {}

_DECIMAL_ERRORS = (decimal.DecimalException, OverflowError, ValueError)


class ScopeError(Exception):
    """Reading a variable from the caller's mapping raised; evaluate() re-raises the original."""


class Fatal(Exception):
    """An evaluation failure FEEL-Scala does not suppress (failed assert, loop bound, ...)."""


class Env:
    """Per-evaluation state: the caller's variables, local scopes, warnings and the clock."""

    __slots__ = ("budget", "locals", "now_value", "vars", "warnings")

    def __init__(self, variables: Mapping[str, Any], now: dt.datetime | None) -> None:
        self.vars = variables
        self.locals: dict[str, Any] = _EMPTY
        self.warnings: list[Warning] = []
        self.now_value = now
        self.budget = MAX_ITERATIONS

    def warn(self, kind: str, message: str) -> None:
        self.warnings.append(Warning(kind, message))

    def now(self) -> dt.datetime:
        if self.now_value is None:
            self.now_value = dt.datetime.now(dt.UTC)
        elif self.now_value.tzinfo is None:
            self.now_value = self.now_value.replace(tzinfo=dt.UTC)
        return self.now_value

    def spend(self, iterations: int) -> None:
        self.budget -= iterations
        if self.budget < 0:
            raise Fatal(f"The evaluation exceeded the limit of {MAX_ITERATIONS} loop iterations")


# ---------------------------------------------------------------------------------------------
# equality and ordering


def _same_kind_temporal(a: Any, b: Any) -> bool:
    """Naive and aware times/date-times are different FEEL types (local vs. zoned)."""
    return (a.tzinfo is None) == (b.tzinfo is None)


def eq(a: Any, b: Any) -> bool | None:
    """FEEL-Scala's ValComparator: True/False, or None when the types are not comparable."""
    if a is None:
        return b is None
    if b is None:
        return False
    ta = type(a)
    tb = type(b)
    if ta in NUMBER_TYPES and tb in NUMBER_TYPES:
        if ta is float or tb is float:
            return to_decimal(a) == to_decimal(b)
        return bool(a == b)
    if ta is not tb:
        return None
    if ta is list:
        return len(a) == len(b) and all(eq(x, y) is True for x, y in zip(a, b, strict=False))
    if ta is dict:
        return a.keys() == b.keys() and all(eq(a[k], b[k]) is True for k in a)
    if ta is dt.datetime or ta is dt.time:
        if not _same_kind_temporal(a, b):
            return None
        return bool(a == b) and a.utcoffset() == b.utcoffset()
    if ta is FeelRange or ta is FeelFunction:
        return None
    return bool(a == b)


def equal(env: Env, a: Any, b: Any) -> bool | None:
    result = eq(a, b)
    if result is None:
        env.warn(NOT_COMPARABLE, f"Can't compare '{render(a)}' with '{render(b)}'")
    return result


_ORDERED_SAME_TYPE = frozenset({str, dt.date, dt.timedelta, YearMonthDuration})


def comparable(a: Any, b: Any) -> bool:
    ta = type(a)
    tb = type(b)
    if ta in NUMBER_TYPES and tb in NUMBER_TYPES:
        return True
    if ta is not tb:
        return False
    if ta in _ORDERED_SAME_TYPE:
        return True
    if ta is dt.datetime or ta is dt.time:
        return _same_kind_temporal(a, b)
    return False


def order_key(a: Any) -> Any:
    t = type(a)
    if t is float:
        return to_decimal(a)
    if t is dt.time and a.tzinfo is not None:
        return T.time_between(a, dt.time(0, tzinfo=dt.UTC))
    return a


def less(env: Env, op: str, a: Any, b: Any) -> bool | None:
    """``<``, ``<=``, ``>``, ``>=`` with FEEL-Scala's NOT_COMPARABLE rule."""
    if not comparable(a, b):
        env.warn(NOT_COMPARABLE, f"Can't compare '{render(a)}' with '{render(b)}'")
        return None
    x = order_key(a)
    y = order_key(b)
    if op == "<":
        return bool(x < y)
    if op == "<=":
        return bool(x <= y)
    if op == ">":
        return bool(x > y)
    return bool(x >= y)


# ---------------------------------------------------------------------------------------------
# arithmetic


#: Integers stay exact Python ints up to 34 digits; beyond, arithmetic rounds like DECIMAL128.
INT_LIMIT = 10**34


def int_result(value: int) -> Any:
    """An integer result, rounded to 34 significant digits (a Decimal) when it is larger."""
    if -INT_LIMIT < value < INT_LIMIT:
        return value
    return DECIMAL_CONTEXT.create_decimal(value)


def _num_result(value: Decimal) -> Any:
    if not value.is_finite():
        raise decimal.Overflow("not a finite number")
    return value


def add(env: Env, x: Any, y: Any) -> Any:
    tx = type(x)
    ty = type(y)
    try:
        if tx is int and ty is int:
            return int_result(x + y)
        if tx in NUMBER_TYPES and ty in NUMBER_TYPES:
            return _num_result(DECIMAL_CONTEXT.add(to_decimal(x), to_decimal(y)))
        if tx is str and ty is str:
            return x + y
        if ty is dt.timedelta and tx in (dt.time, dt.datetime, dt.date):
            return T.plus_duration(x, y)
        if tx is dt.timedelta and ty in (dt.time, dt.datetime, dt.date):
            return T.plus_duration(y, x)
        if tx is dt.timedelta and ty is dt.timedelta:
            return x + y
        if ty is YearMonthDuration and tx in (dt.datetime, dt.date):
            return T.add_months(x, y.months)
        if tx is YearMonthDuration and ty in (dt.datetime, dt.date):
            return T.add_months(y, x.months)
        if tx is YearMonthDuration and ty is YearMonthDuration:
            return YearMonthDuration(x.months + y.months)
    except _DECIMAL_ERRORS:
        pass
    env.warn(INVALID_TYPE, f"Can't add '{render(y)}' to '{render(x)}'")
    return None


def subtract(env: Env, x: Any, y: Any) -> Any:
    tx = type(x)
    ty = type(y)
    try:
        if tx is int and ty is int:
            return int_result(x - y)
        if tx in NUMBER_TYPES and ty in NUMBER_TYPES:
            return _num_result(DECIMAL_CONTEXT.subtract(to_decimal(x), to_decimal(y)))
        if tx is ty and tx in (dt.datetime, dt.time) and _same_kind_temporal(x, y):
            if tx is dt.time:
                return T.time_between(x, y)
            return T.between(x, y)
        if tx is dt.date and ty is dt.date:
            return x - y
        if ty is dt.timedelta and tx in (dt.time, dt.datetime, dt.date):
            return T.plus_duration(x, -y)
        if ty is YearMonthDuration and tx in (dt.datetime, dt.date):
            return T.add_months(x, -y.months)
        if tx is YearMonthDuration and ty is YearMonthDuration:
            return YearMonthDuration(x.months - y.months)
        if tx is dt.timedelta and ty is dt.timedelta:
            return x - y
    except _DECIMAL_ERRORS:
        pass
    env.warn(INVALID_TYPE, f"Can't subtract '{render(y)}' from '{render(x)}'")
    return None


def _int_value(n: Any) -> int:
    """Java's BigDecimal.intValue(): truncation towards zero."""
    return int(to_decimal(n))


def multiply(env: Env, x: Any, y: Any) -> Any:
    tx = type(x)
    ty = type(y)
    try:
        if tx is int and ty is int:
            return int_result(x * y)
        if tx in NUMBER_TYPES and ty in NUMBER_TYPES:
            return _num_result(DECIMAL_CONTEXT.multiply(to_decimal(x), to_decimal(y)))
        if tx in NUMBER_TYPES and ty is YearMonthDuration:
            return YearMonthDuration(y.months * _int_value(x))
        if tx is YearMonthDuration and ty in NUMBER_TYPES:
            return YearMonthDuration(x.months * _int_value(y))
        if tx in NUMBER_TYPES and ty is dt.timedelta:
            return y * _int_value(x)
        if tx is dt.timedelta and ty in NUMBER_TYPES:
            return x * _int_value(y)
    except _DECIMAL_ERRORS:
        pass
    env.warn(INVALID_TYPE, f"Can't multiply '{render(x)}' by '{render(y)}'")
    return None


def _millis(d: dt.timedelta) -> int:
    return (d.days * 86400 + d.seconds) * 1000 + d.microseconds // 1000


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def divide(env: Env, x: Any, y: Any) -> Any:
    tx = type(x)
    ty = type(y)
    try:
        if tx in NUMBER_TYPES and ty in NUMBER_TYPES and y != 0:
            if tx is int and ty is int and x % y == 0:
                return x // y
            return _num_result(DECIMAL_CONTEXT.divide(to_decimal(x), to_decimal(y)))
        if tx is YearMonthDuration and ty in NUMBER_TYPES and y != 0:
            return YearMonthDuration(int(DECIMAL_CONTEXT.divide(Decimal(x.months), to_decimal(y))))
        if tx is YearMonthDuration and ty is YearMonthDuration and y.months != 0:
            return _trunc_div(x.months, y.months)
        if tx is dt.timedelta and ty is dt.timedelta and y:
            ym = _millis(y)
            if ym != 0:
                return _trunc_div(_millis(x), ym)
        if tx is dt.timedelta and ty in NUMBER_TYPES and y != 0:
            millis = int(DECIMAL_CONTEXT.divide(Decimal(_millis(x)), to_decimal(y)))
            return dt.timedelta(milliseconds=millis)
    except _DECIMAL_ERRORS:
        pass
    env.warn(INVALID_TYPE, f"Can't divide '{render(x)}' by '{render(y)}'")
    return None


def expect_number(env: Env, x: Any) -> bool:
    if type(x) in NUMBER_TYPES:
        return True
    env.warn(INVALID_TYPE, f"Expected number but found '{render(x)}'")
    return False


def power(env: Env, x: Any, y: Any) -> Any:
    if not (expect_number(env, x) and expect_number(env, y)):
        return None
    try:
        dy = to_decimal(y)
        if dy == dy.to_integral_value():
            exponent = int(dy)
            if type(x) is int and 0 <= exponent <= 256:
                result = x**exponent
                if abs(result) < 10**34:
                    return result
            if abs(exponent) > 999_999_999:
                raise decimal.Overflow("exponent too large")
            return _num_result(DECIMAL_CONTEXT.power(to_decimal(x), exponent))
        value = math.pow(float(x), float(y))
        return Decimal(repr(value))
    except (*_DECIMAL_ERRORS, ZeroDivisionError, ArithmeticError):
        env.warn(INVALID_TYPE, f"Can't raise '{render(x)}' to the power of '{render(y)}'")
        return None


def negate(env: Env, x: Any) -> Any:
    t = type(x)
    if t is int or t is Decimal:
        return -x
    if t is float:
        return -to_decimal(x)
    env.warn(INVALID_TYPE, f"Expected number but found '{render(x)}'")
    return None


# ---------------------------------------------------------------------------------------------
# paths and properties


def properties(value: Any) -> dict[str, Any] | None:
    """The properties of a temporal value (``.year``, ``.hour``, ``.days``, ...) or None.

    The key order is the one FEEL-Scala lists in its NO_PROPERTY_FOUND message.
    """
    t = type(value)
    if t is dt.date:
        return {"year": value.year, "month": value.month, "day": value.day, "weekday": value.isoweekday()}
    if t is dt.datetime:
        tz = value.tzinfo
        return {
            "timezone": getattr(tz, "key", None),
            "year": value.year,
            "second": value.second,
            "month": value.month,
            "day": value.day,
            "time offset": None if tz is None else value.utcoffset(),
            "weekday": value.isoweekday(),
            "minute": value.minute,
            "hour": value.hour,
        }
    if t is dt.time:
        tz = value.tzinfo
        return {
            "timezone": getattr(tz, "key", None),
            "second": value.second,
            "time offset": None if tz is None else value.utcoffset(),
            "minute": value.minute,
            "hour": value.hour,
        }
    if t is dt.timedelta:
        total = value.days * 86400 + value.seconds
        sign = -1 if total < 0 else 1
        a = abs(total)
        return {
            "days": sign * (a // 86400),
            "hours": sign * ((a // 3600) % 24),
            "minutes": sign * ((a // 60) % 60),
            "seconds": sign * (a % 60),
        }
    if t is YearMonthDuration:
        return {"years": value.years_part, "months": value.months_part}
    if t is FeelRange:
        return {
            "start": value.start,
            "end": value.end,
            "start included": value.start_closed,
            "end included": value.end_closed,
        }
    return None


def path(env: Env, value: Any, key: str) -> Any:
    """``value.key``: context entry, projection over a list, or a temporal property."""
    t = type(value)
    if t is dict:
        if key in value:
            return value[key]
        if value:
            keys = ", ".join(f"'{k}'" for k in value)
            detail = f"Available keys: {keys}"
        else:
            detail = "The context is empty"
        env.warn(NO_CONTEXT_ENTRY_FOUND, f"No context entry found with key '{key}'. {detail}")
        return None
    if t is list:
        return [path(env, item, key) for item in value]
    if value is None:
        env.warn(NO_CONTEXT_ENTRY_FOUND, f"No context entry found with key '{key}'. The context is null")
        return None
    props = properties(value)
    if props is not None and key in props:
        return props[key]
    names = ", ".join(f"'{k}'" for k in (props or {}))
    env.warn(
        NO_PROPERTY_FOUND,
        f"No property found with name '{key}' of value '{render(value)}'. Available properties: {names}",
    )
    return None


# ---------------------------------------------------------------------------------------------
# ranges


def in_range(env: Env, value: Any, rng: FeelRange) -> bool | None:
    """Is ``value`` inside ``rng``? None (with NOT_COMPARABLE) for mismatched types."""
    start, end = rng.start, rng.end
    bounds = [b for b in (start, end) if b is not None]
    if value is None or not bounds or not all(comparable(value, b) for b in bounds):
        env.warn(
            NOT_COMPARABLE,
            f"Can't compare '{render(value)}' with '{render(start)}' and '{render(end)}'",
        )
        return None
    v = order_key(value)
    if start is not None:
        s = order_key(start)
        if not (v >= s if rng.start_closed else v > s):
            return False
    if end is not None:
        e = order_key(end)
        if not (v <= e if rng.end_closed else v < e):
            return False
    return True
