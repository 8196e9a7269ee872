"""Exceptions of the worker library: the ones handlers raise, and the ones the library raises.

Handlers raise :class:`BpmnError` for business outcomes the process model routes (an error boundary
event) and :class:`PermanentError` for failures that retrying cannot fix. Everything else a handler
raises is treated as transient and retried under the task's :class:`~autoops.worker.RetryPolicy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "BpmnError",
    "HandlerSignatureError",
    "PermanentError",
    "WorkerConfigError",
    "WorkerError",
    "WorkerLoadError",
]


class BpmnError(Exception):
    """A business error for the process to handle: sent as ThrowError with ``code``.

    An error boundary event (or error event subprocess) whose error code matches catches it; the
    ``variables`` become local variables of the catching event. Uncaught, Zeebe raises an
    ``UNHANDLED_ERROR_EVENT`` incident, so the code must match one modelled in the BPMN.
    """

    def __init__(self, code: str, message: str = "", variables: Mapping[str, Any] | None = None) -> None:
        if not code:
            raise ValueError("BpmnError needs a non-empty error code matching an error event in the model")
        super().__init__(message or f"BPMN error {code!r}")
        self.code = code
        self.message = message
        self.variables: dict[str, Any] = dict(variables or {})


class PermanentError(Exception):
    """A technical failure that no retry will fix: the job fails with no retries left (an incident now).

    Use it where Temporal users write ``ApplicationError(non_retryable=True)``: bad configuration, a
    record that does not exist, a request the remote side rejects for good.
    """


class WorkerError(Exception):
    """The worker cannot run (for example the gateway rejected its activation request as invalid)."""


class WorkerConfigError(WorkerError, ValueError):
    """A worker or task setting is out of range; the message names the setting and the allowed range."""


class HandlerSignatureError(WorkerError, TypeError):
    """A handler's parameters or return annotation cannot be mapped onto job variables."""


class WorkerLoadError(WorkerError):
    """``autoops worker MODULE[:ATTR]`` could not find a worker or routers in the given module."""
