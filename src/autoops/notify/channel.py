"""What every channel offers, and the receipt it hands back."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from autoops.notify.message import Message

__all__ = ["Channel", "Delivery"]


class Delivery(BaseModel):
    """Receipt of one message sent through one channel."""

    model_config = ConfigDict(frozen=True)

    channel: str
    kind: str
    key: str
    attempts: int
    detail: str = ""


@runtime_checkable
class Channel(Protocol):
    """A way to deliver a rendered message: log, webhook, e-mail, or anything an application adds.

    ``send`` either returns a :class:`Delivery` or raises :class:`~autoops.notify.errors.DeliveryError`
    after its own retries; it never returns half-sent.
    """

    name: str

    async def send(self, message: Message) -> Delivery: ...

    async def aclose(self) -> None: ...
