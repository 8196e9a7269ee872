"""Throwing events: error end events, escalation throw/end events, signal throw/end events.

An error end event throws when ACTIVATED and stays there until the catching scope terminates it;
an uncaught error is an UNHANDLED_ERROR_EVENT incident on it (resolving re-runs the throw). An
escalation continues unless an interrupting catch event took it (uncaught: no incident). A
signal throw broadcasts, then continues.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autoops.bpmn.model import Event, EventKind, FlowNode
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.processors.base import ElementProcessor

if TYPE_CHECKING:
    from autoops.engine.bpmn_errors import Catch

__all__ = ["ErrorEndEventProcessor", "EscalationThrowProcessor", "SignalThrowProcessor"]


def _throw(ctx: ProcessingContext, inst: ElementInstance, node: Event, kind: EventKind,
           raw_code: str | None) -> tuple[str, Catch | None]:
    """Input mappings, the (FEEL) code, ACTIVATED, then the catch event walking up the scopes."""
    from autoops.engine import bpmn_errors, expressions, lifecycle, variables

    variables.apply_input_mappings(ctx, inst, node)
    code = "" if raw_code is None else str(
        expressions.static_or_expected(ctx, raw_code, variables.ScopeView(ctx, inst.key), "STRING"))
    lifecycle.to_activated(ctx, inst)
    return code, bpmn_errors.find_catch(ctx, inst, kind, code)


class ErrorEndEventProcessor(ElementProcessor):
    bpmn_element_type = "END_EVENT"

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import bpmn_errors

        assert isinstance(node, Event) and node.definition is not None
        error = node.definition.error
        code, found = _throw(ctx, inst, node, EventKind.ERROR, None if error is None else error.error_code)
        if found is None or not found.fire(ctx, {}):
            raise ProcessingFailure(ErrorType.UNHANDLED_ERROR_EVENT, bpmn_errors.unhandled_error_message(code))


class EscalationThrowProcessor(ElementProcessor):
    def __init__(self, bpmn_element_type: str) -> None:
        self.bpmn_element_type = bpmn_element_type

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        assert isinstance(node, Event) and node.definition is not None
        escalation = node.definition.escalation
        _code, found = _throw(ctx, inst, node, EventKind.ESCALATION,
                              None if escalation is None else escalation.escalation_code)
        if found is not None and found.fire(ctx, {}) and found.interrupting:
            return  # the interrupting catch terminates the scope holding this event
        lifecycle.complete(ctx, inst)


class SignalThrowProcessor(ElementProcessor):
    def __init__(self, bpmn_element_type: str) -> None:
        self.bpmn_element_type = bpmn_element_type

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle, signals, variables

        assert isinstance(node, Event)
        variables.apply_input_mappings(ctx, inst, node)
        name = signals.signal_name(ctx, node, inst.key)
        lifecycle.to_activated(ctx, inst)
        signals.broadcast(ctx, name, variables.local_document(ctx, inst.key), inst.tenant_id)
        lifecycle.complete(ctx, inst)
