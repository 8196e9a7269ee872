"""Start events other than the none start event: message, signal and timer start events.

Deploying a new version of a process replaces the start subscriptions and start timers of the
previous version with its own (spec §6.6). A trigger creates an instance of that version whose
token starts at the triggered start event, which completes with the trigger's variables.
"""

from __future__ import annotations

from typing import Any

from autoops import bpmn
from autoops.bpmn.model import Event, EventKind
from autoops.engine import lifecycle, timers
from autoops.engine.catch_events import CatchPlan, activate_triggered
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.deployment import DeployedProcess
from autoops.engine.errors import ProcessingFailure
from autoops.engine.records import ProcessInstanceIntent, ValueType
from autoops.engine.rejections import Rejection, RejectionType

__all__ = ["close_all", "create_at", "on_deployed"]


def on_deployed(ctx: ProcessingContext, deployed: DeployedProcess) -> None:
    """Close the start subscriptions of older versions; open this version's.

    Message and signal names and timer values of start events are evaluated now, without
    variables; one that cannot be evaluated rejects the deployment, located at its element.
    """
    close_all(ctx, deployed.bpmn_process_id)
    for start in deployed.process.body.start_events():
        try:
            _open(ctx, deployed, start)
        except ProcessingFailure as failure:
            diagnostic = bpmn.Diagnostic(
                severity=bpmn.Severity.ERROR, source=deployed.resource_name, line=start.line, element_id=start.id,
                rule="start-event", message=failure.message,
            )
            raise Rejection(ValueType.DEPLOYMENT, "CREATE", RejectionType.INVALID_ARGUMENT,
                            bpmn.rejection_reason([(deployed.resource_name, [diagnostic])])) from failure


def close_all(ctx: ProcessingContext, bpmn_process_id: str) -> None:
    """Close every start subscription and start timer of a process (all versions)."""
    ctx.conn.execute("DELETE FROM subscriptions WHERE owner_key IS NULL AND bpmn_process_id = ?", (bpmn_process_id,))
    timers.cancel_start_timers(ctx, bpmn_process_id)


def _open(ctx: ProcessingContext, deployed: DeployedProcess, start: Event) -> None:
    from autoops.engine import expressions

    kind = start.event_kind
    definition = start.definition
    if kind is EventKind.TIMER:
        timers.schedule_start(ctx, deployed, CatchPlan(start, "start", True))
        return
    if kind is EventKind.MESSAGE and definition is not None and definition.message is not None:
        raw = definition.message.name or ""
    elif kind is EventKind.SIGNAL and definition is not None and definition.signal is not None:
        raw = definition.signal.name or ""
    else:
        return
    name = str(expressions.static_or_expected(ctx, raw, {}, "STRING"))
    ctx.conn.execute(
        "INSERT INTO subscriptions(key, kind, name, correlation_key, owner_key, element_id, role, interrupting,"
        " process_instance_key, bpmn_process_id, definition_key, tenant_id)"
        " VALUES (?, ?, ?, '', NULL, ?, 'start', 1, NULL, ?, ?, ?)",
        (ctx.keys.next(), str(kind), name, start.id, deployed.bpmn_process_id, deployed.key, deployed.tenant_id),
    )


def create_at(
    ctx: ProcessingContext, definition_key: int, start_id: str, variables: dict[str, Any]
) -> ElementInstance:
    """Create an instance of a definition whose token starts at the (triggered) start event ``start_id``."""
    deployed = ctx.model(definition_key)
    key = ctx.keys.next()
    root = lifecycle.new_process_instance(ctx, deployed, key)
    ctx.record(ValueType.PROCESS_INSTANCE, ProcessInstanceIntent.ELEMENT_ACTIVATING, key, root.record_json(),
               process_instance_key=key)
    lifecycle.to_activated(ctx, root)
    activate_triggered(ctx, root, start_id, variables)
    return root
