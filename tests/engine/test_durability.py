"""Restart continuity and crash safety with real files and a real SIGKILL."""

from __future__ import annotations

import asyncio
import random
import signal
import sys
import time
from pathlib import Path

import pytest

from autoops.engine import ControlledClock, Engine, Rejection, RejectionType

from .bpmn_builder import linear, service
from .conftest import instance_state

DRIVER = Path(__file__).with_name("crash_driver.py")


async def test_due_deadlines_and_backoffs_fire_after_restart(tmp_path: Path, clock: ControlledClock) -> None:
    db = tmp_path / "r.db"
    engine = await Engine.open(db, clock=clock)
    await engine.deploy([("p.bpmn", linear("p", service("t1", "a"), service("t2", "b")))])
    first = await engine.create_instance(bpmn_process_id="p")
    second = await engine.create_instance(bpmn_process_id="p")
    [a1, a2] = await engine.activate_jobs("a", "w", 5_000, 5)
    await engine.fail_job(a2.key, 4, "later", backoff_ms=60_000)
    await engine.close()

    clock.advance(10_000)  # the deadline passed while the engine was down
    engine = await Engine.open(db, clock=clock)
    await engine.fire_due_now()
    [again] = await engine.activate_jobs("a", "w", 5_000, 5)
    assert again.key == a1.key
    await engine.complete_job(again.key)
    clock.advance(60_000)
    await engine.fire_due_now()
    [later] = await engine.activate_jobs("a", "w", 5_000, 5)
    assert (later.key, later.retries) == (a2.key, 4)
    await engine.complete_job(later.key)
    for job in await engine.activate_jobs("b", "w", 5_000, 5):
        await engine.complete_job(job.key)
    assert instance_state(engine, first.process_instance_key) == "COMPLETED"
    assert instance_state(engine, second.process_instance_key) == "COMPLETED"
    # keys keep increasing across restarts
    third = await engine.create_instance(bpmn_process_id="p")
    assert third.process_instance_key > later.key
    await engine.close()


def _check_consistency(engine: Engine) -> None:
    conn = engine._store.conn
    # live scopes count exactly their live children (this model has no joins)
    bad = conn.execute(
        "SELECT p.key, p.active_children, (SELECT COUNT(*) FROM element_instances c WHERE c.flow_scope_key = p.key"
        " AND c.state NOT IN ('COMPLETED','TERMINATED')) AS live FROM element_instances p"
        " WHERE p.state NOT IN ('COMPLETED','TERMINATED') AND p.active_children != live"
    ).fetchall()
    assert bad == []
    # every live job belongs to an ACTIVATED task; completed instances have nothing live inside
    orphan = conn.execute(
        "SELECT j.key FROM jobs j JOIN element_instances e ON e.key = j.element_instance_key"
        " WHERE j.state IN ('ACTIVATABLE','ACTIVATED') AND e.state != 'ACTIVATED'"
    ).fetchall()
    assert orphan == []
    missing = conn.execute(
        "SELECT e.key FROM element_instances e WHERE e.state = 'ACTIVATED' AND e.element_type = 'SERVICE_TASK'"
        " AND NOT EXISTS(SELECT 1 FROM jobs j WHERE j.element_instance_key = e.key AND j.state IN ('ACTIVATABLE','ACTIVATED'))"
    ).fetchall()
    assert missing == []


def _log_size(log: Path) -> int:
    return log.stat().st_size if log.exists() else 0


async def _log_grows_past(log: Path, size: int) -> None:
    deadline = time.monotonic() + 20
    for _ in range(2000):
        if _log_size(log) >= size or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.01)


def _acks(log: Path) -> tuple[list[int], list[int]]:
    created, completed = [], []
    for line in log.read_text().splitlines():
        kind, _, key = line.partition(" ")
        if not key.isdigit():
            continue  # a line torn by the kill: never acknowledged to anybody
        (created if kind == "created" else completed).append(int(key))
    return created, completed


async def test_sigkill_at_random_points_loses_nothing_acknowledged(tmp_path: Path) -> None:
    db, log = tmp_path / "crash.db", tmp_path / "acks.log"
    rng = random.Random(4)
    for _round in range(4):
        child = await asyncio.create_subprocess_exec(sys.executable, str(DRIVER), str(db), str(log), "run")
        await _log_grows_past(log, 200 * (_round + 1))
        await asyncio.sleep(rng.uniform(0.05, 0.6))
        child.send_signal(signal.SIGKILL)
        await child.wait()
        engine = await Engine.open(db)
        created, completed = _acks(log)
        assert created, "the driver acknowledged nothing before the kill"
        for key in created:
            assert engine.query.get("process_instances", key) is not None
        for key in completed:
            job = engine.query.get("jobs", key)
            assert job is not None and job["state"] == "COMPLETED"
        _check_consistency(engine)
        await engine.close()
    finish = await asyncio.create_subprocess_exec(sys.executable, str(DRIVER), str(db), str(log), "finish")
    assert await asyncio.wait_for(finish.wait(), 60) == 0
    engine = await Engine.open(db)
    created, _completed = _acks(log)
    states = {engine.query.get("process_instances", k)["state"] for k in created}  # type: ignore[index]
    assert states == {"COMPLETED"}
    assert engine.query.search("process_instances", {"state": "ACTIVE"}).total == 0
    _check_consistency(engine)
    await engine.close()


async def test_failure_mid_command_leaves_no_partial_state(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from autoops.engine import jobs as jobs_module

    await engine.deploy([("p.bpmn", linear("p", service("t1", "a"), service("t2", "b")))])
    created = await engine.create_instance(bpmn_process_id="p")
    [job] = await engine.activate_jobs("a", "w", 60_000, 1)
    records_before = engine.query.search("records", limit=0).total
    original = jobs_module.create

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs_module, "create", broken)
    with pytest.raises(Rejection) as err:
        await engine.complete_job(job.key, {"x": 1})
    assert err.value.rejection_type is RejectionType.PROCESSING_ERROR
    # nothing of the failed command is visible: job, element, variables and log are as before
    assert engine.query.get("jobs", job.key)["state"] == "ACTIVATED"  # type: ignore[index]
    assert engine.query.get("element_instances", job.element_instance_key)["elementState"] == "ACTIVATED"  # type: ignore[index]
    assert engine.query.variables_of(created.process_instance_key) == {}
    assert engine.query.search("records", {"recordType": {"$neq": "COMMAND_REJECTION"}}, limit=0).total == records_before
    monkeypatch.setattr(jobs_module, "create", original)
    await engine.complete_job(job.key, {"x": 1})
    [second] = await engine.activate_jobs("b", "w", 60_000, 1)
    await engine.complete_job(second.key)
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
