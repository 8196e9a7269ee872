"""Shape engine query rows into REST v2 results: string keys, and every field clients require.

The official SDKs validate responses strictly: a missing field raises even when its value would be
null. Fields the embedded engine does not track (business ids, tags, suspension, priorities) are
therefore sent with their neutral value instead of being left out.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

from autoops.engine import ActivatedJob, SearchResult

__all__ = [
    "JOB_STATES",
    "activated_job",
    "decode_cursor",
    "definition",
    "element_instance",
    "encode_cursor",
    "incident",
    "job",
    "keys_as_strings",
    "page",
    "process_instance",
    "user_task",
    "variable",
]

# engine job state -> REST JobStateEnum
JOB_STATES = {"ACTIVATABLE": "CREATED", "ACTIVATED": "CREATED", "FAILED": "FAILED", "ERROR_THROWN": "ERROR_THROWN",
              "COMPLETED": "COMPLETED", "CANCELED": "CANCELED"}


def _key(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def keys_as_strings(item: Mapping[str, Any]) -> dict[str, Any]:
    """Every ``...Key`` field as a decimal string (REST keys are strings; null stays null)."""
    return {k: (_key(v) if k.endswith("Key") else v) for k, v in item.items()}


def encode_cursor(cursor: str | None) -> str | None:
    """REST cursors are opaque base64 text (clients validate the pattern)."""
    return None if cursor is None else base64.b64encode(cursor.encode()).decode()


def decode_cursor(text: str) -> str:
    try:
        return base64.b64decode(text.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"Invalid page cursor '{text}': use a startCursor/endCursor from a previous page") from None


def page(result: SearchResult, items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"items": list(items), "page": {"totalItems": result.total, "hasMoreTotalItems": False,
                                           "startCursor": encode_cursor(result.start_cursor),
                                           "endCursor": encode_cursor(result.end_cursor)}}


def process_instance(item: Mapping[str, Any]) -> dict[str, Any]:
    out = {"suspendedDate": None, "tags": [], "businessId": None, **item}
    return keys_as_strings(out)


def definition(item: Mapping[str, Any]) -> dict[str, Any]:
    return keys_as_strings({"state": "ACTIVE", **item})


def element_instance(item: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in item.items() if k not in ("elementState", "flowScopeKey")}
    out.setdefault("elementName", None)
    return keys_as_strings(out)


def variable(item: Mapping[str, Any], *, full: bool = False) -> dict[str, Any]:
    out = dict(item)
    if full:
        out.pop("isTruncated", None)
    return keys_as_strings(out)


def incident(item: Mapping[str, Any]) -> dict[str, Any]:
    return keys_as_strings(dict(item))


def job(item: Mapping[str, Any]) -> dict[str, Any]:
    out = {"deniedReason": None, "isDenied": None, "businessId": None, "priority": 0, **item}
    out["state"] = JOB_STATES.get(str(item.get("state")), item.get("state"))
    out.setdefault("lastUpdateTime", item.get("endTime") or item.get("creationTime"))
    return keys_as_strings(out)


def user_task(item: Mapping[str, Any]) -> dict[str, Any]:
    out = {"businessId": None, "tags": [], **item}
    return keys_as_strings(out)


def activated_job(j: ActivatedJob, root_process_instance_key: int | None = None) -> dict[str, Any]:
    return keys_as_strings({
        "jobKey": j.key, "type": j.type, "processDefinitionId": j.bpmn_process_id,
        "processDefinitionVersion": j.process_definition_version, "elementId": j.element_id,
        "customHeaders": dict(j.custom_headers or {}), "worker": j.worker, "retries": j.retries,
        "deadline": j.deadline, "variables": dict(j.variables or {}), "tenantId": j.tenant_id,
        "physicalTenantId": None, "processInstanceKey": j.process_instance_key,
        "processDefinitionKey": j.process_definition_key, "elementInstanceKey": j.element_instance_key,
        "kind": j.kind, "listenerEventType": j.listener_event_type, "userTask": None, "tags": [],
        "rootProcessInstanceKey": root_process_instance_key or j.process_instance_key, "businessId": None, "priority": 0,
    })
