"""REST job activation long polling leaves the pending set when the client disconnects."""

from __future__ import annotations

import asyncio

import httpx

from autoops.engine.server import EngineServer

from . import models


async def _until(condition: object, what: str) -> None:
    for _ in range(1000):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"gave up waiting for {what}")


async def test_disconnected_activation_poll_stops_waiting(autoops_server: EngineServer) -> None:
    engine = autoops_server.engine
    await engine.deploy([("lp.bpmn", models.service_chain("lp", "polled"))])
    body = {"type": "polled", "worker": "w", "timeout": 60_000, "maxJobsToActivate": 1, "requestTimeout": 600_000}
    async with httpx.AsyncClient(base_url=autoops_server.addresses.rest_root, timeout=None) as client:
        poll = asyncio.create_task(client.post("/v2/jobs/activation", json=body))
        await _until(lambda: engine.notifier.waiting("polled") == 1, "the poll to wait")
        poll.cancel()  # httpx drops the connection
        await asyncio.gather(poll, return_exceptions=True)
    await _until(lambda: engine.notifier.waiting("polled") == 0, "the server to notice the disconnect")
    created = await engine.create_instance(bpmn_process_id="lp")
    [job] = engine.query.search("jobs", {"processInstanceKey": created.process_instance_key}).items
    assert job["state"] == "ACTIVATABLE"  # nobody took it for the departed client


async def test_activation_answers_root_process_instance_key(autoops_server: EngineServer) -> None:
    engine = autoops_server.engine
    await engine.deploy([("lp.bpmn", models.service_chain("lp", "polled"))])
    created = await engine.create_instance(bpmn_process_id="lp")
    body = {"type": "polled", "worker": "w", "timeout": 60_000, "maxJobsToActivate": 1, "requestTimeout": -1}
    async with httpx.AsyncClient(base_url=autoops_server.addresses.rest_root, timeout=30) as client:
        answer = await client.post("/v2/jobs/activation", json=body)
    [job] = answer.json()["jobs"]
    assert job["rootProcessInstanceKey"] == str(created.process_instance_key)
