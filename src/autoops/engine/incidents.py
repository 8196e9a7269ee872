"""Incidents: raised when a step cannot continue, resolved by an operator (spec §7.4).

A job incident (no retries, unhandled error) is resolved by making the job activatable again, once
its retries are positive. Any other incident is resolved by re-running the step that failed: the
element's activation or completion, which may raise a new incident.
"""

from __future__ import annotations

from typing import Any

from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.records import IncidentIntent, ValueType
from autoops.engine.rejections import Rejection, RejectionType

__all__ = ["create_for_element", "create_for_job", "resolve", "resolve_for_element"]


def _insert(
    ctx: ProcessingContext, inst: ElementInstance, error_type: str, message: str, job_key: int | None
) -> int:
    key = ctx.keys.next()
    ctx.conn.execute(
        "INSERT INTO incidents(key, error_type, error_message, state, element_instance_key, element_id,"
        " process_instance_key, definition_key, bpmn_process_id, job_key, tenant_id, creation_time)"
        " VALUES (?, ?, ?, 'ACTIVE', ?, ?, ?, ?, ?, ?, ?, ?)",
        (key, error_type, message, inst.key, inst.element_id, inst.process_instance_key, inst.definition_key,
         inst.bpmn_process_id, job_key, inst.tenant_id, ctx.now),
    )
    ctx.record(ValueType.INCIDENT, IncidentIntent.CREATED, key, _value(ctx, key),
               process_instance_key=inst.process_instance_key)
    return key


def _value(ctx: ProcessingContext, key: int) -> dict[str, Any]:
    row = ctx.conn.execute("SELECT * FROM incidents WHERE key = ?", (key,)).fetchone()
    return {
        "errorType": row["error_type"],
        "errorMessage": row["error_message"],
        "bpmnProcessId": row["bpmn_process_id"],
        "processDefinitionKey": row["definition_key"],
        "processInstanceKey": row["process_instance_key"],
        "elementId": row["element_id"],
        "elementInstanceKey": row["element_instance_key"],
        "variableScopeKey": row["element_instance_key"],
        "jobKey": -1 if row["job_key"] is None else row["job_key"],
        "tenantId": row["tenant_id"],
    }


def create_for_element(ctx: ProcessingContext, inst: ElementInstance, failure: ProcessingFailure) -> int:
    return _insert(ctx, inst, failure.error_type, failure.message, None)


def create_for_job(ctx: ProcessingContext, inst: ElementInstance, job_key: int, error_type: ErrorType, message: str) -> int:
    return _insert(ctx, inst, error_type, message, job_key)


def _mark_resolved(ctx: ProcessingContext, key: int, pi_key: int) -> None:
    ctx.conn.execute("UPDATE incidents SET state = 'RESOLVED', resolved_time = ? WHERE key = ?", (ctx.now, key))
    ctx.record(ValueType.INCIDENT, IncidentIntent.RESOLVED, key, _value(ctx, key), process_instance_key=pi_key)


def resolve_for_element(ctx: ProcessingContext, inst: ElementInstance) -> None:
    """The element is being terminated: its open incidents are resolved with it."""
    for (key,) in ctx.conn.execute(
        "SELECT key FROM incidents WHERE element_instance_key = ? AND state = 'ACTIVE'", (inst.key,)
    ).fetchall():
        _mark_resolved(ctx, key, inst.process_instance_key)


def resolve(ctx: ProcessingContext, key: int) -> None:
    """INCIDENT RESOLVE command."""
    from autoops.engine import jobs, lifecycle

    row = ctx.conn.execute("SELECT * FROM incidents WHERE key = ?", (key,)).fetchone()
    if row is None or row["state"] != "ACTIVE":
        raise Rejection(ValueType.INCIDENT, IncidentIntent.RESOLVE, RejectionType.NOT_FOUND,
                        f"Expected to resolve incident with key '{key}', but no such incident was found")
    job_key = row["job_key"]
    if job_key is not None:
        retries = jobs.job_retries(ctx, job_key)
        if retries is not None and retries <= 0:
            raise Rejection(
                ValueType.INCIDENT, IncidentIntent.RESOLVE, RejectionType.INVALID_STATE,
                f"Expected to resolve incident with key '{key}', but job with key '{job_key}' has no retries left. "
                "Please update the job retries and retry resolving the incident",
            )
        _mark_resolved(ctx, key, row["process_instance_key"])
        jobs.make_activatable_again(ctx, job_key)
        return
    inst = ctx.instance(row["element_instance_key"])
    if inst is None or inst.state not in ("ACTIVATING", "COMPLETING", "TERMINATING"):
        state = "unknown" if inst is None else f"ELEMENT_{inst.state}"
        raise Rejection(
            ValueType.INCIDENT, IncidentIntent.RESOLVE, RejectionType.INVALID_STATE,
            "Expected incident to refer to element in state ELEMENT_ACTIVATING, ELEMENT_COMPLETING, or "
            f"ELEMENT_TERMINATING, but element is in state {state}",
        )
    _mark_resolved(ctx, key, row["process_instance_key"])
    if inst.state == "ACTIVATING":
        lifecycle.run_activation(ctx, inst)
    elif inst.state == "COMPLETING":
        lifecycle.run_completion(ctx, inst)
