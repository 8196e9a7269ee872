"""Operating a worker: metrics and probes, surviving an engine restart, draining on SIGTERM."""

import asyncio
import os
import signal
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pyzeebe import ZeebeClient, create_insecure_channel

from autoops.config import Settings
from autoops.engine.server import EngineServer
from autoops.testing import free_port
from autoops.worker import BpmnError, Worker, WorkerConfig, WorkerError

from .conftest import Zeebe, eventually, settings_for
from .models import write_model


async def test_metrics_and_probe_endpoints(zeebe: Zeebe) -> None:
    await zeebe.deploy("ops", "ops.step")
    worker = Worker(WorkerConfig(metrics_port=0, metrics_host="127.0.0.1"))

    @worker.task("ops.step")
    async def step(n: int) -> dict[str, int]:
        if n < 0:
            raise BpmnError("NEGATIVE")
        return {"twice": 2 * n}

    async with worker.running(settings_for(zeebe.server)), httpx.AsyncClient() as http:
        base = f"http://127.0.0.1:{worker.metrics_port}"
        await worker.wait_ready()
        keys = [await zeebe.start("ops", {"n": n}) for n in (1, 2, -1)]
        await zeebe.completed(keys[0])
        await zeebe.completed(keys[1])
        await zeebe.incident(keys[2])
        counters = worker.metrics.for_task("ops.step")
        # The engine shows the outcome a moment before the worker has the gateway's answer.
        await eventually(lambda: counters.completed == 2 and counters.bpmn_errors, what="outcomes counted")
        health = await http.get(f"{base}/healthz")
        ready = await http.get(f"{base}/readyz")
        text = (await http.get(f"{base}/metrics")).text

    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert ready.status_code == 200 and ready.json()["reasons"] == []
    assert 'autoops_worker_jobs_activated_total{task_type="ops.step"} 3.0' in text
    assert 'autoops_worker_jobs_completed_total{task_type="ops.step"} 2.0' in text
    assert 'autoops_worker_jobs_bpmn_errors_total{error_code="NEGATIVE",task_type="ops.step"} 1.0' in text
    assert 'autoops_worker_job_duration_seconds_count{task_type="ops.step"} 3.0' in text
    assert 'autoops_worker_jobs_in_flight{task_type="ops.step"} 0.0' in text
    assert "autoops_worker_ready 1.0" in text


async def test_worker_reconnects_after_the_engine_restarts(tmp_path: Path) -> None:
    grpc_port, rest_port = free_port(), free_port()
    database = tmp_path / "engine.db"
    model = write_model(tmp_path, "restart", "restart.step")

    def server() -> EngineServer:
        return EngineServer(database, grpc_port=grpc_port, rest_port=rest_port, synchronous="NORMAL")

    worker = Worker(WorkerConfig(metrics_port=0, metrics_host="127.0.0.1"))
    handled: list[int] = []

    @worker.task("restart.step")
    async def step(n: int) -> None:
        handled.append(n)

    first = server()
    await first.start()
    settings = Settings.load(env_file=None, grpc_address=first.addresses.grpc)
    try:
        async with worker.running(settings), httpx.AsyncClient() as http:
            readyz = f"http://127.0.0.1:{worker.metrics_port}/readyz"
            channel = create_insecure_channel(first.addresses.grpc)
            client = ZeebeClient(channel)
            await client.deploy_resource(str(model))
            await client.run_process("restart", {"n": 1})
            await eventually(lambda: handled == [1], what="the first job")

            await first.stop()
            await eventually(lambda: not worker.health.ready, what="readiness to drop")
            down = await http.get(readyz)

            second = server()
            await second.start()
            try:
                await client.run_process("restart", {"n": 2})
                await eventually(lambda: handled == [1, 2], what="a job after the restart")
                up = await http.get(readyz)
            finally:
                await channel.close()
                await second.stop()
    finally:
        await first.stop()

    assert down.status_code == 503
    assert any(r.startswith("gateway unreachable: UNAVAILABLE") for r in down.json()["reasons"])
    assert up.status_code == 200
    assert (worker.metrics.registry.get_sample_value("autoops_worker_gateway_errors_total") or 0) >= 1


_SIGTERM_MODULE = """
import asyncio
import os
from pathlib import Path

from autoops.worker import Worker

marks = Path(os.environ["MARK_DIR"])
worker = Worker()


@worker.task("drain.step", timeout=30)
async def step(n: int) -> dict:
    (marks / f"started-{n}").touch()
    await asyncio.sleep(1.5)
    (marks / f"finished-{n}").touch()
    return {"finished": n}
"""


async def test_sigterm_drains_running_jobs_and_exits_zero(zeebe: Zeebe, tmp_path: Path) -> None:
    await zeebe.deploy("drain", "drain.step")
    marks = tmp_path / "marks"
    marks.mkdir()
    (tmp_path / "drain_workers.py").write_text(textwrap.dedent(_SIGTERM_MODULE))
    port = free_port()
    keys = [await zeebe.start("drain", {"n": n}) for n in range(3)]
    log = (tmp_path / "worker.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "autoops", "worker", "drain_workers", "--metrics-port", str(port),
        "--address", zeebe.server.addresses.grpc, "--concurrency", "8",
        cwd=tmp_path, env={**os.environ, "MARK_DIR": str(marks)}, stdout=log, stderr=log,
    )
    try:
        await eventually(lambda: len(list(marks.glob("started-*"))) == 3, within=30, what="three running jobs")
        proc.send_signal(signal.SIGTERM)
        async with httpx.AsyncClient() as http:

            async def draining() -> bool:
                try:
                    body = (await http.get(f"http://127.0.0.1:{port}/readyz")).json()
                except httpx.HTTPError:
                    return False
                return any(r.startswith("draining") for r in body["reasons"])

            for _ in range(500):
                if proc.returncode is not None or await draining():
                    break
                await asyncio.sleep(0.02)
        late = await zeebe.start("drain", {"n": 99})  # after the stop: must not be taken
        code = await asyncio.wait_for(proc.wait(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        log.close()

    output = (tmp_path / "worker.log").read_text()
    assert code == 0, output
    assert sorted(p.name for p in marks.iterdir()) == [
        "finished-0", "finished-1", "finished-2", "started-0", "started-1", "started-2"]
    for key in keys:
        await zeebe.completed(key)
    (late_job,) = zeebe.search("jobs", processInstanceKey=late)
    assert (late_job["state"], late_job["worker"]) == ("ACTIVATABLE", "")  # never activated
    assert zeebe.instance_state(late) == "ACTIVE"
    assert any("signal received" in line and "SIGTERM" in line for line in output.splitlines())
    assert "worker stopped" in output


async def test_jobs_still_running_after_the_drain_timeout_are_abandoned_not_failed(zeebe: Zeebe) -> None:
    await zeebe.deploy("stuck", "stuck.step")
    worker = Worker(WorkerConfig(drain_timeout=timedelta(milliseconds=200)))
    started = asyncio.Event()
    cancelled: list[bool] = []

    @worker.task("stuck.step", timeout=60)
    async def step() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async with worker.running(settings_for(zeebe.server)):
        key = await zeebe.start("stuck")
        await asyncio.wait_for(started.wait(), 15)

    assert cancelled == [True]
    (job,) = zeebe.search("jobs", processInstanceKey=key)
    assert job["state"] == "ACTIVATED" and job["retries"] == 3  # no FailJob: redelivered after its lease
    assert [r["intent"] for r in zeebe.job_records(key)] == ["CREATED"]


async def test_a_request_the_gateway_refuses_stops_the_worker_loudly(zeebe: Zeebe) -> None:
    worker = Worker(WorkerConfig(tenant_ids=("no-such-tenant",)))

    @worker.task("tenant.step")
    async def step() -> None: ...

    with pytest.raises(WorkerError) as caught:
        await asyncio.wait_for(worker.run(settings_for(zeebe.server)), 15)
    assert str(caught.value).startswith("the worker stopped: ActivateJobsRequestInvalidError: INVALID_ARGUMENT: ")
    assert worker.health.liveness()["status"] == "failed"


async def test_concurrency_caps_running_jobs_per_task_type_and_frees_slots_at_once(zeebe: Zeebe) -> None:
    await zeebe.deploy("cap-a", "cap.a")
    await zeebe.deploy("cap-b", "cap.b")
    worker = Worker(WorkerConfig(concurrency=2))
    running: dict[str, set[int]] = {"a": set(), "b": set()}
    peak = {"a": 0, "b": 0}
    release = asyncio.Event()

    async def hold(kind: str, n: int) -> None:
        running[kind].add(n)
        peak[kind] = max(peak[kind], len(running[kind]))
        await asyncio.wait_for(release.wait(), 15)
        running[kind].discard(n)

    @worker.task("cap.a")
    async def a(n: int) -> None:
        await hold("a", n)

    @worker.task("cap.b", max_jobs=1)
    async def b(n: int) -> None:
        await hold("b", n)

    async with worker.running(settings_for(zeebe.server)):
        keys = [await zeebe.start("cap-a" if n % 2 else "cap-b", {"n": n}) for n in range(8)]
        await eventually(lambda: len(running["a"]) == 2 and len(running["b"]) == 1, what="capped jobs running")
        await asyncio.sleep(0.3)  # room for a (wrong) extra activation to show up
        activated = sorted(j["type"] for j in zeebe.search("jobs") if j["state"] == "ACTIVATED")
        release.set()
        for key in keys:  # the rest run as slots free up
            await zeebe.completed(key)

    assert peak == {"a": 2, "b": 1}
    assert activated == ["cap.a", "cap.a", "cap.b"]  # the cap holds for activation, not only execution
