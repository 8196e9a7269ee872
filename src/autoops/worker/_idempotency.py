"""At-least-once delivery made safe: remember what a handler returned, replay it on redelivery.

Zeebe hands a job to another worker when its lease runs out, and a CompleteJob can be lost with the
connection. A handler with a side effect (charge a card, send a mail) then runs twice. With
``idempotency=`` on a task, the worker records the handler's result under a key (the job key unless
the task derives one from the variables) *before* completing the job; a later delivery with the same
key completes at once with the recorded result and the handler is not called.

The window that remains: a crash after the side effect but before the record is written repeats the
effect. Handlers whose effect lives in the same database can close it by writing the record in the
same transaction, through their own :class:`IdempotencyStore`.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from autoops.worker._context import JobContext
from autoops.worker._errors import WorkerConfigError

__all__ = ["DEFAULT_IDEMPOTENCY_PATH", "Idempotency", "IdempotencyStore", "SqliteIdempotencyStore"]

DEFAULT_IDEMPOTENCY_PATH = Path(".autoops") / "idempotency.sqlite3"


@runtime_checkable
class IdempotencyStore(Protocol):
    """Where recorded results live. ``scope`` is the task type, so keys of different tasks never clash."""

    async def get(self, scope: str, key: str) -> dict[str, Any] | None:
        """The recorded result, or None when this key has not completed before."""
        ...

    async def put(self, scope: str, key: str, result: Mapping[str, Any]) -> None:
        """Record ``result`` (JSON-ready variables) for the key, replacing an older record."""
        ...

    async def close(self) -> None:
        """Release connections; called once when the worker stops."""
        ...


@dataclass(frozen=True)
class Idempotency:
    """Per-task idempotency: which key identifies "the same work", and where results are recorded.

    ``key`` receives the :class:`JobContext` (its ``variables`` hold the fetched variables), e.g.
    ``key=lambda ctx: f"charge:{ctx.variables['orderId']}"``; the default is the job key, which covers
    redelivery of the same job. ``store`` defaults to the worker's store (a SQLite file).
    """

    key: Callable[[JobContext], str] | None = None
    store: IdempotencyStore | None = None

    def key_for(self, ctx: JobContext) -> str:
        if self.key is None:
            return str(ctx.job_key)
        value = self.key(ctx)
        if not isinstance(value, str) or not value:
            raise TypeError(
                f"the idempotency key function of task type {ctx.type!r} returned {value!r}; "
                "it must return a non-empty string"
            )
        return value


class SqliteIdempotencyStore:
    """Recorded results in a SQLite file (WAL), shared safely by worker processes on one host.

    Records older than ``retention`` are purged when the store opens and every few hundred writes;
    keep ``retention`` longer than the longest time a job can be redelivered (its timeout plus
    retries and backoff).
    """

    _PURGE_EVERY = 500

    def __init__(
        self, path: str | Path = DEFAULT_IDEMPOTENCY_PATH, *, retention: timedelta = timedelta(days=7)
    ) -> None:
        if retention <= timedelta(0):
            raise WorkerConfigError(f"SqliteIdempotencyStore retention must be positive, got {retention}")
        self.path = Path(path)
        self.retention = retention
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._writes = 0

    def __repr__(self) -> str:
        return f"SqliteIdempotencyStore({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS idempotency_records ("
                " scope TEXT NOT NULL, key TEXT NOT NULL, result TEXT NOT NULL, recorded_at REAL NOT NULL,"
                " PRIMARY KEY (scope, key))"
            )
            self._conn = conn
            self._purge(conn)
        return self._conn

    def _purge(self, conn: sqlite3.Connection) -> None:
        cutoff = time.time() - self.retention.total_seconds()
        conn.execute("DELETE FROM idempotency_records WHERE recorded_at < ?", (cutoff,))

    def _get(self, scope: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = (
                self._connect()
                .execute(
                    "SELECT result, recorded_at FROM idempotency_records WHERE scope = ? AND key = ?",
                    (scope, key),
                )
                .fetchone()
            )
        if row is None or row[1] < time.time() - self.retention.total_seconds():
            return None
        loaded = json.loads(row[0])
        return loaded if isinstance(loaded, dict) else None

    def _put(self, scope: str, key: str, result: Mapping[str, Any]) -> None:
        text = json.dumps(dict(result), separators=(",", ":"))
        with self._lock:
            conn = self._connect()
            conn.execute(
                "INSERT OR REPLACE INTO idempotency_records (scope, key, result, recorded_at)"
                " VALUES (?, ?, ?, ?)",
                (scope, key, text, time.time()),
            )
            self._writes += 1
            if self._writes % self._PURGE_EVERY == 0:
                self._purge(conn)

    async def get(self, scope: str, key: str) -> dict[str, Any] | None:
        return await asyncio.to_thread(self._get, scope, key)

    async def put(self, scope: str, key: str, result: Mapping[str, Any]) -> None:
        await asyncio.to_thread(self._put, scope, key, result)

    async def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
