"""Local checks before a deployment leaves the machine.

Zeebe would reject an invalid BPMN file too, but only after a round trip and with one flat text;
checking here first gives located diagnostics (file, line, element) and proves that nothing reached
the cluster. ``autoops.bpmn`` and ``autoops.feel`` are imported only when a deployment is checked,
keeping ``import autoops.client`` light.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path, PurePath

from autoops.client.errors import DiagnosticLike, ParseFailure

__all__ = [
    "ResourceInput",
    "check_resources",
    "is_error",
    "read_resource",
    "resource_kind",
    "validate_resources",
]

# A file path, or a resource already in memory as (name, content).
ResourceInput = str | os.PathLike[str] | tuple[str, bytes]


def resource_kind(name: str) -> str:
    """The kind Zeebe infers from the last path segment of the resource name."""
    suffix = PurePath(name.replace("\\", "/")).suffix.lower()
    return {".bpmn": "bpmn", ".xml": "bpmn", ".dmn": "dmn", ".form": "form"}.get(suffix, "unknown")


def is_error(diagnostic: DiagnosticLike) -> bool:
    severity = diagnostic.severity
    text = str(getattr(severity, "value", severity)).lower()
    return text.endswith("error")


def validate_resources(resources: Sequence[tuple[str, bytes]]) -> list[DiagnosticLike]:
    """All diagnostics (errors and warnings) for the resources, in resource order."""
    found: list[DiagnosticLike] = []
    for name, content in resources:
        kind = resource_kind(name)
        if kind == "bpmn":
            found.extend(_validate_bpmn(name, content))
        elif kind == "form":
            try:
                json.loads(content)
            except ValueError as exc:
                found.append(ParseFailure(name, None, f"a form must be JSON (Camunda Form schema): {exc}"))
        elif kind == "unknown":
            found.append(
                ParseFailure(
                    name, None, "unknown resource kind; Zeebe deploys .bpmn, .xml, .dmn and .form files"
                )
            )
        # DMN is not validated locally; the engine's answer is reported as is.
    return found


def _validate_bpmn(name: str, content: bytes) -> list[DiagnosticLike]:
    from autoops.bpmn import BpmnParseError, parse_bytes, validate
    from autoops.feel import syntax_error

    try:
        definitions = parse_bytes(content, name)
    except BpmnParseError as exc:
        return [ParseFailure(exc.source or name, exc.line, exc.message)]
    return list(validate(definitions, check_expression=syntax_error))


def read_resource(item: ResourceInput) -> tuple[str, bytes]:
    """(name, bytes); a path's name is its basename, as pyzeebe names resources. Raises OSError."""
    if isinstance(item, tuple):
        return item[0], bytes(item[1])
    path = Path(item)
    return path.name, path.read_bytes()


def check_resources(resources: Sequence[ResourceInput]) -> list[DiagnosticLike]:
    """Validate files (or (name, bytes) pairs) without any connection: what ``deploy --dry-run`` does.

    Unreadable files are reported as diagnostics rather than raised, so one run lists every problem.
    """
    loaded: list[tuple[str, bytes]] = []
    found: list[DiagnosticLike] = []
    for item in resources:
        try:
            loaded.append(read_resource(item))
        except OSError as exc:
            found.append(ParseFailure(str(item), None, f"cannot read the file: {exc.strerror or exc}"))
    return found + validate_resources(loaded)
