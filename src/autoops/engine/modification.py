"""Process instance modification and start instructions: activate elements anywhere in a process
instance (creating missing flow scopes) and terminate element instances.

Activation creates any missing container instances between the process and the element (input
mappings applied, their start events not triggered), then activates the element like a token
arriving. A terminated element whose flow scope is left empty terminates that scope too, up to the
process instance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from autoops.bpmn.model import Process
from autoops.engine import lifecycle, variables
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.errors import ProcessingFailure
from autoops.engine.instances import check_document
from autoops.engine.processors import processor_of
from autoops.engine.records import ProcessInstanceIntent, ValueType
from autoops.engine.rejections import Rejection, RejectionType

__all__ = ["activate_element", "modify"]

_VT = "PROCESS_INSTANCE_MODIFICATION"
_INTENT = "MODIFY"


def _container_chain(model: Process, element_id: str) -> list[str]:
    """Ids of the subprocesses enclosing ``element_id``, outermost first."""
    chain: list[str] = []
    parent = model.parent_id(element_id)
    while parent != model.id:
        chain.append(parent)
        parent = model.parent_id(parent)
    chain.reverse()
    return chain


def _create_container(ctx: ProcessingContext, scope: ElementInstance, container_id: str) -> ElementInstance:
    model = ctx.model(scope.definition_key).process
    node = model.node(container_id)
    processor = processor_of(node)
    inst = ElementInstance(
        key=ctx.keys.next(), process_instance_key=scope.process_instance_key, definition_key=scope.definition_key,
        bpmn_process_id=scope.bpmn_process_id, version=scope.version, element_id=container_id,
        element_type=processor.element_type(node), flow_scope_key=scope.key, state="ACTIVATING",
        active_children=0, tenant_id=scope.tenant_id, start_date=ctx.now,
    )
    ctx.add_children(scope, 1)
    ctx.insert_instance(inst)
    ctx.record(ValueType.PROCESS_INSTANCE, ProcessInstanceIntent.ELEMENT_ACTIVATING, inst.key, inst.record_json(),
               process_instance_key=inst.process_instance_key)
    try:
        variables.apply_input_mappings(ctx, inst, node)
    except ProcessingFailure as failure:
        raise Rejection(_VT, _INTENT, RejectionType.INVALID_ARGUMENT,
                        f"Expected to activate the flow scope '{container_id}', but its input mappings failed: "
                        f"{failure.message}") from failure
    lifecycle.to_activated(ctx, inst)
    return inst


def _flow_scope(
    ctx: ProcessingContext, root: ElementInstance, element_id: str, ancestor_key: int | None
) -> tuple[ElementInstance, dict[str, ElementInstance]]:
    """The instance to activate ``element_id`` in, and every container instance on the way by id."""
    model = ctx.model(root.definition_key).process
    chain = _container_chain(model, element_id)
    scopes: dict[str, ElementInstance] = {model.id: root}
    scope = root
    if ancestor_key is not None and ancestor_key > 0:
        ancestor = ctx.instance(ancestor_key)
        if ancestor is None or ancestor.process_instance_key != root.key or ancestor.state != "ACTIVATED":
            raise Rejection(_VT, _INTENT, RejectionType.INVALID_ARGUMENT,
                            f"Expected to modify instance of process '{root.bpmn_process_id}' but it contains one or "
                            f"more activate instructions with an ancestor scope key that does not exist, or is not "
                            f"in an active state: '{ancestor_key}'")
        if ancestor.key != root.key:
            if ancestor.element_id not in chain:
                raise Rejection(_VT, _INTENT, RejectionType.INVALID_ARGUMENT,
                                f"Expected to modify instance of process '{root.bpmn_process_id}' but it contains one "
                                f"or more activate instructions with an ancestor scope key that is not an ancestor of "
                                f"the element to activate: '{ancestor_key}'")
            scope = ancestor
            scopes[ancestor.element_id] = ancestor
            chain = chain[chain.index(ancestor.element_id) + 1 :]
    for container_id in chain:
        existing = [c for c in ctx.live_children(scope.key) if c.element_id == container_id and c.state == "ACTIVATED"]
        if len(existing) > 1:
            raise Rejection(_VT, _INTENT, RejectionType.INVALID_ARGUMENT,
                            f"Expected to modify instance of process '{root.bpmn_process_id}' but it contains one or "
                            f"more activate instructions for an element that has a flow scope with more than one "
                            f"active instance: '{element_id}'. Can't decide in which instance of the flow scope the "
                            "element should be activated. Please specify an ancestor element instance key for this "
                            "activate instruction.")
        scope = existing[0] if existing else _create_container(ctx, scope, container_id)
        scopes[container_id] = scope
    return scope, scopes


def activate_element(
    ctx: ProcessingContext,
    root: ElementInstance,
    element_id: str,
    ancestor_key: int | None = None,
    variable_instructions: Sequence[Mapping[str, Any]] = (),
) -> None:
    model = ctx.model(root.definition_key).process
    if element_id not in model.nodes:
        raise Rejection(_VT, _INTENT, RejectionType.INVALID_ARGUMENT,
                        f"Expected to modify instance of process '{root.bpmn_process_id}' but it contains one or more "
                        f"activate instructions with an element that could not be found: '{element_id}'")
    scope, scopes = _flow_scope(ctx, root, element_id, ancestor_key)
    element_local: dict[str, Any] = {}
    for instruction in variable_instructions:
        document = check_document(_VT, _INTENT, instruction.get("variables"))
        scope_id = instruction.get("scopeId") or ""
        if scope_id == element_id:
            element_local.update(document)
        elif not scope_id:
            variables.set_local_document(ctx, root, document)
        elif scope_id in scopes:
            variables.set_local_document(ctx, scopes[scope_id], document)
        else:
            raise Rejection(_VT, _INTENT, RejectionType.INVALID_ARGUMENT,
                            f"Expected to modify instance of process '{root.bpmn_process_id}' but it contains one or "
                            f"more variable instructions with a scope element id that could not be found: '{scope_id}'")
    ctx.add_children(scope, 1)
    ctx.push("activate", scope.key, element_id=element_id, flow=None, local=element_local or None)


def modify(
    ctx: ProcessingContext,
    process_instance_key: int,
    activate: Sequence[Mapping[str, Any]],
    terminate: Sequence[int],
) -> None:
    root = ctx.instance(process_instance_key)
    if root is None or root.flow_scope_key is not None or root.state != "ACTIVATED":
        raise Rejection(_VT, _INTENT, RejectionType.NOT_FOUND,
                        f"Expected to modify process instance but no process instance found with key "
                        f"'{process_instance_key}'")
    targets: list[ElementInstance] = []
    for key in terminate:
        inst = ctx.instance(key)
        if (inst is None or inst.process_instance_key != root.key or inst.key == root.key
                or inst.state in ("COMPLETED", "TERMINATED")):
            raise Rejection(_VT, _INTENT, RejectionType.INVALID_ARGUMENT,
                            f"Expected to modify instance of process '{root.bpmn_process_id}' but it contains one or "
                            f"more terminate instructions with an element instance that could not be found: '{key}'")
        targets.append(inst)
    for instruction in activate:
        ancestor = instruction.get("ancestorElementInstanceKey")
        activate_element(ctx, root, str(instruction.get("elementId") or ""),
                         int(ancestor) if ancestor is not None else None,
                         instruction.get("variableInstructions") or ())
    for inst in targets:
        if inst.state in ("COMPLETED", "TERMINATED", "TERMINATING"):
            continue  # already gone with an ancestor terminated by an earlier instruction
        lifecycle.terminate_now(ctx, inst)
        _terminate_empty_scopes(ctx, inst)
    ctx.record(ValueType.PROCESS_INSTANCE, "MODIFIED", root.key,
               {"processInstanceKey": root.key, "activateInstructions": [dict(a) for a in activate],
                "terminateInstructions": [{"elementInstanceKey": k} for k in terminate]},
               process_instance_key=root.key)


def _terminate_empty_scopes(ctx: ProcessingContext, inst: ElementInstance) -> None:
    scope_key = inst.flow_scope_key
    while scope_key is not None:
        scope = ctx.require_instance(scope_key)
        if scope.state != "ACTIVATED" or scope.active_children > 0:
            return
        lifecycle.terminate_now(ctx, scope)
        scope_key = scope.flow_scope_key
