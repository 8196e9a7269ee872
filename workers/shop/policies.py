"""Stock policies proposed by the weekly forecast, compared with the published ones, then published.

A new run's reorder points are *proposed*; the process compares them with the currently published
policy and asks a planner to approve the plan when any reorder point moved by more than the threshold.
Publishing marks the run ``published`` and the previous published rows of the same SKUs are kept as
history (the latest published run per SKU is the one in force).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from workers.shop.db import immediate
from workers.shop.errors import ShopError

__all__ = ["PolicyChange", "PolicyRow", "compare_with_published", "publish", "reject", "store_proposal"]


class PolicyRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    reorder_point: float
    safety_stock: float
    order_up_to: float
    order_quantity: float


class PolicyChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    previous: float | None
    proposed: float
    relative_change: float  # |new - old| / max(old, 1); 1.0 for a SKU without a published policy


def store_proposal(conn: sqlite3.Connection, run_id: str, rows: Iterable[PolicyRow], now: datetime) -> int:
    """Store a run's policy as proposed; idempotent per run id. Returns the number of rows stored."""
    items = list(rows)
    with immediate(conn):
        conn.execute("DELETE FROM stock_policies WHERE run_id = ? AND status = 'proposed'", (run_id,))
        conn.executemany(
            "INSERT OR IGNORE INTO stock_policies (run_id, sku, reorder_point, safety_stock, order_up_to,"
            " order_quantity, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'proposed', ?)",
            [
                (run_id, r.sku, r.reorder_point, r.safety_stock, r.order_up_to, r.order_quantity, now.isoformat())
                for r in items
            ],
        )
    return len(items)


def compare_with_published(conn: sqlite3.Connection, run_id: str) -> list[PolicyChange]:
    """Changes of reorder points against the policy in force, largest first."""
    proposed = conn.execute(
        "SELECT sku, reorder_point FROM stock_policies WHERE run_id = ? AND status = 'proposed'", (run_id,)
    ).fetchall()
    if not proposed:
        raise ShopError(f"no proposed stock policy for run {run_id}")
    current = {
        row["sku"]: float(row["reorder_point"])
        for row in conn.execute(
            "SELECT sku, reorder_point FROM stock_policies p WHERE status = 'published' AND created_at = "
            "(SELECT MAX(created_at) FROM stock_policies q WHERE q.sku = p.sku AND q.status = 'published')"
        )
    }
    changes = []
    for row in proposed:
        new = float(row["reorder_point"])
        old = current.get(row["sku"])
        rel = 1.0 if old is None else abs(new - old) / max(old, 1.0)
        changes.append(PolicyChange(sku=row["sku"], previous=old, proposed=new, relative_change=round(rel, 4)))
    changes.sort(key=lambda c: (-c.relative_change, c.sku))
    return changes


def _set(conn: sqlite3.Connection, run_id: str, status: str) -> int:
    with immediate(conn):
        count = conn.execute(
            "UPDATE stock_policies SET status = ? WHERE run_id = ? AND status IN ('proposed', ?)",
            (status, run_id, status),
        ).rowcount
    if count == 0:
        raise ShopError(f"no stock policy of run {run_id} can be {status}")
    return int(count)


def publish(conn: sqlite3.Connection, run_id: str) -> int:
    return _set(conn, run_id, "published")


def reject(conn: sqlite3.Connection, run_id: str) -> int:
    return _set(conn, run_id, "rejected")


def finite(value: float) -> float:
    """Policies must be finite numbers; a NaN from an empty series becomes 0."""
    return value if math.isfinite(value) else 0.0
