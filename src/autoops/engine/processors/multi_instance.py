"""Multi-instance activities (``zeebe:loopCharacteristics``): the body that wraps the activity.

A token arriving at a multi-instance activity activates its *body* (element type
MULTI_INSTANCE_BODY, same element id). The body evaluates the input collection once, then
creates the inner instances of the activity - all at once (parallel) or one after the other
(sequential) - each with the local variables ``inputElement`` (if named) and ``loopCounter``
(1-based). When an inner instance completes, its ``outputElement`` lands at its input index of
the body's ``outputCollection`` (so the order follows the input, not completion), and the
``completionCondition`` is evaluated with numberOfInstances / numberOfActiveInstances /
numberOfCompletedInstances / numberOfTerminatedInstances; when true the remaining inner
instances are terminated. The body completes when no inner instance is left and propagates the
output collection; an empty input collection completes it at once with ``[]``. Boundary events
belong to the body.
"""

from __future__ import annotations

from typing import Any

from autoops.bpmn.model import Activity, FlowNode, MultiInstance
from autoops.engine.context import ElementInstance, ProcessingContext, Step
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.processors.base import ElementProcessor

__all__ = ["MultiInstanceBodyProcessor", "wraps"]

BODY = "MULTI_INSTANCE_BODY"


def _loop(node: FlowNode | None) -> MultiInstance:
    assert isinstance(node, Activity) and node.multi_instance is not None
    return node.multi_instance


def _name(raw: str | None) -> str | None:
    """``inputElement`` and friends are plain names; tolerate a leading ``=``."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    return text[1:].strip() if text.startswith("=") else text


class MultiInstanceBodyProcessor(ElementProcessor):
    bpmn_element_type = BODY

    def element_type(self, node: FlowNode) -> str:
        return BODY

    def completion_may_fail(self, node: FlowNode | None) -> bool:
        return False

    def on_activate(self, ctx: ProcessingContext, body: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import expressions, lifecycle, variables

        loop = _loop(node)
        if not loop.input_collection:
            raise ProcessingFailure(ErrorType.EXTRACT_VALUE_ERROR,
                                    f"Multi-instance activity '{body.element_id}' has no inputCollection")
        items = expressions.evaluate_expected(ctx, loop.input_collection, variables.ScopeView(ctx, body.key), "ARRAY")
        if not isinstance(items, list):
            items = list(items)
        lifecycle.to_activated(ctx, body)
        ctx.set_data(body, {**(body.data or {}), "items": items, "completed": 0, "terminated": 0})
        output = _name(loop.output_collection)
        if output is not None:
            variables.set_local(ctx, body, output, [None] * len(items))
        if not items:
            lifecycle.complete(ctx, body)
            return
        for index in range(len(items) if not loop.is_sequential else 1):
            _create_inner(ctx, body, index)

    def on_complete(self, ctx: ProcessingContext, body: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle, variables

        output = _name(_loop(node).output_collection)
        if output is not None and body.flow_scope_key is not None:
            value = variables.get_local(ctx, body.key, output)
            variables.propagate(ctx, ctx.require_instance(body.flow_scope_key), {output: value})
        lifecycle.to_completed(ctx, body, node)

    def on_terminate(self, ctx: ProcessingContext, body: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        lifecycle.terminate_children(ctx, body)


def wraps(node: FlowNode) -> ElementProcessor | None:
    return _BODY if isinstance(node, Activity) and node.multi_instance is not None else None


_BODY = MultiInstanceBodyProcessor()


def _create_inner(ctx: ProcessingContext, body: ElementInstance, index: int) -> None:
    ctx.add_children(body, 1)
    ctx.push("mi_inner", body.key, index=index)


def _inner_step(ctx: ProcessingContext, step: Step) -> None:
    from autoops.engine import lifecycle

    body = ctx.require_instance(step.key)
    if body.state != "ACTIVATED":
        lifecycle.release_token(ctx, body)
        return
    node = ctx.model(body.definition_key).process.node(body.element_id)
    index: int = step.args["index"]
    items = (body.data or {}).get("items") or []
    local: dict[str, Any] = {}
    element = _name(_loop(node).input_element)
    if element is not None:
        local[element] = items[index] if index < len(items) else None
    local["loopCounter"] = index + 1
    lifecycle.create_and_activate(ctx, body, node, local, wrapped=False)


def _on_transition(ctx: ProcessingContext, inst: ElementInstance, intent: str) -> None:
    if intent not in ("ELEMENT_COMPLETED", "ELEMENT_TERMINATED") or inst.flow_scope_key is None:
        return
    body = ctx.instance(inst.flow_scope_key)
    if body is None or body.element_type != BODY or inst.element_type == BODY:
        return
    if intent == "ELEMENT_COMPLETED":
        _inner_completed(ctx, body, inst)
    elif body.state == "ACTIVATED":
        data = dict(body.data or {})
        data["terminated"] = int(data.get("terminated", 0)) + 1
        ctx.set_data(body, data)


def _inner_completed(ctx: ProcessingContext, body: ElementInstance, inner: ElementInstance) -> None:
    from autoops.engine import expressions, lifecycle, variables

    node = ctx.model(body.definition_key).process.node(body.element_id)
    loop = _loop(node)
    counter = variables.get_local(ctx, inner.key, "loopCounter")
    index = int(counter) - 1 if isinstance(counter, int) else 0
    output = _name(loop.output_collection)
    view = variables.ScopeView(ctx, inner.key)
    if output is not None and loop.output_element:
        value = expressions.evaluate_any(ctx, loop.output_element, view)
        collection = variables.get_local(ctx, body.key, output)
        collection = list(collection) if isinstance(collection, list) else []
        while len(collection) <= index:
            collection.append(None)
        collection[index] = value
        variables.set_local(ctx, body, output, collection)
    data = dict(body.data or {})
    items = data.get("items") or []
    completed = int(data.get("completed", 0)) + 1
    data["completed"] = completed
    ctx.set_data(body, data)
    if body.state != "ACTIVATED":
        return
    if loop.completion_condition:
        # active_children still counts this inner instance (released after COMPLETED)
        counters = {
            "numberOfInstances": len(items),
            "numberOfActiveInstances": max(0, body.active_children - 1),
            "numberOfCompletedInstances": completed,
            "numberOfTerminatedInstances": int(data.get("terminated", 0)),
        }
        condition = expressions.evaluate_expected(
            ctx, loop.completion_condition, variables.ScopeView(ctx, inner.key, counters), "BOOLEAN"
        )
        if condition is True:
            for child in ctx.live_children(body.key):
                if child.key != inner.key:
                    lifecycle.terminate_now(ctx, child)
            return
    if loop.is_sequential and index + 1 < len(items):
        _create_inner(ctx, body, index + 1)


_registered = False


def register() -> None:
    """Install the body as the entry wrapper of multi-instance activities (once)."""
    global _registered
    from autoops.engine import lifecycle
    from autoops.engine.processors import register_entry_wrapper

    if _registered:
        return
    _registered = True
    register_entry_wrapper(wraps, BODY, _BODY)
    lifecycle.register_step("mi_inner", _inner_step)
    lifecycle.add_transition_listener(_on_transition, ("ELEMENT_COMPLETED", "ELEMENT_TERMINATED"))
