"""The grpc.aio server around the gateway servicer: bind, keep-alive policy, health service.

Keep-alive: pyzeebe pings every 45 s and Zeebe tolerates pings every 30 s; a server that allows
fewer pings would answer GOAWAY ``too_many_pings`` and workers would see UNAVAILABLE, which
pyzeebe counts towards giving up for good. So pings are allowed every 10 s, with or without
calls in flight.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from pyzeebe.proto.gateway_pb2_grpc import add_GatewayServicer_to_server

from autoops.engine import Engine
from autoops.engine.grpc_gateway._servicer import DEFAULT_LONG_POLL_MS, ZeebeGateway
from autoops.logging import get_logger

__all__ = ["GATEWAY_SERVICE", "MAX_MESSAGE_BYTES", "SERVER_OPTIONS", "GrpcGateway"]

GATEWAY_SERVICE = "gateway_protocol.Gateway"
MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # Zeebe's default maxMessageSize
SERVER_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.http2.min_time_between_pings_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_ping_strikes", 0),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.so_reuseport", 0),
    # grpc core cancels calls the application has not picked up once too many queue up (default 1000);
    # a busy worker completing hundreds of jobs at once must get back-pressure, not CANCELLED, which
    # pyzeebe counts towards closing its channel for good
    ("grpc.server.max_pending_requests", 100_000),
    ("grpc.server.max_pending_requests_hard_limit", 200_000),
]
_log = get_logger(__name__)


class _Undecodable:
    """Stands in for a request whose bytes are not a valid protobuf message of the RPC's type."""

    def __init__(self, error: str) -> None:
        self.error = error


def _lenient(deserializer: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def parse(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception as exc:
            return _Undecodable(str(exc))

    return parse


def _reject_undecodable(handler: Any) -> Any:
    """grpc answers UNKNOWN with a Python traceback text for undecodable requests; say INVALID_ARGUMENT."""
    message = "Expected to handle gRPC request, but the request message could not be decoded"
    if handler.unary_unary is not None:
        unary = handler.unary_unary

        async def unary_guard(request: Any, context: Any) -> Any:
            if isinstance(request, _Undecodable):
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"{message}: {request.error}")
            return await unary(request, context)

        return handler._replace(request_deserializer=_lenient(handler.request_deserializer), unary_unary=unary_guard)
    if handler.unary_stream is not None:
        stream = handler.unary_stream

        async def stream_guard(request: Any, context: Any) -> AsyncIterator[Any]:
            if isinstance(request, _Undecodable):
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"{message}: {request.error}")
            # aclosing: when the client goes away, the servicer's generator is closed now (its
            # cleanup yields undelivered jobs back), not whenever it is garbage collected.
            async with contextlib.aclosing(stream(request, context)) as items:
                async for item in items:
                    yield item

        return handler._replace(request_deserializer=_lenient(handler.request_deserializer), unary_stream=stream_guard)
    return handler


class _Registrar:
    """Receives the generated registration and installs the handlers with undecodable-request guards."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self._generic: list[Any] = []
        self.registered = False

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        self._generic.extend(handlers)

    def add_registered_method_handlers(self, service: str, handlers: dict[str, Any]) -> None:
        guarded = {name: _reject_undecodable(h) for name, h in handlers.items()}
        self._server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, guarded),))
        self._server.add_registered_method_handlers(service, guarded)
        self.registered = True

    def finish(self) -> None:
        if not self.registered:  # older generated code: register as generated, unguarded
            self._server.add_generic_rpc_handlers(tuple(self._generic))


class GrpcGateway:
    """Serves the Zeebe gateway API for one engine on ``host:port`` (port 0 picks a free port)."""

    def __init__(self, engine: Engine, host: str = "127.0.0.1", port: int = 26500, *,
                 long_poll_ms: int = DEFAULT_LONG_POLL_MS) -> None:
        self._engine = engine
        self._host = host
        self._requested_port = port
        self.port = port
        self.servicer = ZeebeGateway(engine, host=host, port=port, long_poll_ms=long_poll_ms)
        self._server: Any = None
        self._health: Any = None

    @property
    def address(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{host}:{self.port}"

    async def start(self) -> None:
        server = grpc.aio.server(options=SERVER_OPTIONS)
        registrar = _Registrar(server)
        add_GatewayServicer_to_server(self.servicer, registrar)
        registrar.finish()
        self._health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        target = f"[{self._host}]:{self._requested_port}" if ":" in self._host else f"{self._host}:{self._requested_port}"
        try:
            bound = server.add_insecure_port(target)
        except RuntimeError:  # grpc raises instead of returning 0 in recent versions
            bound = 0
        if bound == 0:
            raise OSError(f"cannot bind the gRPC gateway to {target}: the port is in use or the host is not local; "
                          "choose another --grpc-port or --host")
        self.port = bound
        self.servicer.set_port(bound)
        await server.start()
        await self._health.set(GATEWAY_SERVICE, health_pb2.HealthCheckResponse.SERVING)
        await self._health.set("", health_pb2.HealthCheckResponse.SERVING)
        self._server = server
        _log.info("gRPC gateway listening", address=self.address)

    async def stop(self, grace_s: float = 1.0) -> None:
        if self._server is None:
            return
        if self._health is not None:
            await self._health.enter_graceful_shutdown()
        await self._server.stop(grace_s)
        self._server = None
        _log.info("gRPC gateway stopped", address=self.address)
