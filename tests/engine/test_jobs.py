"""The job lifecycle (spec §7.3) with a controlled clock, and the job command rejections."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from autoops.engine import ActivatedJob, ControlledClock, Engine, Rejection, RejectionType

from .bpmn_builder import linear, service
from .conftest import instance_state


async def _one_job(engine: Engine, retries: str = "3") -> tuple[int, int]:
    await engine.deploy([("p.bpmn", linear("p", service("t1", "work", retries=retries)))])
    created = await engine.create_instance(bpmn_process_id="p", variables={"x": 1})
    [job] = await engine.activate_jobs("work", "w1", 10_000, 5)
    return created.process_instance_key, job.key


async def test_timed_out_job_is_activatable_again_and_late_completion_is_accepted(
    engine: Engine, clock: ControlledClock
) -> None:
    pi, key = await _one_job(engine)
    clock.advance(10_001)
    await engine.fire_due_now()
    again = await engine.activate_jobs("work", "w2", 10_000, 5)
    assert [(j.key, j.worker, j.retries) for j in again] == [(key, "w2", 3)]
    intents = [r["intent"] for r in engine.query.search("records", {"key": key, "valueType": "JOB"}).items]
    assert intents == ["CREATED", "TIMED_OUT"]
    # the first worker completes late: accepted because nobody completed it meanwhile
    await engine.complete_job(key, {"late": True})
    assert instance_state(engine, pi) == "COMPLETED"
    # the second worker's completion now finds nothing
    with pytest.raises(Rejection) as err:
        await engine.complete_job(key)
    assert str(err.value) == (
        f"Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete job with key '{key}', "
        "but no such job was found"
    )
    assert err.value.grpc_status == "NOT_FOUND"


async def test_deadline_not_reached_does_not_time_out(engine: Engine, clock: ControlledClock) -> None:
    _pi, key = await _one_job(engine)
    clock.advance(9_999)
    await engine.fire_due_now()
    assert await engine.activate_jobs("work", "w2", 10_000, 5) == []
    await engine.update_job_timeout(key, 60_000)
    clock.advance(30_000)
    await engine.fire_due_now()
    assert await engine.activate_jobs("work", "w2", 10_000, 5) == []
    job = engine.query.get("jobs", key)
    assert job is not None and job["state"] == "ACTIVATED"


async def test_scheduler_fires_timeout_when_clock_moves(engine: Engine, clock: ControlledClock) -> None:
    _pi, key = await _one_job(engine)
    woke = asyncio.create_task(engine.wait_for_jobs("work", 5))
    await asyncio.sleep(0)
    clock.advance(20_000)  # the scheduler is woken by the clock, no explicit firing
    assert await woke
    [job] = await engine.activate_jobs("work", "w3", 1000, 5)
    assert job.key == key


async def test_fail_with_backoff_waits_then_recurs(engine: Engine, clock: ControlledClock) -> None:
    _pi, key = await _one_job(engine)
    await engine.fail_job(key, 2, "db down", backoff_ms=5_000, variables={"attempt": 1})
    with pytest.raises(Rejection) as err:
        await engine.complete_job(key)
    assert err.value.reason == f"Expected to complete job with key '{key}', but it is in state 'FAILED'"
    assert err.value.rejection_type is RejectionType.INVALID_STATE
    assert err.value.grpc_status == "FAILED_PRECONDITION"
    clock.advance(4_999)
    await engine.fire_due_now()
    assert await engine.activate_jobs("work", "w", 1000, 5) == []
    clock.advance(1)
    await engine.fire_due_now()
    [job] = await engine.activate_jobs("work", "w", 1000, 5)
    assert job.retries == 2
    assert job.variables == {"x": 1, "attempt": 1}  # fail variables are local to the task
    assert engine.query.variables_of(job.element_instance_key) == {"attempt": 1}


async def test_fail_without_retries_creates_incident_and_resolve_needs_retries(engine: Engine) -> None:
    pi, key = await _one_job(engine)
    await engine.fail_job(key, 0, "card declined")
    [incident] = engine.query.search("incidents", {"processInstanceKey": pi}).items
    assert (incident["errorType"], incident["errorMessage"], incident["jobKey"]) == (
        "JOB_NO_RETRIES", "card declined", key)
    with pytest.raises(Rejection) as err:
        await engine.resolve_incident(incident["incidentKey"])
    assert err.value.reason == (
        f"Expected to resolve incident with key '{incident['incidentKey']}', but job with key '{key}' has no retries "
        "left. Please update the job retries and retry resolving the incident"
    )
    assert err.value.http_status == 409
    with pytest.raises(Rejection) as bad:
        await engine.update_job_retries(key, 0)
    assert bad.value.reason == (
        f"Expected to update retries for job with key '{key}' with a positive amount of retries, "
        "but the amount given was '0'"
    )
    await engine.update_job_retries(key, 2)
    assert await engine.activate_jobs("work", "w", 1000, 5) == []  # still FAILED until resolved
    await engine.resolve_incident(incident["incidentKey"])
    [job] = await engine.activate_jobs("work", "w", 1000, 5)
    assert job.retries == 2
    await engine.complete_job(job.key)
    assert instance_state(engine, pi) == "COMPLETED"


async def test_throw_error_without_catch_is_unhandled_error_incident(engine: Engine) -> None:
    pi, key = await _one_job(engine)
    await engine.throw_error(key, "NOT_PAID", "no money")
    [incident] = engine.query.search("incidents", {"processInstanceKey": pi}).items
    assert incident["errorType"] == "UNHANDLED_ERROR_EVENT"
    assert incident["errorMessage"] == (
        "Expected to throw an error event with the code 'NOT_PAID' with message 'no money', but it was not caught. "
        "No error events are available in the scope."
    )
    with pytest.raises(Rejection) as err:
        await engine.fail_job(key, 1, "x")
    assert err.value.reason == f"Expected to fail job with key '{key}', but it is in state 'ERROR_THROWN'"
    await engine.resolve_incident(incident["incidentKey"])
    [job] = await engine.activate_jobs("work", "w", 1000, 5)
    assert job.key == key


async def test_unknown_job_rejections(engine: Engine) -> None:
    missing = 2251799813685999
    cases = [
        (engine.complete_job(missing), "COMPLETE", f"Expected to complete job with key '{missing}', but no such job was found"),
        (engine.fail_job(missing, 1), "FAIL", f"Expected to fail job with key '{missing}', but no such job was found"),
        (engine.throw_error(missing, "E"), "THROW_ERROR",
         f"Expected to throw an error for job with key '{missing}', but no such job was found"),
        (engine.update_job_retries(missing, 3), "UPDATE_RETRIES",
         f"Expected to update retries for job with key '{missing}', but no such job was found"),
        (engine.update_job_timeout(missing, 3), "UPDATE_TIMEOUT",
         f"Expected to update job deadline with key '{missing}', but no such job was found"),
    ]
    for call, intent, reason in cases:
        with pytest.raises(Rejection) as err:
            await call
        assert (err.value.intent, err.value.rejection_type, err.value.reason) == (intent, RejectionType.NOT_FOUND, reason)


async def test_activation_argument_checks_and_fetch_variables(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", linear("p", service("t1", "work")))])
    await engine.create_instance(bpmn_process_id="p", variables={"a": 1, "b": 2, "c": 3})
    for args in (("", "w", 1000, 1), ("work", "w", 0, 1), ("work", "w", 1000, 0)):
        with pytest.raises(Rejection) as err:
            await engine.activate_jobs(*args)
        assert err.value.rejection_type is RejectionType.INVALID_ARGUMENT
    with pytest.raises(Rejection):
        await engine.activate_jobs("work", "w", 1000, 1, tenant_ids=["acme"])
    [job] = await engine.activate_jobs("work", "w", 1000, 1, fetch_variables=["a", "c", "zz"], tenant_ids=["<default>"])
    assert job.variables == {"a": 1, "c": 3}
    assert job.custom_headers == {}
    assert job.tenant_id == "<default>"


async def test_long_poll_waiter_is_woken_by_job_creation(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", linear("p", service("t1", "work")))])
    waiter = asyncio.create_task(engine.wait_for_jobs("work", 5))
    other = asyncio.create_task(engine.wait_for_jobs("other", 0.05))
    await asyncio.sleep(0)
    await engine.create_instance(bpmn_process_id="p")
    assert await waiter is True
    assert await other is False


async def test_fail_without_message_uses_zeebe_default_incident_text(engine: Engine) -> None:
    pi, key = await _one_job(engine)
    await engine.fail_job(key, 0)
    [incident] = engine.query.search("incidents", {"processInstanceKey": pi}).items
    assert incident["errorMessage"] == "No more retries left."


async def test_wait_counts_a_notification_that_came_before_it_started(engine: Engine) -> None:
    seen = engine.jobs_sequence("work")
    engine.notifier.notify("work")  # lands after the caller's (empty) attempt, before it waits
    assert await engine.wait_for_jobs("work", 0, since=seen) is True
    assert await engine.wait_for_jobs("work", 0, since=engine.jobs_sequence("work")) is False
    assert await engine.wait_for_jobs("work", 0) is False  # without since: only later notifications count


async def test_activate_or_wait_sees_a_job_created_between_attempt_and_wait(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job appears after the empty activation answered and before the wait begins."""
    await engine.deploy([("p.bpmn", linear("p", service("t1", "work")))])
    activate = engine.activate_jobs
    calls: list[int] = []

    async def activate_then_create(*args: Any, **kwargs: Any) -> list[ActivatedJob]:
        found = await activate(*args, **kwargs)
        calls.append(len(found))
        if len(calls) == 1:
            assert found == []
            await engine.create_instance(bpmn_process_id="p")  # committed and notified right here
        return found

    monkeypatch.setattr(engine, "activate_jobs", activate_then_create)
    jobs = await engine.activate_jobs_or_wait("work", "w", 1000, 5, wait_ms=20_000)
    assert [j.type for j in jobs] == ["work"]
    assert calls == [0, 1]
