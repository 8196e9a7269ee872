"""Creating, awaiting and cancelling process instances; terminate end events and subprocesses."""

from __future__ import annotations

import asyncio

import pytest

from autoops.engine import Engine, Rejection, RejectionType, ResultTimeoutError

from .bpmn_builder import chain, flow, linear, process, service
from .conftest import activate_eventually, complete_all, element_states, instance_state


async def test_create_by_id_version_and_key_with_zeebe_rejections(engine: Engine) -> None:
    v1 = (await engine.deploy([("p.bpmn", linear("p", service("t1", "a")))])).processes[0]
    v2 = (await engine.deploy([("p.bpmn", linear("p", service("t1", "b")))])).processes[0]
    assert (v1.version, v2.version) == (1, 2)
    latest = await engine.create_instance(bpmn_process_id="p")
    assert (latest.version, latest.process_definition_key) == (2, v2.process_definition_key)
    first = await engine.create_instance(bpmn_process_id="p", version=1)
    assert first.process_definition_key == v1.process_definition_key
    by_key = await engine.create_instance(process_definition_key=v1.process_definition_key)
    assert (by_key.bpmn_process_id, by_key.version) == ("p", 1)
    expected = [
        ({"bpmn_process_id": "nope"}, RejectionType.NOT_FOUND,
         "Expected to find process definition with process ID 'nope', but none found"),
        ({"bpmn_process_id": "p", "version": 0}, RejectionType.NOT_FOUND,
         "Expected to find process definition with process ID 'p' and version '0', but none found"),
        ({"process_definition_key": 42}, RejectionType.NOT_FOUND,
         "Expected to find process definition with key '42', but none found"),
        ({}, RejectionType.INVALID_ARGUMENT,
         "Expected at least a bpmnProcessId or a key greater than -1, but none given"),
        ({"bpmn_process_id": "p", "variables": [1]}, RejectionType.INVALID_ARGUMENT,
         "Expected document to be a root level object, but was 'ARRAY'"),
    ]
    for kwargs, kind, reason in expected:
        with pytest.raises(Rejection) as err:
            await engine.create_instance(**kwargs)  # type: ignore[arg-type]
        assert (err.value.rejection_type, err.value.reason, err.value.intent) == (kind, reason, "CREATE")


async def test_await_result_returns_filtered_root_variables(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", linear("p", service("t1", "work")))])
    pending = asyncio.create_task(engine.create_instance(
        bpmn_process_id="p", variables={"a": 1, "b": 2}, await_result=True, fetch_variables=["b", "c"]))
    [job] = await activate_eventually(engine, "work")
    await engine.complete_job(job.key, {"c": 3})
    result = await pending
    assert result.variables == {"b": 2, "c": 3}


async def test_await_result_times_out_and_instance_keeps_running(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", linear("p", service("t1", "work")))])
    with pytest.raises(ResultTimeoutError) as err:
        await engine.create_instance(bpmn_process_id="p", await_result=True, request_timeout_ms=50)
    assert instance_state(engine, err.value.process_instance_key) == "ACTIVE"


async def test_instance_without_tasks_completes_synchronously(engine: Engine) -> None:
    body = '<bpmn:startEvent id="start"/><bpmn:manualTask id="m"/><bpmn:task id="t"/>' \
           '<bpmn:intermediateThrowEvent id="thr"/><bpmn:endEvent id="end"/>' + chain("start", "m", "t", "thr", "end")
    await engine.deploy([("p.bpmn", process("p", body))])
    result = await engine.create_instance(bpmn_process_id="p", variables={"x": 1}, await_result=True)
    assert result.variables == {"x": 1}
    assert element_states(engine, result.process_instance_key) == {
        "start": ["COMPLETED"], "m": ["COMPLETED"], "t": ["COMPLETED"], "thr": ["COMPLETED"], "end": ["COMPLETED"]}


def nested_model() -> bytes:
    inner = ('<bpmn:subProcess id="sub"><bpmn:startEvent id="s0"/><bpmn:parallelGateway id="pf"/>'
             + service("ia", "ia") + service("ib", "ib") + '<bpmn:endEvent id="se1"/><bpmn:endEvent id="se2"/>'
             + chain("s0", "pf") + flow("x1", "pf", "ia") + flow("x2", "pf", "ib") + chain("ia", "se1")
             + chain("ib", "se2") + "</bpmn:subProcess>")
    body = '<bpmn:startEvent id="start"/>' + inner + '<bpmn:endEvent id="end"/>' + chain("start", "sub", "end")
    return process("nest", body)


async def test_cancel_terminates_top_down_and_cancels_jobs(engine: Engine) -> None:
    await engine.deploy([("n.bpmn", nested_model())])
    created = await engine.create_instance(bpmn_process_id="nest")
    pi = created.process_instance_key
    jobs = await engine.activate_jobs("ia", "w", 1000, 5)
    await engine.cancel_instance(pi)
    assert instance_state(engine, pi) == "TERMINATED"
    states = element_states(engine, pi)
    assert states["sub"] == ["TERMINATED"] and states["ia"] == ["TERMINATED"] and states["ib"] == ["TERMINATED"]
    all_jobs = engine.query.search("jobs", {"processInstanceKey": pi}).items
    assert {j["state"] for j in all_jobs} == {"CANCELED"}
    with pytest.raises(Rejection) as err:
        await engine.complete_job(jobs[0].key)
    assert err.value.rejection_type is RejectionType.NOT_FOUND
    with pytest.raises(Rejection) as err:
        await engine.cancel_instance(pi)
    assert str(err.value) == (f"Command 'CANCEL' rejected with code 'NOT_FOUND': Expected to cancel a process instance "
                              f"with key '{pi}', but no such process was found")
    # record order: the process starts terminating first and terminates last
    records = [(r["value"]["elementId"], r["intent"]) for r in engine.query.search(
        "records", {"processInstanceKey": pi, "valueType": "PROCESS_INSTANCE",
                    "intent": {"$in": ["ELEMENT_TERMINATING", "ELEMENT_TERMINATED"]}}, limit=100).items]
    assert records[0] == ("nest", "ELEMENT_TERMINATING")
    assert records[1] == ("sub", "ELEMENT_TERMINATING")
    assert records[-1] == ("nest", "ELEMENT_TERMINATED")


async def test_subprocess_completes_when_its_last_token_ends(engine: Engine) -> None:
    await engine.deploy([("n.bpmn", nested_model())])
    created = await engine.create_instance(bpmn_process_id="nest")
    assert await complete_all(engine, "ia") == 1
    assert element_states(engine, created.process_instance_key)["sub"] == ["ACTIVATED"]
    assert await complete_all(engine, "ib") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_terminate_end_event_terminates_siblings_and_completes_scope(engine: Engine) -> None:
    body = ('<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/>' + service("slow", "slow")
            + service("fast", "fast") + '<bpmn:endEvent id="kill"><bpmn:terminateEventDefinition/></bpmn:endEvent>'
            + '<bpmn:endEvent id="end"/>' + chain("start", "fork") + flow("a", "fork", "slow") + flow("b", "fork", "fast")
            + chain("slow", "end") + chain("fast", "kill"))
    await engine.deploy([("t.bpmn", process("term", body))])
    created = await engine.create_instance(bpmn_process_id="term")
    assert await complete_all(engine, "fast") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    states = element_states(engine, created.process_instance_key)
    assert states["slow"] == ["TERMINATED"] and states["kill"] == ["COMPLETED"]
    [job] = engine.query.search("jobs", {"processInstanceKey": created.process_instance_key, "type": "slow"}).items
    assert job["state"] == "CANCELED"


async def test_await_result_fails_fast_when_the_instance_is_cancelled(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", linear("p", service("t1", "work")))])
    pending = asyncio.create_task(engine.create_instance(bpmn_process_id="p", await_result=True))
    [job] = await activate_eventually(engine, "work")
    await engine.cancel_instance(job.process_instance_key)
    with pytest.raises(Rejection) as err:
        await pending
    assert err.value.rejection_type is RejectionType.INVALID_STATE


async def test_endless_loop_without_wait_state_is_rejected_not_hung(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from autoops.engine import lifecycle

    monkeypatch.setattr(lifecycle, "MAX_STEPS_PER_COMMAND", 500)
    body = ('<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="loop"/><bpmn:manualTask id="spin"/>'
            + chain("start", "loop", "spin") + flow("back", "spin", "loop"))
    await engine.deploy([("l.bpmn", process("loopy", body))])
    with pytest.raises(Rejection) as err:
        await engine.create_instance(bpmn_process_id="loopy")
    assert err.value.rejection_type is RejectionType.PROCESSING_ERROR
    assert "without a wait state" in err.value.reason
    assert engine.query.search("process_instances").total == 0
