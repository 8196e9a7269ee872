"""Camunda user tasks (spec §7.12): properties evaluated on activation, then assign, unassign,
update and complete commands. Completion variables are result variables, so the task's output
mappings apply before the element completes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autoops.bpmn.model import Activity, UserTaskSpec, is_expression
from autoops.engine import expressions, lifecycle
from autoops.engine.context import ElementInstance, ProcessingContext, dumps
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.records import UserTaskIntent, ValueType
from autoops.engine.rejections import Rejection, RejectionType

__all__ = ["UserTaskProperties", "assign", "cancel_for_element", "complete", "create", "evaluate_properties", "update"]

DEFAULT_PRIORITY = 50


@dataclass(slots=True)
class UserTaskProperties:
    assignee: str | None = None
    candidate_groups: list[str] = field(default_factory=list)
    candidate_users: list[str] = field(default_factory=list)
    due_date: str | None = None
    follow_up_date: str | None = None
    priority: int = DEFAULT_PRIORITY
    form_key: int | None = None


def _static_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _string_list(ctx: ProcessingContext, raw: str | None, view: Mapping[str, Any]) -> list[str]:
    if not raw or not raw.strip():
        return []
    if not is_expression(raw):
        return _static_list(raw)
    value = expressions.evaluate_any(ctx, raw, view)
    if isinstance(value, str):
        return _static_list(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    expressions.evaluate_expected(ctx, raw, view, "ARRAY")  # raises for a non-list with Zeebe's text
    raise ProcessingFailure(
        ErrorType.EXTRACT_VALUE_ERROR,
        f"Expected result of the expression '{raw.strip()[1:].strip()}' to be 'ARRAY' of 'STRING', but was '{value}'.",
    )


def _date(ctx: ProcessingContext, raw: str | None, view: Mapping[str, Any]) -> str | None:
    if not raw or not raw.strip():
        return None
    value: Any = raw.strip()
    if is_expression(raw):
        value = expressions.evaluate_expected(ctx, raw, view, ("DATE_TIME", "STRING"))
    if value is None:
        return None
    text = str(value)
    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00").split("[")[0])
    except ValueError as exc:
        raise ProcessingFailure(
            ErrorType.EXTRACT_VALUE_ERROR,
            f"Expected result of the expression '{raw}' to be a valid date-time string, but was '{text}'",
        ) from exc
    return text


def evaluate_properties(ctx: ProcessingContext, spec: UserTaskSpec, view: Mapping[str, Any]) -> UserTaskProperties:
    props = UserTaskProperties()
    assignment = spec.assignment
    if assignment is not None:
        if assignment.assignee and assignment.assignee.strip():
            value = expressions.static_or_expected(ctx, assignment.assignee, view, "STRING")
            props.assignee = None if value is None or value == "" else str(value)
        props.candidate_groups = _string_list(ctx, assignment.candidate_groups, view)
        props.candidate_users = _string_list(ctx, assignment.candidate_users, view)
    if spec.schedule is not None:
        props.due_date = _date(ctx, spec.schedule.due_date, view)
        props.follow_up_date = _date(ctx, spec.schedule.follow_up_date, view)
    if spec.priority is not None and spec.priority.strip():
        raw = spec.priority
        value = expressions.static_or_expected(ctx, raw, view, "NUMBER")
        try:
            priority = int(value)
        except (TypeError, ValueError) as exc:
            raise ProcessingFailure(ErrorType.EXTRACT_VALUE_ERROR, f"Expected priority to be a number, but was '{value}'") from exc
        if not 0 <= priority <= 100:
            raise ProcessingFailure(
                ErrorType.EXTRACT_VALUE_ERROR, f"Expected priority to be in the range [0,100], but was '{priority}'"
            )
        props.priority = priority
    return props


def _row(ctx: ProcessingContext, key: int) -> Any:
    return ctx.conn.execute("SELECT * FROM user_tasks WHERE key = ?", (key,)).fetchone()


def _value(row: Any, **extra: Any) -> dict[str, Any]:
    value = {
        "userTaskKey": row["key"],
        "assignee": row["assignee"] or "",
        "candidateGroupsList": json.loads(row["candidate_groups"]),
        "candidateUsersList": json.loads(row["candidate_users"]),
        "dueDate": row["due_date"] or "",
        "followUpDate": row["follow_up_date"] or "",
        "formKey": row["form_key"] if row["form_key"] is not None else -1,
        "externalFormReference": row["external_form_reference"] or "",
        "customHeaders": json.loads(row["custom_headers"]),
        "priority": row["priority"],
        "elementId": row["element_id"],
        "elementInstanceKey": row["element_instance_key"],
        "processInstanceKey": row["process_instance_key"],
        "bpmnProcessId": row["bpmn_process_id"],
        "processDefinitionKey": row["definition_key"],
        "processDefinitionVersion": row["version"],
        "tenantId": row["tenant_id"],
    }
    value.update(extra)
    return value


def _record(ctx: ProcessingContext, intent: str, key: int, **extra: Any) -> None:
    row = _row(ctx, key)
    ctx.record(ValueType.USER_TASK, intent, key, _value(row, **extra), process_instance_key=row["process_instance_key"])


def create(ctx: ProcessingContext, inst: ElementInstance, node: Activity, props: UserTaskProperties) -> int:
    key = ctx.keys.next()
    headers = {h.key: h.value or "" for h in node.task_headers if h.key is not None}
    form = node.user_task.form if node.user_task is not None else None
    ctx.conn.execute(
        "INSERT INTO user_tasks(key, state, element_instance_key, element_id, name, process_instance_key,"
        " definition_key, bpmn_process_id, version, assignee, candidate_groups, candidate_users, due_date,"
        " follow_up_date, priority, form_key, external_form_reference, custom_headers, tenant_id, creation_date)"
        " VALUES (?, 'CREATED', ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (key, inst.key, inst.element_id, node.name, inst.process_instance_key, inst.definition_key,
         inst.bpmn_process_id, inst.version, dumps(props.candidate_groups), dumps(props.candidate_users),
         props.due_date, props.follow_up_date, props.priority, props.form_key,
         form.external_reference if form is not None else None, dumps(headers), inst.tenant_id, ctx.now),
    )
    _record(ctx, UserTaskIntent.CREATED, key)
    if props.assignee:
        ctx.conn.execute("UPDATE user_tasks SET assignee = ? WHERE key = ?", (props.assignee, key))
        _record(ctx, UserTaskIntent.ASSIGNED, key, action="assign")
    return key


def cancel_for_element(ctx: ProcessingContext, inst: ElementInstance) -> None:
    for (key,) in ctx.conn.execute(
        "SELECT key FROM user_tasks WHERE element_instance_key = ? AND state = 'CREATED'", (inst.key,)
    ).fetchall():
        ctx.conn.execute("UPDATE user_tasks SET state = 'CANCELED', completion_date = ? WHERE key = ?", (ctx.now, key))
        _record(ctx, UserTaskIntent.CANCELED, key)


def _check(ctx: ProcessingContext, key: int, intent: str, verb: str) -> Any:
    row = _row(ctx, key)
    if row is None or row["state"] in ("COMPLETED", "CANCELED"):
        raise Rejection(ValueType.USER_TASK, intent, RejectionType.NOT_FOUND,
                        f"Expected to {verb} user task with key '{key}', but no such user task was found")
    if row["state"] != "CREATED":
        raise Rejection(ValueType.USER_TASK, intent, RejectionType.INVALID_STATE,
                        f"Expected to {verb} user task with key '{key}', but it is in state '{row['state']}'")
    return row


def assign(ctx: ProcessingContext, key: int, assignee: str | None, *, allow_override: bool = True, action: str = "assign") -> None:
    """Assign (or, with ``assignee`` None or empty, unassign) a user task."""
    intent = UserTaskIntent.ASSIGN
    row = _check(ctx, key, intent, "assign")
    if assignee and not allow_override and row["assignee"] and row["assignee"] != assignee:
        raise Rejection(ValueType.USER_TASK, intent, RejectionType.INVALID_STATE,
                        f"Expected to assign user task with key '{key}', but it has already been assigned")
    ctx.conn.execute("UPDATE user_tasks SET assignee = ? WHERE key = ?", (assignee or None, key))
    _record(ctx, UserTaskIntent.ASSIGNED, key, action=action if assignee else "unassign")


_CHANGEABLE = {"dueDate": "due_date", "followUpDate": "follow_up_date", "candidateGroups": "candidate_groups",
               "candidateUsers": "candidate_users", "priority": "priority"}


def update(ctx: ProcessingContext, key: int, changeset: Mapping[str, Any], *, action: str = "update") -> None:
    _check(ctx, key, UserTaskIntent.UPDATE, "update")
    changed: list[str] = []
    for name, value in changeset.items():
        column = _CHANGEABLE.get(name)
        if column is None:
            raise Rejection(ValueType.USER_TASK, UserTaskIntent.UPDATE, RejectionType.INVALID_ARGUMENT,
                            f"Expected to update user task with key '{key}', but the attribute '{name}' cannot be "
                            f"changed; changeable attributes are {', '.join(sorted(_CHANGEABLE))}")
        if value is None:
            continue
        if name in ("candidateGroups", "candidateUsers"):
            if not isinstance(value, Sequence) or isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise Rejection(ValueType.USER_TASK, UserTaskIntent.UPDATE, RejectionType.INVALID_ARGUMENT,
                                f"Expected '{name}' to be a list of strings, but was '{value}'")
            stored: Any = dumps(list(value))
        elif name == "priority":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
                raise Rejection(ValueType.USER_TASK, UserTaskIntent.UPDATE, RejectionType.INVALID_ARGUMENT,
                                f"Expected 'priority' to be an integer between 0 and 100, but was '{value}'")
            stored = value
        else:
            stored = str(value)
        ctx.conn.execute(f"UPDATE user_tasks SET {column} = ? WHERE key = ?", (stored, key))
        changed.append(name)
    _record(ctx, UserTaskIntent.UPDATED, key, action=action, changedAttributes=changed)


def complete(ctx: ProcessingContext, key: int, result: Mapping[str, Any] | None, *, action: str = "complete") -> None:
    row = _check(ctx, key, UserTaskIntent.COMPLETE, "complete")
    ctx.conn.execute(
        "UPDATE user_tasks SET state = 'COMPLETED', completion_date = ?, variables = ? WHERE key = ?",
        (ctx.now, dumps(dict(result or {})), key),
    )
    _record(ctx, UserTaskIntent.COMPLETED, key, action=action, variables=dict(result or {}))
    inst = ctx.instance(row["element_instance_key"])
    if inst is not None and inst.state == "ACTIVATED":
        lifecycle.complete(ctx, inst, dict(result or {}))
