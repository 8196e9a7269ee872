"""Recording validated orders, and reading them back for the later steps of the process."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from workers.shop.db import immediate
from workers.shop.errors import OrderNotFound
from workers.shop.models import Line, ValidOrder

__all__ = ["load_order", "order_lines", "order_status", "record_order", "set_status"]


def record_order(conn: sqlite3.Connection, order: ValidOrder) -> bool:
    """Store the order and its lines once; ``False`` when it was already stored (a redelivered job)."""
    with immediate(conn):
        exists = conn.execute("SELECT 1 FROM orders WHERE order_id = ?", (order.order_id,)).fetchone()
        if exists:
            return False
        conn.execute(
            "INSERT INTO orders (order_id, customer_id, customer_name, email, placed_at, currency, total,"
            " shipping_country, billing_country, payment_method, card_last4) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                order.order_id, order.customer_id, order.customer_name, order.email, order.placed_at.isoformat(),
                order.currency, order.total, order.shipping_country, order.billing_country, order.payment_method,
                order.card_last4,
            ),
        )
        conn.executemany(
            "INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price) VALUES (?, ?, ?, ?, ?)",
            [(order.order_id, n, line.sku, line.quantity, line.unit_price) for n, line in enumerate(order.lines, 1)],
        )
    return True


def order_lines(conn: sqlite3.Connection, order_id: str) -> list[Line]:
    """The stored lines of an order; :class:`OrderNotFound` if the order was never validated."""
    rows = conn.execute(
        "SELECT sku, quantity, unit_price FROM order_lines WHERE order_id = ? ORDER BY line_no", (order_id,)
    ).fetchall()
    if not rows:
        raise OrderNotFound(f"order {order_id} is not in the shop database; it must pass order.validate first")
    return [Line(sku=r["sku"], quantity=r["quantity"], unit_price=r["unit_price"]) for r in rows]


def load_order(conn: sqlite3.Connection, order_id: str) -> ValidOrder:
    """The validated order as recorded by ``order.validate``; later steps need only the order id."""
    row = conn.execute("SELECT * FROM orders WHERE order_id = ?", (order_id,)).fetchone()
    if row is None:
        raise OrderNotFound(f"order {order_id} is not in the shop database; it must pass order.validate first")
    return ValidOrder(
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        email=row["email"],
        placed_at=datetime.fromisoformat(row["placed_at"]),
        currency=row["currency"],
        shipping_country=row["shipping_country"],
        billing_country=row["billing_country"],
        payment_method=row["payment_method"],
        card_last4=row["card_last4"],
        lines=tuple(order_lines(conn, order_id)),
    )


def order_status(conn: sqlite3.Connection, order_id: str) -> str | None:
    row = conn.execute("SELECT status FROM orders WHERE order_id = ?", (order_id,)).fetchone()
    return str(row["status"]) if row else None


def set_status(conn: sqlite3.Connection, order_id: str, status: str) -> None:
    conn.execute("UPDATE orders SET status = ? WHERE order_id = ?", (status, order_id))
