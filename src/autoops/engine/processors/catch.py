"""Catching elements: intermediate catch events, receive tasks, boundary events, start events with
an event definition, event subprocesses, and link events.

An intermediate catch event or receive task opens its subscription when ACTIVATED and waits; when
it was activated by a trigger (after an event-based gateway) it completes at once. Boundary
events, event-subprocess start events and message/timer/signal start events are only ever
activated by a trigger and complete at once with its variables.
"""

from __future__ import annotations

from collections.abc import Sequence

from autoops.bpmn.model import Event, EventKind, FlowNode, SequenceFlow, SubProcess
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.processors.base import ElementProcessor

__all__ = [
    "BoundaryEventProcessor",
    "CatchEventProcessor",
    "EventSubProcessProcessor",
    "LinkThrowProcessor",
    "TriggeredStartProcessor",
]


class CatchEventProcessor(ElementProcessor):
    """Intermediate message/timer/signal catch events and receive tasks."""

    def __init__(self, bpmn_element_type: str) -> None:
        self.bpmn_element_type = bpmn_element_type

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import catch_events, lifecycle, variables

        assert node is not None
        variables.apply_input_mappings(ctx, inst, node)
        triggered = catch_events.triggered_variables(inst)
        lifecycle.to_activated(ctx, inst)
        if triggered is not None:
            lifecycle.complete(ctx, inst, triggered)
            return
        catch_events.open_catch(ctx, inst, catch_events.CatchPlan(node, "catch", True))


class TriggeredEventProcessor(ElementProcessor):
    """An event activated by its trigger: it completes at once with the trigger's variables."""

    def __init__(self, bpmn_element_type: str) -> None:
        self.bpmn_element_type = bpmn_element_type

    def activation_may_fail(self, node: FlowNode | None) -> bool:
        return node is not None and bool(node.io_mapping.inputs)

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import catch_events, lifecycle, variables

        if node is not None:
            variables.apply_input_mappings(ctx, inst, node)
        lifecycle.to_activated(ctx, inst)
        lifecycle.complete(ctx, inst, catch_events.triggered_variables(inst) or {})


class BoundaryEventProcessor(TriggeredEventProcessor):
    def __init__(self) -> None:
        super().__init__("BOUNDARY_EVENT")


class TriggeredStartProcessor(TriggeredEventProcessor):
    def __init__(self) -> None:
        super().__init__("START_EVENT")


class EventSubProcessProcessor(ElementProcessor):
    """An event subprocess: activated by the trigger of its start event, which it then activates."""

    bpmn_element_type = "EVENT_SUB_PROCESS"

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import catch_events, lifecycle, variables

        assert isinstance(node, SubProcess)
        variables.apply_input_mappings(ctx, inst, node)
        lifecycle.to_activated(ctx, inst)
        data = inst.data or {}
        start_id = data.get("start")
        if start_id is None:
            starts = node.body.start_events()
            if not starts:
                raise ProcessingFailure(ErrorType.UNKNOWN, f"event subprocess '{node.id}' has no start event")
            start_id = starts[0].id
        catch_events.activate_triggered(ctx, inst, start_id, catch_events.triggered_variables(inst) or {})

    def on_terminate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        lifecycle.terminate_children(ctx, inst)


def _link_target(ctx: ProcessingContext, inst: ElementInstance, node: Event) -> str:
    process = ctx.model(inst.definition_key).process
    definition = node.definition
    name = None if definition is None else definition.link_name
    parent = process.parent_id(node.id)
    for candidate in process.scope_of(parent).nodes:
        if (isinstance(candidate, Event) and candidate.kind == "intermediateCatchEvent"
                and candidate.event_kind is EventKind.LINK and candidate.definition is not None
                and candidate.definition.link_name == name):
            return candidate.id
    raise ProcessingFailure(ErrorType.UNKNOWN, f"no link catch event named '{name}' for link throw '{node.id}'")


class LinkThrowProcessor(ElementProcessor):
    """A link throw event continues at the link catch event of the same name in the same scope."""

    bpmn_element_type = "INTERMEDIATE_THROW_EVENT"

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle, variables

        assert isinstance(node, Event)
        variables.apply_input_mappings(ctx, inst, node)
        _link_target(ctx, inst, node)  # fail (incident) now rather than after completing
        lifecycle.to_activated(ctx, inst)
        lifecycle.complete(ctx, inst)

    def outgoing(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode) -> Sequence[SequenceFlow]:
        return ()

    def after_completed(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        assert isinstance(node, Event) and inst.flow_scope_key is not None
        lifecycle.activate_child(ctx, ctx.require_instance(inst.flow_scope_key), _link_target(ctx, inst, node))
