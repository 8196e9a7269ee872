"""Message templates kept as plain files, so that wording changes without a code change or a deployment.

A template is ``<kind>.txt``: a first line ``Subject: ...``, a blank line, then the body. Placeholders use
:class:`string.Template` syntax (``$order_id`` or ``${order_id}``; ``$$`` is a literal dollar), which
cannot execute code and needs no extra dependency. A missing variable is an error naming the template
file and the variable, never a silently blank gap in a customer's e-mail.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from autoops.notify.errors import TemplateError
from autoops.notify.message import Message, Notification

__all__ = ["MessageTemplate", "TemplateStore"]

_SUFFIX = ".txt"


@dataclass(frozen=True)
class MessageTemplate:
    """A parsed template: subject and body, with the file it came from for error messages."""

    path: Path
    subject: string.Template
    body: string.Template

    @property
    def identifiers(self) -> set[str]:
        """Every variable name the template uses."""
        return set(self.subject.get_identifiers()) | set(self.body.get_identifiers())

    @classmethod
    def parse(cls, path: Path, text: str) -> MessageTemplate:
        """Parse template text; raise :class:`TemplateError` with the file and line on a format error."""
        lines = text.splitlines()
        if not lines or not lines[0].startswith("Subject:"):
            raise TemplateError(
                f"{path}:1: a template must start with a 'Subject: ...' line, then a blank line, then the body"
            )
        if len(lines) > 1 and lines[1].strip():
            raise TemplateError(f"{path}:2: expected a blank line between the Subject line and the body")
        subject = string.Template(lines[0][len("Subject:") :].strip())
        body = string.Template("\n".join(lines[2:]).rstrip("\n") + "\n")
        for part, line_offset in ((subject, 0), (body, 2)):
            if not part.is_valid():
                bad = _first_invalid_line(part.template)
                raise TemplateError(
                    f"{path}:{line_offset + bad}: invalid placeholder; write $name or ${{name}}, and $$ for a "
                    "literal dollar sign"
                )
        return cls(path=path, subject=subject, body=body)

    def render(self, notification: Notification) -> Message:
        """Fill in the variables; every placeholder must have a value."""
        values = {key: _text(value) for key, value in notification.variables.items()}
        missing = sorted(self.identifiers - values.keys())
        if missing:
            raise TemplateError(
                f"template {self.path} needs variable(s) {', '.join(missing)} that notification "
                f"{notification.key!r} of kind {notification.kind!r} does not supply"
            )
        return Message(
            kind=notification.kind,
            key=notification.key,
            recipients=notification.recipients,
            subject=self.subject.substitute(values),
            body=self.body.substitute(values),
            variables=dict(notification.variables),
        )


def _first_invalid_line(template: str) -> int:
    """1-based line of the first placeholder :class:`string.Template` rejects."""
    for number, line in enumerate(template.splitlines() or [""], start=1):
        if not string.Template(line).is_valid():
            return number
    return 1


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


class TemplateStore:
    """Templates looked up by notification kind in one or more folders; the first folder that has it wins.

    Applications put their own folder first and may fall back to a shared one. Files are read once and
    cached; :meth:`reload` drops the cache after the wording was edited.
    """

    def __init__(self, directories: Iterable[Path | str]) -> None:
        self._directories = [Path(d) for d in directories]
        if not self._directories:
            raise TemplateError("a template store needs at least one folder")
        self._cache: dict[str, MessageTemplate] = {}

    @property
    def directories(self) -> list[Path]:
        return list(self._directories)

    def kinds(self) -> set[str]:
        """Every kind that has a template in any of the folders."""
        found: set[str] = set()
        for directory in self._directories:
            if directory.is_dir():
                found.update(p.name[: -len(_SUFFIX)] for p in directory.glob(f"*{_SUFFIX}"))
        return found

    def get(self, kind: str) -> MessageTemplate:
        """The template for ``kind``; :class:`TemplateError` lists where it was looked for."""
        cached = self._cache.get(kind)
        if cached is not None:
            return cached
        for directory in self._directories:
            path = directory / f"{kind}{_SUFFIX}"
            if path.is_file():
                template = MessageTemplate.parse(path, path.read_text(encoding="utf-8"))
                self._cache[kind] = template
                return template
        looked = ", ".join(str(d / f"{kind}{_SUFFIX}") for d in self._directories)
        raise TemplateError(f"no template for notification kind {kind!r}: looked for {looked}")

    def render(self, notification: Notification) -> Message:
        return self.get(notification.kind).render(notification)

    def reload(self) -> None:
        self._cache.clear()
