"""Liveness, readiness and metrics over a small HTTP port.

Kubernetes-style semantics:

* ``/healthz`` (liveness) answers 200 while the worker's loops are alive, 503 once they died of an
  error, so a supervisor restarts the process instead of leaving a silent zombie;
* ``/readyz`` (readiness) answers 200 while the worker is started, not draining, and its last call to
  the gateway succeeded; 503 with the reason otherwise;
* ``/metrics`` is the Prometheus text exposition of the worker's registry.

The server is a few lines of asyncio rather than a web framework: it runs on the worker's own event
loop, needs no thread and answers even while handlers are busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from autoops.logging import get_logger
from autoops.worker._metrics import WorkerMetrics

__all__ = ["HealthState", "OpsServer"]

_log = get_logger("autoops.worker")


class HealthState:
    """What the probes report; updated by the pollers (gateway reachability) and the lifecycle."""

    def __init__(self, metrics: WorkerMetrics) -> None:
        self._metrics = metrics
        self.started = False
        self.draining = False
        self.fatal: str | None = None
        self.gateway_ok = False
        self.gateway_error: str | None = "not connected yet"
        self.changed_at = time.time()
        self._changed: asyncio.Event | None = None

    def reset(self) -> None:
        """Back to "starting" for a new run (on a possibly new event loop)."""
        self.started = self.draining = self.gateway_ok = False
        self.fatal = None
        self.gateway_error = "not connected yet"
        with contextlib.suppress(RuntimeError):  # a waiter left from a closed event loop
            self._publish()

    def _publish(self) -> None:
        """Mirror readiness into the gauge and wake whoever waits for a change."""
        self._metrics.ready = self.ready
        changed, self._changed = self._changed, None
        if changed is not None:
            changed.set()

    async def wait_change(self) -> None:
        """Return at the next change of any state above."""
        if self._changed is None:
            self._changed = asyncio.Event()
        await self._changed.wait()

    def mark_started(self) -> None:
        self.started = True
        self._publish()

    def mark_draining(self) -> None:
        self.draining = True
        self._publish()

    def mark_fatal(self, reason: str) -> None:
        self.fatal = reason
        self._publish()

    def gateway_succeeded(self) -> bool:
        """Record a successful gateway call; True when this ends a period of failures."""
        recovered = not self.gateway_ok
        if recovered:
            self.gateway_ok = True
            self.gateway_error = None
            self.changed_at = time.time()
            self._publish()
        return recovered

    def gateway_failed(self, reason: str) -> None:
        if self.gateway_ok:
            self.changed_at = time.time()
            self.gateway_ok = False
            self.gateway_error = reason
            self._publish()
        self.gateway_error = reason

    @property
    def alive(self) -> bool:
        return self.fatal is None

    @property
    def ready(self) -> bool:
        return self.started and not self.draining and self.fatal is None and self.gateway_ok

    def readiness(self) -> dict[str, Any]:
        reasons = []
        if not self.started:
            reasons.append("starting")
        if self.draining:
            reasons.append("draining: shutting down, no new jobs are activated")
        if self.fatal is not None:
            reasons.append(f"failed: {self.fatal}")
        if not self.gateway_ok:
            reasons.append(f"gateway unreachable: {self.gateway_error}")
        return {"status": "ready" if not reasons else "not ready", "reasons": reasons, "since": self.changed_at}

    def liveness(self) -> dict[str, Any]:
        return {"status": "ok" if self.alive else "failed", "error": self.fatal}


class OpsServer:
    """The probe and metrics endpoint (HTTP/1.1, one request per connection)."""

    def __init__(self, health: HealthState, metrics: WorkerMetrics, host: str, port: int) -> None:
        self._health = health
        self._metrics = metrics
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The bound port (useful with port 0, which picks a free one)."""
        if self._server is None or not self._server.sockets:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, self._host, self._port, reuse_address=True)
        _log.info("worker probes and metrics listening", host=self._host, port=self.port)
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    def _route(self, path: str) -> tuple[int, str, bytes]:
        path = path.split("?", 1)[0]
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, generate_latest(self._metrics.registry)
        if path in ("/healthz", "/livez"):
            body = self._health.liveness()
            return (200 if self._health.alive else 503), "application/json", json.dumps(body).encode()
        if path == "/readyz":
            body = self._health.readiness()
            return (200 if self._health.ready else 503), "application/json", json.dumps(body).encode()
        return 404, "application/json", json.dumps({"error": f"no such endpoint {path}"}).encode()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5.0)
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = request_line.split()
            if len(parts) != 3 or parts[0] not in ("GET", "HEAD"):
                status, ctype, body = 405, "text/plain", b"only GET and HEAD\n"
            else:
                status, ctype, body = self._route(parts[1])
            reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}
            header = (
                f"HTTP/1.1 {status} {reason.get(status, '')}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            ).encode("latin-1")
            writer.write(header if parts and parts[0] == "HEAD" else header + body)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
