"""BPMN errors and escalations (Camunda docs, "Error events", "Escalation events")."""

from __future__ import annotations

import pytest

from autoops.engine import Engine

from .bpmn_builder import chain, service
from .conftest import complete_all, element_states, instance_state
from .event_models import boundary, definitions, end, event_subprocess, start

ERRORS = (
    '<bpmn:error id="e_card" name="card" errorCode="CARD_DECLINED"/>'
    '<bpmn:error id="e_any" name="any"/>'
)


def _error_def(ref: str | None) -> str:
    return "<bpmn:errorEventDefinition/>" if ref is None else f'<bpmn:errorEventDefinition errorRef="{ref}"/>'


def _charge_with_boundaries(*refs: str | None) -> bytes:
    body = start() + service("charge", "charge") + end() + chain("start", "charge", "end")
    for i, ref in enumerate(refs):
        body += boundary(f"b{i}", "charge", _error_def(ref)) + service(f"h{i}", f"handler{i}") + end(f"e{i}")
        body += chain(f"b{i}", f"h{i}", f"e{i}")
    return definitions("pay", body, ERRORS)


async def test_specific_error_code_beats_catch_all(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", _charge_with_boundaries(None, "e_card"))])
    created = await engine.create_instance(bpmn_process_id="pay")
    [job] = await engine.activate_jobs("charge", "w", 10_000, 1)
    await engine.throw_error(job.key, "CARD_DECLINED", "no funds", variables={"why": "limit"})
    assert await complete_all(engine, "handler1") == 1
    assert await complete_all(engine, "handler0") == 0
    states = element_states(engine, created.process_instance_key)
    assert states["charge"] == ["TERMINATED"] and states["b1"] == ["COMPLETED"]
    assert engine.query.variables_of(created.process_instance_key)["why"] == "limit"
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_catch_all_takes_other_codes(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", _charge_with_boundaries(None, "e_card"))])
    await engine.create_instance(bpmn_process_id="pay")
    [job] = await engine.activate_jobs("charge", "w", 10_000, 1)
    await engine.throw_error(job.key, "OTHER")
    assert await complete_all(engine, "handler0") == 1


async def test_uncaught_error_is_an_incident_resolvable_on_the_task(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", _charge_with_boundaries("e_card"))])
    created = await engine.create_instance(bpmn_process_id="pay")
    [job] = await engine.activate_jobs("charge", "w", 10_000, 1)
    await engine.throw_error(job.key, "UNKNOWN_CODE", "boom")
    [incident] = engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items
    assert incident["errorType"] == "UNHANDLED_ERROR_EVENT"
    assert incident["errorMessage"] == (
        "Expected to throw an error event with the code 'UNKNOWN_CODE' with message 'boom', but it was not caught. "
        "No error events are available in the scope."
    )
    await engine.resolve_incident(incident["incidentKey"])
    assert await complete_all(engine, "charge") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


def _subprocess_with_error_end(catch_in_esp: bool) -> bytes:
    inner = (
        start("s_start") + service("check", "check") + end("fail", _error_def("e_card"))
        + chain("s_start", "check", "fail")
    )
    body = start() + f'<bpmn:subProcess id="sub">{inner}</bpmn:subProcess>' + end() + chain("start", "sub", "end")
    if catch_in_esp:
        body += event_subprocess(
            "on_error", start("es", _error_def("e_card")) + service("recover", "recover") + end("ee")
            + chain("es", "recover", "ee"),
        )
    else:
        body += boundary("caught", "sub", _error_def("e_card")) + service("recover", "recover") + end("ee")
        body += chain("caught", "recover", "ee")
    return definitions("nested", body, ERRORS)


@pytest.mark.parametrize("catch_in_esp", [False, True])
async def test_error_end_event_caught_up_the_scopes(engine: Engine, catch_in_esp: bool) -> None:
    await engine.deploy([("n.bpmn", _subprocess_with_error_end(catch_in_esp))])
    created = await engine.create_instance(bpmn_process_id="nested")
    assert await complete_all(engine, "check") == 1
    assert await complete_all(engine, "recover") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    states = element_states(engine, created.process_instance_key)
    assert states["sub"] == ["TERMINATED"]
    assert "end" not in states


async def test_uncaught_error_end_event_raises_an_incident(engine: Engine) -> None:
    body = start() + end("fail", _error_def("e_card")) + chain("start", "fail")
    await engine.deploy([("u.bpmn", definitions("uncaught", body, ERRORS))])
    created = await engine.create_instance(bpmn_process_id="uncaught")
    [incident] = engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items
    assert incident["errorType"] == "UNHANDLED_ERROR_EVENT"
    assert incident["elementId"] == "fail"


ESCALATION = '<bpmn:escalation id="esc" name="esc" escalationCode="LATE"/>'


def _escalating(interrupting: bool | None) -> bytes:
    inner = (
        start("s_start")
        + '<bpmn:intermediateThrowEvent id="raise"><bpmn:escalationEventDefinition escalationRef="esc"/>'
        "</bpmn:intermediateThrowEvent>"
        + service("after", "after") + end("s_end") + chain("s_start", "raise", "after", "s_end")
    )
    body = start() + f'<bpmn:subProcess id="sub">{inner}</bpmn:subProcess>' + end() + chain("start", "sub", "end")
    if interrupting is not None:
        body += boundary("caught", "sub", '<bpmn:escalationEventDefinition escalationRef="esc"/>',
                         interrupting=interrupting)
        body += service("notify", "notify") + end("ne") + chain("caught", "notify", "ne")
    return definitions("esc_proc", body, ESCALATION)


async def test_uncaught_escalation_continues_without_incident(engine: Engine) -> None:
    await engine.deploy([("x.bpmn", _escalating(None))])
    created = await engine.create_instance(bpmn_process_id="esc_proc")
    assert await complete_all(engine, "after") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items == []


async def test_interrupting_escalation_boundary_stops_the_subprocess(engine: Engine) -> None:
    await engine.deploy([("x.bpmn", _escalating(True))])
    created = await engine.create_instance(bpmn_process_id="esc_proc")
    assert await complete_all(engine, "after") == 0
    assert await complete_all(engine, "notify") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_non_interrupting_escalation_boundary_runs_both_paths(engine: Engine) -> None:
    await engine.deploy([("x.bpmn", _escalating(False))])
    created = await engine.create_instance(bpmn_process_id="esc_proc")
    assert await complete_all(engine, "notify") == 1
    assert await complete_all(engine, "after") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_job_error_caught_by_an_event_subprocess_of_the_process(engine: Engine) -> None:
    esp = event_subprocess(
        "on_error", start("es", _error_def(None)) + service("recover", "recover") + end("ee")
        + chain("es", "recover", "ee"),
    )
    body = start() + service("charge", "charge") + service("other", "other") + end() + end("end_other")
    body += chain("start", "charge", "end") + '<bpmn:sequenceFlow id="f_other" sourceRef="start" targetRef="other"/>'
    body += chain("other", "end_other") + esp
    await engine.deploy([("p.bpmn", definitions("esp_err", body, ERRORS))])
    created = await engine.create_instance(bpmn_process_id="esp_err")
    [job] = await engine.activate_jobs("charge", "w", 10_000, 1)
    await engine.throw_error(job.key, "ANY", variables={"cause": "x"})
    states = element_states(engine, created.process_instance_key)
    assert states["charge"] == ["TERMINATED"] and states["other"] == ["TERMINATED"]  # siblings end too
    assert await complete_all(engine, "other") == 0
    assert await complete_all(engine, "recover") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert engine.query.variables_of(created.process_instance_key)["cause"] == "x"


async def test_escalation_caught_by_a_non_interrupting_event_subprocess(engine: Engine) -> None:
    esp = event_subprocess(
        "on_esc",
        start("es", '<bpmn:escalationEventDefinition escalationRef="esc"/>', interrupting=False)
        + service("notify", "notify") + end("ee") + chain("es", "notify", "ee"),
    )
    body = (
        start() + '<bpmn:intermediateThrowEvent id="raise"><bpmn:escalationEventDefinition escalationRef="esc"/>'
        "</bpmn:intermediateThrowEvent>" + service("after", "after") + end() + chain("start", "raise", "after", "end")
        + esp
    )
    await engine.deploy([("x.bpmn", definitions("esc_esp", body, ESCALATION))])
    created = await engine.create_instance(bpmn_process_id="esc_esp")
    assert await complete_all(engine, "notify") == 1
    assert await complete_all(engine, "after") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
