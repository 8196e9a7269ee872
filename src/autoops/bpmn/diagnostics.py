"""Located validation findings and the two ways of printing them.

A :class:`Diagnostic` says what is wrong, where (file, line, element) and which rule found it.
It renders for people (``file:line: element: message``, like a compiler) and as Zeebe's own
deployment rejection text, which the embedded engine returns byte for byte as the message of an
``INVALID_ARGUMENT`` status so that clients written against Zeebe see what they expect.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "REJECTION_PREFIX",
    "Diagnostic",
    "Severity",
    "format_resource_errors",
    "has_errors",
    "rejection_message",
    "rejection_reason",
]

REJECTION_PREFIX = "Command 'CREATE' rejected with code 'INVALID_ARGUMENT': "
_REASON_HEAD = "Expected to deploy new resources, but encountered the following errors:"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    """One finding. ``element_path`` is Zeebe's identifier of the offending element when it has no
    id of its own (``task > extensionElements > taskDefinition``); otherwise the element id."""

    severity: Severity
    source: str
    line: int | None
    element_id: str
    rule: str
    message: str
    element_path: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def element(self) -> str:
        """How Zeebe names the element in ``- Element: ...``."""
        return self.element_path or self.element_id

    def human(self) -> str:
        """``file:line: element: message`` (warnings say so after the element)."""
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        label = self.element or "(document)"
        kind = "" if self.is_error else "warning: "
        return f"{where}: {label}: {kind}{self.message}"

    def as_dict(self) -> dict[str, str | int | None]:
        """A JSON-ready mapping (the ``--json`` output of ``autoops validate``)."""
        return {
            "severity": self.severity.value,
            "source": self.source,
            "line": self.line,
            "element_id": self.element_id,
            "element": self.element,
            "rule": self.rule,
            "message": self.message,
        }


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def format_resource_errors(resource_name: str, diagnostics: Iterable[Diagnostic]) -> str:
    """One resource's part of the rejection: ``'<name>': - Element: <id>\\n    - ERROR: <msg>\\n``.

    Errors are grouped per element in the order the elements first appear; warnings are left
    out because they never reject a deployment.
    """
    blocks: dict[str, list[str]] = {}
    for diagnostic in diagnostics:
        if diagnostic.is_error:
            blocks.setdefault(diagnostic.element, []).append(diagnostic.message)
    body = "".join(
        f"- Element: {element}\n" + "".join(f"    - ERROR: {message}\n" for message in messages)
        for element, messages in blocks.items()
    )
    return f"'{resource_name}': {body}"


def rejection_reason(resources: Sequence[tuple[str, Sequence[Diagnostic]]]) -> str:
    """The rejection reason for a deployment: the head line, then each failing resource on a
    new line. Resources without errors are skipped."""
    parts = [_REASON_HEAD]
    for name, diagnostics in resources:
        if has_errors(diagnostics):
            parts.append("\n" + format_resource_errors(name, diagnostics))
    return "".join(parts)


def rejection_message(resources: Sequence[tuple[str, Sequence[Diagnostic]]]) -> str:
    """The full status message Zeebe sends when a deployment is rejected as invalid:
    ``Command 'CREATE' rejected with code 'INVALID_ARGUMENT': Expected to deploy new resources,
    but encountered the following errors:`` followed by the per-resource blocks."""
    return REJECTION_PREFIX + rejection_reason(resources)
