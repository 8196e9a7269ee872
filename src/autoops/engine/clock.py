"""Time for the engine: injected everywhere so that tests and ``PUT /v2/clock`` can pin or move it.

Every command is processed with one timestamp taken from the clock when processing starts, the way
Zeebe stamps a command once. The scheduler asks the clock how long to sleep and is woken whenever a
controlled clock is pinned or moved, so moving time fires everything that became due at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ControlledClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Epoch milliseconds, plus a hook so the scheduler learns when time jumps."""

    def now_ms(self) -> int: ...

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever the time changes other than by flowing (pin, move, reset)."""

    def remove_listener(self, listener: Callable[[], None]) -> None: ...

    @property
    def flowing(self) -> bool:
        """False while pinned: sleeping for a delay is then pointless, only a move wakes."""


class SystemClock:
    """Wall-clock time."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def add_listener(self, listener: Callable[[], None]) -> None:
        return None

    def remove_listener(self, listener: Callable[[], None]) -> None:
        return None

    @property
    def flowing(self) -> bool:
        return True


class ControlledClock:
    """A clock that runs with real time until pinned; it can be moved forward or back and reset.

    ``pin(t)`` freezes time at ``t``; ``advance(ms)`` moves a pinned clock, or shifts a flowing
    one by an offset; ``reset()`` returns to wall-clock time.
    """

    def __init__(self, pinned_at_ms: int | None = None) -> None:
        self._pinned: int | None = pinned_at_ms
        self._offset = 0
        self._listeners: list[Callable[[], None]] = []

    def now_ms(self) -> int:
        if self._pinned is not None:
            return self._pinned
        return time.time_ns() // 1_000_000 + self._offset

    @property
    def flowing(self) -> bool:
        return self._pinned is None

    def pin(self, epoch_ms: int) -> None:
        self._pinned = int(epoch_ms)
        self._changed()

    def advance(self, ms: int) -> None:
        if self._pinned is not None:
            self._pinned += int(ms)
        else:
            self._offset += int(ms)
        self._changed()

    def reset(self) -> None:
        self._pinned = None
        self._offset = 0
        self._changed()

    def add_listener(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()
