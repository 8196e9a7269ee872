"""Probe and metrics endpoint over a real socket."""

import asyncio
import json

from autoops.worker._health import HealthState, OpsServer
from autoops.worker._metrics import WorkerMetrics


async def _get(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return status, headers, body


async def test_probes_follow_the_worker_state_and_metrics_are_exposed() -> None:
    metrics = WorkerMetrics()
    health = HealthState(metrics)
    server = OpsServer(health, metrics, "127.0.0.1", 0)
    port = await server.start()
    try:
        status, _, body = await _get(port, "/readyz")
        assert status == 503
        assert json.loads(body)["reasons"][0] == "starting"
        assert (await _get(port, "/healthz"))[0] == 200

        health.mark_started()
        health.gateway_failed("UNAVAILABLE: connection refused")
        status, _, body = await _get(port, "/readyz")
        assert status == 503
        assert json.loads(body)["reasons"] == ["gateway unreachable: UNAVAILABLE: connection refused"]

        assert health.gateway_succeeded() is True
        assert health.gateway_succeeded() is False
        assert (await _get(port, "/readyz"))[0] == 200

        task = metrics.for_task("order.check")
        task.activated += 1
        task.completed += 1
        task.failed("retryable")
        task.bpmn_error("OUT_OF_STOCK")
        task.observe(0.03)
        task.observe(7.0)
        status, headers, body = await _get(port, "/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        text = body.decode()
        assert 'autoops_worker_jobs_activated_total{task_type="order.check"} 1.0' in text
        assert 'autoops_worker_jobs_failed_total{reason="retryable",task_type="order.check"} 1.0' in text
        assert 'autoops_worker_jobs_bpmn_errors_total{error_code="OUT_OF_STOCK",task_type="order.check"} 1.0' in text
        assert 'autoops_worker_job_duration_seconds_bucket{le="0.025",task_type="order.check"} 0.0' in text
        assert 'autoops_worker_job_duration_seconds_bucket{le="0.05",task_type="order.check"} 1.0' in text
        assert 'autoops_worker_job_duration_seconds_bucket{le="10.0",task_type="order.check"} 2.0' in text
        assert 'autoops_worker_job_duration_seconds_bucket{le="+Inf",task_type="order.check"} 2.0' in text
        assert 'autoops_worker_job_duration_seconds_count{task_type="order.check"} 2.0' in text
        assert 'autoops_worker_job_duration_seconds_sum{task_type="order.check"} 7.03' in text
        assert "autoops_worker_ready 1.0" in text

        health.mark_draining()
        status, _, body = await _get(port, "/readyz")
        assert status == 503 and "draining" in json.loads(body)["reasons"][0]
        health.mark_fatal("ActivateJobs rejected")
        assert (await _get(port, "/healthz"))[0] == 503

        assert (await _get(port, "/nope"))[0] == 404
        assert (await _get(port, "/metrics", method="POST"))[0] == 405
        status, _, body = await _get(port, "/healthz", method="HEAD")
        assert status == 503 and body == b""
    finally:
        await server.stop()


def test_each_worker_has_its_own_registry() -> None:
    first, second = WorkerMetrics(), WorkerMetrics()
    first.for_task("a").completed += 1
    assert first.registry.get_sample_value("autoops_worker_jobs_completed_total", {"task_type": "a"}) == 1.0
    assert second.registry.get_sample_value("autoops_worker_jobs_completed_total", {"task_type": "a"}) is None
