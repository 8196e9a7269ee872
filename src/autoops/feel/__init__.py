"""FEEL expressions with FEEL-Scala semantics (the engine Camunda 8 embeds).

Parse once, evaluate many::

    from autoops import feel

    expr = feel.compile('amount > 1000 and customer.tier = "gold"')
    result = expr.evaluate({"amount": 1500, "customer": {"tier": "gold"}})
    result.value      # True
    result.warnings   # () - missing variables etc. give null plus a warning, never an exception

Values are Python-typed: None, bool, int / decimal.Decimal (FEEL numbers are decimals with 34
significant digits; integers stay int), str, list, dict (contexts), datetime.date,
datetime.time, datetime.datetime (naive = local, aware = zoned), datetime.timedelta (days and
time duration) and :class:`YearMonthDuration`. :func:`to_json` converts any of them into a
JSON-compatible value the way Zeebe stores results.

This package is a leaf: it imports nothing else of autoops.
"""

from ._api import CACHE_SIZE, ExpectedType, Expression, Result, compile, evaluate_expected, result_type
from ._errors import FeelError, FeelEvaluationError, FeelSyntaxError, Warning
from ._values import FeelFunction, FeelRange, YearMonthDuration, format_duration, format_temporal, to_json

__all__ = [
    "CACHE_SIZE",
    "ExpectedType",
    "Expression",
    "FeelError",
    "FeelEvaluationError",
    "FeelFunction",
    "FeelRange",
    "FeelSyntaxError",
    "Result",
    "Warning",
    "YearMonthDuration",
    "compile",
    "evaluate_expected",
    "format_duration",
    "format_temporal",
    "result_type",
    "to_json",
]
