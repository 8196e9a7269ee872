"""Catch events: which subscriptions an element instance opens, and what a trigger does.

An element instance *owns* the subscriptions that live as long as it does: a catch event or
receive task its own, an event-based gateway those of the events after it, an activity those of
its boundary events, a scope (process, subprocess) those of its event subprocesses' start events.
They open when the owner is ACTIVATED and close when it starts COMPLETING or TERMINATING (the
owner's ``data["subs"]`` flag says there is something to close, so plain elements pay nothing).

A trigger (a message correlates, a timer is due, a signal is broadcast, an error or escalation is
caught) goes through :func:`trigger`, which acts by the subscription's role:

- ``catch``: the owner (intermediate catch event, receive task) completes with the variables;
- ``gateway``: the event-based gateway completes and the triggered event is activated after it;
- ``boundary``: interrupting terminates the activity, then activates the boundary event;
  non-interrupting activates the boundary event alongside;
- ``esp``: interrupting terminates every other child of the scope, then activates the event
  subprocess; non-interrupting activates it alongside.

Triggered events carry their variables in ``data["trigger"]`` and complete at once; the lifecycle
then merges the variables as Zeebe does (local to the event plus output mappings if it has some,
else propagated).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autoops.bpmn.model import Activity, ElementKind, Event, EventKind, FlowNode, Process, SubProcess
from autoops.engine import lifecycle
from autoops.engine.context import ElementInstance, ProcessingContext, Step
from autoops.engine.records import ElementState, ProcessInstanceIntent

__all__ = [
    "CatchPlan",
    "activate_triggered",
    "close_owned",
    "open_catch",
    "trigger",
    "triggered_variables",
]

S = ElementState
PI = ProcessInstanceIntent
SUBSCRIBING_KINDS = (EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL)
CONTAINER_TYPES = ("PROCESS", "SUB_PROCESS", "EVENT_SUB_PROCESS")


@dataclass(frozen=True, slots=True)
class CatchPlan:
    """A catch event an owner subscribes to: the event node, its role and whether it interrupts."""

    node: FlowNode
    role: str
    interrupting: bool


def event_kind_of(node: FlowNode) -> EventKind | None:
    if isinstance(node, Event):
        return node.event_kind
    if node.kind is ElementKind.RECEIVE_TASK:
        return EventKind.MESSAGE
    return None


# ---------------------------------------------------------------------------- plans (memoised per model)

def _process(ctx: ProcessingContext, inst: ElementInstance) -> Process:
    return ctx.model(inst.definition_key).process


def plans_for(ctx: ProcessingContext, inst: ElementInstance) -> tuple[CatchPlan, ...]:
    """Boundary and event-subprocess subscriptions an instance opens when ACTIVATED."""
    memo_key = (inst.definition_key, inst.element_id, inst.element_type)
    memo: dict[tuple[int, str, str], tuple[CatchPlan, ...]] = ctx.models.catch_plans
    found = memo.get(memo_key)
    if found is not None:
        return found
    process = _process(ctx, inst)
    plans: list[CatchPlan] = []
    body = None
    if inst.element_type == "PROCESS":
        body = process.body
    else:
        node = process.node(inst.element_id)
        if isinstance(node, Activity) and (node.multi_instance is None or inst.element_type == "MULTI_INSTANCE_BODY"):
            for boundary_id in node.boundary_events:
                boundary = process.node(boundary_id)
                if event_kind_of(boundary) in SUBSCRIBING_KINDS:
                    assert isinstance(boundary, Event)
                    plans.append(CatchPlan(boundary, "boundary", boundary.interrupting))
        if isinstance(node, SubProcess) and inst.element_type != "MULTI_INSTANCE_BODY":
            body = node.body
    if body is not None:
        for esp in body.event_subprocesses():
            starts = esp.body.start_events()
            if starts and starts[0].event_kind in SUBSCRIBING_KINDS:
                plans.append(CatchPlan(starts[0], "esp", starts[0].interrupting))
    result = tuple(plans)
    memo[memo_key] = result
    return result


def _opens(ctx: ProcessingContext, inst: ElementInstance) -> bool:
    return bool(plans_for(ctx, inst))


lifecycle.opens_subscriptions = _opens


# ---------------------------------------------------------------------------- opening and closing


def open_catch(ctx: ProcessingContext, owner: ElementInstance, plan: CatchPlan) -> None:
    """Open the subscription (or timer) of one catch event for ``owner``; may raise ProcessingFailure."""
    from autoops.engine import messages, signals, timers

    kind = event_kind_of(plan.node)
    if kind is EventKind.MESSAGE:
        messages.subscribe(ctx, owner, plan)
    elif kind is EventKind.SIGNAL:
        signals.subscribe(ctx, owner, plan)
    elif kind is EventKind.TIMER:
        timers.schedule(ctx, owner, plan)
    else:
        return
    if not (owner.data or {}).get("subs"):
        ctx.set_data(owner, {**(owner.data or {}), "subs": 1})


def close_owned(ctx: ProcessingContext, owner: ElementInstance, role: str | None = None) -> None:
    """Close the subscriptions and timers ``owner`` holds (only those of ``role`` if given)."""
    from autoops.engine import timers

    if role is None:
        ctx.conn.execute("DELETE FROM subscriptions WHERE owner_key = ?", (owner.key,))
    else:
        ctx.conn.execute("DELETE FROM subscriptions WHERE owner_key = ? AND role = ?", (owner.key, role))
    timers.cancel_owned(ctx, owner.key, role)


def _on_transition(ctx: ProcessingContext, inst: ElementInstance, intent: str) -> None:
    if intent == PI.ELEMENT_ACTIVATED:
        if inst.flow_scope_key is None and inst.element_type != "PROCESS":
            return
        for plan in plans_for(ctx, inst):
            open_catch(ctx, inst, plan)
    elif intent in (PI.ELEMENT_COMPLETING, PI.ELEMENT_TERMINATING):
        if inst.data is not None and inst.data.get("subs"):
            close_owned(ctx, inst)
    elif intent == PI.ELEMENT_TERMINATED:
        pending = None if inst.data is None else inst.data.get("interrupted_by")
        if pending is not None and inst.flow_scope_key is not None:
            scope = ctx.require_instance(inst.flow_scope_key)
            activate_triggered(ctx, scope, pending[0], pending[1])


lifecycle.add_transition_listener(_on_transition, (PI.ELEMENT_ACTIVATED, PI.ELEMENT_COMPLETING, PI.ELEMENT_TERMINATING, PI.ELEMENT_TERMINATED))


# ---------------------------------------------------------------------------- triggering


def trigger(
    ctx: ProcessingContext,
    owner: ElementInstance,
    element_id: str,
    role: str,
    interrupting: bool,
    variables: dict[str, Any],
) -> bool:
    """Fire the catch event ``element_id`` of ``owner``; False if the owner can no longer be triggered."""
    if owner.state != S.ACTIVATED:
        return False
    if role == "catch":
        close_owned(ctx, owner)
        lifecycle.complete(ctx, owner, variables)
        return True
    if role == "gateway":
        close_owned(ctx, owner)
        ctx.set_data(owner, {**(owner.data or {}), "chosen": element_id, "trigger": variables})
        lifecycle.complete(ctx, owner)
        return True
    if owner.flow_scope_key is None and role == "boundary":
        return False
    if role == "boundary":
        if interrupting:
            close_owned(ctx, owner)
            ctx.set_data(owner, {**(owner.data or {}), "interrupted_by": [element_id, variables]})
            lifecycle.terminate(ctx, owner)
        else:
            assert owner.flow_scope_key is not None
            activate_triggered(ctx, ctx.require_instance(owner.flow_scope_key), element_id, variables)
        return True
    if role == "esp":
        if (owner.data or {}).get("terminating_children"):
            return False
        esp_id = _process(ctx, owner).parent_id(element_id)
        if interrupting:
            from autoops.engine.processors.gateways import drop_join_tokens

            close_owned(ctx, owner, "esp")
            ctx.set_data(owner, {**(owner.data or {}), "terminating_children": True})
            activate_triggered(ctx, owner, esp_id, variables, start_id=element_id, force=True)
            dropped = drop_join_tokens(ctx, owner)
            if dropped:
                ctx.add_children(owner, -dropped)
            for child in ctx.live_children(owner.key):
                lifecycle.terminate_now(ctx, child)
        else:
            activate_triggered(ctx, owner, esp_id, variables, start_id=element_id)
        return True
    raise LookupError(f"unknown subscription role {role!r}")


def activate_triggered(
    ctx: ProcessingContext,
    scope: ElementInstance,
    element_id: str,
    variables: dict[str, Any],
    *,
    start_id: str | None = None,
    force: bool = False,
) -> None:
    """Queue the activation of a triggered event (or event subprocess) in ``scope``; counted at once."""
    ctx.add_children(scope, 1)
    ctx.push("activate_triggered", scope.key, element_id=element_id, variables=variables, start_id=start_id,
             force=force)


def _activate_triggered_step(ctx: ProcessingContext, step: Step) -> None:
    scope = ctx.require_instance(step.key)
    if scope.state != S.ACTIVATED or ((scope.data or {}).get("terminating_children") and not step.args["force"]):
        lifecycle.release_token(ctx, scope)
        return
    node = _process(ctx, scope).node(step.args["element_id"])
    data: dict[str, Any] = {"trigger": step.args["variables"] or {}}
    if step.args["start_id"] is not None:
        data["start"] = step.args["start_id"]
    lifecycle.create_and_activate(ctx, scope, node, data=data)


lifecycle.register_step("activate_triggered", _activate_triggered_step)


def triggered_variables(inst: ElementInstance) -> dict[str, Any] | None:
    """The variables a triggered event was activated with, or None if it was reached by a flow."""
    if inst.data is None:
        return None
    found = inst.data.get("trigger")
    return None if found is None else dict(found)
