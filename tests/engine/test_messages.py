"""Messages (Camunda docs, "Messages" concept and message events): publish, buffer, correlate."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoops.engine import ControlledClock, Engine, Rejection, RejectionType

from .bpmn_builder import chain, service
from .conftest import complete_all, element_states, instance_state
from .event_models import boundary, definitions, end, event_subprocess, message, message_catch, start

MSG = message("m", "paid", "=orderId")
WAIT = definitions("wait", start() + message_catch("catch", "m") + end() + chain("start", "catch", "end"), MSG)


async def _instances(engine: Engine, pid: str) -> list[dict[str, object]]:
    return list(engine.query.search("process_instances", {"processDefinitionId": pid}, limit=100).items)


async def test_message_published_before_the_instance_exists_is_buffered_and_taken(engine: Engine) -> None:
    await engine.deploy([("wait.bpmn", WAIT)])
    published = await engine.publish_message("paid", "o-1", time_to_live_ms=60_000, variables={"amount": 5})
    created = await engine.create_instance(bpmn_process_id="wait", variables={"orderId": "o-1"})
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert engine.query.variables_of(created.process_instance_key)["amount"] == 5
    assert published.key > 0
    # the buffered message reached this process once: a second instance with the same key waits
    again = await engine.create_instance(bpmn_process_id="wait", variables={"orderId": "o-1"})
    assert instance_state(engine, again.process_instance_key) == "ACTIVE"


async def test_message_without_ttl_is_not_buffered(engine: Engine) -> None:
    await engine.deploy([("wait.bpmn", WAIT)])
    await engine.publish_message("paid", "o-2", time_to_live_ms=0)
    created = await engine.create_instance(bpmn_process_id="wait", variables={"orderId": "o-2"})
    assert instance_state(engine, created.process_instance_key) == "ACTIVE"
    await engine.publish_message("paid", "o-2")
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_two_instances_with_the_same_key_only_one_correlates(engine: Engine) -> None:
    await engine.deploy([("wait.bpmn", WAIT)])
    first = await engine.create_instance(bpmn_process_id="wait", variables={"orderId": 7})
    second = await engine.create_instance(bpmn_process_id="wait", variables={"orderId": 7})
    await engine.publish_message("paid", "7", time_to_live_ms=0)
    states = sorted([instance_state(engine, first.process_instance_key), instance_state(engine, second.process_instance_key)])
    assert states == ["ACTIVE", "COMPLETED"]
    assert instance_state(engine, first.process_instance_key) == "COMPLETED"  # the oldest subscription wins
    await engine.publish_message("paid", "7")
    assert instance_state(engine, second.process_instance_key) == "COMPLETED"


async def test_duplicate_message_id_while_buffered_and_after_expiry(engine: Engine, clock: ControlledClock) -> None:
    await engine.publish_message("paid", "k", time_to_live_ms=1_000, message_id="id-1")
    with pytest.raises(Rejection) as err:
        await engine.publish_message("paid", "k", time_to_live_ms=1_000, message_id="id-1")
    assert err.value.rejection_type is RejectionType.ALREADY_EXISTS
    assert err.value.reason == (
        "Expected to publish a new message with id 'id-1', but a message with that id was already published"
    )
    await engine.publish_message("paid", "other-key", time_to_live_ms=1_000, message_id="id-1")  # other key: fine
    clock.advance(1_001)
    await engine.fire_due_now()
    await engine.publish_message("paid", "k", time_to_live_ms=1_000, message_id="id-1")


async def test_expired_message_no_longer_correlates(engine: Engine, clock: ControlledClock) -> None:
    await engine.deploy([("wait.bpmn", WAIT)])
    await engine.publish_message("paid", "late", time_to_live_ms=500)
    clock.advance(501)
    await engine.fire_due_now()
    created = await engine.create_instance(bpmn_process_id="wait", variables={"orderId": "late"})
    assert instance_state(engine, created.process_instance_key) == "ACTIVE"


async def test_receive_task_and_output_mappings_decide_what_is_merged(engine: Engine) -> None:
    body = (
        start()
        + '<bpmn:receiveTask id="recv" messageRef="m"><bpmn:extensionElements><zeebe:ioMapping>'
        '<zeebe:output source="=amount * 2" target="doubled"/></zeebe:ioMapping></bpmn:extensionElements>'
        "</bpmn:receiveTask>"
        + end()
        + chain("start", "recv", "end")
    )
    await engine.deploy([("recv.bpmn", definitions("receiver", body, MSG))])
    created = await engine.create_instance(bpmn_process_id="receiver", variables={"orderId": "r"})
    await engine.publish_message("paid", "r", variables={"amount": 21, "noise": True})
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    root = engine.query.variables_of(created.process_instance_key)
    assert root["doubled"] == 42
    assert "amount" not in root and "noise" not in root


def _guarded(interrupting: bool) -> bytes:
    body = (
        start()
        + service("work", "work")
        + boundary("cancelled", "work", '<bpmn:messageEventDefinition messageRef="m"/>', interrupting=interrupting)
        + service("cleanup", "cleanup")
        + end()
        + end("end2")
        + chain("start", "work", "end")
        + chain("cancelled", "cleanup", "end2")
    )
    return definitions("guarded", body, MSG)


async def test_interrupting_message_boundary_cancels_the_task(engine: Engine) -> None:
    await engine.deploy([("g.bpmn", _guarded(True))])
    created = await engine.create_instance(bpmn_process_id="guarded", variables={"orderId": "x"})
    await engine.publish_message("paid", "x", variables={"reason": "stop"})
    states = element_states(engine, created.process_instance_key)
    assert states["work"] == ["TERMINATED"]
    assert states["cancelled"] == ["COMPLETED"]
    assert await complete_all(engine, "work") == 0  # the job was cancelled
    assert await complete_all(engine, "cleanup") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert engine.query.variables_of(created.process_instance_key)["reason"] == "stop"


async def test_non_interrupting_message_boundary_runs_alongside(engine: Engine) -> None:
    await engine.deploy([("g.bpmn", _guarded(False))])
    created = await engine.create_instance(bpmn_process_id="guarded", variables={"orderId": "y"})
    await engine.publish_message("paid", "y")
    await engine.publish_message("paid", "y")  # the subscription stays open while the task runs
    assert await complete_all(engine, "cleanup") == 2
    assert instance_state(engine, created.process_instance_key) == "ACTIVE"
    assert await complete_all(engine, "work") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


def _with_event_subprocess(interrupting: bool) -> bytes:
    esp = event_subprocess(
        "esp",
        start("esp_start", '<bpmn:messageEventDefinition messageRef="m"/>', interrupting=interrupting)
        + service("handle", "handle")
        + end("esp_end")
        + chain("esp_start", "handle", "esp_end"),
    )
    body = start() + service("work", "work") + end() + chain("start", "work", "end") + esp
    return definitions("esp_proc", body, MSG)


async def test_interrupting_message_event_subprocess_terminates_the_rest(engine: Engine) -> None:
    await engine.deploy([("e.bpmn", _with_event_subprocess(True))])
    created = await engine.create_instance(bpmn_process_id="esp_proc", variables={"orderId": "e"})
    await engine.publish_message("paid", "e")
    assert await complete_all(engine, "work") == 0
    assert await complete_all(engine, "handle") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert element_states(engine, created.process_instance_key)["work"] == ["TERMINATED"]


async def test_non_interrupting_message_event_subprocess_runs_alongside(engine: Engine) -> None:
    await engine.deploy([("e.bpmn", _with_event_subprocess(False))])
    created = await engine.create_instance(bpmn_process_id="esp_proc", variables={"orderId": "n"})
    await engine.publish_message("paid", "n")
    assert await complete_all(engine, "handle") == 1
    assert instance_state(engine, created.process_instance_key) == "ACTIVE"
    assert await complete_all(engine, "work") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


START = definitions(
    "ordered",
    start("start", '<bpmn:messageEventDefinition messageRef="s"/>') + service("ship", "ship") + end()
    + chain("start", "ship", "end"),
    message("s", "order-placed"),
)


async def test_message_start_event_one_active_instance_per_correlation_key(engine: Engine) -> None:
    await engine.deploy([("s.bpmn", START)])
    await engine.publish_message("order-placed", "c-1", time_to_live_ms=60_000, variables={"n": 1})
    await engine.publish_message("order-placed", "c-1", time_to_live_ms=60_000, variables={"n": 2})
    await engine.publish_message("order-placed", "c-2", time_to_live_ms=0, variables={"n": 3})
    await engine.publish_message("order-placed", "", variables={"n": 4})
    await engine.publish_message("order-placed", "", variables={"n": 5})
    running = await _instances(engine, "ordered")
    assert len(running) == 4  # c-1 once, c-2, and two without a key
    jobs = await engine.activate_jobs("ship", "w", 10_000, 10)
    assert sorted(j.variables["n"] for j in jobs) == [1, 3, 4, 5]
    first = next(j for j in jobs if j.variables["n"] == 1)
    await engine.complete_job(first.key)
    # the instance of c-1 ended: the buffered second message starts the next one
    [nxt] = await engine.activate_jobs("ship", "w", 10_000, 10)
    assert nxt.variables["n"] == 2


async def test_messages_before_deployment_do_not_start_instances(engine: Engine) -> None:
    await engine.publish_message("order-placed", "early", time_to_live_ms=60_000)
    await engine.deploy([("s.bpmn", START)])
    assert await _instances(engine, "ordered") == []


async def test_correlate_now_starts_or_catches_or_is_rejected(engine: Engine) -> None:
    await engine.deploy([("wait.bpmn", WAIT), ("s.bpmn", START)])
    with pytest.raises(Rejection) as err:
        await engine.correlate_message("paid", "nobody")
    assert err.value.rejection_type is RejectionType.NOT_FOUND
    created = await engine.create_instance(bpmn_process_id="wait", variables={"orderId": "c"})
    result = await engine.correlate_message("paid", "c", variables={"ok": True})
    assert result.process_instance_key == created.process_instance_key
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    started = await engine.correlate_message("order-placed", "z")
    assert instance_state(engine, started.process_instance_key) == "ACTIVE"
    # nothing was buffered by the correlation
    again = await engine.create_instance(bpmn_process_id="wait", variables={"orderId": "c"})
    assert instance_state(engine, again.process_instance_key) == "ACTIVE"


async def test_message_start_subscription_is_replaced_on_redeploy(engine: Engine) -> None:
    await engine.deploy([("s.bpmn", START)])
    v2 = START.replace(b'type="ship"', b'type="ship2"')
    await engine.deploy([("s.bpmn", v2)])
    await engine.publish_message("order-placed", "")
    assert await complete_all(engine, "ship") == 0
    assert await complete_all(engine, "ship2") == 1


async def test_buffered_message_survives_a_restart(tmp_path: Path, clock: ControlledClock) -> None:
    path = tmp_path / "restart.db"
    async with await Engine.open(path, clock=clock) as engine:
        await engine.deploy([("wait.bpmn", WAIT)])
        await engine.publish_message("paid", "r-1", time_to_live_ms=60_000, variables={"v": 1})
    async with await Engine.open(path, clock=clock) as engine:
        created = await engine.create_instance(bpmn_process_id="wait", variables={"orderId": "r-1"})
        assert instance_state(engine, created.process_instance_key) == "COMPLETED"
        assert engine.query.variables_of(created.process_instance_key)["v"] == 1


async def test_unusable_correlation_key_is_an_incident_on_the_activity(engine: Engine) -> None:
    await engine.deploy([("g.bpmn", _guarded(True))])
    created = await engine.create_instance(bpmn_process_id="guarded")  # no orderId
    [incident] = engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items
    assert incident["errorType"] == "EXTRACT_VALUE_ERROR" and incident["elementId"] == "work"
    assert await complete_all(engine, "work") == 0  # the task is held in ACTIVATING, no job yet
    await engine.set_variables(created.process_instance_key, {"orderId": "late"})
    await engine.resolve_incident(incident["incidentKey"])
    await engine.publish_message("paid", "late")
    assert element_states(engine, created.process_instance_key)["work"] == ["TERMINATED"]


async def test_message_start_name_needing_variables_is_rejected_at_deploy(engine: Engine) -> None:
    model = definitions("bad_start", start("start", '<bpmn:messageEventDefinition messageRef="s"/>') + end()
                        + chain("start", "end"), message("s", "=prefix + &quot;-x&quot;"))
    with pytest.raises(Rejection) as err:
        await engine.deploy([("b.bpmn", model)])
    assert err.value.rejection_type is RejectionType.INVALID_ARGUMENT
    assert "- Element: start" in err.value.reason


async def test_deleting_the_latest_version_gives_the_start_event_back_to_the_previous(engine: Engine) -> None:
    await engine.deploy([("s.bpmn", START)])
    v2 = (await engine.deploy([("s.bpmn", START.replace(b'type="ship"', b'type="ship2"'))])).processes[0]
    await engine.delete_resource(v2.process_definition_key)
    await engine.publish_message("order-placed", "")
    assert await complete_all(engine, "ship2") == 0
    assert await complete_all(engine, "ship") == 1


async def test_new_subscription_takes_the_oldest_buffered_message(engine: Engine) -> None:
    await engine.deploy([("wait.bpmn", WAIT)])
    await engine.publish_message("paid", "q", time_to_live_ms=60_000, variables={"n": 1})
    await engine.publish_message("paid", "q", time_to_live_ms=60_000, variables={"n": 2})
    first = await engine.create_instance(bpmn_process_id="wait", variables={"orderId": "q"})
    assert engine.query.variables_of(first.process_instance_key)["n"] == 1
