"""Handler signatures → fetched variables, validation messages, results; secrets never in messages."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pyzeebe import Job

from autoops.worker import HandlerSignatureError, JobContext, Variable
from autoops.worker._binding import (
    ATTEMPT_VARIABLE,
    Binding,
    InputInvalid,
    ResultInvalid,
    scrub,
    secrets_in,
    to_variables,
)


class Address(BaseModel):
    street: str
    zip_code: str = Field(alias="zipCode", min_length=5)


class Order(BaseModel):
    order_id: str = Field(alias="orderId")
    quantity: int = Field(gt=0)
    address: Address


class Credentials(BaseModel):
    user: str
    api_key: SecretStr = Field(alias="apiKey")


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")
    a: int


def _context(**variables: Any) -> JobContext:
    return JobContext(
        job_key=1,
        type="order.check",
        process_instance_key=2,
        bpmn_process_id="order-process",
        process_definition_key=3,
        process_definition_version=1,
        element_id="CheckOrder",
        element_instance_key=4,
        tenant_id=None,
        worker="w",
        custom_headers={},
        retries=3,
        attempt=1,
        deadline_ms=0,
        variables=variables,
    )


def _bind(binding: Binding, **variables: Any) -> dict[str, Any]:
    return binding.bind(variables, lambda: _context(**variables), job=None)


def test_model_fields_by_alias_and_simple_parameters_decide_the_fetch_list() -> None:
    async def handler(
        order: Order, priority: int, region: Annotated[str, Variable("salesRegion")], ctx: JobContext
    ) -> None: ...

    binding = Binding.of(handler, task_type="t")
    assert binding.fetch == ("orderId", "quantity", "address", "priority", "salesRegion", ATTEMPT_VARIABLE)
    assert binding.is_async and binding.wants_context


def test_var_keyword_and_extra_allow_fetch_everything() -> None:
    def all_vars(**variables: Any) -> None: ...

    def open_model(doc: Open) -> None: ...

    assert Binding.of(all_vars, task_type="t").fetch is None
    assert Binding.of(open_model, task_type="t").fetch is None


def test_handler_without_inputs_fetches_only_the_attempt_marker() -> None:
    def job_only(job: Job, ctx: JobContext) -> None: ...

    assert Binding.of(job_only, task_type="t").fetch == (ATTEMPT_VARIABLE,)


def test_binding_validates_and_converts() -> None:
    def handler(
        order: Order, when: date, region: Annotated[str, Variable("salesRegion")], note: str = "none"
    ) -> None: ...

    arguments = _bind(
        Binding.of(handler, task_type="t"),
        orderId="A-1",
        quantity="3",
        address={"street": "Main", "zipCode": "12345"},
        when="2026-01-31",
        salesRegion="north",
        unrelated=True,
    )
    assert arguments["order"] == Order(orderId="A-1", quantity=3, address=Address(street="Main", zipCode="12345"))
    assert arguments["when"] == date(2026, 1, 31)
    assert arguments["region"] == "north"
    assert arguments["note"] == "none"


def test_object_variable_as_model_with_the_variable_marker() -> None:
    def handler(address: Annotated[Address, Variable()]) -> None: ...

    binding = Binding.of(handler, task_type="t")
    assert binding.fetch == ("address", ATTEMPT_VARIABLE)
    assert _bind(binding, address={"street": "x", "zipCode": "99999"})["address"].zip_code == "99999"


def test_every_problem_is_named_and_no_value_is_repeated() -> None:
    def handler(order: Order, when: date, count: Annotated[int, Field(ge=1)]) -> None: ...

    binding = Binding.of(handler, task_type="t")
    with pytest.raises(InputInvalid) as caught:
        _bind(
            binding,
            orderId="A-1",
            quantity=-7,
            address={"street": "Main", "zipCode": "9876"},
            when="not-a-date-SENSITIVE",
            count=0,
        )
    problems = caught.value.problems
    assert "'quantity': Input should be greater than 0" in problems
    assert any(p.startswith("'address.zipCode': String should have at least 5 characters") for p in problems)
    assert any(p.startswith("'when': ") for p in problems)
    assert "'count': Input should be greater than or equal to 1" in problems
    text = caught.value.describe(_context())
    assert "job type 'order.check'" in text and "element 'CheckOrder'" in text and "'order-process'" in text
    assert "resolve the incident" in text
    for value in ("not-a-date-SENSITIVE", "9876", "-7"):
        assert value not in text


def test_missing_required_variables_are_listed() -> None:
    def handler(order: Order, priority: int) -> None: ...

    with pytest.raises(InputInvalid) as caught:
        _bind(Binding.of(handler, task_type="t"), quantity=1)
    assert set(caught.value.problems) == {
        "'orderId': required but missing",
        "'address': required but missing",
        "'priority': required but missing",
    }


def test_list_positions_appear_in_locations() -> None:
    def handler(items: list[Address]) -> None: ...

    with pytest.raises(InputInvalid) as caught:
        _bind(Binding.of(handler, task_type="t"), items=[{"street": "a", "zipCode": "12345"}, {"street": "b"}])
    assert caught.value.problems == ["'items[1].zipCode': required but missing"]


def test_secret_inputs_are_scrubbed_from_messages() -> None:
    def handler(creds: Credentials, password: str) -> None: ...

    variables = {"user": "bob", "apiKey": "sk-live-123456", "password": "hunter2!"}
    arguments = _bind(Binding.of(handler, task_type="t"), **variables)
    assert isinstance(arguments["creds"].api_key, SecretStr)
    secrets = secrets_in(arguments, variables)
    assert secrets == {"sk-live-123456", "hunter2!"}
    message = scrub("login failed for bob with sk-live-123456 / hunter2!", secrets)
    assert message == "login failed for bob with ********** / **********"


def test_invalid_secret_input_is_not_echoed() -> None:
    class Token(BaseModel):
        token: SecretStr = Field(min_length=40)

    def handler(t: Token) -> None: ...

    with pytest.raises(InputInvalid) as caught:
        _bind(Binding.of(handler, task_type="t"), token="short-secret-value")
    assert "short-secret-value" not in caught.value.describe(_context())
    assert caught.value.problems[0].startswith("'token': Value should have at least 40 items")


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("def h(a, /): ...", "positional-only"),
        ("def h(*args): ...", "variables are passed by name"),
        ("def h(a: int) -> int: ...", "result_variable"),
        ("def h(a: int) -> list[str]: ...", "result_variable"),
        ("def h(a: 'Undefined') -> None: ...", "cannot resolve"),
    ],
)
def test_unusable_signatures_are_refused_at_declaration(source: str, fragment: str) -> None:
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    with pytest.raises(HandlerSignatureError, match=fragment):
        Binding.of(namespace["h"], task_type="t")


def test_scalar_return_is_accepted_with_a_result_variable() -> None:
    def handler(a: int) -> int:
        return a

    assert Binding.of(handler, task_type="t", result_variable="total").fetch == ("a", ATTEMPT_VARIABLE)


def test_results_become_json_ready_variables() -> None:
    assert to_variables(None, None) == {}
    assert to_variables(Order(orderId="A", quantity=1, address=Address(street="s", zipCode="12345")), None) == {
        "orderId": "A",
        "quantity": 1,
        "address": {"street": "s", "zipCode": "12345"},
    }
    assert to_variables({"when": date(2026, 1, 2), "amount": Decimal("1.50")}, None) == {
        "when": "2026-01-02",
        "amount": "1.50",
    }
    assert to_variables(42, "answer") == {"answer": 42}
    with pytest.raises(ResultInvalid, match="returned int"):
        to_variables(42, None)
    with pytest.raises(ResultInvalid, match="non-string keys"):
        to_variables({1: "x"}, None)
    with pytest.raises(ResultInvalid, match="cannot be converted to JSON"):
        to_variables({"x": object()}, None)


def test_the_attempt_marker_and_other_parameters_variables_do_not_reach_strict_models() -> None:
    class Strict(BaseModel):
        model_config = ConfigDict(extra="forbid")
        a: int

    def handler(doc: Strict, other: str, **rest: Any) -> None: ...

    arguments = _bind(Binding.of(handler, task_type="t"), a=1, other="x", extra=True, **{ATTEMPT_VARIABLE: 2})
    assert arguments == {"doc": Strict(a=1), "other": "x", "a": 1, "extra": True}  # **rest: the remaining ones

    def open_handler(doc: Open) -> None: ...

    arguments = _bind(Binding.of(open_handler, task_type="t"), a=1, b=2, **{ATTEMPT_VARIABLE: 2})
    assert arguments["doc"].model_extra == {"b": 2}


def test_partials_methods_and_callable_objects_are_handlers_too() -> None:
    import functools

    async def priced(order: Order, rate: float, ctx: JobContext) -> None: ...

    class Service:
        def handle(self, quantity: int) -> None: ...

    class Callable_:
        async def __call__(self, sku: str) -> None: ...

    partial = Binding.of(functools.partial(priced, rate=1.5), task_type="t")
    assert partial.fetch == ("orderId", "quantity", "address", ATTEMPT_VARIABLE)  # rate is bound already
    assert partial.is_async
    method = Binding.of(Service().handle, task_type="t")
    assert method.fetch == ("quantity", ATTEMPT_VARIABLE) and not method.is_async
    obj = Binding.of(Callable_(), task_type="t")
    assert obj.fetch == ("sku", ATTEMPT_VARIABLE) and obj.is_async
