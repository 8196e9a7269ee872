"""The element lifecycle and sequence flows: the only place that moves element instances between
states, counts tokens and decides when a scope is done.

States: ACTIVATING → ACTIVATED → COMPLETING → COMPLETED, or TERMINATING → TERMINATED from any live
state. A failure in ACTIVATING or COMPLETING becomes an incident and holds the element there until
the incident is resolved, which re-runs the failed step.

Token counting: ``active_children`` of a flow scope counts its live child instances plus the tokens
in flight (a sequence flow taken whose target has not been activated yet, or a token waiting at a
join). A scope completes when the count drops to zero while it is ACTIVATED.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from autoops.bpmn.model import ElementKind, FlowNode, Gateway, SequenceFlow
from autoops.engine import incidents, variables
from autoops.engine.context import ElementInstance, ProcessingContext, Step
from autoops.engine.errors import ProcessingFailure
from autoops.engine.processors import entry_processor_of, processor_for_instance, processor_of
from autoops.engine.records import ElementState, ProcessInstanceIntent, ValueType
from autoops.engine.rejections import Rejection, RejectionType

if TYPE_CHECKING:
    from autoops.engine.deployment import DeployedProcess

__all__ = [
    "TransitionListener",
    "activate_child",
    "add_transition_listener",
    "complete",
    "new_process_instance",
    "run_steps",
    "terminate",
    "to_activated",
    "to_completed",
    "to_terminated",
]

S = ElementState
PI = ProcessInstanceIntent


TransitionListener = Callable[[ProcessingContext, ElementInstance, str], None]
_LISTENERS: dict[str, list[TransitionListener]] = {}


def add_transition_listener(listener: TransitionListener, intents: tuple[str, ...] | None = None) -> None:
    """Call ``listener(ctx, inst, intent)`` on element state events (all, or only ``intents``),
    inside the transaction.

    This is where later behaviours hook in without touching the processors: boundary-event and
    event-subprocess subscriptions open on ELEMENT_ACTIVATED and close on ELEMENT_COMPLETING /
    ELEMENT_TERMINATING of the element (or scope) instance.
    """
    for intent in intents or tuple(i for i in PI if i.startswith("ELEMENT_")):
        _LISTENERS.setdefault(str(intent), []).append(listener)


def new_process_instance(
    ctx: ProcessingContext,
    deployed: DeployedProcess,
    key: int,
    *,
    document: Mapping[str, Any] | None = None,
    called_by: ElementInstance | None = None,
) -> ElementInstance:
    """Insert the ACTIVATING process element of a new instance (created by a command, a start event
    or a call activity ``called_by``) with its root variables; the caller writes the records and
    moves it on, because each path orders them differently."""
    root = ElementInstance(
        key=key,
        process_instance_key=key,
        definition_key=deployed.key,
        bpmn_process_id=deployed.bpmn_process_id,
        version=deployed.version,
        element_id=deployed.bpmn_process_id,
        element_type="PROCESS",
        flow_scope_key=None,
        state="ACTIVATING",
        active_children=0,
        tenant_id=deployed.tenant_id,
        start_date=ctx.now,
        parent_process_instance_key=None if called_by is None else called_by.process_instance_key,
        parent_element_instance_key=None if called_by is None else called_by.key,
    )
    ctx.insert_instance(root)
    if document:
        variables.set_local_document(ctx, root, document)
    return root


def _record(ctx: ProcessingContext, inst: ElementInstance, intent: str) -> None:
    ctx.record(ValueType.PROCESS_INSTANCE, intent, inst.key, inst.record_json(), process_instance_key=inst.process_instance_key)
    listeners = _LISTENERS.get(intent)
    if listeners:
        for listener in listeners:
            listener(ctx, inst, intent)


# ---------------------------------------------------------------------------- public transitions


def activate_child(ctx: ProcessingContext, scope: ElementInstance, element_id: str, *, via_flow: str | None = None) -> None:
    """Queue the activation of ``element_id`` inside ``scope``; the token is counted at once."""
    ctx.add_children(scope, 1)
    ctx.push("activate", scope.key, element_id=element_id, flow=via_flow)


def to_activated(ctx: ProcessingContext, inst: ElementInstance) -> None:
    ctx.set_state(inst, S.ACTIVATED)
    _record(ctx, inst, PI.ELEMENT_ACTIVATED)


def complete(ctx: ProcessingContext, inst: ElementInstance, result: dict[str, Any] | None = None) -> None:
    """Queue the completion of an activated element, with result variables (job, user task, script)."""
    ctx.push("complete", inst.key, variables=result)


def terminate(ctx: ProcessingContext, inst: ElementInstance) -> None:
    ctx.push("terminate", inst.key)


def to_completed(ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
    """COMPLETED, take the outgoing flows, release the token from the flow scope."""
    ctx.set_state(inst, S.COMPLETED)
    _record(ctx, inst, PI.ELEMENT_COMPLETED)
    processor = processor_for_instance(ctx, inst)
    processor.after_completed(ctx, inst, node)
    if inst.flow_scope_key is None:
        return
    scope = ctx.require_instance(inst.flow_scope_key)
    if node is not None and scope.element_type != "MULTI_INSTANCE_BODY":
        for flow in processor.outgoing(ctx, inst, node):
            take_flow(ctx, scope, inst, flow)
    _release(ctx, scope, 1)


def to_terminated(ctx: ProcessingContext, inst: ElementInstance) -> None:
    ctx.set_state(inst, S.TERMINATED)
    _record(ctx, inst, PI.ELEMENT_TERMINATED)
    processor_for_instance(ctx, inst).after_terminated(ctx, inst)
    if inst.flow_scope_key is not None:
        _release(ctx, ctx.require_instance(inst.flow_scope_key), 1)


# ---------------------------------------------------------------------------- internals


def take_flow(ctx: ProcessingContext, scope: ElementInstance, source: ElementInstance, flow: SequenceFlow) -> None:
    record_flow_taken(ctx, scope, source, flow)
    activate_child(ctx, scope, flow.target, via_flow=flow.id)


def record_flow_taken(ctx: ProcessingContext, scope: ElementInstance, source: ElementInstance, flow: SequenceFlow) -> None:
    key = ctx.keys.next()
    value = source.record_value()
    value.update({"bpmnElementType": "SEQUENCE_FLOW", "elementId": flow.id, "flowScopeKey": scope.key})
    ctx.record(ValueType.PROCESS_INSTANCE, PI.SEQUENCE_FLOW_TAKEN, key, value, process_instance_key=source.process_instance_key)


def release_token(ctx: ProcessingContext, scope: ElementInstance) -> None:
    """A token counted in ``scope`` vanished without reaching an element (a dropped trigger)."""
    _release(ctx, scope, 1)


def _release(ctx: ProcessingContext, scope: ElementInstance, tokens: int) -> None:
    """A child left ``scope`` (or tokens merged); complete or finish terminating it when empty."""
    ctx.add_children(scope, -tokens)
    if scope.active_children > 0:
        if scope.state == S.ACTIVATED and ctx.models.has_joins(ctx.conn, scope.definition_key):
            from autoops.engine.processors.gateways import recheck_inclusive_joins

            recheck_inclusive_joins(ctx, scope)
        return
    if scope.state == S.ACTIVATED:
        ctx.push("complete", scope.key, variables=None)
    elif scope.state == S.TERMINATING:
        to_terminated(ctx, scope)


def _activate_step(ctx: ProcessingContext, step: Step) -> None:
    scope = ctx.require_instance(step.key)
    element_id: str = step.args["element_id"]
    if scope.state != S.ACTIVATED or (scope.data or {}).get("terminating_children"):
        # The scope was left while this token was in flight (terminate end event, cancel): drop it.
        _release(ctx, scope, 1)
        return
    model = ctx.model(scope.definition_key).process
    node = model.node(element_id)
    flow_id: str | None = step.args.get("flow")
    if flow_id is not None and isinstance(node, Gateway) and len(node.incoming) > 1 and node.kind in (
        ElementKind.PARALLEL_GATEWAY,
        ElementKind.INCLUSIVE_GATEWAY,
    ):
        from autoops.engine.processors.gateways import arrive_at_join

        if not arrive_at_join(ctx, scope, node, flow_id):
            return  # the token waits at the join (still counted in the scope)
    create_and_activate(ctx, scope, node, step.args.get("local"))


def create_and_activate(
    ctx: ProcessingContext,
    scope: ElementInstance,
    node: FlowNode,
    local: dict[str, Any] | None = None,
    *,
    data: dict[str, Any] | None = None,
    wrapped: bool = True,
) -> ElementInstance:
    """Create the instance of ``node`` in ``scope`` and run its activation.

    ``data`` seeds the instance's scratch data (a triggered catch event carries its variables
    there); ``wrapped=False`` bypasses entry wrappers (the inner instances of a multi-instance body).
    """
    processor = entry_processor_of(node) if wrapped else processor_of(node)
    inst = ElementInstance(
        key=ctx.keys.next(),
        process_instance_key=scope.process_instance_key,
        definition_key=scope.definition_key,
        bpmn_process_id=scope.bpmn_process_id,
        version=scope.version,
        element_id=node.id,
        element_type=processor.element_type(node),
        flow_scope_key=scope.key,
        state=S.ACTIVATING,
        active_children=0,
        tenant_id=scope.tenant_id,
        start_date=ctx.now,
        data=data,
    )
    ctx.insert_instance(inst)
    if local:
        variables.set_local_document(ctx, inst, local)
    _record(ctx, inst, PI.ELEMENT_ACTIVATING)
    run_activation(ctx, inst)
    return inst


def run_activation(ctx: ProcessingContext, inst: ElementInstance) -> None:
    """Run (or re-run after an incident) the ACTIVATING step; a failure raises an incident."""
    node = _node(ctx, inst)
    processor = processor_for_instance(ctx, inst)
    _guarded(ctx, inst, node, processor.on_activate,
             processor.activation_may_fail(node) or _opens_subscriptions(ctx, inst))


def _complete_step(ctx: ProcessingContext, step: Step) -> None:
    inst = ctx.require_instance(step.key)
    if inst.state != S.ACTIVATED:
        return  # completed or terminated meanwhile (e.g. a token arriving after termination)
    ctx.set_state(inst, S.COMPLETING)
    _record(ctx, inst, PI.ELEMENT_COMPLETING)
    result: dict[str, Any] | None = step.args.get("variables")
    node = _node(ctx, inst)
    if result:
        if node is not None and node.io_mapping.outputs:
            variables.set_local_document(ctx, inst, result)
        else:
            variables.propagate(ctx, inst, result)
    run_completion(ctx, inst)


def run_completion(ctx: ProcessingContext, inst: ElementInstance) -> None:
    """Run (or re-run after an incident) the COMPLETING step."""
    node = _node(ctx, inst)
    processor = processor_for_instance(ctx, inst)
    _guarded(ctx, inst, node, processor.on_complete,
             processor.completion_may_fail(node) or _inner_of_body(ctx, inst))


def _guarded(
    ctx: ProcessingContext,
    inst: ElementInstance,
    node: FlowNode | None,
    step: Callable[[ProcessingContext, ElementInstance, FlowNode | None], None],
    may_fail: bool,
) -> None:
    """Run a processor step; one that may fail runs in a savepoint and a failure becomes an incident
    (steps that cannot fail skip the savepoint: it is the hot path)."""
    if not may_fail:
        step(ctx, inst, node)
        return
    try:
        with ctx.attempt():
            step(ctx, inst, node)
    except ProcessingFailure as failure:
        incidents.create_for_element(ctx, inst, failure)


def _terminate_step(ctx: ProcessingContext, step: Step) -> None:
    inst = ctx.require_instance(step.key)
    if not ElementState(inst.state).live or inst.state == S.TERMINATING:
        return
    ctx.set_state(inst, S.TERMINATING)
    _record(ctx, inst, PI.ELEMENT_TERMINATING)
    incidents.resolve_for_element(ctx, inst)
    processor_for_instance(ctx, inst).on_terminate(ctx, inst, _node(ctx, inst))


def terminate_now(ctx: ProcessingContext, inst: ElementInstance) -> None:
    """Terminate an element within the current step (top-down cancellation of a subtree)."""
    _terminate_step(ctx, Step("terminate", inst.key))


def terminate_children(ctx: ProcessingContext, inst: ElementInstance) -> None:
    """Terminate every live child of a container, then finish if nothing is left.

    Tokens waiting at joins are discarded; children terminate depth-first in key order.
    """
    from autoops.engine.processors.gateways import drop_join_tokens

    dropped = drop_join_tokens(ctx, inst)
    if dropped:
        ctx.add_children(inst, -dropped)
    children = ctx.live_children(inst.key)
    for child in children:
        terminate_now(ctx, child)
    if inst.active_children <= 0 and inst.state == S.TERMINATING:
        to_terminated(ctx, inst)


# Set by the catch-events module: whether activating an instance opens boundary or
# event-subprocess subscriptions, whose expressions may fail (then activation needs a savepoint).
opens_subscriptions: Callable[[ProcessingContext, ElementInstance], bool] | None = None


def _opens_subscriptions(ctx: ProcessingContext, inst: ElementInstance) -> bool:
    return opens_subscriptions is not None and opens_subscriptions(ctx, inst)


def _inner_of_body(ctx: ProcessingContext, inst: ElementInstance) -> bool:
    """Inner multi-instance instances evaluate outputElement / completionCondition on completion."""
    if inst.flow_scope_key is None:
        return False
    scope = ctx.instance(inst.flow_scope_key)
    return scope is not None and scope.element_type == "MULTI_INSTANCE_BODY"


def _node(ctx: ProcessingContext, inst: ElementInstance) -> FlowNode | None:
    if inst.flow_scope_key is None:
        return None
    return ctx.model(inst.definition_key).process.node(inst.element_id)


_HANDLERS = {
    "activate": _activate_step,
    "complete": _complete_step,
    "terminate": _terminate_step,
}


MAX_STEPS_PER_COMMAND = 100_000


def run_steps(ctx: ProcessingContext) -> None:
    """Drain the follow-up steps of the current command, FIFO, inside its transaction.

    A model that loops without a wait state would never stop; past ``MAX_STEPS_PER_COMMAND`` the
    command is rejected (and rolled back) instead of blocking the engine forever.
    """
    count = 0
    while ctx.steps:
        count += 1
        if count > MAX_STEPS_PER_COMMAND:
            step = ctx.steps[0]
            raise Rejection(
                "PROCESS_INSTANCE", step.kind.upper(), RejectionType.PROCESSING_ERROR,
                f"Expected to process the command, but it caused more than {MAX_STEPS_PER_COMMAND} follow-up "
                "steps: the process probably loops without a wait state (a task, user task or event); add one "
                "or an exit condition to the loop",
            )
        step = ctx.steps.popleft()
        handler = _HANDLERS.get(step.kind)
        if handler is None:
            raise LookupError(f"no handler for step {step.kind!r}")
        handler(ctx, step)


def register_step(kind: str, handler: Any) -> None:
    """Let a behaviour module (timers, messages) add its own follow-up step kinds."""
    _HANDLERS[kind] = handler
