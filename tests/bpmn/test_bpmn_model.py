"""The immutable model: expression helpers, derived properties, indexes."""

from __future__ import annotations

import dataclasses

import pytest
from bpmn_builders import Build, flow, service

from autoops.bpmn import ElementKind, Event, EventKind, expression_body, is_expression
from autoops.bpmn.model import EventDefinition, Process, Scope


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=a", True), ("  = a + 1", True), ("a", False), ("", False), (None, False), ("a=b", False)],
)
def test_is_expression(value: str | None, expected: bool) -> None:
    assert is_expression(value) is expected


def test_expression_body_strips_marker_and_blanks() -> None:
    assert expression_body(" = order.total > 100 ") == "order.total > 100"
    assert expression_body("static") == "static"


def test_event_kind_none_single_and_multiple() -> None:
    bare = Event(id="e", kind=ElementKind.END_EVENT)
    assert bare.event_kind is EventKind.NONE and bare.definition is None
    one = dataclasses.replace(bare, event_definitions=(EventDefinition(kind=EventKind.TERMINATE),))
    assert one.event_kind is EventKind.TERMINATE and one.definition is not None
    two = dataclasses.replace(
        bare,
        event_definitions=(EventDefinition(kind=EventKind.SIGNAL), EventDefinition(kind=EventKind.MESSAGE)),
    )
    assert two.event_kind is EventKind.MULTIPLE and two.definition is None


def test_model_is_frozen(build: Build) -> None:
    process = build('<bpmn:startEvent id="s"/>').process("p")
    with pytest.raises(dataclasses.FrozenInstanceError):
        process.id = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        process.node("s").name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        process.nodes["new"] = process.node("s")  # type: ignore[index]


def test_process_indexes_and_lookups(build: Build) -> None:
    body = (
        '<bpmn:startEvent id="s"/>'
        + service("t")
        + '<bpmn:subProcess id="sub"><bpmn:startEvent id="in"/><bpmn:endEvent id="out"/>'
        + flow("fi", "in", "out")
        + "</bpmn:subProcess>"
        + flow("f1", "s", "t")
    )
    definitions = build(body)
    process = definitions.process("p")
    assert set(process.nodes) == {"s", "t", "sub", "in", "out"}
    assert set(process.flows) == {"fi", "f1"}
    assert process.parent_id("fi") == "sub"
    assert process.parent_id("f1") == "p"
    assert [n.id for n in process.scope_of("p").nodes] == ["s", "t", "sub"]
    with pytest.raises(KeyError):
        process.scope_of("t")
    with pytest.raises(KeyError):
        process.node("missing")
    with pytest.raises(KeyError):
        definitions.process("missing")
    assert {n.id for n in process.walk()} == set(process.nodes)


def test_process_built_by_hand_indexes_itself() -> None:
    process = Process(id="p", body=Scope())
    assert dict(process.nodes) == {} and process.scope_of("p") == Scope()
