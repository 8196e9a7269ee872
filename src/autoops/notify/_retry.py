"""Exponential backoff shared by the network channels."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Backoff", "Sleep"]

Sleep = Callable[[float], Awaitable[None]]


class Backoff(BaseModel):
    """How often and how patiently a channel retries a transient failure.

    Delays grow geometrically (``initial * multiplier**n``) up to ``max_delay``; no jitter, because a
    notification channel sends few messages and predictable timing makes incidents easier to read.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=4, ge=1, le=20)
    initial: float = Field(default=0.5, ge=0.0)
    multiplier: float = Field(default=2.0, ge=1.0)
    max_delay: float = Field(default=30.0, ge=0.0)

    def delay(self, failed_attempts: int) -> float:
        """Seconds to wait after the ``failed_attempts``-th failure (1-based)."""
        return float(min(self.max_delay, self.initial * self.multiplier ** (failed_attempts - 1)))


async def default_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)
