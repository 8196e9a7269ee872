from __future__ import annotations

from pathlib import Path

import pytest

from autoops.engine import ControlledClock, Engine, EngineClosedError, first_key

from .bpmn_builder import linear, service


async def test_service_task_round_trip_is_persisted(tmp_path: Path, clock: ControlledClock) -> None:
    db = tmp_path / "e.db"
    engine = await Engine.open(db, clock=clock)
    model = linear("order", service("t1", "charge", retries="5"))
    dep = await engine.deploy([("order.bpmn", model)])
    assert dep.key >= first_key()
    [meta] = dep.processes
    assert (meta.bpmn_process_id, meta.version, meta.resource_name) == ("order", 1, "order.bpmn")
    created = await engine.create_instance(bpmn_process_id="order", variables={"amount": 12})
    jobs = await engine.activate_jobs("charge", "w1", 30_000, 10)
    assert [j.element_id for j in jobs] == ["t1"]
    job = jobs[0]
    assert job.retries == 5
    assert job.variables == {"amount": 12}
    assert job.deadline == clock.now_ms() + 30_000
    assert job.process_instance_key == created.process_instance_key
    await engine.complete_job(job.key, {"paid": True})
    await engine.close()

    engine = await Engine.open(db, clock=clock)
    inst = engine.query.get("process_instances", created.process_instance_key)
    assert inst is not None and inst["state"] == "COMPLETED"
    assert engine.query.variables_of(created.process_instance_key) == {"amount": 12, "paid": True}
    intents = [
        (r["valueType"], r["intent"], r["value"].get("elementId"))
        for r in engine.query.search("records", {"processInstanceKey": created.process_instance_key}, limit=1000).items
        if r["valueType"] == "PROCESS_INSTANCE"
    ]
    assert intents[:2] == [("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", "order"), ("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", "order")]
    assert intents[-1] == ("PROCESS_INSTANCE", "ELEMENT_COMPLETED", "order")
    assert ("PROCESS_INSTANCE", "SEQUENCE_FLOW_TAKEN", "f_t1_end") in intents
    await engine.close()


async def test_closed_engine_refuses_commands_and_in_memory_mode_works(clock: ControlledClock) -> None:
    engine = await Engine.open(None, clock=clock)
    await engine.deploy([("m.bpmn", linear("m", service("t1", "x")))])
    created = await engine.create_instance(bpmn_process_id="m")
    assert engine.query.get("process_instances", created.process_instance_key) is not None
    await engine.close()
    await engine.close()  # idempotent
    with pytest.raises(EngineClosedError):
        await engine.create_instance(bpmn_process_id="m")


def test_controlled_clock_pins_moves_and_resets() -> None:
    clock = ControlledClock(1_000)
    seen: list[int] = []
    clock.add_listener(lambda: seen.append(clock.now_ms()))
    clock.advance(500)
    clock.pin(5_000)
    assert clock.now_ms() == 5_000 and not clock.flowing
    clock.reset()
    assert clock.flowing and clock.now_ms() > 1_700_000_000_000
    assert seen[:2] == [1_500, 5_000] and len(seen) == 3
