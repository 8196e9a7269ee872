"""Process instance commands: create, cancel, and variable documents (SetVariables)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autoops.engine import lifecycle, variables
from autoops.engine.context import ProcessingContext
from autoops.engine.deployment import DeployedProcess, none_start_event
from autoops.engine.records import ProcessInstanceIntent, ValueType
from autoops.engine.rejections import Rejection, RejectionType

__all__ = ["CreatedInstance", "cancel", "create", "find_definition", "set_variables", "type_name"]

_CREATION = "PROCESS_INSTANCE_CREATION"


@dataclass(frozen=True, slots=True)
class CreatedInstance:
    process_definition_key: int
    bpmn_process_id: str
    version: int
    process_instance_key: int
    tenant_id: str
    variables: dict[str, Any] | None = None  # root variables, only when the caller awaited the result


def type_name(value: Any) -> str:
    if value is None:
        return "NIL"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int | float):
        return "NUMBER"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, list):
        return "ARRAY"
    return "MAP" if isinstance(value, dict) else type(value).__name__.upper()


def check_document(value_type: str, intent: str, document: Any) -> dict[str, Any]:
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise Rejection(value_type, intent, RejectionType.INVALID_ARGUMENT,
                        f"Expected document to be a root level object, but was '{type_name(document)}'")
    return dict(document)


def find_definition(
    ctx: ProcessingContext, bpmn_process_id: str | None, version: int, definition_key: int | None
) -> DeployedProcess:
    conn = ctx.conn
    if bpmn_process_id:
        if version >= 0:
            row = conn.execute(
                "SELECT key FROM definitions WHERE bpmn_process_id = ? AND version = ? AND deleted = 0",
                (bpmn_process_id, version),
            ).fetchone()
            if row is None:
                raise Rejection(ValueType.PROCESS_INSTANCE_CREATION, "CREATE", RejectionType.NOT_FOUND,
                                f"Expected to find process definition with process ID '{bpmn_process_id}' and version "
                                f"'{version}', but none found")
        else:
            row = conn.execute(
                "SELECT key FROM definitions WHERE bpmn_process_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1",
                (bpmn_process_id,),
            ).fetchone()
            if row is None:
                raise Rejection(ValueType.PROCESS_INSTANCE_CREATION, "CREATE", RejectionType.NOT_FOUND,
                                f"Expected to find process definition with process ID '{bpmn_process_id}', but none found")
        return ctx.model(row[0])
    if definition_key is not None and definition_key >= 0:
        row = conn.execute("SELECT key FROM definitions WHERE key = ? AND deleted = 0", (definition_key,)).fetchone()
        if row is None:
            raise Rejection(ValueType.PROCESS_INSTANCE_CREATION, "CREATE", RejectionType.NOT_FOUND,
                            f"Expected to find process definition with key '{definition_key}', but none found")
        return ctx.model(row[0])
    raise Rejection(ValueType.PROCESS_INSTANCE_CREATION, "CREATE", RejectionType.INVALID_ARGUMENT,
                    "Expected at least a bpmnProcessId or a key greater than -1, but none given")


def create(
    ctx: ProcessingContext,
    bpmn_process_id: str | None,
    version: int,
    definition_key: int | None,
    document: Any,
    *,
    on_key: Any = None,
    start_instructions: Sequence[str] = (),
) -> CreatedInstance:
    deployed = find_definition(ctx, bpmn_process_id, version, definition_key)
    doc = check_document(_CREATION, "CREATE", document)
    for element_id in start_instructions:
        if element_id not in deployed.process.nodes:
            raise Rejection(ValueType.PROCESS_INSTANCE_CREATION, "CREATE", RejectionType.INVALID_ARGUMENT,
                            f"Expected to create instance of process with start instructions but no element found "
                            f"with id '{element_id}'")
        node = deployed.process.node(element_id)
        if node.kind == "boundaryEvent" or (node.kind == "startEvent" and deployed.process.parent_id(element_id)
                                             != deployed.process.id):
            raise Rejection(ValueType.PROCESS_INSTANCE_CREATION, "CREATE", RejectionType.INVALID_ARGUMENT,
                            f"Expected to create instance of process with start instructions but the element with "
                            f"id '{element_id}' cannot be started directly ({node.kind})")
    if not start_instructions and none_start_event(deployed.process) is None:
        raise Rejection(ValueType.PROCESS_INSTANCE_CREATION, "CREATE", RejectionType.INVALID_STATE,
                        "Expected to create instance of process with none start event, but there is no such event")
    key = ctx.keys.next()
    if on_key is not None:
        on_key(key)
    root = lifecycle.new_process_instance(ctx, deployed, key, document=doc)
    ctx.record(
        ValueType.PROCESS_INSTANCE_CREATION,
        "CREATED",
        key,
        {"bpmnProcessId": deployed.bpmn_process_id, "version": deployed.version,
         "processDefinitionKey": deployed.key, "processInstanceKey": key, "tenantId": deployed.tenant_id,
         "variables": doc},
        process_instance_key=key,
    )
    ctx.record(ValueType.PROCESS_INSTANCE, ProcessInstanceIntent.ELEMENT_ACTIVATING, key, root.record_json(),
               process_instance_key=key)
    if start_instructions:
        from autoops.engine.modification import activate_element

        lifecycle.to_activated(ctx, root)
        for element_id in start_instructions:
            activate_element(ctx, root, element_id)
    else:
        lifecycle.run_activation(ctx, root)
    return CreatedInstance(deployed.key, deployed.bpmn_process_id, deployed.version, key, deployed.tenant_id)


def cancel(ctx: ProcessingContext, process_instance_key: int) -> None:
    inst = ctx.instance(process_instance_key)
    prefix = f"Expected to cancel a process instance with key '{process_instance_key}', but "
    if inst is None or inst.flow_scope_key is not None or inst.state in ("COMPLETED", "TERMINATED"):
        raise Rejection(ValueType.PROCESS_INSTANCE, ProcessInstanceIntent.CANCEL, RejectionType.NOT_FOUND,
                        prefix + "no such process was found")
    if inst.parent_process_instance_key is not None:
        raise Rejection(ValueType.PROCESS_INSTANCE, ProcessInstanceIntent.CANCEL, RejectionType.INVALID_STATE,
                        prefix + "it is created by a parent process instance. Cancel the root process instance "
                        f"'{inst.parent_process_instance_key}' instead.")
    if inst.state == "TERMINATING":
        raise Rejection(ValueType.PROCESS_INSTANCE, ProcessInstanceIntent.CANCEL, RejectionType.NOT_FOUND,
                        prefix + "no such process was found")
    lifecycle.terminate_now(ctx, inst)


def set_variables(ctx: ProcessingContext, scope_key: int, document: Any, local: bool) -> int:
    """VARIABLE_DOCUMENT UPDATE; returns the key of the command (Zeebe answers with it)."""
    inst = ctx.instance(scope_key)
    if inst is None or inst.state in ("COMPLETED", "TERMINATED", "TERMINATING"):
        raise Rejection(ValueType.VARIABLE_DOCUMENT, "UPDATE", RejectionType.NOT_FOUND,
                        f"Expected to update variables for element with key '{scope_key}', but no such element was found")
    doc = check_document(ValueType.VARIABLE_DOCUMENT, "UPDATE", document)
    key = ctx.keys.next()
    if local:
        variables.set_local_document(ctx, inst, doc)
    else:
        variables.propagate(ctx, inst, doc)
    ctx.record(ValueType.VARIABLE_DOCUMENT, "UPDATED", key,
               {"scopeKey": scope_key, "updateSemantics": "LOCAL" if local else "PROPAGATE", "variables": doc,
                "tenantId": inst.tenant_id},
               process_instance_key=inst.process_instance_key)
    return key
