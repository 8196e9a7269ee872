"""Signals (spec §7.8): a broadcast triggers every open signal subscription with its name and starts
one instance of each process (latest version) with a matching signal start event. Nothing is
buffered: a broadcast that finds nobody is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autoops.bpmn.model import Event
from autoops.engine import variables
from autoops.engine.catch_events import CatchPlan, trigger
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.records import ValueType

__all__ = ["BroadcastSignalResult", "broadcast", "subscribe"]


@dataclass(frozen=True, slots=True)
class BroadcastSignalResult:
    key: int
    tenant_id: str


def signal_name(ctx: ProcessingContext, node: Event, scope_key: int | None) -> str:
    from autoops.engine import expressions

    definition = node.definition
    raw = None if definition is None or definition.signal is None else definition.signal.name
    if not raw:
        raise ProcessingFailure(ErrorType.EXTRACT_VALUE_ERROR, f"Element '{node.id}' has no signal name")
    view = variables.ScopeView(ctx, scope_key) if scope_key is not None else {}
    return str(expressions.static_or_expected(ctx, raw, view, "STRING"))


def subscribe(ctx: ProcessingContext, owner: ElementInstance, plan: CatchPlan) -> None:
    assert isinstance(plan.node, Event)
    name = signal_name(ctx, plan.node, owner.key)
    ctx.conn.execute(
        "INSERT INTO subscriptions(key, kind, name, correlation_key, owner_key, element_id, role, interrupting,"
        " process_instance_key, bpmn_process_id, definition_key, tenant_id)"
        " VALUES (?, 'signal', ?, '', ?, ?, ?, ?, ?, ?, ?, ?)",
        (ctx.keys.next(), name, owner.key, plan.node.id, plan.role, int(plan.interrupting),
         owner.process_instance_key, owner.bpmn_process_id, owner.definition_key, owner.tenant_id),
    )


def broadcast(ctx: ProcessingContext, name: str, document: Any, tenant_id: str) -> BroadcastSignalResult:
    """SIGNAL BROADCAST (also used by signal throw and end events)."""
    from autoops.engine import start_events
    from autoops.engine.instances import check_document

    doc = check_document(ValueType.SIGNAL, "BROADCAST", document)
    key = ctx.keys.next()
    ctx.record(ValueType.SIGNAL, "BROADCASTED", key, {"signalName": name, "variables": doc, "tenantId": tenant_id})
    rows = ctx.conn.execute(
        "SELECT * FROM subscriptions WHERE kind = 'signal' AND name = ? AND correlation_key = '' ORDER BY key", (name,)
    ).fetchall()
    for sub in rows:
        if ctx.conn.execute("SELECT 1 FROM subscriptions WHERE key = ?", (sub["key"],)).fetchone() is None:
            continue  # closed by an earlier trigger of this broadcast
        if sub["owner_key"] is None:
            start_events.create_at(ctx, sub["definition_key"], sub["element_id"], dict(doc))
            continue
        owner = ctx.instance(sub["owner_key"])
        if owner is not None:
            trigger(ctx, owner, sub["element_id"], sub["role"], bool(sub["interrupting"]), dict(doc))
    return BroadcastSignalResult(key, tenant_id)
