"""Messages (spec §7.7): publish, buffer, correlate, expire; message subscriptions and start events.

A published message first correlates to the open subscriptions matching (name, correlation key),
oldest first and at most once per bpmnProcessId, then to message start events of processes not
reached yet. With a time-to-live above zero it is also buffered until its deadline, so that a
subscription opened later takes it (the oldest matching one first) - again at most once per
process, which ``message_correlations`` remembers. A message start event with a non-empty
correlation key does not start a second instance while one started by the same key is active;
the message waits in the buffer and correlates when that instance ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from autoops.bpmn.model import Activity, Event, FlowNode, Message
from autoops.engine import lifecycle, scheduler, variables
from autoops.engine.catch_events import CatchPlan, trigger
from autoops.engine.context import ElementInstance, ProcessingContext, Step, dumps
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.records import ProcessInstanceIntent, ValueType
from autoops.engine.rejections import Rejection, RejectionType

__all__ = [
    "CorrelatedMessage",
    "PublishedMessage",
    "correlate",
    "message_of",
    "publish",
    "subscribe",
]

DUE_TTL = "message_ttl"


@dataclass(frozen=True, slots=True)
class PublishedMessage:
    """The answer to PublishMessage: the message key (gRPC ``key``) and its tenant."""

    key: int
    tenant_id: str


@dataclass(frozen=True, slots=True)
class CorrelatedMessage:
    """The answer to REST ``POST /v2/messages/correlation``."""

    message_key: int
    process_instance_key: int
    tenant_id: str


def message_of(node: FlowNode) -> Message | None:
    if isinstance(node, Event) and node.definition is not None:
        return node.definition.message
    if isinstance(node, Activity):
        return node.message
    return None


def correlation_key_text(value: Any) -> str:
    """Numbers correlate by their text form (``42``, not ``42.0``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------------------- subscriptions


def subscribe(ctx: ProcessingContext, owner: ElementInstance, plan: CatchPlan) -> None:
    """Open the message subscription of a catch event; name and key are evaluated now, once."""
    from autoops.engine import expressions

    message = message_of(plan.node)
    if message is None or not message.name:
        raise ProcessingFailure(ErrorType.EXTRACT_VALUE_ERROR, f"Element '{plan.node.id}' has no message name")
    view = variables.ScopeView(ctx, owner.key)
    name = str(expressions.static_or_expected(ctx, message.name, view, "STRING"))
    raw_key = message.correlation_key
    if raw_key is None or not raw_key.strip():
        raise ProcessingFailure(
            ErrorType.EXTRACT_VALUE_ERROR,
            f"Expected a correlation key for the message '{name}' of element '{plan.node.id}', but none is set",
        )
    key_value = expressions.static_or_expected(ctx, raw_key, view, ("STRING", "NUMBER"))
    correlation_key = correlation_key_text(key_value)
    key = ctx.keys.next()
    ctx.conn.execute(
        "INSERT INTO subscriptions(key, kind, name, correlation_key, owner_key, element_id, role, interrupting,"
        " process_instance_key, bpmn_process_id, definition_key, tenant_id)"
        " VALUES (?, 'message', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (key, name, correlation_key, owner.key, plan.node.id, plan.role, int(plan.interrupting),
         owner.process_instance_key, owner.bpmn_process_id, owner.definition_key, owner.tenant_id),
    )
    ctx.record(ValueType.MESSAGE_SUBSCRIPTION, "CREATED", key,
               {"messageName": name, "correlationKey": correlation_key, "elementInstanceKey": owner.key,
                "elementId": plan.node.id, "processInstanceKey": owner.process_instance_key,
                "bpmnProcessId": owner.bpmn_process_id, "interrupting": plan.interrupting,
                "tenantId": owner.tenant_id},
               process_instance_key=owner.process_instance_key)
    ctx.push("correlate_buffered", key)


def _correlate_buffered_step(ctx: ProcessingContext, step: Step) -> None:
    """A subscription just opened: it takes the oldest buffered message not yet seen by its process."""
    sub = ctx.conn.execute("SELECT * FROM subscriptions WHERE key = ?", (step.key,)).fetchone()
    if sub is None:
        return
    row = ctx.conn.execute(
        "SELECT key, variables FROM messages m WHERE name = ? AND correlation_key = ? AND deadline > ?"
        " AND NOT EXISTS (SELECT 1 FROM message_correlations c WHERE c.message_key = m.key"
        " AND c.bpmn_process_id = ?) ORDER BY key LIMIT 1",
        (sub["name"], sub["correlation_key"], ctx.now, sub["bpmn_process_id"]),
    ).fetchone()
    if row is None:
        return
    owner = ctx.instance(sub["owner_key"])
    if owner is None:
        return
    if trigger(ctx, owner, sub["element_id"], sub["role"], bool(sub["interrupting"]), json.loads(row["variables"])):
        _mark_correlated(ctx, row["key"], sub, owner.process_instance_key)


lifecycle.register_step("correlate_buffered", _correlate_buffered_step)


def _mark_correlated(ctx: ProcessingContext, message_key: int, sub: Any, process_instance_key: int) -> None:
    ctx.conn.execute(
        "INSERT OR IGNORE INTO message_correlations(message_key, bpmn_process_id) VALUES (?, ?)",
        (message_key, sub["bpmn_process_id"]),
    )
    ctx.record(ValueType.MESSAGE_SUBSCRIPTION, "CORRELATED", sub["key"],
               {"messageName": sub["name"], "correlationKey": sub["correlation_key"], "messageKey": message_key,
                "elementId": sub["element_id"], "processInstanceKey": process_instance_key,
                "bpmnProcessId": sub["bpmn_process_id"], "tenantId": sub["tenant_id"]},
               process_instance_key=process_instance_key)


# ---------------------------------------------------------------------------- publish and correlate


def _reached(
    ctx: ProcessingContext, message_key: int, name: str, correlation_key: str, document: dict[str, Any]
) -> tuple[set[str], list[int], list[int]]:
    """Correlate to subscriptions, then start events; (processes reached, started PIs, caught PIs)."""
    from autoops.engine import start_events

    done: set[str] = set()
    caught: list[int] = []
    started: list[int] = []
    for sub in ctx.conn.execute(
        "SELECT * FROM subscriptions WHERE kind = 'message' AND name = ? AND correlation_key = ?"
        " AND owner_key IS NOT NULL ORDER BY key",
        (name, correlation_key),
    ).fetchall():
        if sub["bpmn_process_id"] in done:
            continue
        if ctx.conn.execute("SELECT 1 FROM subscriptions WHERE key = ?", (sub["key"],)).fetchone() is None:
            continue  # closed by an earlier trigger of this command
        owner = ctx.instance(sub["owner_key"])
        if owner is None or not trigger(ctx, owner, sub["element_id"], sub["role"], bool(sub["interrupting"]),
                                        dict(document)):
            continue
        done.add(sub["bpmn_process_id"])
        caught.append(owner.process_instance_key)
        _mark_correlated(ctx, message_key, sub, owner.process_instance_key)
    for sub in ctx.conn.execute(
        "SELECT * FROM subscriptions WHERE kind = 'message' AND name = ? AND correlation_key = ''"
        " AND owner_key IS NULL ORDER BY key",
        (name,),
    ).fetchall():
        if sub["bpmn_process_id"] in done:
            continue
        if correlation_key and ctx.conn.execute(
            "SELECT 1 FROM message_start_keys WHERE bpmn_process_id = ? AND correlation_key = ?",
            (sub["bpmn_process_id"], correlation_key),
        ).fetchone() is not None:
            continue  # one active instance per correlation key: the message waits in the buffer
        root = start_events.create_at(ctx, sub["definition_key"], sub["element_id"], dict(document))
        if correlation_key:
            ctx.conn.execute(
                "INSERT INTO message_start_keys(bpmn_process_id, correlation_key, process_instance_key)"
                " VALUES (?, ?, ?)",
                (sub["bpmn_process_id"], correlation_key, root.key),
            )
            ctx.set_data(root, {**(root.data or {}), "message_start_key": correlation_key})
        done.add(sub["bpmn_process_id"])
        started.append(root.key)
        _mark_correlated(ctx, message_key, sub, root.key)
    return done, started, caught


def _check_document(intent: str, document: Any) -> dict[str, Any]:
    from autoops.engine.instances import check_document

    return check_document(ValueType.MESSAGE, intent, document)


def publish(
    ctx: ProcessingContext,
    name: str,
    correlation_key: str,
    time_to_live_ms: int,
    message_id: str | None,
    document: Any,
    tenant_id: str,
) -> PublishedMessage:
    """MESSAGE PUBLISH."""
    doc = _check_document("PUBLISH", document)
    message_id = message_id or ""
    if message_id and ctx.conn.execute(
        "SELECT 1 FROM messages WHERE name = ? AND correlation_key = ? AND message_id = ? AND deadline > ?",
        (name, correlation_key, message_id, ctx.now),
    ).fetchone() is not None:
        raise Rejection(ValueType.MESSAGE, "PUBLISH", RejectionType.ALREADY_EXISTS,
                        f"Expected to publish a new message with id '{message_id}', but a message with that id was "
                        "already published")
    key = ctx.keys.next()
    ttl = max(0, int(time_to_live_ms))
    deadline = ctx.now + ttl
    value = {"name": name, "correlationKey": correlation_key, "timeToLive": ttl, "messageId": message_id,
             "variables": doc, "deadline": deadline, "tenantId": tenant_id}
    ctx.record(ValueType.MESSAGE, "PUBLISHED", key, value)
    done, _started, _caught = _reached(ctx, key, name, correlation_key, doc)
    if ttl > 0:
        ctx.conn.execute(
            "INSERT INTO messages(key, name, correlation_key, message_id, variables, deadline, tenant_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, name, correlation_key, message_id, dumps(doc), deadline, tenant_id),
        )
        ctx.conn.executemany(
            "INSERT OR IGNORE INTO message_correlations(message_key, bpmn_process_id) VALUES (?, ?)",
            [(key, pid) for pid in done],
        )
        scheduler.set_due(ctx, DUE_TTL, key, deadline)
    else:
        ctx.record(ValueType.MESSAGE, "EXPIRED", key, value)
    return PublishedMessage(key, tenant_id)


def correlate(
    ctx: ProcessingContext, name: str, correlation_key: str, document: Any, tenant_id: str
) -> CorrelatedMessage:
    """MESSAGE_CORRELATION CORRELATE: correlate now or be rejected; nothing is buffered."""
    doc = _check_document("CORRELATE", document)
    key = ctx.keys.next()
    _done, started, caught = _reached(ctx, key, name, correlation_key, doc)
    reached = started + caught
    if not reached:
        raise Rejection(
            "MESSAGE_CORRELATION", "CORRELATE", RejectionType.NOT_FOUND,
            f"Expected to find subscription for message with name '{name}' and correlation key "
            f"'{correlation_key}', but none was found.",
        )
    ctx.record("MESSAGE_CORRELATION", "CORRELATED", key,
               {"name": name, "correlationKey": correlation_key, "variables": doc, "tenantId": tenant_id,
                "processInstanceKey": reached[0]},
               process_instance_key=reached[0])
    return CorrelatedMessage(key, reached[0], tenant_id)


# ---------------------------------------------------------------------------- expiry and start keys


def expire(ctx: ProcessingContext, key: int) -> None:
    row = ctx.conn.execute("SELECT * FROM messages WHERE key = ?", (key,)).fetchone()
    if row is None:
        return
    ctx.conn.execute("DELETE FROM messages WHERE key = ?", (key,))
    ctx.conn.execute("DELETE FROM message_correlations WHERE message_key = ?", (key,))
    ctx.record(ValueType.MESSAGE, "EXPIRED", key,
               {"name": row["name"], "correlationKey": row["correlation_key"], "messageId": row["message_id"],
                "deadline": row["deadline"], "tenantId": row["tenant_id"]})


scheduler.register_due_handler(DUE_TTL, expire)


def _on_transition(ctx: ProcessingContext, inst: ElementInstance, intent: str) -> None:
    if inst.flow_scope_key is not None or inst.data is None:
        return
    if intent not in (ProcessInstanceIntent.ELEMENT_COMPLETED, ProcessInstanceIntent.ELEMENT_TERMINATED):
        return
    correlation_key = inst.data.get("message_start_key")
    if correlation_key:
        ctx.conn.execute(
            "DELETE FROM message_start_keys WHERE bpmn_process_id = ? AND correlation_key = ?"
            " AND process_instance_key = ?",
            (inst.bpmn_process_id, correlation_key, inst.key),
        )
        ctx.push("message_start_released", inst.key, bpmn_process_id=inst.bpmn_process_id,
                 correlation_key=correlation_key)


def _released_step(ctx: ProcessingContext, step: Step) -> None:
    """An instance started by a keyed message ended: a buffered message with that key may start the next."""
    from autoops.engine import start_events

    pid: str = step.args["bpmn_process_id"]
    correlation_key: str = step.args["correlation_key"]
    for sub in ctx.conn.execute(
        "SELECT * FROM subscriptions WHERE owner_key IS NULL AND bpmn_process_id = ? AND kind = 'message'"
        " ORDER BY key",
        (pid,),
    ).fetchall():
        row = ctx.conn.execute(
            "SELECT key, variables FROM messages m WHERE name = ? AND correlation_key = ? AND deadline > ?"
            " AND NOT EXISTS (SELECT 1 FROM message_correlations c WHERE c.message_key = m.key"
            " AND c.bpmn_process_id = ?) ORDER BY key LIMIT 1",
            (sub["name"], correlation_key, ctx.now, pid),
        ).fetchone()
        if row is None:
            continue
        root = start_events.create_at(ctx, sub["definition_key"], sub["element_id"], json.loads(row["variables"]))
        ctx.conn.execute(
            "INSERT INTO message_start_keys(bpmn_process_id, correlation_key, process_instance_key) VALUES (?, ?, ?)",
            (pid, correlation_key, root.key),
        )
        ctx.set_data(root, {**(root.data or {}), "message_start_key": correlation_key})
        _mark_correlated(ctx, row["key"], sub, root.key)
        return


lifecycle.add_transition_listener(_on_transition, (ProcessInstanceIntent.ELEMENT_COMPLETED, ProcessInstanceIntent.ELEMENT_TERMINATED))
lifecycle.register_step("message_start_released", _released_step)
