"""Form resources (``.form``, Camunda Forms JSON): deployed and versioned by their ``id`` so that
Camunda user tasks and start events can link them with ``zeebe:formDefinition formId``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from autoops.engine.context import DEFAULT_TENANT, ProcessingContext
from autoops.engine.errors import ErrorType, ProcessingFailure

__all__ = ["FormMetadata", "ParsedForm", "find_form_key", "parse_form", "store_form"]


@dataclass(frozen=True, slots=True)
class FormMetadata:
    form_id: str
    version: int
    form_key: int
    resource_name: str
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True, slots=True)
class ParsedForm:
    name: str
    data: bytes
    form_id: str
    version_tag: str | None


def parse_form(name: str, data: bytes) -> ParsedForm | str:
    """The form, or a message saying why the resource is not a deployable form."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return f"Expected the form to be a JSON document, but it could not be parsed: {exc}"
    if not isinstance(document, dict):
        return "Expected the form to be a JSON object, but it is not"
    form_id = document.get("id")
    if not isinstance(form_id, str) or not form_id.strip():
        return "Expected the form to have a non-empty 'id' property, but it has none"
    tag = document.get("versionTag")
    return ParsedForm(name, data, form_id, tag if isinstance(tag, str) else None)


def store_form(
    ctx: ProcessingContext, form: ParsedForm, checksum: str, deployment_key: int, tenant_id: str
) -> FormMetadata:
    latest = ctx.conn.execute(
        "SELECT key, version, checksum, resource_name, deleted FROM forms WHERE form_id = ?"
        " ORDER BY version DESC LIMIT 1",
        (form.form_id,),
    ).fetchone()
    if (latest is not None and not latest["deleted"] and latest["checksum"] == checksum
            and latest["resource_name"] == form.name):
        return FormMetadata(form.form_id, latest["version"], latest["key"], form.name, tenant_id)
    version = 1 if latest is None else latest["version"] + 1
    key = ctx.keys.next()
    ctx.conn.execute(
        "INSERT INTO forms(key, form_id, version, version_tag, resource_name, checksum, resource, deployment_key,"
        " tenant_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (key, form.form_id, version, form.version_tag, form.name, checksum, form.data, deployment_key, tenant_id),
    )
    ctx.record("FORM", "CREATED", key, {"formId": form.form_id, "version": version, "formKey": key,
                                        "resourceName": form.name, "checksum": checksum, "tenantId": tenant_id,
                                        "deploymentKey": deployment_key})
    return FormMetadata(form.form_id, version, key, form.name, tenant_id)


def find_form_key(
    ctx: ProcessingContext, form_id: str, binding_type: str | None, version_tag: str | None, definition_key: int
) -> int:
    """Resolve ``formId`` by its binding; a missing form is a FORM_NOT_FOUND incident."""
    binding = (binding_type or "latest").strip()
    if binding == "deployment":
        row = ctx.conn.execute(
            "SELECT f.key FROM forms f JOIN definitions d ON d.deployment_key = f.deployment_key"
            " WHERE d.key = ? AND f.form_id = ?",
            (definition_key, form_id),
        ).fetchone()
    elif binding == "versionTag":
        row = ctx.conn.execute(
            "SELECT key FROM forms WHERE form_id = ? AND version_tag = ? AND deleted = 0 ORDER BY version DESC LIMIT 1",
            (form_id, version_tag),
        ).fetchone()
    else:
        row = ctx.conn.execute(
            "SELECT key FROM forms WHERE form_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1", (form_id,)
        ).fetchone()
    if row is None:
        raise ProcessingFailure(
            ErrorType.FORM_NOT_FOUND,
            f"Expected to find a form with id '{form_id}', but no form with this id is found, at least a form with "
            "this id should be available. To resolve the Incident please deploy a form with the same id",
        )
    return int(row[0])
