"""Process instance modification and start instructions (Camunda docs "Process instance modification")."""

from __future__ import annotations

import pytest

from autoops.engine import Engine, Rejection, RejectionType

from .bpmn_builder import chain, linear, process, service
from .conftest import complete_all, element_states, instance_state


def three_tasks() -> bytes:
    return linear("three", service("t1", "a"), service("t2", "b"), service("t3", "c"))


def nested() -> bytes:
    inner = ('<bpmn:subProcess id="sub"><bpmn:extensionElements><zeebe:ioMapping>'
             '<zeebe:input source="=1" target="depth"/></zeebe:ioMapping></bpmn:extensionElements>'
             '<bpmn:startEvent id="s0"/>' + service("inner", "inner") + '<bpmn:endEvent id="s1"/>'
             + chain("s0", "inner", "s1") + "</bpmn:subProcess>")
    body = '<bpmn:startEvent id="start"/>' + service("first", "first") + inner + '<bpmn:endEvent id="end"/>'
    return process("nested", body + chain("start", "first", "sub", "end"))


async def test_move_the_token_from_one_task_to_another(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", three_tasks())])
    created = await engine.create_instance(bpmn_process_id="three")
    pi = created.process_instance_key
    [stuck] = engine.query.search("element_instances", {"processInstanceKey": pi, "elementId": "t1"}).items
    await engine.modify_instance(
        pi,
        activate=[{"elementId": "t3", "variableInstructions": [{"variables": {"skipped": True}, "scopeId": ""},
                                                                 {"variables": {"mine": 1}, "scopeId": "t3"}]}],
        terminate=[stuck["elementInstanceKey"]],
    )
    assert element_states(engine, pi)["t1"] == ["TERMINATED"]
    assert engine.query.search("jobs", {"processInstanceKey": pi, "type": "a"}).items[0]["state"] == "CANCELED"
    [job] = await engine.activate_jobs("c", "w", 1000, 5)
    assert job.variables == {"skipped": True, "mine": 1}
    await engine.complete_job(job.key)
    assert instance_state(engine, pi) == "COMPLETED"
    assert "t2" not in element_states(engine, pi)


async def test_activating_inside_a_missing_subprocess_creates_it(engine: Engine) -> None:
    await engine.deploy([("n.bpmn", nested())])
    created = await engine.create_instance(bpmn_process_id="nested")
    pi = created.process_instance_key
    first = engine.query.search("element_instances", {"processInstanceKey": pi, "elementId": "first"}).items[0]
    await engine.modify_instance(pi, activate=[{"elementId": "inner"}], terminate=[first["elementInstanceKey"]])
    states = element_states(engine, pi)
    assert states["sub"] == ["ACTIVATED"] and "s0" not in states  # created without its start event
    [job] = await engine.activate_jobs("inner", "w", 1000, 5)
    assert job.variables == {"depth": 1}  # the created scope applied its input mappings
    await engine.complete_job(job.key)
    assert instance_state(engine, pi) == "COMPLETED"


async def test_terminating_the_last_element_terminates_the_instance(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", three_tasks())])
    created = await engine.create_instance(bpmn_process_id="three")
    [t1] = engine.query.search("element_instances", {"processInstanceKey": created.process_instance_key,
                                                      "elementId": "t1"}).items
    await engine.modify_instance(created.process_instance_key, terminate=[t1["elementInstanceKey"]])
    assert instance_state(engine, created.process_instance_key) == "TERMINATED"


async def test_modification_rejections(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", three_tasks())])
    created = await engine.create_instance(bpmn_process_id="three")
    pi = created.process_instance_key
    with pytest.raises(Rejection) as err:
        await engine.modify_instance(pi, activate=[{"elementId": "nope"}])
    assert err.value.reason == ("Expected to modify instance of process 'three' but it contains one or more activate "
                                "instructions with an element that could not be found: 'nope'")
    with pytest.raises(Rejection) as err:
        await engine.modify_instance(pi, terminate=[12345])
    assert err.value.rejection_type is RejectionType.INVALID_ARGUMENT
    with pytest.raises(Rejection) as err:
        await engine.modify_instance(999, activate=[{"elementId": "t1"}])
    assert err.value.rejection_type is RejectionType.NOT_FOUND
    # nothing happened: the instance still waits at t1 only
    assert element_states(engine, pi) == {"start": ["COMPLETED"], "t1": ["ACTIVATED"]}


async def test_start_instructions_skip_the_start_event(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", three_tasks())])
    created = await engine.create_instance(bpmn_process_id="three", start_instructions=["t2"], variables={"v": 1})
    states = element_states(engine, created.process_instance_key)
    assert "start" not in states and states["t2"] == ["ACTIVATED"]
    assert await complete_all(engine, "b") == 1
    assert await complete_all(engine, "c") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    with pytest.raises(Rejection) as err:
        await engine.create_instance(bpmn_process_id="three", start_instructions=["ghost"])
    assert err.value.rejection_type is RejectionType.INVALID_ARGUMENT
