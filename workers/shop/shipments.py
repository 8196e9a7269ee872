"""Shipments: the reserved stock leaves the warehouse with a carrier and a tracking number.

The carrier follows the parcel weight (``postal`` up to 2 kg, ``parcel`` up to 31.5 kg, ``freight``
above). The tracking number derives from the order id, so a redelivered job finds the same shipment.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from workers.shop.db import immediate
from workers.shop.errors import ShopError
from workers.shop.orders import set_status
from workers.shop.stock import ship_reserved

__all__ = ["Shipment", "carrier_for", "create_shipment", "mark_delivered"]


class Shipment(BaseModel):
    model_config = ConfigDict(frozen=True)

    shipment_id: str
    order_id: str
    carrier: str
    tracking: str
    weight_grams: int
    status: str


def carrier_for(weight_grams: int) -> str:
    if weight_grams <= 2_000:
        return "postal"
    if weight_grams <= 31_500:
        return "parcel"
    return "freight"


def _get(conn: sqlite3.Connection, order_id: str) -> Shipment | None:
    row = conn.execute(
        "SELECT shipment_id, order_id, carrier, tracking, weight_grams, status FROM shipments WHERE order_id = ?",
        (order_id,),
    ).fetchone()
    return Shipment(**dict(row)) if row else None


def create_shipment(conn: sqlite3.Connection, order_id: str, now: datetime) -> Shipment:
    """Ship the order's held stock; idempotent (the existing shipment is returned)."""
    with immediate(conn):
        existing = _get(conn, order_id)
        if existing is not None:
            return existing
        shipped = ship_reserved(conn, order_id)
        weight = conn.execute(
            "SELECT COALESCE(SUM(r.quantity * p.weight_grams), 0) FROM reservations r "
            "JOIN products p ON p.sku = r.sku WHERE r.order_id = ? AND r.status = 'shipped'",
            (order_id,),
        ).fetchone()[0]
        carrier = carrier_for(int(weight))
        digest = hashlib.sha256(order_id.encode()).hexdigest()
        shipment_id = f"SHP-{order_id}"
        tracking = f"{carrier[:2].upper()}{int(digest[:12], 16) % 10**12:012d}"
        conn.execute(
            "INSERT INTO shipments (shipment_id, order_id, carrier, tracking, weight_grams, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, 'created', ?)",
            (shipment_id, order_id, carrier, tracking, int(weight), now.isoformat()),
        )
        set_status(conn, order_id, "shipped")
        assert shipped
        created = _get(conn, order_id)
    assert created is not None
    return created


def mark_delivered(conn: sqlite3.Connection, order_id: str, at: datetime) -> Shipment:
    with immediate(conn):
        shipment = _get(conn, order_id)
        if shipment is None:
            raise ShopError(f"order {order_id} has no shipment to mark delivered")
        conn.execute(
            "UPDATE shipments SET status = 'delivered', delivered_at = COALESCE(delivered_at, ?) WHERE order_id = ?",
            (at.isoformat(), order_id),
        )
        set_status(conn, order_id, "delivered")
        updated = _get(conn, order_id)
    assert updated is not None
    return updated
