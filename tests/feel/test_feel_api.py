"""The public API contract of autoops.feel: results, warning texts, errors, type checks, JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from autoops import feel
from autoops.feel import _parser

# Warning texts are FEEL-Scala's (FeelInterpreter / EvalContext / BuiltinFunction); Zeebe prints them
# verbatim in incident messages. Source page for the rules:
# https://docs.camunda.io/docs/components/modeler/feel/language-guide/feel-error-handling/


def warnings_of(text: str, variables: Mapping[str, Any] | None = None) -> list[str]:
    return [str(w) for w in feel.compile(text).evaluate(variables or {}).warnings]


class TestWarnings:
    def test_missing_variable(self) -> None:
        assert warnings_of("x") == ["[NO_VARIABLE_FOUND] No variable found with name 'x'"]

    def test_not_comparable_quotes_strings(self) -> None:
        assert warnings_of("x > 10", {"x": "bar"}) == ["[NOT_COMPARABLE] Can't compare '\"bar\"' with '10'"]

    def test_missing_context_entry_lists_available_keys(self) -> None:
        assert warnings_of("a.c", {"a": {"b": 1, "d": 2}}) == [
            "[NO_CONTEXT_ENTRY_FOUND] No context entry found with key 'c'. Available keys: 'b', 'd'"
        ]

    def test_missing_entry_of_empty_and_null_context(self) -> None:
        assert warnings_of("{}.y") == ["[NO_CONTEXT_ENTRY_FOUND] No context entry found with key 'y'. The context is empty"]
        assert warnings_of("a.b", {"a": None}) == [
            "[NO_CONTEXT_ENTRY_FOUND] No context entry found with key 'b'. The context is null"
        ]

    def test_unknown_function(self) -> None:
        assert warnings_of("foo(1, 2)") == ["[NO_FUNCTION_FOUND] No function found with name 'foo' and 2 parameters"]
        assert warnings_of("foo(a: 1)") == ["[NO_FUNCTION_FOUND] No function found with name 'foo' and parameters: a"]

    def test_bad_arguments(self) -> None:
        assert warnings_of('upper case(1)') == [
            "[FUNCTION_INVOCATION_FAILURE] Failed to invoke function 'upper case': Illegal arguments: '1'"
        ]
        assert warnings_of('number("x")') == [
            "[FUNCTION_INVOCATION_FAILURE] Failed to invoke function 'number': Can't parse 'x' as a number"
        ]

    def test_arithmetic_on_wrong_types(self) -> None:
        assert warnings_of('"a" + 1') == ["[INVALID_TYPE] Can't add '1' to '\"a\"'"]
        assert warnings_of("1 - true") == ["[INVALID_TYPE] Can't subtract 'true' from '1'"]
        assert warnings_of('2 * "x"') == ["[INVALID_TYPE] Can't multiply '2' by '\"x\"'"]
        assert warnings_of("1 / 0") == ["[INVALID_TYPE] Can't divide '1' by '0'"]

    def test_non_boolean_condition(self) -> None:
        result = feel.compile('if "x" then 1 else 2').evaluate({})
        assert result.value == 2
        assert [str(w) for w in result.warnings] == ["[INVALID_TYPE] Expected boolean but found '\"x\"'"]

    def test_property_of_a_value_without_it(self) -> None:
        assert warnings_of('@"2020-04-06".hour') == [
            "[NO_PROPERTY_FOUND] No property found with name 'hour' of value '2020-04-06'. "
            "Available properties: 'year', 'month', 'day', 'weekday'"
        ]

    def test_warning_is_a_value_object(self) -> None:
        w = feel.Warning("NO_VARIABLE_FOUND", "No variable found with name 'x'")
        assert w.kind == "NO_VARIABLE_FOUND"
        assert str(w) == "[NO_VARIABLE_FOUND] No variable found with name 'x'"
        assert feel.compile("x").evaluate({}).warnings == (w,)


class TestSyntaxErrors:
    def test_position_and_caret(self) -> None:
        with pytest.raises(feel.FeelSyntaxError) as info:
            feel.compile("a + * b")
        err = info.value
        assert err.position == 4
        assert err.text == "a + * b"
        assert (err.line, err.column) == (1, 5)
        lines = str(err).splitlines()
        assert lines[1].strip() == "a + * b"
        assert lines[2].index("^") - lines[1].index("a") == 4

    def test_multiline_position(self) -> None:
        with pytest.raises(feel.FeelSyntaxError) as info:
            feel.compile("{\n  a: 1,\n  b: *\n}")
        assert info.value.line == 3

    def test_single_quotes_explain_the_fix(self) -> None:
        with pytest.raises(feel.FeelSyntaxError, match="double quotes"):
            feel.compile("'type'")

    def test_syntax_error_is_none_for_valid_expressions(self) -> None:
        assert feel.syntax_error('amount > 1000 and customer.tier = "gold"') is None
        assert feel.syntax_error("=orderId") is None  # the Zeebe marker is accepted like compile()

    def test_syntax_error_is_the_message_and_position_on_one_line(self) -> None:
        with pytest.raises(feel.FeelSyntaxError) as info:
            feel.compile("{\n  a: 1,\n  b: *\n}")
        problem = feel.syntax_error("{\n  a: 1,\n  b: *\n}")
        assert problem == f"{info.value.message} (line 3, column 6)"
        assert str(info.value).splitlines()[0] == problem  # the full text adds only the caret excerpt

    def test_syntax_error_keeps_the_fix_in_the_message(self) -> None:
        problem = feel.syntax_error("'type'")
        assert problem is not None
        assert "double quotes" in problem
        assert "\n" not in problem
        assert "^" not in problem

    def test_is_a_feel_error(self) -> None:
        assert issubclass(feel.FeelSyntaxError, feel.FeelError)
        assert issubclass(feel.FeelEvaluationError, feel.FeelError)

    @pytest.mark.parametrize(
        "text",
        [
            "(" * 5000 + "1" + ")" * 5000,
            "[" * 3000 + "]" * 3000,
            "-" * 5000 + "1",
            "1" + " + 1" * 5000,
            "a" + ".b" * 5000,
            "not(" * 2000 + "true" + ")" * 2000,
            "if true then " * 1000 + "1" + " else 2" * 1000,
            "x" + "[1]" * 3000,
        ],
        ids=["parens", "lists", "negations", "long-sum", "long-path", "calls", "ifs", "filters"],
    )
    def test_hostile_nesting_is_a_syntax_error_not_a_crash(self, text: str) -> None:
        with pytest.raises(feel.FeelSyntaxError, match="nested too deeply"):
            feel.compile(text)

    @pytest.mark.parametrize(
        "text",
        ["x in (" * 40 + "1", "]1.." * 40 + "2", "[1.." * 40 + "2", "x in " + "(1.." * 30],
        ids=["unclosed-tests", "open-ranges", "closed-ranges", "range-starts"],
    )
    def test_unbalanced_nesting_fails_fast(self, text: str) -> None:
        # a backtracking parser would need 2**40 attempts here
        with pytest.raises(feel.FeelSyntaxError):
            feel.compile(text)

    def test_moderate_nesting_still_works(self) -> None:
        text = "(" * 40 + "1" + ")" * 40 + " + 1" * 60
        assert feel.compile(text).evaluate({}).value == 61

    def test_too_long_input(self) -> None:
        with pytest.raises(feel.FeelSyntaxError, match="too long"):
            feel.compile("1" * 200_000)

    def test_depth_limit_constant_is_sane(self) -> None:
        assert 50 <= _parser.MAX_DEPTH <= 200


class TestEvaluation:
    def test_variables_are_only_probed_with_in_and_getitem(self) -> None:
        class Strict(Mapping[str, Any]):
            """A lazy scope view: iterating or sizing it is a bug in the evaluator."""

            def __init__(self, data: dict[str, Any]) -> None:
                self.data = data
                self.probes: list[str] = []

            def __contains__(self, key: object) -> bool:
                self.probes.append(str(key))
                return key in self.data

            def __getitem__(self, key: str) -> Any:
                return self.data[key]

            def __iter__(self) -> Iterator[str]:
                raise AssertionError("the evaluator must not iterate the variables")

            def __len__(self) -> int:
                raise AssertionError("the evaluator must not size the variables")

        scope = Strict({"amount": 1500, "customer": {"tier": "gold"}, "items": [{"p": 1}, {"p": 20}]})
        text = 'amount > 1000 and customer.tier = "gold" and count(items[p > 10]) = 1 and missing = null'
        assert feel.compile(text).evaluate(scope).value is True
        assert set(scope.probes) >= {"amount", "customer", "items", "missing"}

    def test_errors_of_the_variables_mapping_are_not_swallowed(self) -> None:
        class Broken(Mapping[str, Any]):
            def __contains__(self, key: object) -> bool:
                raise RuntimeError("scope store unavailable")

            def __getitem__(self, key: str) -> Any:
                raise KeyError(key)

            def __iter__(self) -> Iterator[str]:
                return iter(())

            def __len__(self) -> int:
                return 0

        for text in ("x", "x.y", "x.y.z", "count(items) > 0"):
            with pytest.raises(RuntimeError, match="scope store unavailable"):
                feel.compile(text).evaluate(Broken())

    def test_an_internal_error_becomes_a_failure_not_a_crash(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from autoops.feel import _builtins

        def explode(env: Any, args: list[Any]) -> Any:
            raise RuntimeError("bug")

        broken = feel.FeelFunction("count", ("list",), explode)
        monkeypatch.setitem(_builtins.BUILTINS, "count", [broken])
        result = feel.Expression("count([1])").evaluate({})
        assert result.value is None
        assert result.failure is not None and result.failure.startswith(feel.INTERNAL_ERROR)

    def test_now_and_today_use_the_given_clock(self) -> None:
        pinned = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
        assert feel.compile("now()").evaluate({}, now=pinned).value == pinned
        assert feel.compile("today()").evaluate({}, now=pinned).value == dt.date(2030, 1, 2)
        naive = dt.datetime(2030, 1, 2, 3, 4, 5)
        assert feel.compile("now()").evaluate({}, now=naive).value == pinned

    def test_now_defaults_to_current_utc_time(self) -> None:
        before = dt.datetime.now(dt.UTC)
        value = feel.compile("now()").evaluate({}).value
        assert before <= value <= dt.datetime.now(dt.UTC)

    def test_timer_arithmetic_with_pinned_clock(self) -> None:
        pinned = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        value = feel.compile('now() + duration("PT15S")').evaluate({}, now=pinned).value
        assert value == pinned + dt.timedelta(seconds=15)

    def test_compile_is_cached_by_text(self) -> None:
        assert feel.compile("a + 1") is feel.compile("a + 1")
        assert feel.compile("a + 1").text == "a + 1"

    def test_cache_is_bounded_and_keeps_recently_used_entries(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from autoops.feel import _api

        monkeypatch.setattr(_api, "CACHE_SIZE", 3)
        monkeypatch.setattr(_api, "_cache", type(_api._cache)())
        first = feel.compile("1 + 1")
        feel.compile("1 + 2")
        feel.compile("1 + 3")
        assert feel.compile("1 + 1") is first  # a hit makes it the most recent entry
        feel.compile("1 + 4")  # evicts "1 + 2", the least recently used
        assert list(_api._cache) == ["1 + 3", "1 + 1", "1 + 4"]
        assert feel.compile("1 + 1") is first

    def test_leading_equals_marker_is_stripped(self) -> None:
        expr = feel.compile("=x + 1")
        assert expr.text == "x + 1"
        assert expr.evaluate({"x": 1}).value == 2

    def test_expression_is_reusable_and_stateless(self) -> None:
        expr = feel.compile("x")
        assert expr.evaluate({}).warnings
        assert expr.evaluate({"x": 1}) == feel.Result(1, ())

    def test_assert_fails_the_evaluation(self) -> None:
        result = feel.compile('assert(x, x != null, "x is required")').evaluate({})
        assert result.value is None
        assert result.failure == "x is required"
        assert [w.kind for w in result.warnings] == ["NO_VARIABLE_FOUND", "NO_VARIABLE_FOUND", "ASSERT_FAILURE"]

    def test_runaway_loop_fails_instead_of_hanging(self) -> None:
        result = feel.compile("for i in 1..100000000000 return i").evaluate({})
        assert result.value is None
        assert result.failure is not None and "loop iterations" in result.failure

    def test_long_loops_stay_linear(self) -> None:
        # `partial` is only materialised when the body uses it
        assert feel.compile("count(for i in 1..50000 return i)").evaluate({}).value == 50000
        assert feel.compile("count(distinct values(for i in 1..20000 return modulo(i, 7)))").evaluate({}).value == 7
        big = "{" + ", ".join(f"k{i}: {i}" for i in range(5000)) + "}"
        assert len(feel.compile(big).evaluate({}).value) == 5000

    def test_partial_is_bounded_by_the_loop_budget(self) -> None:
        result = feel.compile("count(for i in 1..100000 return partial)").evaluate({})
        assert result.failure is not None and "loop iterations" in result.failure

    def test_input_values_are_not_mutated(self) -> None:
        data = {"order": {"items": [{"p": 2}, {"p": 1}]}}
        feel.compile('context put(order, "x", 1)').evaluate(data)
        feel.compile("sort(order.items, function(a, b) a.p < b.p)").evaluate(data)
        assert data == {"order": {"items": [{"p": 2}, {"p": 1}]}}

    def test_user_function_recursion_is_contained(self) -> None:
        result = feel.compile("{f: function(g) g(g), r: f(f)}.r").evaluate({})
        assert result.value is None
        assert result.failure is not None


class TestEvaluateExpected:
    def test_returns_value_when_type_matches(self) -> None:
        assert feel.evaluate_expected("x > 1", {"x": 2}, "BOOLEAN") is True
        assert feel.evaluate_expected("key", {"key": 5}, ["STRING", "NUMBER"]) == 5

    def test_zeebe_incident_text_with_warnings(self) -> None:
        with pytest.raises(feel.FeelEvaluationError) as info:
            feel.evaluate_expected("x", {}, "STRING")
        assert str(info.value) == (
            "Expected result of the expression 'x' to be 'STRING', but was 'NULL'. "
            "The evaluation reported the following warnings:\n"
            "[NO_VARIABLE_FOUND] No variable found with name 'x'"
        )

    def test_incident_text_without_warnings(self) -> None:
        with pytest.raises(feel.FeelEvaluationError) as info:
            feel.evaluate_expected("1 + 1", {}, "BOOLEAN")
        assert str(info.value) == "Expected result of the expression '1 + 1' to be 'BOOLEAN', but was 'NUMBER'."

    def test_incident_text_lists_every_warning_on_its_own_line(self) -> None:
        with pytest.raises(feel.FeelEvaluationError) as info:
            feel.evaluate_expected("a > b", {}, "BOOLEAN")
        assert str(info.value).splitlines()[1:] == [
            "[NO_VARIABLE_FOUND] No variable found with name 'a'",
            "[NO_VARIABLE_FOUND] No variable found with name 'b'",
            "[NOT_COMPARABLE] Can't compare 'null' with 'null'",
        ]

    def test_one_of_several_types(self) -> None:
        with pytest.raises(feel.FeelEvaluationError) as info:
            feel.evaluate_expected("[1]", {}, ["DURATION", "PERIOD", "STRING"])
        assert str(info.value) == (
            "Expected result of the expression '[1]' to be one of '[DURATION, PERIOD, STRING]', but was 'ARRAY'"
        )

    def test_uses_the_expression_text_without_marker(self) -> None:
        with pytest.raises(feel.FeelEvaluationError, match="expression 'a'"):
            feel.evaluate_expected("=a", {}, "NUMBER")

    def test_failed_evaluation(self) -> None:
        with pytest.raises(feel.FeelEvaluationError) as info:
            feel.evaluate_expected("assert(1, false)", {}, "NUMBER")
        assert str(info.value) == "Failed to evaluate expression 'assert(1, false)': The condition is not fulfilled"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("null", "NULL"),
            ("true", "BOOLEAN"),
            ("1.5", "NUMBER"),
            ('"s"', "STRING"),
            ('@"PT1H"', "DURATION"),
            ('@"P1M"', "PERIOD"),
            ('@"2024-01-01T10:00:00Z"', "DATE_TIME"),
            ('@"2024-01-01T10:00:00"', "DATE_TIME"),
            ("[1]", "ARRAY"),
            ("{a: 1}", "OBJECT"),
            ('@"2024-01-01"', "DATE"),
            ('@"10:00:00"', "UNKNOWN"),
        ],
    )
    def test_result_type_names(self, text: str, expected: str) -> None:
        assert feel.result_type(feel.compile(text).evaluate({}).value) == expected


class TestJson:
    def test_numbers(self) -> None:
        assert feel.to_json(3) == 3
        assert feel.to_json(Decimal("2.0")) == 2 and type(feel.to_json(Decimal("2.0"))) is int
        assert feel.to_json(Decimal("2.5")) == 2.5
        assert feel.to_json(feel.compile("1/3").evaluate({}).value) == pytest.approx(1 / 3)
        assert type(feel.to_json(Decimal(2**70))) is float

    def test_temporal_values_are_iso_strings(self) -> None:
        berlin = ZoneInfo("Europe/Berlin")
        assert feel.to_json(dt.date(2024, 1, 2)) == "2024-01-02"
        assert feel.to_json(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05"
        assert feel.to_json(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)) == "2024-01-02T03:04:05Z"
        assert feel.to_json(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=berlin)) == "2024-01-02T03:04:05+01:00[Europe/Berlin]"
        assert feel.to_json(dt.time(8, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))) == "08:30:00+02:00"
        # Zeebe's own serialisation of FEEL results (its FeelEvaluationResult tests)
        assert feel.to_json(dt.time(14, 0)) == "14:00"
        assert feel.to_json(dt.time(14, 0, 5)) == "14:00:05"
        assert feel.to_json(dt.time(10, 31, tzinfo=dt.UTC)) == "10:31:00Z"
        assert feel.to_json(feel.compile('duration("PT120H")').evaluate({}).value) == "P5D"
        assert feel.to_json(feel.compile('duration("PT119H")').evaluate({}).value) == "P4DT23H"
        assert feel.to_json(feel.compile('duration("P25M")').evaluate({}).value) == "P2Y1M"
        assert feel.to_json(dt.timedelta(days=1, hours=2)) == "P1DT2H"
        assert feel.to_json(dt.timedelta(seconds=-90)) == "-PT1M30S"
        assert feel.to_json(feel.YearMonthDuration(14)) == "P1Y2M"
        assert feel.to_json(feel.YearMonthDuration(0)) == "P0Y"
        assert feel.to_json(dt.timedelta(0)) == "P0D"

    def test_containers(self) -> None:
        value = feel.compile('{a: [1, 2.50, @"P1D"], b: {c: null}}').evaluate({}).value
        assert feel.to_json(value) == {"a": [1, 2.5, "P1D"], "b": {"c": None}}

    def test_duration_helpers_are_exported(self) -> None:
        assert feel.format_duration(dt.timedelta(minutes=5)) == "PT5M"
        assert feel.format_temporal(dt.date(2024, 1, 1)) == "2024-01-01"
