"""FEEL evaluation for the engine: static-or-expression attributes, type checks, incident texts.

Attributes such as the job type or retries are static unless they start with ``=``; mapping sources
and conditions are always expressions. A failed type check becomes an ``EXTRACT_VALUE_ERROR``
failure carrying Zeebe's text, which the lifecycle turns into an incident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from autoops import feel
from autoops.bpmn.model import expression_body, is_expression
from autoops.engine.context import ProcessingContext
from autoops.engine.errors import ErrorType, ProcessingFailure

Expected = feel.ExpectedType

__all__ = ["Expected", "evaluate_any", "evaluate_expected", "static_or_expected"]


def _now(ctx: ProcessingContext) -> dt.datetime:
    return dt.datetime.fromtimestamp(ctx.now / 1000, tz=dt.UTC)


def _compile(text: str) -> Any:
    try:
        return feel.compile(text)
    except feel.FeelSyntaxError as exc:
        raise ProcessingFailure(
            ErrorType.EXTRACT_VALUE_ERROR, f"failed to parse expression '{text}': {exc.message}"
        ) from exc


def evaluate_any(ctx: ProcessingContext, raw: str, variables: Mapping[str, Any]) -> Any:
    """Evaluate an attribute to a JSON value: FEEL after a leading ``=``, else the static text.

    Zeebe parses mapping sources, scripts and conditions the same way: without the ``=`` marker
    the value is a static string (connector templates rely on this for URLs and the like).
    """
    if not is_expression(raw):
        return raw
    body = expression_body(raw)
    expression = _compile(body)
    result = expression.evaluate(variables, now=_now(ctx))
    if result.failure is not None:
        raise ProcessingFailure(
            ErrorType.EXTRACT_VALUE_ERROR, f"Failed to evaluate expression '{body}': {result.failure}"
        )
    return feel.to_json(result.value)


def evaluate_expected(
    ctx: ProcessingContext, raw: str, variables: Mapping[str, Any], expected: Expected | tuple[Expected, ...]
) -> Any:
    """Evaluate and check the result type; raise ``EXTRACT_VALUE_ERROR`` with Zeebe's text if wrong.

    A static (``=``-less) value is a STRING and is checked like any result.
    """
    if not is_expression(raw):
        allowed = (expected,) if isinstance(expected, str) else tuple(expected)
        if "STRING" in allowed:
            return raw
        wanted = f"'{allowed[0]}'" if len(allowed) == 1 else f"one of '[{', '.join(allowed)}]'"
        raise ProcessingFailure(
            ErrorType.EXTRACT_VALUE_ERROR,
            f"Expected result of the expression '{raw}' to be {wanted}, but was 'STRING'.",
        )
    body = expression_body(raw)
    expression = _compile(body)
    try:
        value = feel.evaluate_expected(expression, variables, expected, now=_now(ctx))
    except feel.FeelEvaluationError as exc:
        raise ProcessingFailure(ErrorType.EXTRACT_VALUE_ERROR, str(exc)) from exc
    return feel.to_json(value)


def static_or_expected(
    ctx: ProcessingContext, raw: str, variables: Mapping[str, Any], expected: Expected | tuple[Expected, ...]
) -> Any:
    """A static value as written, or the checked result of its ``=`` expression."""
    if is_expression(raw):
        return evaluate_expected(ctx, raw, variables, expected)
    return raw
