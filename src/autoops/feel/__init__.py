"""FEEL expressions with FEEL-Scala semantics (the engine Camunda 8 embeds).

Parse once, evaluate many::

    from autoops import feel

    expr = feel.compile('amount > 1000 and customer.tier = "gold"')
    result = expr.evaluate({"amount": 1500, "customer": {"tier": "gold"}})
    result.value      # True
    result.warnings   # () - missing variables etc. give null plus a warning, never an exception

Why it behaves as it does:

- Failures are suppressed the FEEL-Scala way: a missing variable, a type mismatch or a bad
  function argument makes (part of) the result ``null`` and adds a :class:`Warning` with
  FEEL-Scala's kind and wording, which Zeebe prints in incident messages. Only a failed
  ``assert()`` (and the safety limits below) fails an evaluation: ``Result.failure`` is then set.
- :func:`evaluate_expected` adds Zeebe's result type check and raises :class:`FeelEvaluationError`
  whose text is Zeebe's ``EXTRACT_VALUE_ERROR`` incident message. Type names are Zeebe's
  ``ResultType`` constants: NULL, BOOLEAN, NUMBER, STRING, DURATION (days and time), PERIOD
  (years and months), DATE, DATE_TIME (zoned or local date-time), ARRAY, OBJECT and UNKNOWN
  (times, ranges, functions).
- Values are Python-typed: None, bool, int / decimal.Decimal (FEEL numbers are decimals; results
  are rounded to 34 significant digits like FEEL-Scala's DECIMAL128, integers stay int), str, list,
  dict (contexts), datetime.date, datetime.time, datetime.datetime (naive = local, aware = zoned),
  datetime.timedelta (days and time duration), :class:`YearMonthDuration`, :class:`FeelRange` and
  :class:`FeelFunction`. :func:`to_json` converts any of them the way Zeebe stores results.
- Variables are only probed with ``name in variables`` and ``variables[name]``, so a lazy scope
  view works; values inside are JSON-compatible Python values (floats are read as decimals).
- Hostile input cannot hang or crash the caller: texts over 100,000 characters and nesting deeper
  than 64 levels are syntax errors; an evaluation fails after 2,000,000 loop iterations.
  (A catastrophically backtracking regular expression in ``matches()`` is not bounded.)

This package is a leaf: it imports nothing else of autoops.
"""

from ._api import (
    CACHE_SIZE,
    INTERNAL_ERROR,
    ExpectedType,
    Expression,
    Result,
    compile,
    evaluate_expected,
    result_type,
    syntax_error,
)
from ._errors import FeelError, FeelEvaluationError, FeelSyntaxError, Warning
from ._values import (
    FeelFunction,
    FeelRange,
    TimeZoneId,
    YearMonthDuration,
    format_duration,
    format_temporal,
    to_json,
)

__all__ = [
    "CACHE_SIZE",
    "INTERNAL_ERROR",
    "ExpectedType",
    "Expression",
    "FeelError",
    "FeelEvaluationError",
    "FeelFunction",
    "FeelRange",
    "FeelSyntaxError",
    "Result",
    "TimeZoneId",
    "Warning",
    "YearMonthDuration",
    "compile",
    "evaluate_expected",
    "format_duration",
    "format_temporal",
    "result_type",
    "syntax_error",
    "to_json",
]
