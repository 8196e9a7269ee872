"""The two connections of a client (gRPC channel, httpx client) and the mapping of their failures.

The gRPC channel is built with ``grpc.aio`` directly rather than pyzeebe's channel helpers because it
needs interceptors (shared credentials and a default deadline) that those helpers cannot take; it
keeps pyzeebe's keep-alive option so it behaves like a pyzeebe channel towards the gateway, and is
handed to pyzeebe's :class:`~pyzeebe.ZeebeClient` like any other channel.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

from autoops.client.auth import CredentialsProvider, grpc_interceptors, httpx_auth
from autoops.client.errors import (
    Busy,
    CamundaError,
    EngineUnreachable,
    NotFound,
    Rejected,
    RequestTimeout,
    ServerError,
    Unauthorized,
)
from autoops.config import ConfigError

if TYPE_CHECKING:
    import grpc
    import httpx

    from autoops.config import Settings

__all__ = ["http_client", "map_grpc_error", "map_http_error", "open_channel", "ssl_context"]

# pyzeebe's default (PYZ pyzeebe/channel/channel_options.py): ping every 45 s like the Java/Go clients.
_CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (("grpc.keepalive_time_ms", 45_000),)

# Job activation is long-polled and streamed: the worker side sets its own deadlines.
_LONG_CALLS = ("/ActivateJobs", "/StreamActivatedJobs")
_WITH_RESULT = "/CreateProcessInstanceWithResult"
# The gateway's default wait for CreateProcessInstanceWithResult when requestTimeout is 0 is not
# documented firmly (15 s is the usual figure); allow a generous bound on top of it.
_WITH_RESULT_DEFAULT_WAIT = 60.0


def _read(path: object) -> bytes:
    from pathlib import Path

    try:
        return Path(str(path)).read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the TLS file {path}: {exc.strerror or exc}; check CAMUNDA_CUSTOM_ROOT_CERT_PATH / "
            "ZEEBE_CA_CERTIFICATE_PATH (--ca-cert) and the client certificate and key paths"
        ) from None


def ssl_context(settings: Settings) -> ssl.SSLContext | bool:
    """TLS verification for httpx: the system store unless a CA or client certificate is configured."""
    if not (settings.ca_certificate_path or settings.client_certificate_path):
        return True
    try:
        context = ssl.create_default_context(
            cafile=str(settings.ca_certificate_path) if settings.ca_certificate_path else None
        )
        if settings.client_certificate_path:
            context.load_cert_chain(
                str(settings.client_certificate_path),
                str(settings.client_key_path) if settings.client_key_path else None,
            )
    except (OSError, ssl.SSLError) as exc:
        files = ", ".join(
            str(p)
            for p in (
                settings.ca_certificate_path,
                settings.client_certificate_path,
                settings.client_key_path,
            )
            if p
        )
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(
            f"cannot load the TLS files {files}: {reason}; check CAMUNDA_CUSTOM_ROOT_CERT_PATH / "
            "ZEEBE_CA_CERTIFICATE_PATH (--ca-cert) and the client certificate and key paths"
        ) from None
    return context


def _default_deadline(timeout: float) -> Any:
    import grpc

    class _Deadline(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
        async def intercept_unary_unary(
            self, continuation: Any, client_call_details: Any, request: Any
        ) -> Any:
            details = client_call_details
            method = details.method.decode() if isinstance(details.method, bytes) else str(details.method)
            if details.timeout is None and not method.endswith(_LONG_CALLS):
                deadline = timeout
                if method.endswith(_WITH_RESULT):
                    # The server answers when the instance completes or its requestTimeout passes;
                    # the client waits that long plus the usual answer time.
                    wait_ms = getattr(request, "requestTimeout", 0) or 0
                    deadline += wait_ms / 1000 if wait_ms > 0 else _WITH_RESULT_DEFAULT_WAIT
                details = grpc.aio.ClientCallDetails(
                    details.method, deadline, details.metadata, details.credentials, details.wait_for_ready
                )
            return await continuation(details, request)

    return _Deadline()


def open_channel(settings: Settings, credentials: CredentialsProvider) -> grpc.aio.Channel:
    """A grpc.aio channel to ``settings.grpc_address``: plaintext or TLS, with the shared credentials."""
    import grpc

    # Deadline first so that the auth interceptor's retry happens inside the same deadline budget.
    interceptors = [_default_deadline(settings.request_timeout), *grpc_interceptors(credentials)]
    target = str(settings.grpc_address)
    if not settings.secure:
        return grpc.aio.insecure_channel(target, options=_CHANNEL_OPTIONS, interceptors=interceptors)
    channel_credentials = grpc.ssl_channel_credentials(
        root_certificates=_read(settings.ca_certificate_path) if settings.ca_certificate_path else None,
        private_key=_read(settings.client_key_path) if settings.client_key_path else None,
        certificate_chain=_read(settings.client_certificate_path)
        if settings.client_certificate_path
        else None,
    )
    return grpc.aio.secure_channel(
        target, channel_credentials, options=_CHANNEL_OPTIONS, interceptors=interceptors
    )


def http_client(settings: Settings, credentials: CredentialsProvider) -> httpx.AsyncClient:
    import httpx

    return httpx.AsyncClient(
        base_url=str(settings.rest_address),
        timeout=httpx.Timeout(settings.request_timeout, connect=settings.connect_timeout),
        auth=httpx_auth(credentials),
        verify=ssl_context(settings),
        headers={"accept": "application/json, application/problem+json"},
        follow_redirects=False,
    )


# ------------------------------------------------------------------------------------ error mapping


def _grpc_cause(exc: BaseException) -> Any:
    """The AioRpcError behind a pyzeebe exception (pyzeebe raises ``... from grpc_error``)."""
    import grpc

    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            break
        if isinstance(seen, grpc.aio.AioRpcError):
            return seen
        wrapped = getattr(seen, "grpc_error", None)  # pyzeebe's ZeebeError keeps it as an attribute
        if isinstance(wrapped, grpc.aio.AioRpcError):
            return wrapped
        seen = seen.__cause__ or seen.__context__
    return None


def map_grpc_error(exc: BaseException, *, address: str, action: str) -> CamundaError:
    """Turn a grpc/pyzeebe failure into the autoops error a caller would handle."""
    import grpc

    if isinstance(exc, CamundaError):
        return exc
    rpc = _grpc_cause(exc)
    if rpc is None:
        return ServerError(f"{action} failed", detail=f"{type(exc).__name__}: {exc}")
    code = rpc.code()
    detail = rpc.details() or None
    name = code.name if code is not None else "UNKNOWN"
    if code == grpc.StatusCode.UNAVAILABLE:
        if detail and ("Command" in detail or "Expected to" in detail):
            # A gateway that is up but has no partition leader answers UNAVAILABLE with a text.
            return Busy(
                f"{action}: the cluster is not ready",
                detail=detail,
                code=name,
                hint="the gateway is up but its brokers are not; retry in a moment",
            )
        return EngineUnreachable(address, detail=detail)
    if code == grpc.StatusCode.NOT_FOUND:
        return NotFound(f"{action}: not found", detail=detail, code=name)
    if code in (
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.OUT_OF_RANGE,
    ):
        return Rejected(f"{action} was rejected", detail=detail, code=name)
    if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
        return Unauthorized(
            f"{action}: not authorized",
            detail=detail,
            code=name,
            hint="check the client credentials (CAMUNDA_CLIENT_ID/SECRET) and their permissions",
        )
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return RequestTimeout(f"{action} timed out", detail=detail, code=name)
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return Busy(
            f"{action}: the engine is under back-pressure", detail=detail, code=name, hint="retry later"
        )
    if code == grpc.StatusCode.UNIMPLEMENTED:
        return ServerError(f"{action}: the gateway does not implement this call", detail=detail, code=name)
    return ServerError(f"{action} failed", detail=detail, code=name)


def map_http_error(response: httpx.Response, *, action: str) -> CamundaError:
    """Turn a non-2xx REST answer (RFC 7807 problem detail when well-behaved) into an autoops error."""
    status = response.status_code
    title: str | None = None
    detail: str | None = None
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        title = body.get("title") if isinstance(body.get("title"), str) else None
        detail = body.get("detail") if isinstance(body.get("detail"), str) else None
    if detail is None and body is None and response.text:
        detail = response.text.strip()[:300] or None
    code = title or str(status)
    if status == 404:
        return NotFound(f"{action}: not found", detail=detail, code=code)
    if status in (400, 409, 422):
        return Rejected(f"{action} was rejected", detail=detail, code=code)
    if status in (401, 403):
        return Unauthorized(
            f"{action}: not authorized (HTTP {status})",
            detail=detail,
            code=code,
            hint="check the client credentials (CAMUNDA_CLIENT_ID/SECRET) and their permissions",
        )
    if status == 504:
        return RequestTimeout(f"{action} timed out", detail=detail, code=code)
    if status in (429, 503):
        return Busy(
            f"{action}: the engine is busy (HTTP {status})", detail=detail, code=code, hint="retry later"
        )
    return ServerError(f"{action} failed (HTTP {status})", detail=detail, code=code)


def map_transport_error(exc: Exception, *, address: str, action: str) -> CamundaError:
    """httpx transport failures: connection problems are 'unreachable', read timeouts are timeouts."""
    import httpx

    if isinstance(exc, CamundaError):
        return exc
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError | httpx.RemoteProtocolError):
        return EngineUnreachable(
            address, detail=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        )
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeout(f"{action} timed out", detail=type(exc).__name__)
    return ServerError(f"{action} failed", detail=f"{type(exc).__name__}: {exc}")
