"""Translation between protobuf requests/responses and the engine's Python values.

Zeebe's gRPC API carries JSON documents as text in string fields. Requests may leave them empty
(meaning "no variables"); responses must always hold valid JSON text (``"{}"`` at least), because
pyzeebe calls ``json.loads`` on them unconditionally.
"""

from __future__ import annotations

import json
from typing import Any

from pyzeebe.proto import gateway_pb2 as pb

from autoops.engine import ActivatedJob
from autoops.engine.context import dumps as _compact

__all__ = ["INVALID_JSON", "InvalidJsonError", "activated_job", "dumps", "parse_document"]

INVALID_JSON = "Expected to handle request, but JSON property was invalid"


class InvalidJsonError(ValueError):
    """A JSON text field of a request did not parse; gateways answer INVALID_ARGUMENT / 400."""

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        self.detail = detail
        super().__init__(INVALID_JSON)


def parse_document(text: str, field: str = "variables") -> Any:
    """Parse a JSON text field; empty or whitespace means "no document" (``None``).

    Shape checks (root must be an object) are the engine's, so its rejection text is used.
    """
    if not text or not text.strip():
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidJsonError(field, str(exc)) from None


def dumps(value: Any) -> str:
    """JSON text for a response field, never empty."""
    if value is None:
        return "{}"
    return _compact(value)


def activated_job(job: ActivatedJob) -> pb.ActivatedJob:
    return pb.ActivatedJob(
        key=job.key,
        type=job.type,
        processInstanceKey=job.process_instance_key,
        bpmnProcessId=job.bpmn_process_id,
        processDefinitionVersion=job.process_definition_version,
        processDefinitionKey=job.process_definition_key,
        elementId=job.element_id,
        elementInstanceKey=job.element_instance_key,
        customHeaders=dumps(job.custom_headers or {}),
        worker=job.worker,
        retries=job.retries,
        deadline=job.deadline,
        variables=dumps(job.variables or {}),
        tenantId=job.tenant_id,
    )
