"""Exclusive, parallel and inclusive gateways, following the Camunda docs' gateway pages."""

from __future__ import annotations

from autoops.engine import Engine

from .bpmn_builder import flow, process, service
from .conftest import complete_all, element_states, instance_state


def exclusive_model(default: bool = True) -> bytes:
    default_attr = ' default="f_low"' if default else ""
    body = [
        '<bpmn:startEvent id="start"/>',
        f'<bpmn:exclusiveGateway id="gw"{default_attr}/>',
        service("high", "high"),
        service("low", "low"),
        '<bpmn:endEvent id="end"/>',
        flow("f0", "start", "gw"),
        flow("f_high", "gw", "high", "=amount &gt; 100"),
        flow("f_low", "gw", "low", None if default else "=amount &lt;= 100"),
        flow("f3", "high", "end"),
        flow("f4", "low", "end"),
    ]
    return process("xor", "\n".join(body))


async def test_exclusive_takes_first_true_condition_else_default(engine: Engine) -> None:
    await engine.deploy([("xor.bpmn", exclusive_model())])
    a = await engine.create_instance(bpmn_process_id="xor", variables={"amount": 150})
    b = await engine.create_instance(bpmn_process_id="xor", variables={"amount": 5})
    high = await engine.activate_jobs("high", "w", 1000, 10)
    low = await engine.activate_jobs("low", "w", 1000, 10)
    assert [j.process_instance_key for j in high] == [a.process_instance_key]
    assert [j.process_instance_key for j in low] == [b.process_instance_key]


async def test_exclusive_without_match_and_default_raises_condition_error_then_resolves(engine: Engine) -> None:
    body = exclusive_model(default=False).decode().replace("=amount &lt;= 100", "=amount &lt; 0")
    await engine.deploy([("xor.bpmn", body.encode())])
    created = await engine.create_instance(bpmn_process_id="xor", variables={"amount": 50})
    [incident] = engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items
    assert incident["errorType"] == "CONDITION_ERROR"
    assert incident["errorMessage"] == "Expected at least one condition to evaluate to true, or to have a default flow"
    assert incident["elementId"] == "gw"
    assert element_states(engine, created.process_instance_key)["gw"] == ["ACTIVATING"]
    await engine.set_variables(created.process_instance_key, {"amount": 500})
    await engine.resolve_incident(incident["incidentKey"])
    assert (await complete_all(engine, "high")) == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    resolved = engine.query.get("incidents", incident["incidentKey"])
    assert resolved is not None and resolved["state"] == "RESOLVED"


async def test_non_boolean_condition_is_extract_value_error_with_zeebe_text(engine: Engine) -> None:
    model = exclusive_model().decode().replace("=amount &gt; 100", "=approved")
    await engine.deploy([("xor.bpmn", model.encode())])
    created = await engine.create_instance(bpmn_process_id="xor")
    [incident] = engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items
    assert incident["errorType"] == "EXTRACT_VALUE_ERROR"
    assert incident["errorMessage"] == (
        "Expected result of the expression 'approved' to be 'BOOLEAN', but was 'NULL'. "
        "The evaluation reported the following warnings:\n"
        "[NO_VARIABLE_FOUND] No variable found with name 'approved'"
    )
    # resolving without fixing the cause raises a new incident
    await engine.resolve_incident(incident["incidentKey"])
    items = engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items
    assert [i["state"] for i in items] == ["RESOLVED", "ACTIVE"]


def parallel_model() -> bytes:
    body = [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:parallelGateway id="fork"/>',
        service("a", "a"),
        service("b", "b"),
        '<bpmn:parallelGateway id="join"/>',
        service("after", "after"),
        '<bpmn:endEvent id="end"/>',
        flow("f0", "start", "fork"),
        flow("fa", "fork", "a"),
        flow("fb", "fork", "b"),
        flow("fa2", "a", "join"),
        flow("fb2", "b", "join"),
        flow("f5", "join", "after"),
        flow("f6", "after", "end"),
    ]
    return process("par", "\n".join(body))


async def test_parallel_fork_and_join(engine: Engine) -> None:
    await engine.deploy([("par.bpmn", parallel_model())])
    created = await engine.create_instance(bpmn_process_id="par")
    assert await complete_all(engine, "a") == 1
    assert await engine.activate_jobs("after", "w", 1000, 10) == []
    assert await complete_all(engine, "b") == 1
    assert await complete_all(engine, "after") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert element_states(engine, created.process_instance_key)["join"] == ["COMPLETED"]


def repeated_token_model() -> bytes:
    """A loops back through an exclusive gateway, so its flow into the join is taken twice."""
    body = [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:parallelGateway id="fork"/>',
        service("a", "a"),
        '<bpmn:exclusiveGateway id="again" default="once"/>',
        '<bpmn:parallelGateway id="split2"/>',
        service("b", "b"),
        '<bpmn:parallelGateway id="join"/>',
        service("after", "after"),
        '<bpmn:endEvent id="end"/>',
        '<bpmn:endEvent id="end2"/>',
        flow("f0", "start", "fork"),
        flow("fa", "fork", "a"),
        flow("fb", "fork", "b"),
        flow("fa2", "a", "split2"),
        flow("s1", "split2", "join"),
        flow("s2", "split2", "again"),
        flow("loop", "again", "a", "=loops &lt; 2"),
        flow("once", "again", "end2"),
        flow("fb2", "b", "join"),
        flow("f5", "join", "after"),
        flow("f6", "after", "end"),
    ]
    return process("rep", "\n".join(body))


async def test_parallel_join_counts_repeated_token_once_per_round(engine: Engine) -> None:
    await engine.deploy([("rep.bpmn", repeated_token_model())])
    created = await engine.create_instance(bpmn_process_id="rep", variables={"loops": 0})
    pi = created.process_instance_key
    # two tokens arrive on s1 before b completes
    assert await complete_all(engine, "a", {"loops": 1}) == 1
    assert await complete_all(engine, "a", {"loops": 2}) == 1
    assert await engine.activate_jobs("after", "w", 1000, 10) == []
    # b's token pairs with the first s1 token: one activation of the join; the second s1 token waits
    assert await complete_all(engine, "b") == 1
    assert element_states(engine, pi)["join"] == ["COMPLETED"]
    assert await complete_all(engine, "after") == 1
    assert instance_state(engine, pi) == "ACTIVE"  # a token still waits at the join for b
    waiting = engine.query.search("element_instances", {"processInstanceKey": pi, "state": "ACTIVE"}).items
    assert waiting == []


def inclusive_model() -> bytes:
    body = [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:inclusiveGateway id="fork" default="fd"/>',
        service("a", "a"),
        service("b", "b"),
        service("d", "d"),
        '<bpmn:inclusiveGateway id="join"/>',
        '<bpmn:endEvent id="end"/>',
        flow("f0", "start", "fork"),
        flow("fa", "fork", "a", "=wantA"),
        flow("fb", "fork", "b", "=wantB"),
        flow("fd", "fork", "d"),
        flow("fa2", "a", "join"),
        flow("fb2", "b", "join"),
        flow("fd2", "d", "join"),
        flow("f5", "join", "end"),
    ]
    return process("incl", "\n".join(body))


async def test_inclusive_fork_takes_all_true_flows_and_join_waits_only_for_them(engine: Engine) -> None:
    await engine.deploy([("incl.bpmn", inclusive_model())])
    both = await engine.create_instance(bpmn_process_id="incl", variables={"wantA": True, "wantB": True})
    one = await engine.create_instance(bpmn_process_id="incl", variables={"wantA": False, "wantB": True})
    none = await engine.create_instance(bpmn_process_id="incl", variables={"wantA": False, "wantB": False})
    assert await complete_all(engine, "a") == 1
    assert instance_state(engine, both.process_instance_key) == "ACTIVE"
    assert await complete_all(engine, "b") == 2
    assert instance_state(engine, both.process_instance_key) == "COMPLETED"
    assert instance_state(engine, one.process_instance_key) == "COMPLETED"
    assert instance_state(engine, none.process_instance_key) == "ACTIVE"
    assert await complete_all(engine, "d") == 1
    assert instance_state(engine, none.process_instance_key) == "COMPLETED"
    assert element_states(engine, both.process_instance_key)["join"] == ["COMPLETED"]


async def test_inclusive_join_fires_when_a_branch_can_no_longer_reach_it(engine: Engine) -> None:
    """One forked branch ends at an end event: the join stops waiting for it once it has ended."""
    body = [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:parallelGateway id="fork"/>',
        service("a", "a"),
        service("b", "b"),
        '<bpmn:exclusiveGateway id="choose" default="toEnd"/>',
        '<bpmn:endEvent id="early"/>',
        '<bpmn:inclusiveGateway id="join"/>',
        '<bpmn:endEvent id="end"/>',
        flow("f0", "start", "fork"),
        flow("fa", "fork", "a"),
        flow("fb", "fork", "b"),
        flow("fa2", "a", "join"),
        flow("fb2", "b", "choose"),
        flow("toJoin", "choose", "join", "=viaJoin"),
        flow("toEnd", "choose", "early"),
        flow("f5", "join", "end"),
    ]
    await engine.deploy([("ij.bpmn", process("ij", "\n".join(body)))])
    created = await engine.create_instance(bpmn_process_id="ij", variables={"viaJoin": False})
    assert await complete_all(engine, "a") == 1
    assert element_states(engine, created.process_instance_key).get("join") is None  # b can still reach it
    assert await complete_all(engine, "b") == 1  # b ends early: nothing can reach the join any more
    assert element_states(engine, created.process_instance_key)["join"] == ["COMPLETED"]
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
