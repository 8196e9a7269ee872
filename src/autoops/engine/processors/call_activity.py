"""Call activities: start a child process instance and wait for it.

The called process id is static or FEEL; the binding picks the latest version (default), the
version deployed together with the caller (``deployment``) or the latest with a version tag
(``versionTag``). The child gets all variables visible from the call activity
(``propagateAllParentVariables``, default) or only the call activity's input-mapping results, and
is linked to its parent (parentProcessInstanceKey / parentElementInstanceKey). When the child
completes, its root variables complete the call activity (merged like job results, so output
mappings apply); with ``propagateAllChildVariables="false"`` only output mappings carry any.
Terminating the call activity terminates the child; BPMN errors climb from the child into the
parent (see :mod:`autoops.engine.bpmn_errors`).
"""

from __future__ import annotations

from autoops.bpmn.model import Activity, FlowNode
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.processors.base import ElementProcessor

__all__ = ["CallActivityProcessor"]


def _definition_key(ctx: ProcessingContext, inst: ElementInstance, node: Activity, process_id: str) -> int:
    spec = node.called_element
    binding = (spec.binding_type if spec is not None else None) or "latest"
    row = None
    if binding == "deployment":
        row = ctx.conn.execute(
            "SELECT d.key FROM definitions d JOIN definitions me ON me.key = ? WHERE d.bpmn_process_id = ?"
            " AND d.deployment_key = me.deployment_key AND d.deleted = 0",
            (inst.definition_key, process_id),
        ).fetchone()
    elif binding == "versionTag":
        tag = spec.version_tag if spec is not None else None
        row = ctx.conn.execute(
            "SELECT key FROM definitions WHERE bpmn_process_id = ? AND version_tag = ? AND deleted = 0"
            " ORDER BY version DESC LIMIT 1",
            (process_id, tag),
        ).fetchone()
    else:
        row = ctx.conn.execute(
            "SELECT key FROM definitions WHERE bpmn_process_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1",
            (process_id,),
        ).fetchone()
    if row is None:
        raise ProcessingFailure(ErrorType.CALLED_ELEMENT_ERROR,
                                f"Expected process with BPMN process id '{process_id}' to be deployed, but not found.")
    return int(row[0])


class CallActivityProcessor(ElementProcessor):
    bpmn_element_type = "CALL_ACTIVITY"

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import expressions, lifecycle, variables
        from autoops.engine.deployment import none_start_event
        from autoops.engine.records import ProcessInstanceIntent, ValueType

        assert isinstance(node, Activity) and node.called_element is not None
        spec = node.called_element
        variables.apply_input_mappings(ctx, inst, node)
        if not spec.process_id:
            raise ProcessingFailure(ErrorType.EXTRACT_VALUE_ERROR, f"Call activity '{node.id}' has no processId")
        process_id = str(expressions.static_or_expected(ctx, spec.process_id, variables.ScopeView(ctx, inst.key),
                                                        "STRING"))
        deployed = ctx.model(_definition_key(ctx, inst, node, process_id))
        if none_start_event(deployed.process) is None:
            raise ProcessingFailure(
                ErrorType.CALLED_ELEMENT_ERROR,
                f"Expected process with BPMN process id '{process_id}' to have a none start event, but not found.",
            )
        if spec.propagate_all_parent_variables:
            document = variables.collect_visible(ctx, inst.key)
        else:
            document = variables.local_document(ctx, inst.key)
        lifecycle.to_activated(ctx, inst)
        key = ctx.keys.next()
        child = lifecycle.new_process_instance(ctx, deployed, key, document=document, called_by=inst)
        ctx.set_data(inst, {**(inst.data or {}), "child": key})
        ctx.record(ValueType.PROCESS_INSTANCE, ProcessInstanceIntent.ELEMENT_ACTIVATING, key, child.record_json(),
                   process_instance_key=key)
        lifecycle.run_activation(ctx, child)

    def on_terminate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        child_key = (inst.data or {}).get("child")
        child = None if child_key is None else ctx.instance(int(child_key))
        if child is not None and child.state not in ("COMPLETED", "TERMINATED", "TERMINATING"):
            lifecycle.terminate_now(ctx, child)
        lifecycle.to_terminated(ctx, inst)


def _on_transition(ctx: ProcessingContext, inst: ElementInstance, intent: str) -> None:
    """A child process completed: complete its call activity with the child's variables."""
    if intent != "ELEMENT_COMPLETED" or inst.flow_scope_key is not None or inst.parent_element_instance_key is None:
        return
    from autoops.engine import lifecycle, variables

    parent = ctx.instance(inst.parent_element_instance_key)
    if parent is None or parent.state != "ACTIVATED":
        return
    node = ctx.model(parent.definition_key).process.node(parent.element_id)
    assert isinstance(node, Activity)
    spec = node.called_element
    document = variables.local_document(ctx, inst.key)
    if spec is not None and not spec.propagate_all_child_variables and not node.io_mapping.outputs:
        document = {}
    lifecycle.complete(ctx, parent, document)


def register() -> None:
    from autoops.engine import lifecycle

    lifecycle.add_transition_listener(_on_transition, ("ELEMENT_COMPLETED",))
