"""Containers: the process itself and embedded subprocesses.

A container activates its none start event, completes when its last token is gone, and on
termination terminates its children first (top-down) and finishes when the last one is gone.
"""

from __future__ import annotations

from autoops.bpmn.model import FlowNode, SubProcess
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.deployment import none_start_event
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.processors.base import ElementProcessor

__all__ = ["ProcessProcessor", "SubProcessProcessor"]


class ProcessProcessor(ElementProcessor):
    bpmn_element_type = "PROCESS"

    def activation_may_fail(self, node: FlowNode | None) -> bool:
        return False

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        lifecycle.to_activated(ctx, inst)
        start = none_start_event(ctx.model(inst.definition_key).process)
        if start is None:  # creation checks this first; kept as a guard for direct callers
            raise ProcessingFailure(ErrorType.UNKNOWN, "process has no none start event")
        lifecycle.activate_child(ctx, inst, start.id)

    def on_terminate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        lifecycle.terminate_children(ctx, inst)

    def after_completed(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        ctx.hooks.process_completed(ctx, inst)

    def after_terminated(self, ctx: ProcessingContext, inst: ElementInstance) -> None:
        ctx.hooks.process_terminated(ctx, inst)


class SubProcessProcessor(ElementProcessor):
    bpmn_element_type = "SUB_PROCESS"

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle, variables

        assert isinstance(node, SubProcess)
        variables.apply_input_mappings(ctx, inst, node)
        lifecycle.to_activated(ctx, inst)
        starts = [s for s in node.body.start_events() if not s.event_definitions]
        if not starts:
            raise ProcessingFailure(ErrorType.UNKNOWN, f"subprocess '{node.id}' has no none start event")
        lifecycle.activate_child(ctx, inst, starts[0].id)

    def on_terminate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        lifecycle.terminate_children(ctx, inst)
