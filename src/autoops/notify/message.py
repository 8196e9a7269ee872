"""The notification a caller asks for, and the message a template turns it into."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["KIND_PATTERN", "Message", "Notification"]

#: Kinds double as template file names, so they are restricted to a safe, portable alphabet.
KIND_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def _check_kind(value: str) -> str:
    if not KIND_PATTERN.match(value) or ".." in value:
        raise ValueError(
            f"notification kind {value!r} is not allowed: use lower-case letters, digits, '.', '-' or '_' "
            "(it names the template file <kind>.txt)"
        )
    return value


class Notification(BaseModel):
    """What to tell whom: a kind (which picks the template and the channels) and the template variables.

    ``key`` identifies the notification across retries (for example ``order-shipped:SO-1001``). Channels
    pass it on (webhook delivery header, e-mail Message-ID) so that receivers can drop duplicates: a job
    worker delivers at least once, never exactly once.
    """

    model_config = ConfigDict(frozen=True)

    kind: str
    key: str = Field(min_length=1, max_length=200)
    recipients: tuple[str, ...] = ()
    variables: dict[str, Any] = Field(default_factory=dict)

    _kind = field_validator("kind")(_check_kind)


class Message(BaseModel):
    """A rendered notification, ready for a channel."""

    model_config = ConfigDict(frozen=True)

    kind: str
    key: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    variables: dict[str, Any] = Field(default_factory=dict)
