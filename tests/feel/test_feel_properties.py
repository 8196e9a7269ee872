"""Property-based tests: arbitrary and mutated input never escapes as anything but a FeelError,
never crashes the evaluator and never hangs (each example runs under a hypothesis deadline)."""

from __future__ import annotations

import datetime as dt
import os
import pathlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from autoops import feel
from autoops.feel._api import INTERNAL_ERROR

CORPUS = pathlib.Path("/work/shared/corpus/bpmn")

# A generous deadline: the point is "terminates", the benchmark measures speed. The default run is
# small and deterministic; FEEL_FUZZ_EXAMPLES=5000 runs a longer, randomised campaign on demand.
_CAMPAIGN = int(os.environ.get("FEEL_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=_CAMPAIGN or 150,
    deadline=dt.timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=not _CAMPAIGN,
)

TOKENS = [
    "(", ")", "[", "]", "{", "}", ",", ":", ".", "..", "+", "-", "*", "/", "**", "=", "!=", "<", "<=",
    ">", ">=", "and", "or", "not", "if", "then", "else", "for", "in", "return", "some", "every",
    "satisfies", "between", "instance", "of", "function", "null", "true", "false", "0", "1", "2.5",
    "-3", "10", '"s"', '""', "x", "y", "items", "item", "partial", "?", "@", '"2024-01-01"', '"PT1H"',
    '"P1Y"', '"10:00:00"', "count", "string length", "sum", "date", "time", "date and time",
    "duration", "`a b`", "is defined", "get or else", "string join", "sort", "now", "today", "number",
    "string", "matches", "replace", "split", "sublist", "substring", "list contains", "min", "max",
    "mean", "append", "context put", "get value", "abs", "modulo", "decimal", "floor", "range",
]

SEEDS = [
    'amount > 1000 and customer.tier = "gold"',
    "for i in 1..3 return i * 2",
    "items[price > 10].sku",
    'if x then "a" else "b"',
    "some x in [1, 2, 3] satisfies x > 2",
    "{a: 1, b: a + 1}.b",
    'date and time("2024-01-01T10:00:00") + duration("P1D")',
    'string join(for i in items return string(i.price), ", ")',
    "x in (1..10]",
    "sort(items, function(a, b) a.price < b.price)",
    'replace(name, "(\\\\w+)", "$1!")',
    "count(items[item.qty > 0]) between 1 and 5",
    'get or else(order.note, "none") + "-" + string(order.id)',
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["x", "y", "items", "price", "sku", "qty", "a", "b"]), children, max_size=4),
    max_leaves=12,
)
variables = st.fixed_dictionaries(
    {},
    optional={
        "x": json_values,
        "y": json_values,
        "items": st.lists(json_values, max_size=5),
        "amount": st.integers(-5000, 5000),
        "customer": st.fixed_dictionaries({"tier": st.sampled_from(["gold", "silver"])}),
        "name": st.text(max_size=10),
    },
)


def check(text: str, scope: dict[str, Any]) -> None:
    """Compile and evaluate; only FeelSyntaxError may escape, and the evaluator must not crash."""
    try:
        expr = feel.compile(text)
    except feel.FeelSyntaxError as error:
        assert str(error)  # renders a caret excerpt without failing
        return
    result = expr.evaluate(scope, now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    assert result.failure is None or not result.failure.startswith(INTERNAL_ERROR), result.failure
    feel.to_json(result.value)
    for warning in result.warnings:
        assert str(warning).startswith("[")


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14), variables)
def test_random_token_sequences(tokens: list[str], scope: dict[str, Any]) -> None:
    check(" ".join(tokens), scope)


@FUZZ
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_random_text(text: str) -> None:
    check(text, {})


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 3))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        j = draw(st.integers(i, min(len(text), i + 4)))
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "swap"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from([*TOKENS, "\\", '"', "`", "@", "#", "\n"])) + text[i:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            k = draw(st.integers(0, len(text) - 1))
            chars = list(text)
            chars[i], chars[k] = chars[k], chars[i]
            text = "".join(chars)
    return text


@FUZZ
@given(mutated(), variables)
def test_mutated_expressions(text: str, scope: dict[str, Any]) -> None:
    check(text, scope)


@FUZZ
@given(st.sampled_from(SEEDS), variables)
def test_valid_expressions_on_random_data(text: str, scope: dict[str, Any]) -> None:
    check(text, scope)


# |a + 2b| stays below 10**34: larger intermediate results are rounded to 34 digits (DECIMAL128)
# like FEEL-Scala does, so "exact" only holds in this range
@settings(max_examples=100, deadline=dt.timedelta(seconds=2), derandomize=True)
@given(st.integers(-(10**33), 10**33), st.integers(-(10**33), 10**33))
def test_integer_arithmetic_is_exact_and_to_json_keeps_ints(a: int, b: int) -> None:
    result = feel.compile("a + b * 2 - a").evaluate({"a": a, "b": b})
    assert result.value == b * 2
    assert feel.to_json(feel.compile("a").evaluate({"a": a}).value) == a


def _corpus_expressions() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(CORPUS.rglob("*.bpmn")):
        for element in etree.parse(str(path)).iter():
            if not isinstance(element.tag, str):
                continue
            for attr_raw, raw in element.attrib.items():
                attr, value = str(attr_raw), str(raw)
                if value.startswith("="):
                    found.setdefault(value, f"{path.name}: {etree.QName(element).localname}@{attr}")
            text = (element.text or "").strip()
            if etree.QName(element).localname == "conditionExpression" and text.startswith("="):
                found.setdefault(text, f"{path.name}: conditionExpression")
    return found


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the BPMN corpus is not available")
def test_every_real_model_expression_parses_unless_feel_rejects_it_too() -> None:
    """Expressions from 148 real Camunda 8 models compile; the only failures are the ones FEEL-Scala
    rejects as well: names with spaces (from the BPMN MIWG suite, written for another engine) and a
    deliberately broken fixture."""
    expressions = _corpus_expressions()
    assert len(expressions) > 100
    failures = {}
    for text, where in expressions.items():
        try:
            feel.compile(text)
        except feel.FeelSyntaxError as error:
            failures[text] = (where, error.message)
    for text, (where, message) in failures.items():
        spaced_names = any(name in text for name in ("Vacation Status", "Approval Status", "Badge Number"))
        assert spaced_names or text == "===", f"{where}: {text!r}: {message}"
    assert len(failures) <= 10
