"""The event-based gateway: subscribes to every catch event after it; the first trigger wins.

The gateway owns the subscriptions of the events that follow it. The first one to trigger closes
all of them, completes the gateway and activates the triggered event after the flow to it, which
completes at once with the trigger's variables.
"""

from __future__ import annotations

from collections.abc import Sequence

from autoops.bpmn.model import FlowNode, SequenceFlow
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.processors.base import ElementProcessor

__all__ = ["EventBasedGatewayProcessor"]


class EventBasedGatewayProcessor(ElementProcessor):
    bpmn_element_type = "EVENT_BASED_GATEWAY"

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import catch_events, lifecycle

        assert node is not None
        process = ctx.model(inst.definition_key).process
        lifecycle.to_activated(ctx, inst)
        for flow_id in node.outgoing:
            target = process.node(process.flow(flow_id).target)
            catch_events.open_catch(ctx, inst, catch_events.CatchPlan(target, "gateway", True))

    def outgoing(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode) -> Sequence[SequenceFlow]:
        return ()

    def after_completed(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import catch_events, lifecycle

        data = inst.data or {}
        chosen = data.get("chosen")
        if node is None or chosen is None or inst.flow_scope_key is None:
            return
        process = ctx.model(inst.definition_key).process
        scope = ctx.require_instance(inst.flow_scope_key)
        for flow_id in node.outgoing:
            flow = process.flow(flow_id)
            if flow.target == chosen:
                lifecycle.record_flow_taken(ctx, scope, inst, flow)
                break
        catch_events.activate_triggered(ctx, scope, chosen, dict(data.get("trigger") or {}))
