"""Failures inside processing that become incidents, and engine-level errors for callers."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["EngineClosedError", "ErrorType", "ProcessingFailure", "ResultTimeoutError"]


class ErrorType(StrEnum):
    """Incident ``errorType`` values (spec §5.5)."""

    UNKNOWN = "UNKNOWN"
    IO_MAPPING_ERROR = "IO_MAPPING_ERROR"
    CONDITION_ERROR = "CONDITION_ERROR"
    EXTRACT_VALUE_ERROR = "EXTRACT_VALUE_ERROR"
    JOB_NO_RETRIES = "JOB_NO_RETRIES"
    CALLED_ELEMENT_ERROR = "CALLED_ELEMENT_ERROR"
    UNHANDLED_ERROR_EVENT = "UNHANDLED_ERROR_EVENT"
    CALLED_DECISION_ERROR = "CALLED_DECISION_ERROR"
    DECISION_EVALUATION_ERROR = "DECISION_EVALUATION_ERROR"
    FORM_NOT_FOUND = "FORM_NOT_FOUND"
    RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"
    MESSAGE_SIZE_EXCEEDED = "MESSAGE_SIZE_EXCEEDED"


class ProcessingFailure(Exception):
    """A step of an element failed in a way Zeebe reports as an incident, not a rejection."""

    def __init__(self, error_type: ErrorType, message: str) -> None:
        self.error_type = error_type
        self.message = message
        super().__init__(f"{error_type}: {message}")


class EngineClosedError(RuntimeError):
    """The engine was closed (or never opened) while a command was submitted or pending."""


class ResultTimeoutError(TimeoutError):
    """``create_instance(await_result=True)`` did not see the instance complete in time."""

    def __init__(self, process_instance_key: int, timeout_ms: int) -> None:
        self.process_instance_key = process_instance_key
        self.timeout_ms = timeout_ms
        super().__init__(
            f"Process instance {process_instance_key} did not complete within {timeout_ms} ms; "
            "it keeps running, query it or raise the request timeout"
        )
