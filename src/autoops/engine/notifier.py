"""Wakes whoever waits for jobs of a type (ActivateJobs long polling, job streams) without polling.

The engine calls :meth:`JobNotifier.notify` after a commit made a job activatable: creation, a
failure with retries left, a timeout, an elapsed back-off, an incident resolution.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["JobNotifier"]


class JobNotifier:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}
        self._listeners: dict[str, list[Callable[[str], None]]] = {}

    def notify(self, job_type: str) -> None:
        waiters = self._waiters.pop(job_type, None)
        if waiters:
            for fut in waiters:
                if not fut.done():
                    fut.set_result(None)
        for listener in list(self._listeners.get(job_type, ())):
            listener(job_type)

    async def wait(self, job_type: str, timeout_s: float | None) -> bool:
        """Wait until a job of ``job_type`` may have become activatable; False on timeout.

        Callers re-try activation after a True: another waiter may have taken the job first.
        """
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(job_type, set()).add(fut)
        try:
            async with asyncio.timeout(timeout_s):
                await fut
            return True
        except TimeoutError:
            return False
        finally:
            waiters = self._waiters.get(job_type)
            if waiters is not None:
                waiters.discard(fut)
                if not waiters:
                    self._waiters.pop(job_type, None)

    def add_listener(self, job_type: str, listener: Callable[[str], None]) -> None:
        """Call ``listener(job_type)`` on every notification (job streams push from here)."""
        self._listeners.setdefault(job_type, []).append(listener)

    def remove_listener(self, job_type: str, listener: Callable[[str], None]) -> None:
        listeners = self._listeners.get(job_type)
        if listeners and listener in listeners:
            listeners.remove(listener)
            if not listeners:
                self._listeners.pop(job_type, None)
