"""Read queries for the REST layer: search with filters, sorting and paging, and gets by key.

Searches take the REST v2 shape already decoded: ``filter`` maps a field to a plain value (equality)
or an operator object (``$eq $neq $exists $in $notIn $like $gt $gte $lt $lte``); ``sort`` is a list of
(field, "ASC"|"DESC"); paging is an offset or an opaque cursor. Keys come back as ints (the REST
layer renders them as strings), dates as ISO 8601 strings in UTC, JSON values as parsed objects
except variable values, which stay JSON text as REST returns them.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autoops.engine.clock import Clock

__all__ = ["ENTITIES", "Queries", "QueryError", "SearchResult", "iso"]


class QueryError(ValueError):
    """A filter, sort field or page that the entity does not support (REST answers 400)."""


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _from_iso(text: Any) -> int:
    if isinstance(text, int | float) and not isinstance(text, bool):
        return int(text)
    try:
        parsed = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryError(f"Expected an ISO 8601 date-time, but got '{text}'") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class Field:
    sql: str
    kind: str = "str"  # str | int | key | date | bool | enum | json_list | variables


@dataclass(frozen=True, slots=True)
class Entity:
    source: str  # FROM clause (with alias t)
    fields: Mapping[str, Field]
    default_sort: str
    convert: Callable[[sqlite3.Row], dict[str, Any]]
    where: str = "1=1"


@dataclass(frozen=True, slots=True)
class SearchResult:
    items: list[dict[str, Any]]
    total: int
    start_cursor: str | None = None
    end_cursor: str | None = None


_PI_STATE = "CASE t.state WHEN 'COMPLETED' THEN 'COMPLETED' WHEN 'TERMINATED' THEN 'TERMINATED' ELSE 'ACTIVE' END"
_HAS_INCIDENT_PI = "EXISTS(SELECT 1 FROM incidents i WHERE i.process_instance_key = t.key AND i.state = 'ACTIVE')"
# The top of the call-activity chain: walk parent links from the row's process instance up to the
# instance that has no parent. Computed, not stored, so databases written before it existed answer too.
_ROOT_OF = (
    "(WITH RECURSIVE up(k, p) AS (SELECT x.key, x.parent_process_instance_key FROM element_instances x"
    " WHERE x.key = {pi} UNION ALL SELECT x.key, x.parent_process_instance_key FROM element_instances x"
    " JOIN up ON x.key = up.p) SELECT k FROM up WHERE p IS NULL)"
)
_ROOT_PI = _ROOT_OF.format(pi="t.key")
_ROOT = _ROOT_OF.format(pi="t.process_instance_key")
_HAS_INCIDENT_EI = "EXISTS(SELECT 1 FROM incidents i WHERE i.element_instance_key = t.key AND i.state = 'ACTIVE')"


def _definition(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "processDefinitionKey": row["key"], "processDefinitionId": row["bpmn_process_id"], "name": row["name"],
        "resourceName": row["resource_name"], "version": row["version"], "versionTag": row["version_tag"],
        "tenantId": row["tenant_id"], "hasStartForm": bool(row["has_start_form"]),
    }


def _process_instance(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "rootProcessInstanceKey": row["root_pi"],
        "processInstanceKey": row["key"], "processDefinitionId": row["bpmn_process_id"],
        "processDefinitionName": row["def_name"], "processDefinitionVersion": row["version"],
        "processDefinitionVersionTag": row["version_tag"], "processDefinitionKey": row["definition_key"],
        "parentProcessInstanceKey": row["parent_process_instance_key"],
        "parentElementInstanceKey": row["parent_element_instance_key"], "startDate": iso(row["start_date"]),
        "endDate": iso(row["end_date"]), "state": row["pi_state"], "hasIncident": bool(row["has_incident"]),
        "tenantId": row["tenant_id"],
    }


def _element_instance(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "rootProcessInstanceKey": row["root_pi"],
        "elementInstanceKey": row["key"], "processInstanceKey": row["process_instance_key"],
        "processDefinitionKey": row["definition_key"], "processDefinitionId": row["bpmn_process_id"],
        "elementId": row["element_id"], "elementName": None, "type": row["element_type"],
        "state": row["pi_state"], "startDate": iso(row["start_date"]), "endDate": iso(row["end_date"]),
        "hasIncident": bool(row["has_incident"]), "incidentKey": row["incident"],
        "flowScopeKey": row["flow_scope_key"], "tenantId": row["tenant_id"], "elementState": row["state"],
    }


def _variable(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "rootProcessInstanceKey": row["root_pi"],
        "variableKey": row["key"], "name": row["name"], "value": row["value"], "isTruncated": False,
        "scopeKey": row["scope_key"], "processInstanceKey": row["process_instance_key"], "tenantId": row["tenant_id"],
    }


def _incident(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "rootProcessInstanceKey": row["root_pi"],
        "incidentKey": row["key"], "processDefinitionKey": row["definition_key"],
        "processDefinitionId": row["bpmn_process_id"], "processInstanceKey": row["process_instance_key"],
        "errorType": row["error_type"], "errorMessage": row["error_message"], "elementId": row["element_id"],
        "elementInstanceKey": row["element_instance_key"], "creationTime": iso(row["creation_time"]),
        "state": row["state"], "jobKey": row["job_key"], "tenantId": row["tenant_id"],
    }


def _job(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "rootProcessInstanceKey": row["root_pi"],
        "jobKey": row["key"], "type": row["type"], "worker": row["worker"], "state": row["state"],
        "kind": row["kind"], "listenerEventType": "UNSPECIFIED", "retries": row["retries"],
        "errorMessage": row["error_message"] or None, "errorCode": row["error_code"] or None,
        "deadline": iso(row["deadline"]), "customHeaders": json.loads(row["custom_headers"]),
        "elementId": row["element_id"], "elementInstanceKey": row["element_instance_key"],
        "processInstanceKey": row["process_instance_key"], "processDefinitionKey": row["definition_key"],
        "processDefinitionId": row["bpmn_process_id"], "processDefinitionVersion": row["version"],
        "tenantId": row["tenant_id"], "endTime": iso(row["end_date"]), "creationTime": iso(row["created"]),
        "hasFailedWithRetriesLeft": row["state"] == "FAILED" and row["retries"] > 0,
    }


def _user_task(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "rootProcessInstanceKey": row["root_pi"],
        "userTaskKey": row["key"], "name": row["name"], "state": row["state"], "assignee": row["assignee"],
        "candidateGroups": json.loads(row["candidate_groups"]), "candidateUsers": json.loads(row["candidate_users"]),
        "priority": row["priority"], "elementId": row["element_id"], "elementInstanceKey": row["element_instance_key"],
        "processName": row["def_name"], "processDefinitionId": row["bpmn_process_id"],
        "processDefinitionVersion": row["version"], "processDefinitionKey": row["definition_key"],
        "processInstanceKey": row["process_instance_key"], "tenantId": row["tenant_id"],
        "creationDate": iso(row["creation_date"]), "completionDate": iso(row["completion_date"]),
        "followUpDate": row["follow_up_date"], "dueDate": row["due_date"],
        "externalFormReference": row["external_form_reference"], "formKey": row["form_key"],
        "customHeaders": json.loads(row["custom_headers"]),
    }


def _record(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "position": row["position"], "recordType": row["record_type"], "valueType": row["value_type"],
        "intent": row["intent"], "key": row["key"], "timestamp": row["timestamp"],
        "processInstanceKey": row["process_instance_key"], "value": json.loads(row["value"]),
    }


ENTITIES: dict[str, Entity] = {
    "process_definitions": Entity(
        "definitions t",
        {
            "processDefinitionKey": Field("t.key", "key"), "processDefinitionId": Field("t.bpmn_process_id"),
            "name": Field("t.name"), "resourceName": Field("t.resource_name"), "version": Field("t.version", "int"),
            "versionTag": Field("t.version_tag"), "tenantId": Field("t.tenant_id"),
            "isLatestVersion": Field(
                "(t.version = (SELECT MAX(d.version) FROM definitions d WHERE d.bpmn_process_id = t.bpmn_process_id"
                " AND d.deleted = 0))",
                "bool"),
            "hasStartForm": Field("t.has_start_form", "bool"),
        },
        "processDefinitionKey", _definition, "t.deleted = 0",
    ),
    "process_instances": Entity(
        "(SELECT e.*, d.name AS def_name, d.version_tag AS version_tag FROM element_instances e"
        " JOIN definitions d ON d.key = e.definition_key WHERE e.element_type = 'PROCESS') t",
        {
            "processInstanceKey": Field("t.key", "key"), "processDefinitionId": Field("t.bpmn_process_id"),
            "processDefinitionName": Field("t.def_name"), "processDefinitionVersion": Field("t.version", "int"),
            "processDefinitionVersionTag": Field("t.version_tag"), "processDefinitionKey": Field("t.definition_key", "key"),
            "parentProcessInstanceKey": Field("t.parent_process_instance_key", "key"),
            "parentElementInstanceKey": Field("t.parent_element_instance_key", "key"),
            "rootProcessInstanceKey": Field(_ROOT_PI, "key"),
            "startDate": Field("t.start_date", "date"), "endDate": Field("t.end_date", "date"),
            "state": Field(_PI_STATE, "enum"), "hasIncident": Field(_HAS_INCIDENT_PI, "bool"),
            "tenantId": Field("t.tenant_id"), "variables": Field("t.key", "variables"),
        },
        "processInstanceKey", _process_instance,
    ),
    "element_instances": Entity(
        "element_instances t",
        {
            "elementInstanceKey": Field("t.key", "key"), "processInstanceKey": Field("t.process_instance_key", "key"),
            "rootProcessInstanceKey": Field(_ROOT, "key"),
            "processDefinitionKey": Field("t.definition_key", "key"), "processDefinitionId": Field("t.bpmn_process_id"),
            "elementId": Field("t.element_id"), "type": Field("t.element_type", "enum"), "state": Field(_PI_STATE, "enum"),
            "startDate": Field("t.start_date", "date"), "endDate": Field("t.end_date", "date"),
            "hasIncident": Field(_HAS_INCIDENT_EI, "bool"), "flowScopeKey": Field("t.flow_scope_key", "key"),
            "tenantId": Field("t.tenant_id"),
            "incidentKey": Field("(SELECT MAX(i.key) FROM incidents i WHERE i.element_instance_key = t.key"
                                 " AND i.state = 'ACTIVE')", "key"),
        },
        "elementInstanceKey", _element_instance, "t.element_type != 'PROCESS'",
    ),
    "variables": Entity(
        "variables t",
        {
            "variableKey": Field("t.key", "key"), "name": Field("t.name"), "value": Field("t.value"),
            "scopeKey": Field("t.scope_key", "key"), "processInstanceKey": Field("t.process_instance_key", "key"),
            "rootProcessInstanceKey": Field(_ROOT, "key"),
            "tenantId": Field("t.tenant_id"),
        },
        "variableKey", _variable,
    ),
    "incidents": Entity(
        "incidents t",
        {
            "incidentKey": Field("t.key", "key"), "processDefinitionKey": Field("t.definition_key", "key"),
            "processDefinitionId": Field("t.bpmn_process_id"), "processInstanceKey": Field("t.process_instance_key", "key"),
            "rootProcessInstanceKey": Field(_ROOT, "key"),
            "errorType": Field("t.error_type", "enum"), "errorMessage": Field("t.error_message"),
            "elementId": Field("t.element_id"), "elementInstanceKey": Field("t.element_instance_key", "key"),
            "creationTime": Field("t.creation_time", "date"), "state": Field("t.state", "enum"),
            "jobKey": Field("t.job_key", "key"), "tenantId": Field("t.tenant_id"),
        },
        "incidentKey", _incident,
    ),
    "jobs": Entity(
        "jobs t",
        {
            "jobKey": Field("t.key", "key"), "type": Field("t.type"), "worker": Field("t.worker"),
            "state": Field("t.state", "enum"), "kind": Field("t.kind", "enum"), "retries": Field("t.retries", "int"),
            "errorMessage": Field("t.error_message"), "errorCode": Field("t.error_code"),
            "deadline": Field("t.deadline", "date"), "elementId": Field("t.element_id"),
            "elementInstanceKey": Field("t.element_instance_key", "key"),
            "processInstanceKey": Field("t.process_instance_key", "key"),
            "rootProcessInstanceKey": Field(_ROOT, "key"),
            "processDefinitionKey": Field("t.definition_key", "key"), "processDefinitionId": Field("t.bpmn_process_id"),
            "tenantId": Field("t.tenant_id"), "creationTime": Field("t.created", "date"),
            "endTime": Field("t.end_date", "date"),
        },
        "jobKey", _job,
    ),
    "user_tasks": Entity(
        "(SELECT u.*, d.name AS def_name FROM user_tasks u JOIN definitions d ON d.key = u.definition_key) t",
        {
            "userTaskKey": Field("t.key", "key"), "name": Field("t.name"), "state": Field("t.state", "enum"),
            "assignee": Field("t.assignee"), "priority": Field("t.priority", "int"), "elementId": Field("t.element_id"),
            "elementInstanceKey": Field("t.element_instance_key", "key"),
            "processDefinitionId": Field("t.bpmn_process_id"), "processDefinitionKey": Field("t.definition_key", "key"),
            "processInstanceKey": Field("t.process_instance_key", "key"),
            "rootProcessInstanceKey": Field(_ROOT, "key"), "tenantId": Field("t.tenant_id"),
            "creationDate": Field("t.creation_date", "date"), "completionDate": Field("t.completion_date", "date"),
            "followUpDate": Field("t.follow_up_date"), "dueDate": Field("t.due_date"),
            "candidateGroup": Field("t.candidate_groups", "json_list"),
            "candidateUser": Field("t.candidate_users", "json_list"),
            "processInstanceVariables": Field("t.process_instance_key", "variables"),
            "localVariables": Field("t.element_instance_key", "variables"),
        },
        "userTaskKey", _user_task,
    ),
    "records": Entity(
        "records t",
        {
            "position": Field("t.position", "int"), "recordType": Field("t.record_type", "enum"),
            "valueType": Field("t.value_type", "enum"), "intent": Field("t.intent", "enum"), "key": Field("t.key", "key"),
            "timestamp": Field("t.timestamp", "int"), "processInstanceKey": Field("t.process_instance_key", "key"),
        },
        "position", _record,
    ),
}

_SELECT_EXTRA = {
    "process_instances": f", {_PI_STATE} AS pi_state, {_HAS_INCIDENT_PI} AS has_incident, {_ROOT_PI} AS root_pi",
    "element_instances": f", {_PI_STATE} AS pi_state, {_HAS_INCIDENT_EI} AS has_incident,"
    " (SELECT MAX(i.key) FROM incidents i WHERE i.element_instance_key = t.key AND i.state = 'ACTIVE') AS incident,"
    f" {_ROOT} AS root_pi",
    "variables": f", {_ROOT} AS root_pi",
    "incidents": f", {_ROOT} AS root_pi",
    "jobs": f", {_ROOT} AS root_pi",
    "user_tasks": f", {_ROOT} AS root_pi",
}


def _like(pattern: str) -> str:
    out = []
    escaped = False
    for ch in pattern:
        if escaped:
            out.append("\\" + ch if ch in "%_\\" else ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch in "%_":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _coerce(field: Field, value: Any) -> Any:
    if field.kind == "key" or field.kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise QueryError(f"Expected a number, but got '{value}'") from exc
    if field.kind == "date":
        return _from_iso(value)
    if field.kind == "bool":
        return 1 if value in (True, "true", 1) else 0
    return value if value is None else str(value)


def _variable_condition(name: str, field: Field, spec: Any, params: list[Any]) -> str:
    """``[{name, value}]``: every listed variable exists in the scope and its JSON text matches."""
    if not isinstance(spec, list):
        raise QueryError(f"Filter property '{name}' expects a list of {{name, value}} objects")
    parts = []
    for item in spec:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise QueryError(f"Filter property '{name}' expects a list of {{name, value}} objects")
        params.append(item["name"])
        clause = f"EXISTS(SELECT 1 FROM variables v WHERE v.scope_key = {field.sql} AND v.name = ?"
        if "value" in item:
            clause += " AND " + _condition(f"{name}.value", Field("v.value"), item["value"], params)
        parts.append(clause + ")")
    return " AND ".join(parts) or "1=1"


def _condition(name: str, field: Field, spec: Any, params: list[Any]) -> str:
    if field.kind == "variables":
        return _variable_condition(name, field, spec, params)
    if field.kind == "json_list":
        ops = spec if isinstance(spec, Mapping) else {"$eq": spec}
        parts = []
        for op, arg in ops.items():
            if op == "$eq":
                parts.append(f"EXISTS(SELECT 1 FROM json_each({field.sql}) WHERE value = ?)")
                params.append(str(arg))
            elif op == "$in":
                marks = ",".join("?" * len(arg))
                parts.append(f"EXISTS(SELECT 1 FROM json_each({field.sql}) WHERE value IN ({marks}))")
                params.extend(str(a) for a in arg)
            else:
                raise QueryError(f"Operator '{op}' is not supported for filter property '{name}'")
        return " AND ".join(parts) or "1=1"
    if not isinstance(spec, Mapping):
        if spec is None:
            return f"{field.sql} IS NULL"
        params.append(_coerce(field, spec))
        return f"{field.sql} = ?"
    parts = []
    for op, arg in spec.items():
        if op == "$eq":
            params.append(_coerce(field, arg))
            parts.append(f"{field.sql} = ?")
        elif op == "$neq":
            params.append(_coerce(field, arg))
            parts.append(f"({field.sql} IS NULL OR {field.sql} != ?)")
        elif op == "$exists":
            parts.append(f"{field.sql} IS {'NOT ' if arg else ''}NULL")
        elif op in ("$in", "$notIn"):
            if not isinstance(arg, list):
                raise QueryError(f"Operator '{op}' of filter property '{name}' expects a list")
            if not arg:
                parts.append("0=1" if op == "$in" else "1=1")
                continue
            params.extend(_coerce(field, a) for a in arg)
            parts.append(f"{field.sql} {'NOT ' if op == '$notIn' else ''}IN ({','.join('?' * len(arg))})")
        elif op == "$like":
            params.append(_like(str(arg)))
            parts.append(f"{field.sql} LIKE ? ESCAPE '\\'")
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            params.append(_coerce(field, arg))
            parts.append(f"{field.sql} {dict(gt='>', gte='>=', lt='<', lte='<=')[op[1:]]} ?")
        else:
            raise QueryError(f"Unknown filter operator '{op}' for property '{name}'")
    return " AND ".join(parts) or "1=1"


def _where(entity: Entity, filters: Mapping[str, Any] | None, params: list[Any]) -> str:
    clauses = [entity.where]
    for name, spec in (filters or {}).items():
        if name == "$or":
            alternatives = [f"({_where(entity, alt, params)})" for alt in spec or []]
            if alternatives:
                clauses.append("(" + " OR ".join(alternatives) + ")")
            continue
        field = entity.fields.get(name)
        if field is None:
            raise QueryError(f"Unknown filter property '{name}'; known: {', '.join(sorted(entity.fields))}")
        clauses.append(_condition(name, field, spec, params))
    return " AND ".join(clauses)


class Queries:
    """Searches and lookups over the engine's state (use only from the engine's event loop)."""

    def __init__(self, conn: sqlite3.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    def search(
        self,
        entity_name: str,
        filters: Mapping[str, Any] | None = None,
        sort: Sequence[tuple[str, str]] | None = None,
        *,
        offset: int = 0,
        limit: int = 100,
        after: str | None = None,
        before: str | None = None,
    ) -> SearchResult:
        entity = ENTITIES.get(entity_name)
        if entity is None:
            raise QueryError(f"Unknown entity '{entity_name}'; known: {', '.join(sorted(ENTITIES))}")
        params: list[Any] = []
        where = _where(entity, filters, params)
        order = []
        for name, direction in sort or ():
            field = entity.fields.get(name)
            if field is None or field.kind in ("json_list", "variables"):
                raise QueryError(f"Unknown sort field '{name}'; known: {', '.join(sorted(entity.fields))}")
            if direction.upper() not in ("ASC", "DESC"):
                raise QueryError(f"Sort order must be ASC or DESC, but was '{direction}'")
            order.append(f"{field.sql} {direction.upper()}")
        order.append(f"{entity.fields[entity.default_sort].sql} ASC")
        if after is not None or before is not None:
            try:
                offset = int(after) + 1 if after is not None else max(0, int(before or 0) - limit)
            except ValueError as exc:
                raise QueryError(f"Invalid page cursor '{after or before}'") from exc
        if limit < 0 or offset < 0:
            raise QueryError("Page 'from' and 'limit' must not be negative")
        total = int(self._conn.execute(f"SELECT COUNT(*) FROM {entity.source} WHERE {where}", params).fetchone()[0])
        rows = self._conn.execute(
            f"SELECT t.*{_SELECT_EXTRA.get(entity_name, '')} FROM {entity.source} WHERE {where}"
            f" ORDER BY {', '.join(order)} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        items = [entity.convert(r) for r in rows]
        start = str(offset) if items else None
        end = str(offset + len(items) - 1) if items else None
        return SearchResult(items, total, start, end)

    def get(self, entity_name: str, key: int) -> dict[str, Any] | None:
        entity = ENTITIES[entity_name]
        found = self.search(entity_name, {entity.default_sort: key}, limit=1)
        return found.items[0] if found.items else None

    def root_process_instance_key(self, process_instance_key: int) -> int:
        """The instance at the top of ``process_instance_key``'s call-activity chain (itself if none)."""
        row = self._conn.execute(f"SELECT {_ROOT_OF.format(pi='?')}", (process_instance_key,)).fetchone()
        return process_instance_key if row is None or row[0] is None else int(row[0])

    def definition_xml(self, key: int) -> bytes | None:
        row = self._conn.execute("SELECT resource FROM definitions WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def form(self, form_key: int) -> dict[str, Any] | None:
        """A deployed form: ``formKey, formId, version, schema`` (the JSON text), ``tenantId``."""
        row = self._conn.execute("SELECT * FROM forms WHERE key = ?", (form_key,)).fetchone()
        if row is None:
            return None
        return {"formKey": row["key"], "formId": row["form_id"], "version": row["version"],
                "schema": bytes(row["resource"]).decode("utf-8"), "tenantId": row["tenant_id"]}

    def start_form(self, definition_key: int) -> dict[str, Any] | None:
        """The latest form linked by the start event of a process definition, if any."""
        row = self._conn.execute("SELECT start_form_id FROM definitions WHERE key = ?", (definition_key,)).fetchone()
        if row is None or not row[0]:
            return None
        found = self._conn.execute(
            "SELECT key FROM forms WHERE form_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1", (row[0],)
        ).fetchone()
        return None if found is None else self.form(int(found[0]))

    def variables_of(self, scope_key: int) -> dict[str, Any]:
        """Local variables of a scope, parsed."""
        return {
            name: json.loads(value)
            for name, value in self._conn.execute("SELECT name, value FROM variables WHERE scope_key = ?", (scope_key,))
        }

    def visible_variables(self, scope_key: int) -> dict[str, Any]:
        """Variables visible from a scope (inner shadows outer), parsed."""
        out: dict[str, Any] = {}
        key: int | None = scope_key
        while key is not None:
            for name, value in self._conn.execute("SELECT name, value FROM variables WHERE scope_key = ?", (key,)):
                out.setdefault(name, json.loads(value))
            row = self._conn.execute("SELECT flow_scope_key FROM element_instances WHERE key = ?", (key,)).fetchone()
            key = None if row is None else row[0]
        return out
