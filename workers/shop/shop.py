"""The shop as the job handlers see it: one object over one SQLite file, one method per business step.

Each call opens a short-lived connection, so the object can be shared by every handler and thread of a
worker process (and the file by several processes). The clock is injected so that tests and the
embedded engine's time travel decide what "now" is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from workers.shop import orders, policies, settlement, shipments, stock
from workers.shop.db import connect, initialize
from workers.shop.fraud import FraudAssessment, score_order
from workers.shop.loading import load_data
from workers.shop.models import ValidOrder
from workers.shop.payments import LocalPaymentProvider, PaymentMethod, PaymentProvider, PaymentResult
from workers.shop.validation import validate_order

__all__ = ["Shop", "ShopBalances"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ShopBalances(BaseModel):
    """Totals that must agree when every order has reached an end; the end-to-end test checks them."""

    model_config = ConfigDict(frozen=True)

    units_held: int
    units_shipped: int
    units_released: int
    stock_reserved: int
    captured: int
    settled_sales: int
    declined_or_voided_with_stock: int


class Shop:
    def __init__(
        self,
        path: Path | str,
        *,
        clock: Callable[[], datetime] = _utcnow,
        payments: PaymentProvider | None = None,
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self.payments: PaymentProvider = payments or LocalPaymentProvider(self._connect, clock)

    @classmethod
    def create(cls, path: Path | str, data_dir: Path | str, **kwargs: Any) -> Shop:
        """Build a new shop database from the example data folder."""
        initialize(path)
        conn = connect(path)
        try:
            load_data(conn, Path(data_dir))
        finally:
            conn.close()
        return cls(path, **kwargs)

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path)

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    # -- intake -----------------------------------------------------------------------------------
    def validate_order(self, raw: Mapping[str, Any]) -> ValidOrder:
        """Validate against the rules and catalogue, then record the order (idempotent)."""
        with self.connection() as conn:
            order = validate_order(conn, raw, now=self.clock())
            orders.record_order(conn, order)
        return order

    def order(self, raw: Mapping[str, Any]) -> ValidOrder:
        """Validate without recording (what-if checks)."""
        with self.connection() as conn:
            return validate_order(conn, raw, now=self.clock())

    def load_order(self, order_id: str) -> ValidOrder:
        """An order recorded by :meth:`validate_order`."""
        with self.connection() as conn:
            return orders.load_order(conn, order_id)

    def order_status(self, order_id: str) -> str | None:
        with self.connection() as conn:
            return orders.order_status(conn, order_id)

    def set_order_status(self, order_id: str, status: str) -> None:
        with self.connection() as conn:
            orders.set_status(conn, order_id, status)

    # -- checks -----------------------------------------------------------------------------------
    def check_stock(self, order_id: str) -> stock.StockCheck:
        with self.connection() as conn:
            return stock.check_stock(conn, orders.order_lines(conn, order_id))

    def score_fraud(self, order: ValidOrder) -> FraudAssessment:
        with self.connection() as conn:
            return score_order(conn, order)

    def authorize_payment(self, order: ValidOrder) -> PaymentResult:
        method = PaymentMethod(method=order.payment_method, card_last4=order.card_last4)
        return self.payments.authorize(order.order_id, order.total, order.currency, method)

    # -- fulfilment -------------------------------------------------------------------------------
    def reserve_stock(self, order_id: str) -> list[stock.Reservation]:
        with self.connection() as conn:
            return stock.reserve(conn, order_id, orders.order_lines(conn, order_id), self.clock())

    def release_stock(self, order_id: str) -> int:
        with self.connection() as conn:
            return stock.release(conn, order_id)

    def create_shipment(self, order_id: str) -> shipments.Shipment:
        with self.connection() as conn:
            return shipments.create_shipment(conn, order_id, self.clock())

    def mark_delivered(self, order_id: str) -> shipments.Shipment:
        with self.connection() as conn:
            return shipments.mark_delivered(conn, order_id, self.clock())

    def record_settlement(self, order_id: str) -> list[settlement.SettlementEntry]:
        with self.connection() as conn:
            return settlement.record_settlement(conn, order_id, self.clock())

    # -- stock policies ---------------------------------------------------------------------------
    def propose_policy(self, run_id: str, rows: list[policies.PolicyRow]) -> list[policies.PolicyChange]:
        with self.connection() as conn:
            policies.store_proposal(conn, run_id, rows, self.clock())
            return policies.compare_with_published(conn, run_id)

    def publish_policy(self, run_id: str) -> int:
        with self.connection() as conn:
            return policies.publish(conn, run_id)

    def reject_policy(self, run_id: str) -> int:
        with self.connection() as conn:
            return policies.reject(conn, run_id)

    def inventory(self) -> list[tuple[str, int]]:
        """On-hand stock per SKU, the inventory position the stock policy orders against."""
        with self.connection() as conn:
            return [(r["sku"], int(r["on_hand"])) for r in conn.execute("SELECT sku, on_hand FROM stock ORDER BY sku")]

    # -- accounting -------------------------------------------------------------------------------
    def balances(self) -> ShopBalances:
        with self.connection() as conn:
            by_status = dict(
                conn.execute("SELECT status, COALESCE(SUM(quantity), 0) FROM reservations GROUP BY status").fetchall()
            )

            def one(sql: str) -> int:
                return int(conn.execute(sql).fetchone()[0])

            return ShopBalances(
                units_held=int(by_status.get("held", 0)),
                units_shipped=int(by_status.get("shipped", 0)),
                units_released=int(by_status.get("released", 0)),
                stock_reserved=one("SELECT COALESCE(SUM(reserved), 0) FROM stock"),
                captured=one("SELECT COALESCE(SUM(captured_amount), 0) FROM payments WHERE status = 'captured'"),
                settled_sales=one("SELECT COALESCE(SUM(amount), 0) FROM settlements WHERE kind = 'sale'"),
                declined_or_voided_with_stock=one(
                    "SELECT COUNT(DISTINCT p.order_id) FROM payments p JOIN reservations r ON r.order_id = p.order_id "
                    "WHERE p.status IN ('declined', 'voided') AND r.status IN ('held', 'shipped')"
                ),
            )
