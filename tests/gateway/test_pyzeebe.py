"""Unmodified pyzeebe 4.7 against the embedded engine over a real gRPC socket."""

# No "from __future__ import annotations": pyzeebe finds the Job parameter by its real annotation.


import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from pyzeebe import Job, ZeebeClient, ZeebeWorker, create_insecure_channel
from pyzeebe.errors import BusinessError, ProcessDefinitionNotFoundError, ProcessInstanceNotFoundError
from pyzeebe.grpc_internals.types import DeployResourceResponse

from autoops.engine.server import EngineServer

from . import models


def write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


async def eventually(check: Callable[[], Awaitable[bool] | bool], what: str, timeout_s: float = 15.0) -> None:
    """Wait for a condition driven by the worker; fails with ``what`` if it never holds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout_s
    while loop.time() < end:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for: {what}")


@contextlib.asynccontextmanager
async def running(worker: ZeebeWorker) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(worker.work())
    try:
        yield task
    finally:
        await worker.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


def instance_state(server: EngineServer, key: int) -> str | None:
    item = server.engine.query.get("process_instances", key)
    return None if item is None else str(item["state"])


async def test_topology_health_deploy_and_run(
    autoops_server: EngineServer, zeebe_client: ZeebeClient, tmp_path: Path
) -> None:
    topology = await zeebe_client.topology()
    assert topology.cluster_size == 1
    assert topology.brokers[0].port == autoops_server.addresses.grpc_port
    assert (await zeebe_client.healthcheck()).status == 1  # SERVING

    deployed = await zeebe_client.deploy_resource(write(tmp_path, "order.bpmn", models.service_chain("order", "pay")))
    process = deployed.deployments[0]
    assert isinstance(process, DeployResourceResponse.ProcessMetadata)
    assert process.bpmn_process_id == "order" and process.version == 1 and process.resource_name == "order.bpmn"
    assert deployed.tenant_id == "<default>"

    created = await zeebe_client.run_process("order", {"amount": 12})
    assert created.bpmn_process_id == "order" and created.version == 1
    assert instance_state(autoops_server, created.process_instance_key) == "ACTIVE"

    await zeebe_client.cancel_process_instance(created.process_instance_key)
    assert instance_state(autoops_server, created.process_instance_key) == "TERMINATED"
    with pytest.raises(ProcessInstanceNotFoundError):
        await zeebe_client.cancel_process_instance(created.process_instance_key)
    with pytest.raises(ProcessDefinitionNotFoundError):
        await zeebe_client.run_process("no-such-process")


async def test_run_process_with_result_and_a_polling_worker(
    autoops_server: EngineServer, zeebe_client: ZeebeClient, tmp_path: Path
) -> None:
    await zeebe_client.deploy_resource(write(tmp_path, "calc.bpmn",
                                             models.service_chain("calc", "double", "inc", headers={"unit": "eur"})))
    worker = ZeebeWorker(create_insecure_channel(autoops_server.addresses.grpc), name="w1", request_timeout=1000)
    seen_headers: list[dict[str, Any]] = []

    @worker.task("double")  # type: ignore[arg-type]
    async def double(job: Job, x: int) -> dict[str, Any]:
        seen_headers.append(dict(job.custom_headers))
        return {"x": x * 2}

    @worker.task("inc")  # type: ignore[arg-type]
    async def inc(x: int) -> dict[str, Any]:
        return {"x": x + 1, "done": True}

    async with running(worker):
        result = await zeebe_client.run_process_with_result("calc", {"x": 20}, timeout=10_000)
    assert result.variables == {"x": 41, "done": True}
    assert seen_headers == [{"unit": "eur"}]
    assert instance_state(autoops_server, result.process_instance_key) == "COMPLETED"


@pytest.mark.parametrize("stream", [False, True], ids=["polling", "streaming"])
async def test_worker_with_several_tasks(
    autoops_server: EngineServer, zeebe_client: ZeebeClient, tmp_path: Path, stream: bool
) -> None:
    await zeebe_client.deploy_resource(write(tmp_path, "three.bpmn", models.service_chain("three", "a", "b", "c")))
    worker = ZeebeWorker(create_insecure_channel(autoops_server.addresses.grpc), name="multi",
                         request_timeout=2000, stream_enabled=stream)
    calls: list[str] = []

    @worker.task("a")  # type: ignore[arg-type]
    async def a(n: int) -> dict[str, Any]:
        calls.append("a")
        return {"n": n + 1}

    @worker.task("b")
    def b(n: int) -> dict[str, Any]:  # a synchronous handler runs in a thread
        calls.append("b")
        return {"n": n * 10}

    @worker.task("c")  # type: ignore[arg-type]
    async def c(n: int) -> dict[str, Any]:
        calls.append("c")
        return {"n": n - 1, "finished": True}

    async with running(worker):
        if stream:
            await eventually(lambda: autoops_server.grpc.servicer.stats["streams.open"] == 3, "three job streams")
        keys = [(await zeebe_client.run_process("three", {"n": i})).process_instance_key for i in range(10)]
        await eventually(lambda: all(instance_state(autoops_server, k) == "COMPLETED" for k in keys),
                         "all instances completed")
    for i, key in enumerate(keys):
        variables = autoops_server.engine.query.variables_of(key)
        assert variables == {"n": (i + 1) * 10 - 1, "finished": True}
    assert sorted(calls) == ["a"] * 10 + ["b"] * 10 + ["c"] * 10
    stats = autoops_server.grpc.servicer.stats
    assert stats["CompleteJob"] == 30
    if stream:
        assert stats["StreamActivatedJobs.jobs"] > 0


async def test_exception_fails_job_until_incident(
    autoops_server: EngineServer, zeebe_client: ZeebeClient, tmp_path: Path
) -> None:
    await zeebe_client.deploy_resource(write(tmp_path, "flaky.bpmn", models.service_chain("flaky", "boom", retries=3)))
    worker = ZeebeWorker(create_insecure_channel(autoops_server.addresses.grpc), name="w", request_timeout=1000)
    attempts: list[int] = []

    @worker.task("boom")  # type: ignore[arg-type]
    async def boom(job: Job) -> dict[str, Any]:
        attempts.append(job.retries)
        raise RuntimeError("payment provider down")

    created = await zeebe_client.run_process("flaky")
    async with running(worker):
        await eventually(
            lambda: autoops_server.engine.query.search("incidents", {"processInstanceKey": created.process_instance_key})
            .total == 1, "an incident")
    assert attempts == [3, 2, 1]
    incident = autoops_server.engine.query.search("incidents", {"processInstanceKey": created.process_instance_key})
    item = incident.items[0]
    assert item["errorType"] == "JOB_NO_RETRIES"
    assert "payment provider down" in item["errorMessage"]
    assert autoops_server.grpc.servicer.stats["FailJob"] == 3


async def test_business_error_throws_bpmn_error(
    autoops_server: EngineServer, zeebe_client: ZeebeClient, tmp_path: Path
) -> None:
    """BusinessError -> ThrowError; with no catching event the engine raises UNHANDLED_ERROR_EVENT."""
    await zeebe_client.deploy_resource(write(tmp_path, "err.bpmn", models.service_chain("err", "check")))
    worker = ZeebeWorker(create_insecure_channel(autoops_server.addresses.grpc), name="w", request_timeout=1000)

    @worker.task("check")  # type: ignore[arg-type]
    async def check() -> dict[str, Any]:
        raise BusinessError("NO_STOCK", "nothing left")

    created = await zeebe_client.run_process("err")
    query = autoops_server.engine.query
    async with running(worker):
        await eventually(lambda: query.search("incidents", {"processInstanceKey": created.process_instance_key})
                         .total == 1, "an incident for the uncaught error")
    incident = query.search("incidents", {"processInstanceKey": created.process_instance_key}).items[0]
    assert incident["errorType"] == "UNHANDLED_ERROR_EVENT"
    assert "NO_STOCK" in incident["errorMessage"]
    assert autoops_server.grpc.servicer.stats["ThrowError"] == 1
    assert autoops_server.grpc.servicer.stats["FailJob"] == 0


async def test_idle_worker_long_polls_without_busy_loop(autoops_server: EngineServer, tmp_path: Path) -> None:
    """With requestTimeout 300 ms over ~1.5 s, a long-polling worker sends a handful of requests, not thousands."""
    channel = create_insecure_channel(autoops_server.addresses.grpc)
    worker = ZeebeWorker(channel, name="idle", request_timeout=300, max_connection_retries=1)

    @worker.task("never-created")  # type: ignore[arg-type]
    async def never() -> None:
        return None

    async with running(worker):
        await asyncio.sleep(1.5)
        connected = worker.zeebe_adapter.connected
        retries = worker.zeebe_adapter._current_connection_retries
    polls = autoops_server.grpc.servicer.stats["ActivateJobs"]
    assert 2 <= polls <= 12, polls
    assert connected and retries == 0  # no DEADLINE_EXCEEDED or UNAVAILABLE counted


async def test_long_poll_is_woken_by_job_creation(autoops_server: EngineServer, zeebe_client: ZeebeClient,
                                                 tmp_path: Path) -> None:
    from pyzeebe.proto import gateway_pb2 as pb
    from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

    await zeebe_client.deploy_resource(write(tmp_path, "one.bpmn", models.service_chain("one", "wake")))
    async with grpc.aio.insecure_channel(autoops_server.addresses.grpc) as channel:
        stub = GatewayStub(channel)
        call = stub.ActivateJobs(pb.ActivateJobsRequest(type="wake", worker="w", timeout=5000, maxJobsToActivate=5,
                                                        requestTimeout=60_000), timeout=120)
        responses: list[Any] = []

        async def read() -> None:
            async for response in call:
                responses.append(response)

        reader = asyncio.create_task(read())
        await eventually(lambda: autoops_server.grpc.servicer.stats["ActivateJobs"] == 1, "the long poll is pending")
        await asyncio.sleep(0.1)
        assert not reader.done()  # held open: no job yet
        created = await zeebe_client.run_process("one", {"k": "v"})
        await asyncio.wait_for(reader, 10)  # answered long before the 60 s request timeout
    assert len(responses) == 1 and len(responses[0].jobs) == 1
    job = responses[0].jobs[0]
    assert job.processInstanceKey == created.process_instance_key
    assert job.variables == '{"k":"v"}' and job.customHeaders == "{}" and job.tenantId == "<default>"


async def test_publish_message_and_broadcast_signal(
    autoops_server: EngineServer, zeebe_client: ZeebeClient, tmp_path: Path
) -> None:
    from pyzeebe.errors import MessageAlreadyExistsError

    await zeebe_client.deploy_resource(write(tmp_path, "wait.bpmn",
                                             models.message_catch("wait-process", "order-paid", "=orderId")))
    created = await zeebe_client.run_process("wait-process", {"orderId": "o-1"})
    published = await zeebe_client.publish_message("order-paid", "o-1", {"paid": True}, message_id="m-1")
    assert published.key > 0
    await eventually(lambda: instance_state(autoops_server, created.process_instance_key) == "COMPLETED",
                     "the message completes the instance")
    assert autoops_server.engine.query.variables_of(created.process_instance_key)["paid"] is True
    with pytest.raises(MessageAlreadyExistsError):  # still buffered for its time to live
        await zeebe_client.publish_message("order-paid", "o-1", message_id="m-1")
    signal = await zeebe_client.broadcast_signal("nobody-listens")
    assert signal.key > 0


async def test_request_timeout_zero_uses_the_default_long_poll(tmp_path: Path) -> None:
    """requestTimeout 0 waits the server default (here configured to 300 ms) and ends OK with no message."""
    from pyzeebe.proto import gateway_pb2 as pb
    from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

    async with (EngineServer(tmp_path / "e.db", grpc_port=0, rest_port=0, long_poll_ms=300) as server,
                grpc.aio.insecure_channel(server.addresses.grpc) as channel):
        call = GatewayStub(channel).ActivateJobs(
            pb.ActivateJobsRequest(type="none", worker="w", timeout=1000, maxJobsToActivate=1, requestTimeout=0),
            timeout=30)
        responses = [r async for r in call]
        assert responses == []
        assert await call.code() == grpc.StatusCode.OK
