"""Variables: scopes, lookup up the scope chain, local writes, propagation and io-mappings.

A scope is an element instance. Lookup walks from a scope up through its flow scopes (inner names
shadow outer ones). Propagation writes each variable into the nearest scope that already has it,
else into the root scope; local writes touch only the given scope. Values are stored as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from autoops.bpmn.model import FlowNode, VariableMapping
from autoops.engine.context import ElementInstance, ProcessingContext, dumps
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.records import ValueType, VariableIntent

__all__ = [
    "ScopeView",
    "apply_input_mappings",
    "apply_output_mappings",
    "collect_visible",
    "get_local",
    "local_document",
    "propagate",
    "set_local",
    "set_local_document",
]

_MISSING = object()


def get_local(ctx: ProcessingContext, scope_key: int, name: str) -> Any:
    """The value of ``name`` in exactly this scope, or the module's missing marker."""
    row = ctx.conn.execute("SELECT value FROM variables WHERE scope_key = ? AND name = ?", (scope_key, name)).fetchone()
    return _MISSING if row is None else json.loads(row[0])


def _lookup(ctx: ProcessingContext, scope_key: int | None, name: str) -> Any:
    while scope_key is not None:
        row = ctx.conn.execute(
            "SELECT value FROM variables WHERE scope_key = ? AND name = ?", (scope_key, name)
        ).fetchone()
        if row is not None:
            return json.loads(row[0])
        inst = ctx.instance(scope_key)
        scope_key = None if inst is None else inst.flow_scope_key
    return _MISSING


def local_document(ctx: ProcessingContext, scope_key: int) -> dict[str, Any]:
    """The variables of exactly this scope."""
    return {
        name: json.loads(value)
        for name, value in ctx.conn.execute("SELECT name, value FROM variables WHERE scope_key = ?", (scope_key,))
    }


def collect_visible(ctx: ProcessingContext, scope_key: int, names: Sequence[str] | None = None) -> dict[str, Any]:
    """Every variable visible from ``scope_key`` (inner wins), filtered by ``names`` when given."""
    wanted = set(names) if names else None
    out: dict[str, Any] = {}
    key: int | None = scope_key
    while key is not None:
        for name, value in ctx.conn.execute("SELECT name, value FROM variables WHERE scope_key = ?", (key,)):
            if name in out or (wanted is not None and name not in wanted):
                continue
            out[name] = json.loads(value)
        inst = ctx.instance(key)
        key = None if inst is None else inst.flow_scope_key
    return out


class ScopeView(Mapping[str, Any]):
    """A lazy read-only view of the variables visible from a scope, for FEEL evaluation.

    ``overlay`` holds values that shadow the scope chain (input mappings evaluated so far).
    """

    def __init__(self, ctx: ProcessingContext, scope_key: int, overlay: Mapping[str, Any] | None = None) -> None:
        self._ctx = ctx
        self._scope_key = scope_key
        self._overlay = overlay if overlay is not None else {}
        self._cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name in self._overlay:
            return self._overlay[name]
        if name in self._cache:
            value = self._cache[name]
        else:
            value = self._cache[name] = _lookup(self._ctx, self._scope_key, name)
        if value is _MISSING:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self[name]
        except KeyError:
            return False
        return True

    def _all(self) -> dict[str, Any]:
        merged = collect_visible(self._ctx, self._scope_key)
        merged.update(self._overlay)
        return merged

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def set_local(ctx: ProcessingContext, scope: ElementInstance, name: str, value: Any) -> None:
    """Create or update ``name`` in ``scope`` only; an unchanged value writes nothing."""
    text = dumps(value)
    key = ctx.keys.next()
    inserted = ctx.conn.execute(
        "INSERT INTO variables(key, scope_key, name, value, process_instance_key, tenant_id)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(scope_key, name) DO NOTHING",
        (key, scope.key, name, text, scope.process_instance_key, scope.tenant_id),
    ).rowcount
    if inserted:
        intent = VariableIntent.CREATED
    else:
        row = ctx.conn.execute(
            "SELECT key, value FROM variables WHERE scope_key = ? AND name = ?", (scope.key, name)
        ).fetchone()
        if row["value"] == text:
            return
        key = row["key"]
        ctx.conn.execute("UPDATE variables SET value = ? WHERE key = ?", (text, key))
        intent = VariableIntent.UPDATED
    ctx.record(
        ValueType.VARIABLE,
        intent,
        key,
        {
            "name": name,
            "value": text,
            "scopeKey": scope.key,
            "processInstanceKey": scope.process_instance_key,
            "processDefinitionKey": scope.definition_key,
            "bpmnProcessId": scope.bpmn_process_id,
            "tenantId": scope.tenant_id,
        },
        process_instance_key=scope.process_instance_key,
    )


def set_local_document(ctx: ProcessingContext, scope: ElementInstance, document: Mapping[str, Any]) -> None:
    for name, value in document.items():
        set_local(ctx, scope, name, value)


def propagate(ctx: ProcessingContext, start: ElementInstance, document: Mapping[str, Any]) -> None:
    """Write each variable into the nearest scope (from ``start`` up) that has it, else the root."""
    for name, value in document.items():
        scope: ElementInstance | None = start
        target = start
        while scope is not None:
            target = scope
            if get_local(ctx, scope.key, name) is not _MISSING:
                break
            scope = None if scope.flow_scope_key is None else ctx.instance(scope.flow_scope_key)
        set_local(ctx, target, name, value)


def _set_path(container: dict[str, Any], path: Sequence[str], value: Any) -> None:
    node = container
    for part in path[:-1]:
        child = node.get(part)
        child = dict(child) if isinstance(child, dict) else {}
        node[part] = child
        node = child
    node[path[-1]] = value


def _map_into(
    ctx: ProcessingContext,
    node: FlowNode,
    mappings: Sequence[VariableMapping],
    view: Mapping[str, Any],
    results: dict[str, Any],
    direction: str,
    visible: Callable[[str], Any] | None,
) -> None:
    """Evaluate mappings in order into ``results``; a dotted target updates the object already in
    ``results``, else the one ``visible`` finds (outputs: the object seen from the flow scope)."""
    for mapping in mappings:
        if not mapping.target:
            raise ProcessingFailure(ErrorType.IO_MAPPING_ERROR, f"{direction} mapping of '{node.id}' has no target")
        value = _evaluate_mapping(ctx, mapping, view, node.id)
        path = mapping.target.split(".")
        if len(path) == 1:
            results[path[0]] = value
            continue
        base = results.get(path[0])
        if base is None and visible is not None:
            base = visible(path[0])
        root: dict[str, Any] = {path[0]: dict(base) if isinstance(base, dict) else {}}
        _set_path(root, path, value)
        results[path[0]] = root[path[0]]


def _evaluate_mapping(
    ctx: ProcessingContext, mapping: VariableMapping, variables: Mapping[str, Any], element_id: str
) -> Any:
    from autoops.engine import expressions

    if mapping.source is None:
        return None
    try:
        return expressions.evaluate_any(ctx, mapping.source, variables)
    except ProcessingFailure as failure:  # Zeebe reports failing mappings as IO_MAPPING_ERROR
        raise ProcessingFailure(ErrorType.IO_MAPPING_ERROR, failure.message) from failure


def apply_input_mappings(ctx: ProcessingContext, inst: ElementInstance, node: FlowNode) -> None:
    """Evaluate ``zeebe:input`` mappings in order and write the results as local variables.

    Everything is evaluated before anything is written, so a failing mapping leaves no variable.
    A later source sees the earlier targets; a dotted target builds nested objects.
    """
    inputs = node.io_mapping.inputs
    if not inputs:
        return
    results: dict[str, Any] = {}
    _map_into(ctx, node, inputs, ScopeView(ctx, inst.key, results), results, "Input", None)
    set_local_document(ctx, inst, results)


def apply_output_mappings(ctx: ProcessingContext, inst: ElementInstance, node: FlowNode) -> None:
    """Evaluate ``zeebe:output`` mappings against the element's scope and propagate only the targets.

    A dotted target updates the existing object visible from the element, if there is one.
    """
    outputs = node.io_mapping.outputs
    if not outputs:
        return
    results: dict[str, Any] = {}
    outer = inst.flow_scope_key
    _map_into(ctx, node, outputs, ScopeView(ctx, inst.key), results, "Output",
              None if outer is None else (lambda name: _lookup(ctx, outer, name)))
    if inst.flow_scope_key is None:
        set_local_document(ctx, inst, results)
    else:
        propagate(ctx, ctx.require_instance(inst.flow_scope_key), results)
