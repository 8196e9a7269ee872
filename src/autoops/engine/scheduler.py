"""Due items: everything that must happen at a point in time, fired by one clock-driven task.

A due item is (kind, due_at, ref_key) in the ``due_items`` table, written in the same transaction as
the state that needs it, so it survives restarts. Handlers are registered per kind: job deadlines
and back-offs here; timers and message TTLs register their own kinds. Items fire in
due-time order and never early; a pinned clock fires only when moved.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from autoops.engine.clock import Clock
from autoops.engine.context import ProcessingContext
from autoops.logging import get_logger

__all__ = ["DueHandler", "Scheduler", "clear_due", "fire_due", "register_due_handler", "set_due"]

DueHandler = Callable[[ProcessingContext, int], None]
_HANDLERS: dict[str, DueHandler] = {}
_BATCH = 200
_log = get_logger(__name__)


def register_due_handler(kind: str, handler: DueHandler) -> None:
    _HANDLERS[kind] = handler


def fire_due(ctx: ProcessingContext) -> int:
    """Process the due items whose time has come (up to a batch); returns how many fired.

    Items are taken one at a time in due-time order, so that an item a handler schedules (the
    next tick of a timer cycle) fires before later items when the clock jumped past both.
    """
    from autoops.engine import lifecycle

    fired = 0
    while fired < _BATCH:
        row = ctx.conn.execute(
            "SELECT id, kind, ref_key FROM due_items WHERE due_at <= ? ORDER BY due_at, id LIMIT 1", (ctx.now,)
        ).fetchone()
        if row is None:
            break
        item_id, kind, ref_key = row
        fired += 1
        ctx.conn.execute("DELETE FROM due_items WHERE id = ?", (item_id,))
        handler = _HANDLERS.get(kind)
        if handler is None:
            _log.error("due item of unknown kind dropped", kind=kind, ref_key=ref_key)
            continue
        try:
            with ctx.attempt():
                handler(ctx, ref_key)
                lifecycle.run_steps(ctx)
        except Exception:
            _log.exception("due item failed and was dropped", kind=kind, ref_key=ref_key)
    return fired


def set_due(ctx: ProcessingContext, kind: str, ref_key: int, due_at: int) -> None:
    """Schedule (or move) the due item of ``kind`` for ``ref_key``."""
    ctx.conn.execute(
        "INSERT INTO due_items(kind, due_at, ref_key) VALUES (?, ?, ?)"
        " ON CONFLICT(kind, ref_key) DO UPDATE SET due_at = excluded.due_at",
        (kind, due_at, ref_key),
    )


def clear_due(ctx: ProcessingContext, kind: str, ref_key: int) -> None:
    ctx.conn.execute("DELETE FROM due_items WHERE kind = ? AND ref_key = ?", (kind, ref_key))


class Scheduler:
    """Sleeps until the earliest due item (or a wake-up), then submits a fire-due command."""

    def __init__(
        self,
        clock: Clock,
        next_due: Callable[[], int | None],
        submit: Callable[[], Awaitable[int]],
    ) -> None:
        self._clock = clock
        self._next_due = next_due
        self._submit = submit
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        clock.add_listener(self.wake)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="autoops-engine-scheduler")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        self._clock.remove_listener(self.wake)
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            due = self._next_due()
            now = self._clock.now_ms()
            if due is not None and due <= now:
                try:
                    fired = await self._submit()
                except Exception:
                    _log.exception("firing due items failed")
                    fired = 0
                if fired:
                    continue
                await asyncio.sleep(0.05)  # the item is not due by the command's own timestamp yet
                continue
            timeout: float | None = None
            if due is not None and self._clock.flowing:
                timeout = max(0.001, (due - now) / 1000)
            # asyncio.timeout, not wait_for: wait_for may swallow a cancellation that races a wake-up
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
