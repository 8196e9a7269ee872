"""Stock availability and reservations, safe under concurrent workers.

Free stock is ``on_hand - reserved``. A reservation is all-or-nothing per order: either every line is
held or none is. Reserving runs inside ``BEGIN IMMEDIATE`` and each update re-checks availability in its
``WHERE`` clause, so two jobs racing for the last unit can never both win; the table's ``CHECK``
constraint would reject an oversell even if that logic were wrong.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from workers.shop.db import immediate
from workers.shop.errors import OutOfStock, ShopError
from workers.shop.models import Line

__all__ = ["Reservation", "Shortage", "StockCheck", "check_stock", "release", "reserve", "ship_reserved"]


class Shortage(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    requested: int
    available: int


class StockCheck(BaseModel):
    """Result of a read-only check; stock may change before the reservation, which re-checks."""

    model_config = ConfigDict(frozen=True)

    in_stock: bool
    shortages: list[Shortage]


class Reservation(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_id: str
    sku: str
    quantity: int
    status: str


def _free(conn: sqlite3.Connection, skus: list[str]) -> dict[str, int]:
    marks = ",".join("?" * len(skus))
    rows = conn.execute(f"SELECT sku, on_hand - reserved AS free FROM stock WHERE sku IN ({marks})", skus)
    return {row["sku"]: int(row["free"]) for row in rows}


def check_stock(conn: sqlite3.Connection, lines: list[Line]) -> StockCheck:
    free = _free(conn, [line.sku for line in lines])
    shortages = [
        Shortage(sku=line.sku, requested=line.quantity, available=free.get(line.sku, 0))
        for line in lines
        if free.get(line.sku, 0) < line.quantity
    ]
    return StockCheck(in_stock=not shortages, shortages=shortages)


def _reservations(conn: sqlite3.Connection, order_id: str) -> list[Reservation]:
    rows = conn.execute(
        "SELECT order_id, sku, quantity, status FROM reservations WHERE order_id = ? ORDER BY sku", (order_id,)
    ).fetchall()
    return [Reservation(**dict(row)) for row in rows]


def reserve(conn: sqlite3.Connection, order_id: str, lines: list[Line], now: datetime) -> list[Reservation]:
    """Hold stock for every line, or raise :class:`OutOfStock` and hold nothing.

    Idempotent: a second call for the same order returns the existing reservation.
    """
    with immediate(conn):
        existing = _reservations(conn, order_id)
        if existing:
            if any(r.status == "released" for r in existing):
                raise ShopError(f"order {order_id}: its reservation was released; it cannot be reserved again")
            return existing
        shortages: list[tuple[str, int, int]] = []
        for line in lines:
            updated = conn.execute(
                "UPDATE stock SET reserved = reserved + ? WHERE sku = ? AND on_hand - reserved >= ?",
                (line.quantity, line.sku, line.quantity),
            ).rowcount
            if updated != 1:
                free = _free(conn, [line.sku]).get(line.sku, 0)
                shortages.append((line.sku, line.quantity, free))
        if shortages:
            raise OutOfStock(order_id, shortages)  # the transaction rolls back the lines already held
        conn.executemany(
            "INSERT INTO reservations (order_id, sku, quantity, status, created_at) VALUES (?, ?, ?, 'held', ?)",
            [(order_id, line.sku, line.quantity, now.isoformat()) for line in lines],
        )
        return _reservations(conn, order_id)


def release(conn: sqlite3.Connection, order_id: str) -> int:
    """Give held stock back; returns the units released (0 when nothing was held). Idempotent."""
    with immediate(conn):
        held = [r for r in _reservations(conn, order_id) if r.status == "held"]
        for r in held:
            conn.execute("UPDATE stock SET reserved = reserved - ? WHERE sku = ?", (r.quantity, r.sku))
        conn.execute("UPDATE reservations SET status = 'released' WHERE order_id = ? AND status = 'held'", (order_id,))
        return sum(r.quantity for r in held)


def ship_reserved(conn: sqlite3.Connection, order_id: str) -> list[Reservation]:
    """Inside the caller's transaction: held stock leaves the warehouse (on hand and reserved both drop)."""
    rows = _reservations(conn, order_id)
    held = [r for r in rows if r.status == "held"]
    if not rows or (not held and not all(r.status == "shipped" for r in rows)):
        raise ShopError(f"order {order_id} has no held stock to ship; reserve the stock first")
    for r in held:
        conn.execute(
            "UPDATE stock SET on_hand = on_hand - ?, reserved = reserved - ? WHERE sku = ?",
            (r.quantity, r.quantity, r.sku),
        )
    conn.execute("UPDATE reservations SET status = 'shipped' WHERE order_id = ? AND status = 'held'", (order_id,))
    return _reservations(conn, order_id)
