"""The exceptions of :mod:`autoops.client`: one type per thing a caller would react to differently.

gRPC status codes (through pyzeebe) and REST problem+json answers both land here, so code written
against :class:`CamundaClient` handles "not found" or "engine unreachable" once, whichever API served
the call. Every error carries the engine's own text (``detail``) when there is one and a ``hint``
that says what to do about it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

__all__ = [
    "TLS_HINT",
    "UNREACHABLE_HINT",
    "Busy",
    "CamundaError",
    "DiagnosticLike",
    "EngineUnreachable",
    "InvalidModel",
    "NotFound",
    "ParseFailure",
    "Rejected",
    "RequestTimeout",
    "ServerError",
    "Unauthorized",
]

UNREACHABLE_HINT = "is `autoops dev` running, or set ZEEBE_ADDRESS / ZEEBE_REST_ADDRESS?"
TLS_HINT = (
    "the TLS handshake failed: for a private CA set CAMUNDA_CUSTOM_ROOT_CERT_PATH (or --ca-cert); "
    "for a plaintext gateway use --plaintext or a grpc:// / http:// address"
)
_TLS_MARKERS = ("CERTIFICATE", "SSL", "TLS", "HANDSHAKE")


class DiagnosticLike(Protocol):
    """What deploy reports per problem: the fields of :class:`autoops.bpmn.Diagnostic`."""

    @property
    def severity(self) -> Any: ...
    @property
    def source(self) -> str: ...
    @property
    def line(self) -> int | None: ...
    @property
    def element_id(self) -> str | None: ...
    @property
    def message(self) -> str: ...
    def human(self) -> str: ...
    def as_dict(self) -> Mapping[str, Any]: ...


class CamundaError(Exception):
    """Base of every autoops client error.

    ``detail`` is the engine's text (a Zeebe rejection or a problem ``detail``), ``hint`` what the
    user can do, ``code`` the gRPC status name or problem ``title`` when the engine sent one.
    """

    def __init__(
        self, message: str, *, detail: str | None = None, hint: str | None = None, code: str | None = None
    ) -> None:
        self.message = message
        self.detail = detail
        self.hint = hint
        self.code = code
        super().__init__(message)

    def __str__(self) -> str:
        text = self.message
        if self.detail and self.detail not in text:
            text = f"{text}: {self.detail}"
        if self.hint:
            text = f"{text} ({self.hint})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable form for ``--json`` output."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "detail": self.detail,
            "code": self.code,
            "hint": self.hint,
        }


class EngineUnreachable(CamundaError, ConnectionError):
    """No connection to the gateway: nothing listens there, DNS failed, TLS handshake failed.

    Also a builtin :class:`ConnectionError`, so generic network error handling catches it.
    """

    def __init__(
        self,
        address: str,
        *,
        detail: str | None = None,
        hint: str | None = None,
        what: str = "the Camunda gateway",
    ) -> None:
        self.address = address
        if hint is None and detail and any(m in detail.upper() for m in _TLS_MARKERS):
            hint = TLS_HINT
        super().__init__(
            f"cannot reach {what} at {address}",
            detail=detail,
            hint=hint or UNREACHABLE_HINT,
            code="UNAVAILABLE",
        )


class NotFound(CamundaError):
    """The process, instance, task, incident or key does not exist (gRPC NOT_FOUND, HTTP 404)."""


class Rejected(CamundaError):
    """The engine refused the command (INVALID_ARGUMENT, FAILED_PRECONDITION/409, ALREADY_EXISTS)."""


class Unauthorized(CamundaError):
    """Missing or refused credentials (UNAUTHENTICATED/PERMISSION_DENIED, HTTP 401/403, token endpoint)."""


class RequestTimeout(CamundaError, TimeoutError):
    """The engine did not answer in time (DEADLINE_EXCEEDED, HTTP 504, read timeout); also a TimeoutError."""


class Busy(CamundaError):
    """Back-pressure: the engine asks to retry later (RESOURCE_EXHAUSTED, HTTP 429/503)."""


class ServerError(CamundaError):
    """The engine failed internally (INTERNAL, HTTP 500) or answered something this client cannot read."""


class InvalidModel(Rejected):
    """Local validation found errors; nothing was sent to the engine.

    ``diagnostics`` are the :class:`autoops.bpmn.Diagnostic` values (or parse failures turned into
    the same shape) that made the deployment impossible.
    """

    def __init__(self, diagnostics: Sequence[DiagnosticLike]) -> None:
        self.diagnostics = list(diagnostics)
        count = len(self.diagnostics)
        lines = "\n".join(f"  {d.human()}" for d in self.diagnostics)
        super().__init__(
            f"the model is invalid ({count} error{'s' if count != 1 else ''}); nothing was deployed\n{lines}",
            hint="fix the errors listed and deploy again; `autoops deploy --dry-run` checks without deploying",
            code="INVALID_ARGUMENT",
        )

    def __str__(self) -> str:
        return self.message


class ParseFailure:
    """A resource that could not even be read; shaped like a diagnostic for uniform reporting."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.severity = "error"
        self.source = source
        self.line = line
        self.message = message
        self.element_id: str | None = None

    def human(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"

    __str__ = human

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "source": self.source,
            "line": self.line,
            "element_id": self.element_id,
            "message": self.message,
        }
