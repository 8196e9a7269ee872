"""Wakes whoever waits for jobs of a type (ActivateJobs long polling, job streams) without polling.

The engine calls :meth:`JobNotifier.notify` after a commit made a job activatable: creation, a
failure with retries left, a timeout, an elapsed back-off, an incident resolution, a yield.

Every notification bumps a per-type sequence number. A caller reads :meth:`sequence` *before* an
activation attempt and passes it to :meth:`wait`; if a notification arrived in between, ``wait``
returns at once instead of sleeping through it. That makes "found nothing, now wait" race-free
without the caller having to register anything first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["JobNotifier"]


class JobNotifier:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}
        self._listeners: dict[str, list[Callable[[str], None]]] = {}
        self._sequence: dict[str, int] = {}

    def sequence(self, job_type: str) -> int:
        """How many notifications ``job_type`` has had; pass it to :meth:`wait` as ``since``."""
        return self._sequence.get(job_type, 0)

    def waiting(self, job_type: str) -> int:
        """How many calls wait for ``job_type`` right now (pending long polls)."""
        return len(self._waiters.get(job_type, ()))

    def notify(self, job_type: str) -> None:
        self._sequence[job_type] = self._sequence.get(job_type, 0) + 1
        waiters = self._waiters.pop(job_type, None)
        if waiters:
            for fut in waiters:
                if not fut.done():
                    fut.set_result(None)
        for listener in list(self._listeners.get(job_type, ())):
            listener(job_type)

    async def wait(self, job_type: str, timeout_s: float | None, *, since: int | None = None) -> bool:
        """Wait until a job of ``job_type`` may have become activatable; False on timeout.

        With ``since`` (a value of :meth:`sequence` read before the caller's last activation
        attempt), a notification that came after that read counts: the call returns True at once.
        Callers re-try activation after a True: another waiter may have taken the job first.
        """
        if since is not None and self._sequence.get(job_type, 0) != since:
            return True
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
