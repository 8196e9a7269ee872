"""Settlement entries: what the shop booked for a captured payment.

Each captured order gets exactly two ledger entries: the sale (+ captured amount) and the payment fee
(- 1.4% of the amount, rounded half up to the cent, + 0.25 EUR). ``UNIQUE(order_id, kind)`` makes a
repeated job harmless.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict

from workers.shop.db import immediate
from workers.shop.errors import PaymentStateError
from workers.shop.orders import set_status

__all__ = ["FEE_FIXED", "FEE_RATE", "SettlementEntry", "payment_fee", "record_settlement"]

FEE_RATE = Decimal("0.014")
FEE_FIXED = 25  # cents


class SettlementEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_id: str
    kind: str
    amount: int
    currency: str


def payment_fee(amount: int) -> int:
    """The provider's fee for ``amount`` cents, in cents (positive)."""
    return int((Decimal(amount) * FEE_RATE).quantize(Decimal(1), rounding=ROUND_HALF_UP)) + FEE_FIXED


def record_settlement(conn: sqlite3.Connection, order_id: str, now: datetime) -> list[SettlementEntry]:
    with immediate(conn):
        payment = conn.execute(
            "SELECT status, captured_amount, currency FROM payments WHERE order_id = ?", (order_id,)
        ).fetchone()
        if payment is None or payment["status"] != "captured":
            state = payment["status"] if payment else "missing"
            raise PaymentStateError(f"order {order_id}: cannot settle a payment that is {state}; capture it first")
        amount, currency = int(payment["captured_amount"]), payment["currency"]
        for kind, value in (("sale", amount), ("payment_fee", -payment_fee(amount))):
            conn.execute(
                "INSERT OR IGNORE INTO settlements (order_id, kind, amount, currency, recorded_at) VALUES (?, ?, ?, ?, ?)",
                (order_id, kind, value, currency, now.isoformat()),
            )
        set_status(conn, order_id, "settled")
        rows = conn.execute(
            "SELECT order_id, kind, amount, currency FROM settlements WHERE order_id = ? ORDER BY entry_id",
            (order_id,),
        ).fetchall()
    return [SettlementEntry(**dict(row)) for row in rows]
