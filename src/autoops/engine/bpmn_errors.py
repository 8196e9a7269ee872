"""BPMN error and escalation propagation (spec §7.5, §7.6): find the catch event up the scopes.

The search starts at the throwing element and climbs: at each level it looks at the element's
boundary events and, when the level is a scope (process, subprocess, event subprocess), first at
the start events of its event subprocesses. A catch event with the thrown code beats a catch-all
(no code) at the same level; the first level with a match wins. Past a process instance that a
call activity started, the search continues at the call activity in the parent process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from autoops.bpmn.model import Activity, Event, EventKind, FlowNode, SubProcess
from autoops.engine.catch_events import trigger
from autoops.engine.context import ElementInstance, ProcessingContext

__all__ = ["Catch", "find_catch", "find_error_catch", "unhandled_error_message"]

CONTAINERS = ("PROCESS", "SUB_PROCESS", "EVENT_SUB_PROCESS")


@dataclass(frozen=True, slots=True)
class Catch:
    owner: ElementInstance
    element_id: str
    role: str
    interrupting: bool

    def fire(self, ctx: ProcessingContext, variables: dict[str, Any]) -> bool:
        return trigger(ctx, self.owner, self.element_id, self.role, self.interrupting, variables)


def _code_of(node: Event, kind: EventKind) -> str | None:
    definition = node.definition
    if definition is None:
        return None
    if kind is EventKind.ERROR:
        return None if definition.error is None else definition.error.error_code
    return None if definition.escalation is None else definition.escalation.escalation_code


def _pick(candidates: Iterable[Event], kind: EventKind, code: str) -> Event | None:
    catch_all: Event | None = None
    for node in candidates:
        if node.event_kind is not kind:
            continue
        own = _code_of(node, kind)
        if own is not None and own.strip() and own == code:
            return node
        if (own is None or not own.strip()) and catch_all is None:
            catch_all = node
    return catch_all


def find_catch(ctx: ProcessingContext, thrower: ElementInstance, kind: EventKind, code: str) -> Catch | None:
    """The catch event for an error or escalation with ``code`` thrown at ``thrower``, or None."""
    current: ElementInstance | None = thrower
    while current is not None:
        process = ctx.model(current.definition_key).process
        node: FlowNode | None = None if current.flow_scope_key is None else process.node(current.element_id)
        if current.state in ("ACTIVATED", "ACTIVATING", "COMPLETING"):
            if current.element_type in CONTAINERS:
                body = process.body if node is None else node.body if isinstance(node, SubProcess) else None
                interrupted = bool((current.data or {}).get("terminating_children"))
                if body is not None and current.state == "ACTIVATED" and not interrupted:
                    starts = [esp.body.start_events()[0] for esp in body.event_subprocesses() if esp.body.start_events()]
                    found = _pick(starts, kind, code)
                    if found is not None:
                        interrupting = True if kind is EventKind.ERROR else found.interrupting
                        return Catch(current, found.id, "esp", interrupting)
            inner_of_body = False
            if current.flow_scope_key is not None:
                scope = ctx.instance(current.flow_scope_key)
                inner_of_body = scope is not None and scope.element_type == "MULTI_INSTANCE_BODY"
            if isinstance(node, Activity) and node.boundary_events and not inner_of_body and current.state == "ACTIVATED":
                boundaries = [b for b in (process.node(i) for i in node.boundary_events) if isinstance(b, Event)]
                found = _pick(boundaries, kind, code)
                if found is not None:
                    interrupting = True if kind is EventKind.ERROR else found.interrupting
                    return Catch(current, found.id, "boundary", interrupting)
        if current.flow_scope_key is not None:
            current = ctx.instance(current.flow_scope_key)
        elif current.parent_element_instance_key is not None:
            current = ctx.instance(current.parent_element_instance_key)
        else:
            current = None
    return None


def find_error_catch(
    ctx: ProcessingContext, inst: ElementInstance, error_code: str
) -> Callable[[dict[str, Any]], None] | None:
    """The engine hook for ThrowError on a job."""
    found = find_catch(ctx, inst, EventKind.ERROR, error_code)
    if found is None:
        return None

    def fire(variables: dict[str, Any]) -> None:
        found.fire(ctx, variables)

    return fire


def unhandled_error_message(error_code: str, error_message: str = "") -> str:
    message = f"Expected to throw an error event with the code '{error_code}'"
    if error_message:
        message += f" with message '{error_message}'"
    return message + ", but it was not caught. No error events are available in the scope."
