"""Deployments: validate resources, version processes, keep the deployed bytes verbatim.

All resources of one deployment land together or not at all. A process whose resource is
byte-identical (same checksum and resource name) to its latest version gets no new version; the
result then reports the existing key and version, as Zeebe does.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autoops import bpmn
from autoops.bpmn.model import Definitions, ElementKind, Event, EventKind, Process
from autoops.engine.context import DEFAULT_TENANT, ProcessingContext
from autoops.engine.forms import FormMetadata, ParsedForm, parse_form, store_form
from autoops.engine.records import DeploymentIntent, ValueType
from autoops.engine.rejections import Rejection, RejectionType
from autoops.engine.support import unsupported_reasons

__all__ = [
    "DeployedProcess",
    "DeploymentResult",
    "FormMetadata",
    "ModelCache",
    "ProcessMetadata",
    "delete_resource",
    "deploy",
    "none_start_event",
]

_BPMN_SUFFIXES = (".bpmn", ".xml")


@dataclass(frozen=True, slots=True)
class DeployedProcess:
    """A deployed process version with its parsed model."""

    key: int
    bpmn_process_id: str
    version: int
    resource_name: str
    tenant_id: str
    process: Process


@dataclass(frozen=True, slots=True)
class ProcessMetadata:
    bpmn_process_id: str
    version: int
    process_definition_key: int
    resource_name: str
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True, slots=True)
class DeploymentResult:
    key: int
    processes: tuple[ProcessMetadata, ...]
    tenant_id: str = DEFAULT_TENANT
    forms: tuple[FormMetadata, ...] = ()


class ModelCache:
    """Parsed models by definition key; models are immutable so the cache never goes stale."""

    def __init__(self) -> None:
        self._by_key: dict[int, DeployedProcess] = {}
        self._joins: dict[int, bool] = {}
        # (definition key, element id) -> element processor, filled by processors.processor_for_instance
        self.processors: dict[tuple[int, str], Any] = {}
        # (definition key, inclusive gateway id, untaken incoming flows) -> nodes that can still reach them
        self.reaching: dict[tuple[int, str, frozenset[str]], frozenset[str]] = {}
        # (definition key, element id, element type) -> boundary / event-subprocess catch plans
        self.catch_plans: dict[tuple[int, str, str], Any] = {}

    def put(self, deployed: DeployedProcess) -> None:
        self._by_key[deployed.key] = deployed

    def get(self, conn: sqlite3.Connection, key: int) -> DeployedProcess:
        found = self._by_key.get(key)
        if found is not None:
            return found
        row = conn.execute(
            "SELECT key, bpmn_process_id, version, resource_name, resource, tenant_id FROM definitions WHERE key = ?",
            (key,),
        ).fetchone()
        if row is None:
            raise KeyError(key)
        definitions = bpmn.parse_bytes(bytes(row["resource"]), row["resource_name"])
        deployed = DeployedProcess(
            key=row["key"],
            bpmn_process_id=row["bpmn_process_id"],
            version=row["version"],
            resource_name=row["resource_name"],
            tenant_id=row["tenant_id"],
            process=definitions.process(row["bpmn_process_id"]),
        )
        self._by_key[key] = deployed
        return deployed

    def has_joins(self, conn: sqlite3.Connection, key: int) -> bool:
        """Whether the process has an inclusive join (worth re-checking when tokens leave a scope)."""
        found = self._joins.get(key)
        if found is None:
            process = self.get(conn, key).process
            found = self._joins[key] = any(
                n.kind is ElementKind.INCLUSIVE_GATEWAY and len(n.incoming) > 1 for n in process.walk()
            )
        return found

    def discard(self, key: int) -> None:
        self._by_key.pop(key, None)


_NONE_STARTS: dict[int, tuple[Process, Event | None]] = {}


def none_start_event(process: Process) -> Event | None:
    """The process's none start event (looked up twice per created instance, so memoised per model
    object; models are immutable and the entry holds the model, so an ``id`` is never reused)."""
    hit = _NONE_STARTS.get(id(process))
    if hit is not None and hit[0] is process:
        return hit[1]
    found = next((e for e in process.body.start_events() if e.event_kind is EventKind.NONE), None)
    if len(_NONE_STARTS) >= 1024:
        _NONE_STARTS.clear()
    _NONE_STARTS[id(process)] = (process, found)
    return found


def _reject(reason: str) -> Rejection:
    return Rejection(ValueType.DEPLOYMENT, DeploymentIntent.CREATE, RejectionType.INVALID_ARGUMENT, reason)


def _support_diagnostics(name: str, process: Process) -> list[bpmn.Diagnostic]:
    """The engine's own "not implemented yet" findings, in the validator's diagnostic shape."""
    return [
        bpmn.Diagnostic(
            severity=bpmn.Severity.ERROR,
            source=name,
            line=_line_of(process, element_id),
            element_id=element_id,
            rule="engine-not-implemented",
            message=message,
        )
        for element_id, message in unsupported_reasons(process)
    ]


def _line_of(process: Process, element_id: str) -> int | None:
    if element_id in process.nodes:
        return process.node(element_id).line
    if element_id in process.flows:
        return process.flow(element_id).line
    return process.line


def _resource_error(name: str, message: str, line: int | None = None) -> bpmn.Diagnostic:
    return bpmn.Diagnostic(
        severity=bpmn.Severity.ERROR, source=name, line=line, element_id=name, rule="resource", message=message
    )


def _check_feel(text: str) -> str | None:
    from autoops import feel

    try:
        feel.compile(text)
    except feel.FeelSyntaxError as exc:
        return f"failed to parse expression '{text}': {exc.message}"
    return None


def _checksum(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def deploy(ctx: ProcessingContext, resources: Sequence[tuple[str, bytes]], tenant_id: str) -> DeploymentResult:
    """Process a DEPLOYMENT CREATE command; raises :class:`Rejection` before writing anything."""
    if not resources:
        raise _reject("Expected to deploy at least one resource, but none given")
    parsed: list[tuple[str, bytes, Definitions]] = []
    forms: list[ParsedForm] = []
    failed: list[tuple[str, Sequence[bpmn.Diagnostic]]] = []
    for name, data in resources:
        base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
        if base.endswith(".form"):
            form = parse_form(name, data)
            if isinstance(form, str):
                failed.append((name, [_resource_error(name, form)]))
            else:
                forms.append(form)
            continue
        if not base.endswith(_BPMN_SUFFIXES):
            failed.append((name, [_resource_error(name, "Expected a BPMN (.bpmn, .xml) or form (.form) resource; DMN "
                                                        "resources are not supported by the embedded engine yet")]))
            continue
        try:
            definitions = bpmn.parse_bytes(data, name)
        except bpmn.BpmnParseError as exc:
            failed.append((name, [_resource_error(name, exc.message, exc.line)]))
            continue
        diagnostics = list(bpmn.validate(definitions, check_expression=_check_feel))
        if not bpmn.has_errors(diagnostics):
            for process in definitions.executable_processes():
                diagnostics.extend(_support_diagnostics(name, process))
        if bpmn.has_errors(diagnostics):
            failed.append((name, diagnostics))
            continue
        parsed.append((name, data, definitions))
    if failed:
        raise _reject(bpmn.rejection_reason(failed))

    owners: dict[str, list[str]] = {}
    for name, _data, definitions in parsed:
        for process in definitions.executable_processes():
            owners.setdefault(process.id, []).append(name)
    form_owners: dict[str, list[str]] = {}
    for form in forms:
        form_owners.setdefault(form.form_id, []).append(form.name)
    duplicated = {pid: names for pid, names in owners.items() if len(names) > 1}
    duplicated_forms = {fid: names for fid, names in form_owners.items() if len(names) > 1}
    if duplicated or duplicated_forms:
        lines = "".join(f"\n- Duplicated process id '{pid}' in resources: {', '.join(n)}" for pid, n in duplicated.items())
        lines += "".join(
            f"\n- Duplicated form id '{fid}' in resources: {', '.join(n)}" for fid, n in duplicated_forms.items()
        )
        raise _reject(
            "Expected resource IDs to be unique within a deployment, but encountered the following conflicting IDs:"
            + lines
        )

    deployment_key = ctx.keys.next()
    ctx.conn.execute(
        "INSERT INTO deployments(key, tenant_id, created) VALUES (?, ?, ?)", (deployment_key, tenant_id, ctx.now)
    )
    metas: list[ProcessMetadata] = []
    for name, data, definitions in parsed:
        checksum = _checksum(data)
        for process in definitions.executable_processes():
            latest = ctx.conn.execute(
                "SELECT key, version, checksum, resource_name, deleted FROM definitions WHERE bpmn_process_id = ?"
                " ORDER BY version DESC LIMIT 1",
                (process.id,),
            ).fetchone()
            if (latest is not None and not latest["deleted"] and latest["checksum"] == checksum
                    and latest["resource_name"] == name):
                metas.append(ProcessMetadata(process.id, latest["version"], latest["key"], name, tenant_id))
                continue
            version = 1 if latest is None else latest["version"] + 1
            key = ctx.keys.next()
            start_form = _start_form_id(process)
            ctx.conn.execute(
                "INSERT INTO definitions(key, bpmn_process_id, version, name, version_tag, resource_name, checksum,"
                " resource, deployment_key, tenant_id, has_start_form, start_form_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, process.id, version, process.name, process.version_tag, name, checksum, data,
                 deployment_key, tenant_id, int(start_form is not None), start_form),
            )
            deployed = DeployedProcess(key, process.id, version, name, tenant_id, process)
            ctx.models.put(deployed)
            from autoops.engine import start_events

            start_events.on_deployed(ctx, deployed)
            ctx.record(
                ValueType.PROCESS,
                "CREATED",
                key,
                {
                    "bpmnProcessId": process.id,
                    "version": version,
                    "processDefinitionKey": key,
                    "resourceName": name,
                    "checksum": checksum,
                    "tenantId": tenant_id,
                    "deploymentKey": deployment_key,
                },
            )
            metas.append(ProcessMetadata(process.id, version, key, name, tenant_id))
    form_metas = [store_form(ctx, form, _checksum(form.data), deployment_key, tenant_id) for form in forms]
    ctx.record(
        ValueType.DEPLOYMENT,
        DeploymentIntent.CREATED,
        deployment_key,
        {
            "resources": [{"resourceName": n} for n, _d, _x in parsed] + [{"resourceName": f.name} for f in forms],
            "formMetadata": [
                {"formId": f.form_id, "version": f.version, "formKey": f.form_key, "resourceName": f.resource_name,
                 "tenantId": f.tenant_id}
                for f in form_metas
            ],
            "processesMetadata": [
                {"bpmnProcessId": m.bpmn_process_id, "version": m.version, "processDefinitionKey": m.process_definition_key,
                 "resourceName": m.resource_name, "tenantId": m.tenant_id}
                for m in metas
            ],
            "tenantId": tenant_id,
        },
    )
    return DeploymentResult(deployment_key, tuple(metas), tenant_id, tuple(form_metas))


def _start_form_id(process: Process) -> str | None:
    """The ``formId`` (or embedded ``formKey``) of the process's none start event, if it has a form."""
    for node in process.body.nodes:
        if isinstance(node, Event) and node.kind is ElementKind.START_EVENT and node.form is not None:
            return node.form.form_id or node.form.form_key or node.form.external_reference or ""
    return None


def _reopen_start_events(ctx: ProcessingContext, bpmn_process_id: str) -> None:
    """After a deletion the latest remaining version owns the start events again (Zeebe's rule)."""
    from autoops.engine import start_events

    start_events.close_all(ctx, bpmn_process_id)
    latest = ctx.conn.execute(
        "SELECT key FROM definitions WHERE bpmn_process_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1",
        (bpmn_process_id,),
    ).fetchone()
    if latest is not None:
        start_events.on_deployed(ctx, ctx.model(latest[0]))


def delete_resource(ctx: ProcessingContext, key: int) -> None:
    """RESOURCE_DELETION DELETE: retire a process definition (or form) so no new instance uses it.

    A process definition with running instances is refused: cancel them first. Finished instances
    keep their history, so the definition stays readable by key for them.
    """
    row = ctx.conn.execute("SELECT bpmn_process_id, version FROM definitions WHERE key = ? AND deleted = 0",
                           (key,)).fetchone()
    if row is not None:
        running = ctx.conn.execute(
            "SELECT COUNT(*) FROM element_instances WHERE definition_key = ? AND element_type = 'PROCESS'"
            " AND state NOT IN ('COMPLETED', 'TERMINATED')",
            (key,),
        ).fetchone()[0]
        if running:
            raise Rejection("RESOURCE_DELETION", "DELETE", RejectionType.INVALID_STATE,
                            f"Expected to delete resource with key `{key}`, but there are still {running} running "
                            "process instances of it; cancel them first")
        ctx.conn.execute("UPDATE definitions SET deleted = 1 WHERE key = ?", (key,))
        _reopen_start_events(ctx, row["bpmn_process_id"])
        ctx.record(ValueType.PROCESS, "DELETED", key,
                   {"bpmnProcessId": row["bpmn_process_id"], "version": row["version"], "processDefinitionKey": key})
    elif ctx.conn.execute("SELECT 1 FROM forms WHERE key = ? AND deleted = 0", (key,)).fetchone() is not None:
        ctx.conn.execute("UPDATE forms SET deleted = 1 WHERE key = ?", (key,))
        ctx.record("FORM", "DELETED", key, {"formKey": key})
    else:
        raise Rejection("RESOURCE_DELETION", "DELETE", RejectionType.NOT_FOUND,
                        f"Expected to delete resource but no resource found with key `{key}`")
    ctx.record("RESOURCE_DELETION", "DELETED", key, {"resourceKey": key})
