"""The log channel: the notification goes to the structured log, nowhere else.

Useful on a developer machine and as a second channel in production, so that operators can see in the
logs what customers were told.
"""

from __future__ import annotations

from autoops.logging import get_logger
from autoops.notify.channel import Delivery
from autoops.notify.message import Message

__all__ = ["LogChannel"]


class LogChannel:
    def __init__(self, name: str = "log", *, level: str = "info") -> None:
        self.name = name
        self._level = level
        self._log = get_logger("autoops.notify").bind(channel=name)

    async def send(self, message: Message) -> Delivery:
        method = getattr(self._log, self._level)
        method(
            "notification",
            kind=message.kind,
            key=message.key,
            recipients=list(message.recipients),
            subject=message.subject,
            body=message.body,
        )
        return Delivery(channel=self.name, kind=message.kind, key=message.key, attempts=1, detail="logged")

    async def aclose(self) -> None:
        return None
