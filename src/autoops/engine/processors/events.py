"""None start/end/intermediate-throw events and the terminate end event."""

from __future__ import annotations

from autoops.bpmn.model import FlowNode
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.processors.base import PassThroughProcessor

__all__ = ["TerminateEndEventProcessor"]


class TerminateEndEventProcessor(PassThroughProcessor):
    """Completes, after terminating every other element of its flow scope; the scope then completes."""

    def __init__(self) -> None:
        super().__init__("END_EVENT")

    def on_complete(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle, variables
        from autoops.engine.processors.gateways import drop_join_tokens

        assert inst.flow_scope_key is not None
        scope = ctx.require_instance(inst.flow_scope_key)
        if node is not None:
            variables.apply_output_mappings(ctx, inst, node)
        ctx.set_data(scope, {**(scope.data or {}), "terminating_children": True})
        dropped = drop_join_tokens(ctx, scope)
        if dropped:
            ctx.add_children(scope, -dropped)
        for sibling in ctx.live_children(scope.key):
            if sibling.key != inst.key:
                lifecycle.terminate_now(ctx, sibling)
        lifecycle.to_completed(ctx, inst, node)
