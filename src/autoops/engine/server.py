"""One asyncio process serving the engine over both of Camunda's protocols (gRPC :26500, REST :8080).

:class:`EngineServer` is what ``autoops dev`` runs and what the ``autoops.testing`` fixtures start
in-process: it opens the engine on a SQLite file (or in memory), binds the gRPC gateway and the
REST API, and tears all three down in the reverse order. Port 0 picks a free port; the bound
ports are in :attr:`EngineServer.addresses` once :meth:`EngineServer.start` returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from autoops.engine import ControlledClock, Engine
from autoops.engine.grpc_gateway import DEFAULT_LONG_POLL_MS, GrpcGateway
from autoops.engine.rest_api import RestContext, create_app
from autoops.engine.store import Synchronous
from autoops.logging import get_logger

__all__ = ["DATABASE_FILE", "EngineServer", "ServerAddresses"]

DATABASE_FILE = "engine.db"
_log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ServerAddresses:
    """Where a running server listens, in the forms clients are configured with."""

    host: str
    grpc_port: int
    rest_port: int

    @property
    def grpc(self) -> str:
        """``host:port`` for pyzeebe's ``create_insecure_channel`` / ``ZEEBE_ADDRESS``."""
        return f"{_bracket(self.host)}:{self.grpc_port}"

    @property
    def rest(self) -> str:
        """Base URL of the REST API including ``/v2``."""
        return f"http://{_bracket(self.host)}:{self.rest_port}/v2"

    @property
    def rest_root(self) -> str:
        """Base URL without ``/v2`` (what ``ZEEBE_REST_ADDRESS`` takes for clients that append it)."""
        return f"http://{_bracket(self.host)}:{self.rest_port}"


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class _Uvicorn(uvicorn.Server):
    """uvicorn without its own signal handling: the embedding program decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class EngineServer:
    """Engine + gRPC gateway + REST API in the current event loop.

    ``database=None`` keeps state in memory. ``clock`` defaults to a :class:`ControlledClock`
    that follows wall-clock time until ``PUT /v2/clock`` (or a test) pins it.
    """

    def __init__(
        self,
        database: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        grpc_port: int = 26500,
        rest_port: int = 8080,
        clock: ControlledClock | None = None,
        synchronous: Synchronous = "FULL",
        long_poll_ms: int = DEFAULT_LONG_POLL_MS,
    ) -> None:
        self.database = Path(database) if database is not None else None
        self.host = host
        self.clock = clock if clock is not None else ControlledClock()
        self._grpc_port = grpc_port
        self._rest_port = rest_port
        self._synchronous: Synchronous = synchronous
        self._long_poll_ms = long_poll_ms
        self._engine: Engine | None = None
        self._grpc: GrpcGateway | None = None
        self._rest: _Uvicorn | None = None
        self._rest_task: asyncio.Task[None] | None = None
        self._rest_socket: socket.socket | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the server is not started; call 'await server.start()' first")
        return self._engine

    @property
    def grpc(self) -> GrpcGateway:
        if self._grpc is None:
            raise RuntimeError("the server is not started; call 'await server.start()' first")
        return self._grpc

    @property
    def addresses(self) -> ServerAddresses:
        if self._grpc is None or self._rest_socket is None:
            raise RuntimeError("the server is not started; call 'await server.start()' first")
        return ServerAddresses(self.host, self._grpc.port, int(self._rest_socket.getsockname()[1]))

    async def start(self) -> ServerAddresses:
        if self.database is not None:
            self.database.parent.mkdir(parents=True, exist_ok=True)
        self._engine = await Engine.open(self.database, clock=self.clock, synchronous=self._synchronous)
        try:
            self._grpc = GrpcGateway(self._engine, self.host, self._grpc_port, long_poll_ms=self._long_poll_ms)
            await self._grpc.start()
            await self._start_rest()
        except BaseException:
            await self.stop()
            raise
        addresses = self.addresses
        _log.info("autoops engine ready", grpc=addresses.grpc, rest=addresses.rest,
                  database=str(self.database) if self.database else ":memory:")
        return addresses

    async def _start_rest(self) -> None:
        assert self._engine is not None and self._grpc is not None
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._rest_port))
        except OSError as exc:
            sock.close()
            raise OSError(f"cannot bind the REST API to {self.host}:{self._rest_port}: {exc.strerror}; "
                          "choose another --rest-port or --host") from exc
        sock.listen(2048)
        sock.setblocking(False)
        self._rest_socket = sock
        ctx = RestContext(engine=self._engine, clock=self.clock, host=self.host, grpc_port=self._grpc.port,
                          rest_port=int(sock.getsockname()[1]))
        config = uvicorn.Config(create_app(ctx), log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=2, server_header=False)
        self._rest = _Uvicorn(config)
        self._rest_task = asyncio.get_running_loop().create_task(self._rest.serve(sockets=[sock]),
                                                                  name="autoops-rest")
        while not self._rest.started:
            if self._rest_task.done():
                self._rest_task.result()
                raise RuntimeError("the REST API stopped during start-up")
            await asyncio.sleep(0.01)
        _log.info("REST API listening", address=f"http://{_bracket(self.host)}:{sock.getsockname()[1]}/v2")

    async def stop(self) -> None:
        """Stop accepting requests, finish the ones in flight briefly, close the engine."""
        if self._rest is not None and self._rest_task is not None:
            self._rest.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._rest_task, 5)
            self._rest = None
            self._rest_task = None
        if self._rest_socket is not None:
            self._rest_socket.close()
            self._rest_socket = None
        if self._grpc is not None:
            await self._grpc.stop()
            self._grpc = None
        if self._engine is not None:
            await self._engine.close()
            self._engine = None

    async def __aenter__(self) -> EngineServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()
