"""Command rejections: what Zeebe answers when a command's preconditions fail.

A rejection carries the command's intent, the rejection type and the reason text so that a gateway
can render ``Command 'X' rejected with code 'Y': reason`` and choose the gRPC or HTTP status
without knowing anything else about the command. A rejected command writes nothing to state.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Rejection", "RejectionType"]


class RejectionType(StrEnum):
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    INVALID_STATE = "INVALID_STATE"
    PROCESSING_ERROR = "PROCESSING_ERROR"
    EXCEEDED_BATCH_RECORD_SIZE = "EXCEEDED_BATCH_RECORD_SIZE"
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"


class Rejection(Exception):
    """A command was refused; ``str()`` is Zeebe's client-facing message."""

    def __init__(self, value_type: str, intent: str, rejection_type: RejectionType, reason: str) -> None:
        self.value_type = value_type
        self.intent = intent
        self.rejection_type = rejection_type
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"Command '{self.intent}' rejected with code '{self.rejection_type}': {self.reason}"

    def __reduce__(self) -> tuple[type[Rejection], tuple[str, str, RejectionType, str]]:
        return (type(self), (self.value_type, self.intent, self.rejection_type, self.reason))

    @property
    def grpc_status(self) -> str:
        """The gRPC status code name a gateway answers with (spec §2.6)."""
        return _GRPC.get(self.rejection_type, "INTERNAL")

    @property
    def http_status(self) -> int:
        """The HTTP status a REST layer answers with (spec §5.8)."""
        return _HTTP.get(self.rejection_type, 500)


_GRPC = {
    RejectionType.INVALID_ARGUMENT: "INVALID_ARGUMENT",
    RejectionType.NOT_FOUND: "NOT_FOUND",
    RejectionType.ALREADY_EXISTS: "ALREADY_EXISTS",
    RejectionType.INVALID_STATE: "FAILED_PRECONDITION",
    RejectionType.UNAUTHORIZED: "UNAUTHENTICATED",
    RejectionType.FORBIDDEN: "PERMISSION_DENIED",
}
_HTTP = {
    RejectionType.INVALID_ARGUMENT: 400,
    RejectionType.NOT_FOUND: 404,
    RejectionType.ALREADY_EXISTS: 400,
    RejectionType.INVALID_STATE: 409,
    RejectionType.UNAUTHORIZED: 401,
    RejectionType.FORBIDDEN: 403,
}
