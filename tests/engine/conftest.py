from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from autoops.engine import ActivatedJob, ControlledClock, Engine

T0 = 1_700_000_000_000


@pytest.fixture
def clock() -> ControlledClock:
    return ControlledClock(T0)


@pytest.fixture
async def engine(tmp_path: Path, clock: ControlledClock) -> AsyncIterator[Engine]:
    eng = await Engine.open(tmp_path / "engine.db", clock=clock)
    try:
        yield eng
    finally:
        await eng.close()


async def complete_all(engine: Engine, job_type: str, variables: dict[str, object] | None = None) -> int:
    """Activate and complete every activatable job of a type; returns how many."""
    jobs = await engine.activate_jobs(job_type, "test-worker", 60_000, 1000)
    for job in jobs:
        await engine.complete_job(job.key, variables or {})
    return len(jobs)


def element_states(engine: Engine, process_instance_key: int) -> dict[str, list[str]]:
    """elementId -> list of states of its instances, in creation order."""
    out: dict[str, list[str]] = {}
    for item in engine.query.search(
        "element_instances", {"processInstanceKey": process_instance_key}, limit=10_000
    ).items:
        out.setdefault(item["elementId"], []).append(item["elementState"])
    return out


def instance_state(engine: Engine, process_instance_key: int) -> str:
    item = engine.query.get("process_instances", process_instance_key)
    assert item is not None
    return str(item["state"])


async def activate_eventually(engine: Engine, job_type: str, max_jobs: int = 10) -> list[ActivatedJob]:
    """Activate jobs of a type, waiting (without polling) until at least one exists."""
    for _ in range(50):
        jobs = await engine.activate_jobs(job_type, "test-worker", 60_000, max_jobs)
        if jobs:
            return jobs
        await engine.wait_for_jobs(job_type, 0.2)
    raise AssertionError(f"no job of type {job_type!r} became activatable")
