"""Payments behind an adapter, so that a real payment service provider can replace the local one.

Every operation is idempotent by order id: a redelivered job (Zeebe delivers at least once) repeats the
call and gets the same answer, never a second authorization or capture. The local provider keeps its
state in the shop database and decides like a card test environment does, by documented rules:

=====================================  ==========================
condition                              outcome
=====================================  ==========================
card ending in 0002                    declined: ``card_declined``
card ending in 9995                    declined: ``insufficient_funds``
card ending in 0069                    declined: ``expired_card``
card payment above 10,000 EUR          declined: ``amount_over_card_limit``
invoice above 2,000 EUR                declined: ``invoice_limit_exceeded``
method not card, invoice or paypal     declined: ``unsupported_method``
anything else                          authorized
=====================================  ==========================
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from workers.shop.db import immediate
from workers.shop.errors import PaymentStateError

__all__ = ["LocalPaymentProvider", "PaymentMethod", "PaymentProvider", "PaymentResult"]

PaymentStatus = Literal["authorized", "declined", "captured", "voided"]


class PaymentMethod(BaseModel):
    model_config = ConfigDict(frozen=True)

    method: str
    card_last4: str | None = None


class PaymentResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_id: str
    status: PaymentStatus
    authorization_id: str | None
    amount: int
    captured_amount: int
    currency: str
    decline_reason: str | None = None

    @property
    def approved(self) -> bool:
        return self.status != "declined"


class PaymentProvider(Protocol):
    """What the process needs from a payment service provider; every call is idempotent by order id."""

    name: str

    def authorize(self, order_id: str, amount: int, currency: str, method: PaymentMethod) -> PaymentResult:
        """Reserve ``amount`` cents on the customer's means of payment; a decline is a result, not an error."""
        ...

    def capture(self, order_id: str) -> PaymentResult:
        """Take the authorized amount; :class:`PaymentStateError` if it was declined or voided."""
        ...

    def void(self, order_id: str) -> PaymentResult:
        """Cancel an uncaptured authorization; :class:`PaymentStateError` after a capture."""
        ...

    def get(self, order_id: str) -> PaymentResult | None: ...


def _decide(amount: int, method: PaymentMethod) -> str | None:
    last4 = (method.card_last4 or "").strip()
    if method.method == "card":
        if last4.endswith("0002"):
            return "card_declined"
        if last4.endswith("9995"):
            return "insufficient_funds"
        if last4.endswith("0069"):
            return "expired_card"
        if amount > 10_000_00:
            return "amount_over_card_limit"
        return None
    if method.method == "invoice":
        return "invoice_limit_exceeded" if amount > 2_000_00 else None
    if method.method == "paypal":
        return None
    return "unsupported_method"


class LocalPaymentProvider:
    """A provider simulated in the shop database (table ``payments``)."""

    name = "local"

    def __init__(
        self, connect: Callable[[], sqlite3.Connection], clock: Callable[[], datetime] | None = None
    ) -> None:
        self._connect = connect
        self._clock = clock or (lambda: datetime.now(UTC))

    def _row(self, conn: sqlite3.Connection, order_id: str) -> PaymentResult | None:
        row = conn.execute(
            "SELECT order_id, status, authorization_id, amount, captured_amount, currency, decline_reason "
            "FROM payments WHERE order_id = ?",
            (order_id,),
        ).fetchone()
        return PaymentResult(**dict(row)) if row else None

    def get(self, order_id: str) -> PaymentResult | None:
        conn = self._connect()
        try:
            return self._row(conn, order_id)
        finally:
            conn.close()

    def authorize(self, order_id: str, amount: int, currency: str, method: PaymentMethod) -> PaymentResult:
        conn = self._connect()
        try:
            with immediate(conn):
                existing = self._row(conn, order_id)
                if existing is not None:
                    if existing.amount != amount or existing.currency != currency:
                        raise PaymentStateError(
                            f"order {order_id} already has a payment of {existing.amount / 100:.2f} "
                            f"{existing.currency}; a second authorization for {amount / 100:.2f} {currency} is refused"
                        )
                    return existing
                reason = _decide(amount, method)
                status = "declined" if reason else "authorized"
                auth_id = None if reason else "auth_" + hashlib.sha256(order_id.encode()).hexdigest()[:16]
                conn.execute(
                    "INSERT INTO payments (order_id, provider, authorization_id, amount, currency, status,"
                    " decline_reason, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (order_id, self.name, auth_id, amount, currency, status, reason, self._clock().isoformat()),
                )
                result = self._row(conn, order_id)
        finally:
            conn.close()
        assert result is not None
        return result

    def _transition(self, order_id: str, target: PaymentStatus) -> PaymentResult:
        conn = self._connect()
        try:
            with immediate(conn):
                current = self._row(conn, order_id)
                if current is None:
                    raise PaymentStateError(f"order {order_id} has no payment to {_VERB[target]}; authorize first")
                if current.status == target:
                    return current
                if current.status != "authorized":
                    raise PaymentStateError(
                        f"cannot {_VERB[target]} the payment of order {order_id}: it is {current.status}"
                        + ("; refund it instead" if current.status == "captured" else "")
                    )
                captured = current.amount if target == "captured" else 0
                conn.execute(
                    "UPDATE payments SET status = ?, captured_amount = ?, updated_at = ? WHERE order_id = ?",
                    (target, captured, self._clock().isoformat(), order_id),
                )
                result = self._row(conn, order_id)
        finally:
            conn.close()
        assert result is not None
        return result

    def capture(self, order_id: str) -> PaymentResult:
        return self._transition(order_id, "captured")

    def void(self, order_id: str) -> PaymentResult:
        current = self.get(order_id)
        if current is not None and current.status == "declined":
            return current  # nothing was reserved on the card; voiding is a no-op
        return self._transition(order_id, "voided")


_VERB: dict[str, str] = {"captured": "capture", "voided": "void", "authorized": "authorize", "declined": "decline"}
