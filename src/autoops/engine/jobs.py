"""The job state machine (spec §7.3) and the job commands of the gateway API.

States: ACTIVATABLE → ACTIVATED (worker, deadline) → removed on completion; FAILED (no retries, or
waiting for a back-off); ERROR_THROWN (uncaught BPMN error); CANCELED when the element is left.
Completed and cancelled jobs stay in the table as history for searches, but commands treat them
as unknown, the way Zeebe has deleted them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autoops.engine import incidents, lifecycle, variables
from autoops.engine.context import DEFAULT_TENANT, ElementInstance, ProcessingContext, dumps
from autoops.engine.errors import ErrorType
from autoops.engine.records import JobBatchIntent, JobIntent, ValueType
from autoops.engine.rejections import Rejection, RejectionType

__all__ = [
    "USER_TASK_JOB_TYPE",
    "ActivatedJob",
    "activate",
    "cancel_for_element",
    "complete",
    "create",
    "fail",
    "recur_after_backoff",
    "throw_error",
    "time_out",
    "update_retries",
    "update_timeout",
    "yield_jobs",
]

USER_TASK_JOB_TYPE = "io.camunda.zeebe:userTask"
DUE_TIMEOUT = "job_timeout"
DUE_BACKOFF = "job_backoff"
_LIVE = ("ACTIVATABLE", "ACTIVATED", "FAILED", "ERROR_THROWN")


@dataclass(frozen=True, slots=True)
class ActivatedJob:
    """Everything the gRPC ``ActivatedJob`` and REST ``ActivatedJobResult`` carry."""

    key: int
    type: str
    process_instance_key: int
    bpmn_process_id: str
    process_definition_version: int
    process_definition_key: int
    element_id: str
    element_instance_key: int
    custom_headers: dict[str, str]
    worker: str
    retries: int
    deadline: int
    variables: dict[str, Any]
    tenant_id: str = DEFAULT_TENANT
    kind: str = "BPMN_ELEMENT"
    listener_event_type: str = "UNSPECIFIED"


@functools.lru_cache(maxsize=512)
def _headers(text: str) -> dict[str, str]:
    """Parsed custom headers for job records: a job's record is written three times or more, from
    a handful of distinct header texts. Shared: only ever encoded again, never changed."""
    return dict(json.loads(text))


def _value(row: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    value = {
        "type": row["type"],
        "worker": row["worker"],
        "retries": row["retries"],
        "deadline": row["deadline"] if row["deadline"] is not None else -1,
        "retryBackoff": row["retry_backoff"],
        "errorMessage": row["error_message"],
        "errorCode": row["error_code"],
        "customHeaders": _headers(row["custom_headers"]),
        "elementId": row["element_id"],
        "elementInstanceKey": row["element_instance_key"],
        "processInstanceKey": row["process_instance_key"],
        "bpmnProcessId": row["bpmn_process_id"],
        "processDefinitionVersion": row["version"],
        "processDefinitionKey": row["definition_key"],
        "tenantId": row["tenant_id"],
        "jobKind": row["kind"],
    }
    value.update(extra)
    return value


def _row(ctx: ProcessingContext, key: int) -> Any:
    return ctx.conn.execute("SELECT * FROM jobs WHERE key = ?", (key,)).fetchone()


def _record(ctx: ProcessingContext, intent: str, key: int) -> None:
    row = _row(ctx, key)
    ctx.record(ValueType.JOB, intent, key, _value(row), process_instance_key=row["process_instance_key"])


def _set_due(ctx: ProcessingContext, kind: str, key: int, due_at: int) -> None:
    ctx.conn.execute(
        "INSERT INTO due_items(kind, due_at, ref_key) VALUES (?, ?, ?)"
        " ON CONFLICT(kind, ref_key) DO UPDATE SET due_at = excluded.due_at",
        (kind, due_at, key),
    )


def _clear_due(ctx: ProcessingContext, key: int) -> None:
    ctx.conn.execute("DELETE FROM due_items WHERE ref_key = ? AND kind IN (?, ?)", (key, DUE_TIMEOUT, DUE_BACKOFF))


def _activatable(ctx: ProcessingContext, job_type: str) -> None:
    ctx.on_commit(lambda: ctx.hooks.jobs_available(job_type))


# ---------------------------------------------------------------------------- creation / cancel


def create(
    ctx: ProcessingContext, inst: ElementInstance, job_type: str, retries: int, headers: Mapping[str, str]
) -> int:
    key = ctx.keys.next()
    header_text = dumps(dict(headers))
    ctx.conn.execute(
        "INSERT INTO jobs(key, type, state, kind, retries, custom_headers, element_instance_key, element_id,"
        " process_instance_key, definition_key, bpmn_process_id, version, tenant_id, created)"
        " VALUES (?, ?, 'ACTIVATABLE', 'BPMN_ELEMENT', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (key, job_type, retries, header_text, inst.key, inst.element_id, inst.process_instance_key,
         inst.definition_key, inst.bpmn_process_id, inst.version, inst.tenant_id, ctx.now),
    )
    # The row as just inserted (the columns' defaults included), without reading it back.
    row = {"type": job_type, "worker": "", "retries": retries, "deadline": None, "retry_backoff": 0,
           "error_message": "", "error_code": "", "custom_headers": header_text, "element_id": inst.element_id,
           "element_instance_key": inst.key, "process_instance_key": inst.process_instance_key,
           "bpmn_process_id": inst.bpmn_process_id, "version": inst.version, "definition_key": inst.definition_key,
           "tenant_id": inst.tenant_id, "kind": "BPMN_ELEMENT"}
    ctx.record(ValueType.JOB, JobIntent.CREATED, key, _value(row), process_instance_key=inst.process_instance_key)
    _activatable(ctx, job_type)
    return key


def cancel_for_element(ctx: ProcessingContext, inst: ElementInstance) -> None:
    """The element is being terminated: its live job is cancelled (a later Complete is NOT_FOUND)."""
    for row in ctx.conn.execute(
        "SELECT key FROM jobs WHERE element_instance_key = ? AND state IN (?, ?, ?, ?)", (inst.key, *_LIVE)
    ).fetchall():
        ctx.conn.execute("UPDATE jobs SET state = 'CANCELED', end_date = ? WHERE key = ?", (ctx.now, row[0]))
        _clear_due(ctx, row[0])
        _record(ctx, JobIntent.CANCELED, row[0])


# ---------------------------------------------------------------------------- commands


def _check(ctx: ProcessingContext, key: int, intent: str, verb: str, states: Sequence[str]) -> Any:
    row = _row(ctx, key)
    if row is None or row["state"] in ("COMPLETED", "CANCELED"):
        raise Rejection(ValueType.JOB, intent, RejectionType.NOT_FOUND,
                        f"Expected to {verb} job with key '{key}', but no such job was found")
    if row["state"] not in states:
        raise Rejection(ValueType.JOB, intent, RejectionType.INVALID_STATE,
                        f"Expected to {verb} job with key '{key}', but it is in state '{row['state']}'")
    return row


def activate(
    ctx: ProcessingContext,
    job_type: str,
    worker: str,
    timeout_ms: int,
    max_jobs: int,
    fetch_variables: Sequence[str] | None,
) -> list[ActivatedJob]:
    """JOB_BATCH ACTIVATE: lock up to ``max_jobs`` activatable jobs of a type for a worker."""
    rows = ctx.conn.execute(
        "SELECT * FROM jobs WHERE type = ? AND state = 'ACTIVATABLE' ORDER BY key LIMIT ?", (job_type, max_jobs)
    ).fetchall()
    if not rows:
        return []
    deadline = ctx.now + timeout_ms
    out: list[ActivatedJob] = []
    keys: list[int] = []
    values: list[dict[str, Any]] = []
    for row in rows:
        ctx.conn.execute(
            "UPDATE jobs SET state = 'ACTIVATED', worker = ?, deadline = ? WHERE key = ?", (worker, deadline, row["key"])
        )
        _set_due(ctx, DUE_TIMEOUT, row["key"], deadline)
        job_vars = variables.collect_visible(ctx, row["element_instance_key"], fetch_variables)
        headers = json.loads(row["custom_headers"])
        out.append(
            ActivatedJob(
                key=row["key"],
                type=row["type"],
                process_instance_key=row["process_instance_key"],
                bpmn_process_id=row["bpmn_process_id"],
                process_definition_version=row["version"],
                process_definition_key=row["definition_key"],
                element_id=row["element_id"],
                element_instance_key=row["element_instance_key"],
                custom_headers=headers,
                worker=worker,
                retries=row["retries"],
                deadline=deadline,
                variables=job_vars,
                tenant_id=row["tenant_id"],
                kind=row["kind"],
            )
        )
        keys.append(row["key"])
        values.append(_value(row, worker=worker, deadline=deadline))
    batch_key = ctx.keys.next()
    ctx.record(
        ValueType.JOB_BATCH,
        JobBatchIntent.ACTIVATED,
        batch_key,
        {"type": job_type, "worker": worker, "timeout": timeout_ms, "maxJobsToActivate": max_jobs,
         "jobKeys": keys, "jobs": values, "truncated": False},
    )
    return out


def complete(ctx: ProcessingContext, key: int, result: Mapping[str, Any] | None) -> None:
    row = _check(ctx, key, JobIntent.COMPLETE, "complete", ("ACTIVATABLE", "ACTIVATED"))
    ctx.conn.execute("UPDATE jobs SET state = 'COMPLETED', end_date = ? WHERE key = ?", (ctx.now, key))
    _clear_due(ctx, key)
    ctx.record(ValueType.JOB, JobIntent.COMPLETED, key, _value(row, variables=dict(result or {})),
               process_instance_key=row["process_instance_key"])
    inst = ctx.instance(row["element_instance_key"])
    if inst is not None and inst.state == "ACTIVATED":
        lifecycle.complete(ctx, inst, dict(result or {}))


def fail(
    ctx: ProcessingContext,
    key: int,
    retries: int,
    error_message: str,
    backoff_ms: int,
    result: Mapping[str, Any] | None,
) -> None:
    row = _check(ctx, key, JobIntent.FAIL, "fail", ("ACTIVATABLE", "ACTIVATED"))
    inst = ctx.instance(row["element_instance_key"])
    if result and inst is not None:
        variables.set_local_document(ctx, inst, result)
    _clear_due(ctx, key)
    waiting = retries > 0 and backoff_ms > 0
    state = "ACTIVATABLE" if retries > 0 and not waiting else "FAILED"
    recurring = ctx.now + backoff_ms if waiting else None
    ctx.conn.execute(
        "UPDATE jobs SET state = ?, retries = ?, error_message = ?, retry_backoff = ?, recurring_time = ?,"
        " deadline = NULL WHERE key = ?",
        (state, retries, error_message, backoff_ms, recurring, key),
    )
    _record(ctx, JobIntent.FAILED, key)
    if waiting:
        assert recurring is not None
        _set_due(ctx, DUE_BACKOFF, key, recurring)
    elif retries > 0:
        _activatable(ctx, row["type"])
    elif inst is not None:
        # Zeebe's text when the worker gave no message (Operate shows it as the incident message)
        incidents.create_for_job(ctx, inst, key, ErrorType.JOB_NO_RETRIES, error_message or "No more retries left.")


def throw_error(
    ctx: ProcessingContext, key: int, error_code: str, error_message: str, result: Mapping[str, Any] | None
) -> None:
    """THROW_ERROR: route the BPMN error to its catch event (via the engine hook), else an
    UNHANDLED_ERROR_EVENT incident on the job's element."""
    row = _check(ctx, key, JobIntent.THROW_ERROR, "throw an error for", ("ACTIVATABLE", "ACTIVATED"))
    _clear_due(ctx, key)
    ctx.conn.execute(
        "UPDATE jobs SET state = 'ERROR_THROWN', error_code = ?, error_message = ?, deadline = NULL WHERE key = ?",
        (error_code, error_message, key),
    )
    _record(ctx, JobIntent.ERROR_THROWN, key)
    inst = ctx.instance(row["element_instance_key"])
    if inst is None:
        return
    catch = ctx.hooks.find_error_catch(ctx, inst, error_code)
    if catch is not None:
        catch(dict(result or {}))
        return
    message = f"Expected to throw an error event with the code '{error_code}'"
    if error_message:
        message += f" with message '{error_message}'"
    message += ", but it was not caught. No error events are available in the scope."
    incidents.create_for_job(ctx, inst, key, ErrorType.UNHANDLED_ERROR_EVENT, message)


def update_retries(ctx: ProcessingContext, key: int, retries: int) -> None:
    row = _row(ctx, key)
    if row is None or row["state"] in ("COMPLETED", "CANCELED"):
        raise Rejection(ValueType.JOB, JobIntent.UPDATE_RETRIES, RejectionType.NOT_FOUND,
                        f"Expected to update retries for job with key '{key}', but no such job was found")
    if retries < 1:
        raise Rejection(
            ValueType.JOB, JobIntent.UPDATE_RETRIES, RejectionType.INVALID_ARGUMENT,
            f"Expected to update retries for job with key '{key}' with a positive amount of retries, "
            f"but the amount given was '{retries}'",
        )
    ctx.conn.execute("UPDATE jobs SET retries = ? WHERE key = ?", (retries, key))
    _record(ctx, JobIntent.RETRIES_UPDATED, key)


def update_timeout(ctx: ProcessingContext, key: int, timeout_ms: int) -> None:
    row = _row(ctx, key)
    if row is None or row["state"] in ("COMPLETED", "CANCELED"):
        raise Rejection(ValueType.JOB, JobIntent.UPDATE_TIMEOUT, RejectionType.NOT_FOUND,
                        f"Expected to update job deadline with key '{key}', but no such job was found")
    if row["state"] != "ACTIVATED":
        raise Rejection(ValueType.JOB, JobIntent.UPDATE_TIMEOUT, RejectionType.NOT_FOUND,
                        f"Expected to update the timeout of job with key '{key}', but it is not active")
    deadline = ctx.now + timeout_ms
    ctx.conn.execute("UPDATE jobs SET deadline = ? WHERE key = ?", (deadline, key))
    _set_due(ctx, DUE_TIMEOUT, key, deadline)
    _record(ctx, JobIntent.TIMEOUT_UPDATED, key)


# ---------------------------------------------------------------------------- due items


def time_out(ctx: ProcessingContext, key: int) -> None:
    row = _row(ctx, key)
    if row is None or row["state"] != "ACTIVATED" or row["deadline"] is None or row["deadline"] > ctx.now:
        return
    ctx.conn.execute("UPDATE jobs SET state = 'ACTIVATABLE', deadline = NULL WHERE key = ?", (key,))
    ctx.record(ValueType.JOB, JobIntent.TIMED_OUT, key, _value(row), process_instance_key=row["process_instance_key"])
    _activatable(ctx, row["type"])


def yield_jobs(ctx: ProcessingContext, keys: Sequence[int]) -> list[int]:
    """JOB YIELD: jobs activated for a receiver that is gone (a job stream whose push failed) go back
    to ACTIVATABLE at once instead of waiting for their deadline. Retries are unchanged; a job no
    longer ACTIVATED (completed, failed, timed out meanwhile) is left alone. Returns the yielded keys."""
    yielded: list[int] = []
    types: set[str] = set()
    for key in keys:
        row = _row(ctx, key)
        if row is None or row["state"] != "ACTIVATED":
            continue
        ctx.conn.execute("UPDATE jobs SET state = 'ACTIVATABLE', deadline = NULL WHERE key = ?", (key,))
        _clear_due(ctx, key)
        ctx.record(ValueType.JOB, JobIntent.YIELDED, key, _value(row), process_instance_key=row["process_instance_key"])
        yielded.append(key)
        types.add(row["type"])
    for job_type in types:
        _activatable(ctx, job_type)
    return yielded


def recur_after_backoff(ctx: ProcessingContext, key: int) -> None:
    row = _row(ctx, key)
    if row is None or row["state"] != "FAILED" or row["retries"] <= 0:
        return
    ctx.conn.execute("UPDATE jobs SET state = 'ACTIVATABLE', recurring_time = NULL WHERE key = ?", (key,))
    _record(ctx, JobIntent.RECURRED_AFTER_BACKOFF, key)
    _activatable(ctx, row["type"])


def make_activatable_again(ctx: ProcessingContext, key: int) -> None:
    """Incident resolution on a FAILED / ERROR_THROWN job."""
    row = _row(ctx, key)
    if row is None or row["state"] not in ("FAILED", "ERROR_THROWN"):
        return
    _clear_due(ctx, key)
    ctx.conn.execute("UPDATE jobs SET state = 'ACTIVATABLE', recurring_time = NULL WHERE key = ?", (key,))
    _activatable(ctx, row["type"])


def job_retries(ctx: ProcessingContext, key: int) -> int | None:
    row = ctx.conn.execute("SELECT retries FROM jobs WHERE key = ?", (key,)).fetchone()
    return None if row is None else int(row[0])
