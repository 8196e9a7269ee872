"""Public entry points: compile (cached), Expression.evaluate, Result and the Zeebe type check."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from . import _semantics as S
from ._compiler import compile_node
from ._errors import FeelEvaluationError, FeelSyntaxError, Warning
from ._parser import parse
from ._values import NUMBER_TYPES, YearMonthDuration

__all__ = ["CACHE_SIZE", "INTERNAL_ERROR", "ExpectedType", "Expression", "Result", "compile", "evaluate_expected", "result_type", "syntax_error"]

#: Zeebe's ``ResultType`` names, used in its EXTRACT_VALUE_ERROR incident messages.
ExpectedType = Literal[
    "NULL", "BOOLEAN", "NUMBER", "STRING", "DURATION", "PERIOD", "DATE", "DATE_TIME", "ARRAY", "OBJECT", "UNKNOWN"
]

#: Prefix of Result.failure for an unexpected exception inside the evaluator (a bug to report).
INTERNAL_ERROR = "Internal error while evaluating the expression"

#: How many compiled expressions are kept (LRU, keyed by text).
CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one evaluation.

    ``value`` is the FEEL value (see the package docs for the Python types); ``warnings`` are the
    suppressed failures in the order they happened. ``failure`` is set only when FEEL-Scala would
    fail the whole evaluation (a failed ``assert``, the loop bound, ``?`` outside a unary test);
    ``value`` is then None.
    """

    value: Any
    warnings: tuple[Warning, ...] = ()
    failure: str | None = None


class Expression:
    """A parsed and compiled FEEL expression; immutable and safe to share between threads."""

    __slots__ = ("_fn", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._fn = compile_node(parse(text), text)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(self, variables: Mapping[str, Any], *, now: dt.datetime | None = None) -> Result:
        """Evaluate against ``variables`` (only ``in`` and ``[]`` are used on the mapping).

        ``now`` is the clock for ``now()`` and ``today()``; a naive value is taken as UTC.
        """
        env = S.Env(variables, now)
        try:
            value = self._fn(env)
        except S.ScopeError as error:
            # an exception of the caller's variables mapping is the caller's, not a FEEL failure
            raise error.__cause__ or error from None
        except S.Fatal as fatal:
            return Result(None, tuple(env.warnings), str(fatal))
        except RecursionError:
            return Result(None, tuple(env.warnings), "The evaluation is nested too deeply")
        except Exception as error:  # an engine must get a result, never a crash
            return Result(None, tuple(env.warnings), f"{INTERNAL_ERROR}: {type(error).__name__}: {error}")
        return Result(value, tuple(env.warnings))


_cache: OrderedDict[str, Expression] = OrderedDict()
_cache_lock = threading.Lock()


def compile(text: str) -> Expression:
    """Parse ``text`` once; later calls with the same text return the cached Expression.

    A leading ``=`` (the Zeebe expression marker) is stripped. Raises FeelSyntaxError.
    """
    expr = _cache.get(text)
    if expr is not None:
        try:  # noqa: SIM105 - contextlib.suppress costs more than the lookup itself
            _cache.move_to_end(text)  # least recently used entries are evicted first
        except KeyError:  # evicted by another thread meanwhile; the expression is still valid
            pass
        return expr
    source = text[1:] if text.startswith("=") else text
    expr = Expression(source)
    with _cache_lock:
        _cache[text] = expr
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return expr


def syntax_error(text: str) -> str | None:
    """None when ``text`` compiles, else the problem with its line and column on one line.

    For validators that only check syntax and list many findings, where the caret excerpt of
    ``str(FeelSyntaxError)`` would break the one-finding-per-line layout. Goes through the
    compile cache, so the engine later reuses the parsed expression.
    """
    try:
        compile(text)
    except FeelSyntaxError as error:
        return error.summary
    return None


_RESULT_TYPES: dict[type, ExpectedType] = {
    type(None): "NULL",
    bool: "BOOLEAN",
    **dict.fromkeys(NUMBER_TYPES, "NUMBER"),
    str: "STRING",
    dt.timedelta: "DURATION",
    YearMonthDuration: "PERIOD",
    dt.datetime: "DATE_TIME",
    dt.date: "DATE",
    list: "ARRAY",
    dict: "OBJECT",
}


def result_type(value: Any) -> ExpectedType:
    """Zeebe's ResultType of a FEEL value (times, ranges and functions are UNKNOWN)."""
    return _RESULT_TYPES.get(type(value), "UNKNOWN")


def evaluate_expected(
    expression: str | Expression,
    variables: Mapping[str, Any],
    expected: ExpectedType | Collection[ExpectedType],
    *,
    now: dt.datetime | None = None,
) -> Any:
    """Evaluate and check the result type like Zeebe does before using a value.

    Returns the FEEL value. Raises FeelEvaluationError with Zeebe's incident text when the type is
    wrong (``Expected result of the expression '<expr>' to be '<TYPE>', but was '<ACTUAL>'.``,
    or ``... to be one of '[A, B]', but was '<ACTUAL>'`` for several types), followed by the
    warnings, or ``Failed to evaluate expression '<expr>': <failure>`` when the evaluation failed.
    """
    expr = compile(expression) if isinstance(expression, str) else expression
    result = expr.evaluate(variables, now=now)
    if result.failure is not None:
        raise FeelEvaluationError(
            f"Failed to evaluate expression '{expr.text}': {result.failure}", warnings=result.warnings
        )
    actual = result_type(result.value)
    if isinstance(expected, str):
        if actual == expected:
            return result.value
        message = f"Expected result of the expression '{expr.text}' to be '{expected}', but was '{actual}'."
    else:
        allowed = list(expected)
        if actual in allowed:
            return result.value
        message = (
            f"Expected result of the expression '{expr.text}' to be one of "
            f"'[{', '.join(allowed)}]', but was '{actual}'"
        )
    if result.warnings:
        message += " The evaluation reported the following warnings:" + "".join(
            f"\n{w}" for w in result.warnings
        )
    raise FeelEvaluationError(message, warnings=result.warnings)
