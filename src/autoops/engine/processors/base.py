"""The contract every element processor fulfils, with the defaults most elements share.

The lifecycle module calls ``on_activate`` in ACTIVATING and ``on_complete`` in COMPLETING (both may
raise :class:`ProcessingFailure`, which becomes an incident), ``on_terminate`` in TERMINATING, and
asks ``outgoing`` which flows to take on completion. Processors move the element on by calling the
lifecycle's transitions; they never write element states themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from autoops.bpmn.model import FlowNode, SequenceFlow
from autoops.engine.context import ElementInstance, ProcessingContext

__all__ = ["ElementProcessor", "PassThroughProcessor"]


class ElementProcessor:
    """Default behaviour: input mappings, then wait (subclasses decide what "active" means)."""

    bpmn_element_type = "UNSPECIFIED"

    def element_type(self, node: FlowNode) -> str:
        return self.bpmn_element_type

    def activation_may_fail(self, node: FlowNode | None) -> bool:
        """Whether ``on_activate`` can raise; if not, the lifecycle skips the savepoint."""
        return True

    def completion_may_fail(self, node: FlowNode | None) -> bool:
        """Whether ``on_complete`` can raise (by default: only output mappings can)."""
        return node is not None and bool(node.io_mapping.outputs)

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle, variables

        if node is not None:
            variables.apply_input_mappings(ctx, inst, node)
        lifecycle.to_activated(ctx, inst)

    def on_complete(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle, variables

        if node is not None:
            variables.apply_output_mappings(ctx, inst, node)
        lifecycle.to_completed(ctx, inst, node)

    def on_terminate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        lifecycle.to_terminated(ctx, inst)

    def outgoing(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode) -> Sequence[SequenceFlow]:
        """Implicit fork: every outgoing flow."""
        model = ctx.model(inst.definition_key).process
        return [model.flow(f) for f in node.outgoing]

    def after_completed(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        """Hook after ELEMENT_COMPLETED (the process answers awaiting callers here)."""

    def after_terminated(self, ctx: ProcessingContext, inst: ElementInstance) -> None:
        """Hook after ELEMENT_TERMINATED."""


class PassThroughProcessor(ElementProcessor):
    """Elements that complete as soon as they are activated: none events, manual and undefined tasks."""

    def __init__(self, bpmn_element_type: str) -> None:
        self.bpmn_element_type = bpmn_element_type

    def activation_may_fail(self, node: FlowNode | None) -> bool:
        return node is not None and bool(node.io_mapping.inputs)

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        super().on_activate(ctx, inst, node)
        lifecycle.complete(ctx, inst)
