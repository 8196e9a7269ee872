"""Job streaming: jobs activated for a stream whose client went away are yielded back (JOB YIELD)."""

from __future__ import annotations

import asyncio
from typing import Any

from pyzeebe.proto import gateway_pb2 as pb

from autoops.engine import Engine
from autoops.engine.grpc_gateway import ZeebeGateway
from autoops.engine.server import EngineServer

from . import models


class _OpenContext:
    """The part of ``grpc.aio.ServicerContext`` the stream uses, for a client that is still there."""

    def cancelled(self) -> bool:
        return False

    async def abort(self, code: Any, details: str) -> None:
        raise AssertionError(f"unexpected abort {code}: {details}")


def _states(engine: Engine, pi_keys: list[int]) -> list[str]:
    return [engine.query.search("jobs", {"processInstanceKey": pi}).items[0]["state"] for pi in pi_keys]


async def test_undelivered_stream_jobs_are_yielded_back(autoops_server: EngineServer) -> None:
    engine = autoops_server.engine
    await engine.deploy([("y.bpmn", models.service_chain("y", "pushed"))])
    gateway = ZeebeGateway(engine, host="127.0.0.1", port=0)
    stream = gateway.StreamActivatedJobs(
        pb.StreamActivatedJobsRequest(type="pushed", worker="w", timeout=600_000), _OpenContext())
    first = asyncio.create_task(anext(stream))  # type: ignore[arg-type]
    await asyncio.sleep(0)  # the stream is now listening
    # One writer batch, one notification: the stream activates all three jobs in one go.
    created = [c.process_instance_key for c in await asyncio.gather(
        *(engine.create_instance(bpmn_process_id="y") for _ in range(3)))]
    delivered = await first
    second = await anext(stream)  # type: ignore[arg-type]
    # The transport took the first job (the generator was resumed after it) and holds the second
    # when the client goes away: the second and the never-pushed third go back.
    await stream.aclose()  # type: ignore[attr-defined]
    assert _states(engine, created) == ["ACTIVATED"] * 3
    for _ in range(500):
        if _states(engine, created)[1] == "ACTIVATABLE":
            break
        await asyncio.sleep(0.01)
    assert delivered.processInstanceKey == created[0] and second.processInstanceKey == created[1]
    assert _states(engine, created) == ["ACTIVATED", "ACTIVATABLE", "ACTIVATABLE"]
    assert gateway.stats["jobs.yielded"] == 2
    yielded = engine.query.search("records", {"valueType": "JOB", "intent": "YIELDED"}).items
    assert sorted(r["processInstanceKey"] for r in yielded) == created[1:]
    again = await engine.activate_jobs("pushed", "poller", 1000, 10)
    assert [j.process_instance_key for j in again] == created[1:]
    assert all(j.retries == 3 for j in again)


async def test_yield_leaves_jobs_that_are_no_longer_activated_alone(autoops_server: EngineServer) -> None:
    engine = autoops_server.engine
    await engine.deploy([("y.bpmn", models.service_chain("y", "pushed"))])
    for _ in range(2):
        await engine.create_instance(bpmn_process_id="y")
    done, kept = await engine.activate_jobs("pushed", "w", 60_000, 2)
    await engine.complete_job(done.key)
    assert await engine.yield_jobs([done.key, kept.key, 12345]) == [kept.key]
    job = engine.query.get("jobs", kept.key)
    assert job is not None and job["state"] == "ACTIVATABLE"


async def test_activate_jobs_response_the_client_never_took_is_yielded_back(autoops_server: EngineServer) -> None:
    engine = autoops_server.engine
    await engine.deploy([("y.bpmn", models.service_chain("y", "polled"))])
    created = [c.process_instance_key for c in await asyncio.gather(
        *(engine.create_instance(bpmn_process_id="y") for _ in range(2)))]
    gateway = ZeebeGateway(engine, host="127.0.0.1", port=0)
    call = gateway.ActivateJobs(pb.ActivateJobsRequest(
        type="polled", worker="w", timeout=600_000, maxJobsToActivate=5, requestTimeout=-1), _OpenContext())
    response = await anext(call)  # type: ignore[arg-type]
    assert sorted(j.processInstanceKey for j in response.jobs) == created
    await call.aclose()  # type: ignore[attr-defined]  # the client cancelled before the response went out
    for _ in range(500):
        if _states(engine, created) == ["ACTIVATABLE"] * 2:
            break
        await asyncio.sleep(0.01)
    assert _states(engine, created) == ["ACTIVATABLE"] * 2


async def test_a_delivered_activate_jobs_response_is_not_yielded(autoops_server: EngineServer) -> None:
    engine = autoops_server.engine
    await engine.deploy([("y.bpmn", models.service_chain("y", "polled"))])
    created = (await engine.create_instance(bpmn_process_id="y")).process_instance_key
    gateway = ZeebeGateway(engine, host="127.0.0.1", port=0)
    call = gateway.ActivateJobs(pb.ActivateJobsRequest(
        type="polled", worker="w", timeout=600_000, maxJobsToActivate=5, requestTimeout=-1), _OpenContext())
    responses = [r async for r in call]  # type: ignore[attr-defined]
    assert [j.processInstanceKey for r in responses for j in r.jobs] == [created]
    await asyncio.sleep(0.05)
    assert _states(engine, [created]) == ["ACTIVATED"]
    assert gateway.stats["jobs.yielded"] == 0
