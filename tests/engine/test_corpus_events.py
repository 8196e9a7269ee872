"""Real corpus models with messages, timers, errors, signals, multi-instance and call activities."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoops.engine import ControlledClock, Engine

from .conftest import complete_all, element_states, instance_state

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "bpmn"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared BPMN corpus not available")

DAY_MS = 86_400_000


async def _deploy(engine: Engine, *relative: str) -> str:
    result = await engine.deploy([(Path(r).name, (CORPUS / r).read_bytes()) for r in relative])
    return result.processes[0].bpmn_process_id


async def test_zeebe_message_event_model(engine: Engine) -> None:
    pid = await _deploy(engine, "zeebe-process-test/message-event.bpmn")
    created = await engine.create_instance(bpmn_process_id=pid, variables={"correlationKey": "ck-1"})
    assert instance_state(engine, created.process_instance_key) == "ACTIVE"
    await engine.publish_message("message", "ck-1", variables={"answer": 42})
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert engine.query.variables_of(created.process_instance_key)["answer"] == 42


async def test_zeebe_timer_events_model(engine: Engine, clock: ControlledClock) -> None:
    pid = await _deploy(engine, "zeebe-process-test/test_timer_events.bpmn")
    created = await engine.create_instance(bpmn_process_id=pid)
    assert await complete_all(engine, "SimpleLog01") == 1
    clock.advance(1_000)
    await engine.fire_due_now()
    states = element_states(engine, created.process_instance_key)
    assert states["EndEvent_FastFlow"] == ["COMPLETED"] and "EndEvent_SlowFlow" not in states
    clock.advance(30 * DAY_MS)
    await engine.fire_due_now()
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_zeebe_multi_instance_subprocess_model(engine: Engine) -> None:
    pid = await _deploy(engine, "zeebe-process-test/automated-tests.bpmn")
    created = await engine.create_instance(bpmn_process_id=pid)
    jobs = await engine.activate_jobs("runTests", "w", 10_000, 10)
    assert sorted(j.variables["operatingSystem"] for j in jobs) == ["macos", "ubuntu", "windows"]
    for job in jobs:
        await engine.complete_job(job.key)
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_js_sdk_throw_error_model_takes_the_sad_flow(engine: Engine) -> None:
    pid = await _deploy(engine, "camunda-8-js-sdk/Client-ThrowError.bpmn")
    created = await engine.create_instance(bpmn_process_id=pid)
    [job] = await engine.activate_jobs("throw-bpmn-error-task", "w", 10_000, 1)
    await engine.throw_error(job.key, "BUSINESS_ERROR", "expected")
    assert await complete_all(engine, "sad-flow") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_js_sdk_signal_start_model(engine: Engine) -> None:
    await _deploy(engine, "camunda-8-js-sdk/Signal.bpmn")
    await engine.broadcast_signal("test-signal", variables={"success": True})
    [job] = await engine.activate_jobs("signal-service-task", "w", 10_000, 10)
    assert job.variables["success"] is True


async def test_js_sdk_message_start_model(engine: Engine) -> None:
    await _deploy(engine, "camunda-8-js-sdk/Client-MessageStart.bpmn")
    await engine.publish_message("MSG-START_JOB", "", time_to_live_ms=10_000, variables={"n": 1})
    [job] = await engine.activate_jobs("console-log-msg-start", "w", 10_000, 10)
    assert job.variables["n"] == 1


NEWLY_DEPLOYABLE = [
    "bpmn-miwg-test-suite/C.9.1.bpmn",
    "bpmn-miwg-test-suite/C.9.2.bpmn",
    "bpmnlint-plugin-camunda-compat/message-reference.bpmn",
    "camunda-8-js-sdk/BpmnParser.bpmn",
    "camunda-8-js-sdk/Client-DeployWorkflow.bpmn",
    "camunda-8-js-sdk/Client-ThrowError-2.bpmn",
    "camunda-8-js-sdk/Worker-LongPoll.bpmn",
    "camunda-8-js-sdk/connector_test.bpmn",
    "camunda-8-js-sdk/message-correlation-test.bpmn",
    "camunda-8-js-sdk/rest-message-test.bpmn",
    "camunda-8-js-sdk/test.bpmn",
    "orchestration-cluster-api-python/message_handler_test.bpmn",
    "pyzeebe/test.bpmn",
    "spring-zeebe/demoProcess.bpmn",
    "zeebe/ModelWalkerTest.bpmn",
    "zeebe-process-test/multiple-call-activity.bpmn",
    "zeebe-process-test/pr-created.bpmn",
]


@pytest.mark.parametrize("relative", NEWLY_DEPLOYABLE)
async def test_event_model_deploys_and_starts(engine: Engine, relative: str, clock: ControlledClock) -> None:
    """Deploy, start at the none start event (if any), complete every job, let a day pass."""
    result = await engine.deploy([(Path(relative).name, (CORPUS / relative).read_bytes())])
    assert result.processes
    for meta in result.processes:
        items = engine.query.search("process_definitions", {"processDefinitionKey": meta.process_definition_key}).items
        assert items
        try:
            created = await engine.create_instance(process_definition_key=meta.process_definition_key)
        except Exception as exc:  # only a process without a none start event may refuse
            assert "none start event" in str(exc)
            continue
        for _ in range(5):
            types = {j["type"] for j in engine.query.search("jobs", {"state": "ACTIVATABLE"}, limit=1000).items}
            for job_type in types:
                await complete_all(engine, job_type)
            clock.advance(DAY_MS)
            await engine.fire_due_now()
        assert instance_state(engine, created.process_instance_key) in ("ACTIVE", "COMPLETED")
        # models started without their input variables stop at a missing correlation key or job type,
        # or at a called process that is not deployed: incidents Zeebe raises too, nothing else
        incidents = engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items
        assert {i["errorType"] for i in incidents} <= {"EXTRACT_VALUE_ERROR", "CALLED_ELEMENT_ERROR"}
