"""SqliteIdempotencyStore on a real file: round trips, scopes, persistence, retention."""

import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest

from autoops.worker import Idempotency, IdempotencyStore, SqliteIdempotencyStore, WorkerConfigError

from .test_worker_binding import _context


async def test_round_trip_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "idem.sqlite3"
    store = SqliteIdempotencyStore(path)
    assert isinstance(store, IdempotencyStore)
    assert await store.get("payment.charge", "42") is None
    await store.put("payment.charge", "42", {"chargeId": "ch_1", "amount": 12.5, "items": [1, 2]})
    await store.close()

    reopened = SqliteIdempotencyStore(path)
    assert await reopened.get("payment.charge", "42") == {"chargeId": "ch_1", "amount": 12.5, "items": [1, 2]}
    assert await reopened.get("mail.send", "42") is None  # scopes (task types) never clash
    await reopened.put("payment.charge", "42", {"chargeId": "ch_2"})
    assert await reopened.get("payment.charge", "42") == {"chargeId": "ch_2"}
    await reopened.close()


async def test_two_stores_on_one_file_see_each_others_records(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    first, second = SqliteIdempotencyStore(path), SqliteIdempotencyStore(path)
    await first.put("t", "k", {"done": True})
    assert await second.get("t", "k") == {"done": True}
    await first.close()
    await second.close()


async def test_expired_records_are_ignored_and_purged(tmp_path: Path) -> None:
    path = tmp_path / "idem.sqlite3"
    store = SqliteIdempotencyStore(path, retention=timedelta(hours=1))
    await store.put("t", "old", {"v": 1})
    await store.put("t", "new", {"v": 2})
    await store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE idempotency_records SET recorded_at = ? WHERE key = 'old'", (time.time() - 7200,))
    reopened = SqliteIdempotencyStore(path, retention=timedelta(hours=1))
    assert await reopened.get("t", "old") is None
    assert await reopened.get("t", "new") == {"v": 2}
    await reopened.close()
    with sqlite3.connect(path) as conn:
        keys = [row[0] for row in conn.execute("SELECT key FROM idempotency_records")]
    assert keys == ["new"]


def test_retention_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(WorkerConfigError, match="retention"):
        SqliteIdempotencyStore(tmp_path / "x", retention=timedelta(0))


def test_keys_default_to_the_job_key_or_come_from_the_variables() -> None:
    ctx = _context(orderId="A-7")
    assert Idempotency().key_for(ctx) == "1"
    assert Idempotency(key=lambda c: f"charge:{c.variables['orderId']}").key_for(ctx) == "charge:A-7"
    with pytest.raises(TypeError, match="non-empty string"):
        Idempotency(key=lambda c: "").key_for(ctx)
