"""Throwing events: error end events, escalation throw/end events, signal throw/end events.

An error end event throws when ACTIVATED and stays there until the catching scope terminates it;
an uncaught error is an UNHANDLED_ERROR_EVENT incident on it (resolving re-runs the throw). An
escalation continues unless an interrupting catch event took it (uncaught: no incident). A
signal throw broadcasts, then continues.
"""

from __future__ import annotations

from autoops.bpmn.model import Event, EventKind, FlowNode
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.processors.base import ElementProcessor

__all__ = ["ErrorEndEventProcessor", "EscalationThrowProcessor", "SignalThrowProcessor"]


def _code(ctx: ProcessingContext, inst: ElementInstance, raw: str | None) -> str:
    from autoops.engine import expressions, variables

    if raw is None:
        return ""
    return str(expressions.static_or_expected(ctx, raw, variables.ScopeView(ctx, inst.key), "STRING"))


class ErrorEndEventProcessor(ElementProcessor):
    bpmn_element_type = "END_EVENT"

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import bpmn_errors, lifecycle, variables

        assert isinstance(node, Event) and node.definition is not None
        variables.apply_input_mappings(ctx, inst, node)
        error = node.definition.error
        code = _code(ctx, inst, None if error is None else error.error_code)
        lifecycle.to_activated(ctx, inst)
        found = bpmn_errors.find_catch(ctx, inst, EventKind.ERROR, code)
        if found is None or not found.fire(ctx, {}):
            raise ProcessingFailure(ErrorType.UNHANDLED_ERROR_EVENT, bpmn_errors.unhandled_error_message(code))


class EscalationThrowProcessor(ElementProcessor):
    def __init__(self, bpmn_element_type: str) -> None:
        self.bpmn_element_type = bpmn_element_type

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import bpmn_errors, lifecycle, variables

        assert isinstance(node, Event) and node.definition is not None
        variables.apply_input_mappings(ctx, inst, node)
        escalation = node.definition.escalation
        code = _code(ctx, inst, None if escalation is None else escalation.escalation_code)
        lifecycle.to_activated(ctx, inst)
        found = bpmn_errors.find_catch(ctx, inst, EventKind.ESCALATION, code)
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
