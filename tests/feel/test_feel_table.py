"""Run the documented FEEL-Scala behaviour table (feel_cases.py) against autoops.feel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from feel_cases import ALL_CASES, SYNTAX_ERROR, Case

from autoops import feel

NOW = dt.datetime(2024, 5, 17, 10, 30, tzinfo=dt.UTC)


def _same(actual: Any, expected: Any) -> bool:
    """Equality that also checks the FEEL type (True is not 1, a date is not a date-time)."""
    if expected is None:
        return actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, int | Decimal):
        return type(actual) in (int, Decimal) and Decimal(actual) == Decimal(expected)
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            _same(a, e) for a, e in zip(actual, expected, strict=True)
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and list(actual) == list(expected)
            and all(_same(actual[k], expected[k]) for k in expected)
        )
    if isinstance(expected, dt.datetime | dt.time):
        return (
            type(actual) is type(expected)
            and actual == expected
            and (actual.tzinfo is None) == (expected.tzinfo is None)
            and actual.utcoffset() == expected.utcoffset()
        )
    return type(actual) is type(expected) and bool(actual == expected)


def _id(item: tuple[str, Case]) -> str:
    group, case = item
    return f"{group}: {case.expr[:60]}"


def test_the_table_is_large_enough() -> None:
    assert len(ALL_CASES) >= 300


@pytest.mark.parametrize(("group", "case"), ALL_CASES, ids=[_id(c) for c in ALL_CASES])
def test_documented_behaviour(group: str, case: Case) -> None:
    assert case.doc.startswith("https://docs.camunda.io/"), "every case cites its documentation page"
    if case.expected is SYNTAX_ERROR:
        with pytest.raises(feel.FeelSyntaxError):
            feel.compile(case.expr)
        return
    result = feel.compile(case.expr).evaluate(case.variables, now=NOW)
    assert result.failure is None, result.failure
    assert _same(result.value, case.expected), (
        f"{case.expr!r} gave {result.value!r}, expected {case.expected!r} ({case.doc})"
    )
    if case.warnings is not None:
        assert tuple(w.kind for w in result.warnings) == case.warnings, [str(w) for w in result.warnings]
