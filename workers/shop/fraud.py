"""A transparent fraud score: a sum of named rules with fixed weights, capped at 100.

Reviewers see *why* an order scored high (each rule that fired, with its weight), which a black-box
model cannot give them, and the weights are easy to tune from review outcomes. The process sends an
order to manual review when the score reaches the ``reviewRiskThreshold`` variable (50 by default).

=====  ======  ==========================================================================
rule   weight  fires when
=====  ======  ==========================================================================
F1     20      the customer is new: not in the register, or registered < 30 days before the order
F2     20      the shipping country differs from the billing country
F3     15      the order total is 1,000 EUR or more (F3 is replaced by F4 above 2,500 EUR)
F4     30      the order total is 2,500 EUR or more
F5     10      one line has 20 or more units (a resale pattern)
F6     25      the e-mail domain is a known disposable-mail provider
F7     15      the same customer placed 3 or more other orders in the 24 hours before
F8     10      the e-mail differs from the one in the customer register
F9     10      payment by invoice on a first order
=====  ======  ==========================================================================

Levels: ``low`` below 30, ``medium`` below 60, ``high`` from 60.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from workers.shop.models import ValidOrder

__all__ = ["DISPOSABLE_DOMAINS", "RULES", "FraudAssessment", "RuleHit", "score_order"]

RULES: dict[str, tuple[int, str]] = {
    "F1": (20, "new customer"),
    "F2": (20, "shipping country differs from billing country"),
    "F3": (15, "order total of 1,000 EUR or more"),
    "F4": (30, "order total of 2,500 EUR or more"),
    "F5": (10, "a line with 20 or more units"),
    "F6": (25, "disposable e-mail domain"),
    "F7": (15, "3 or more orders by the same customer within 24 hours"),
    "F8": (10, "e-mail differs from the customer register"),
    "F9": (10, "invoice payment on a first order"),
}
DISPOSABLE_DOMAINS = frozenset(
    {"mailinator.com", "guerrillamail.com", "10minutemail.com", "tempmail.dev", "trashmail.com", "yopmail.com"}
)
_NEW_CUSTOMER_DAYS = 30


class RuleHit(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str
    weight: int
    reason: str


class FraudAssessment(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_id: str
    score: int
    level: str
    hits: list[RuleHit]

    @property
    def reasons(self) -> list[str]:
        return [f"{h.rule} (+{h.weight}): {h.reason}" for h in self.hits]


def _level(score: int) -> str:
    return "low" if score < 30 else "medium" if score < 60 else "high"


def score_order(conn: sqlite3.Connection, order: ValidOrder) -> FraudAssessment:
    """Score ``order`` against the customer register and the customer's earlier orders in the shop."""
    fired: list[str] = []
    customer = conn.execute(
        "SELECT email, since FROM customers WHERE customer_id = ?", (order.customer_id,)
    ).fetchone()
    placed = order.placed_at
    earlier = conn.execute(
        "SELECT placed_at FROM orders WHERE customer_id = ? AND order_id != ? AND placed_at < ?",
        (order.customer_id, order.order_id, placed.isoformat()),
    ).fetchall()
    new_customer = customer is None or (
        placed - _aware(datetime.fromisoformat(customer["since"]), placed) < timedelta(days=_NEW_CUSTOMER_DAYS)
    )
    if new_customer:
        fired.append("F1")
    if order.shipping_country != order.billing_country:
        fired.append("F2")
    if order.total >= 2_500_00:
        fired.append("F4")
    elif order.total >= 1_000_00:
        fired.append("F3")
    if any(line.quantity >= 20 for line in order.lines):
        fired.append("F5")
    if order.email.rpartition("@")[2].lower() in DISPOSABLE_DOMAINS:
        fired.append("F6")
    day_before = placed - timedelta(hours=24)
    recent = sum(1 for row in earlier if _aware(datetime.fromisoformat(row["placed_at"]), placed) >= day_before)
    if recent >= 3:
        fired.append("F7")
    if customer is not None and customer["email"].lower() != order.email.lower():
        fired.append("F8")
    if order.payment_method == "invoice" and not earlier:
        fired.append("F9")
    hits = [RuleHit(rule=r, weight=RULES[r][0], reason=RULES[r][1]) for r in fired]
    score = min(100, sum(h.weight for h in hits))
    return FraudAssessment(order_id=order.order_id, score=score, level=_level(score), hits=hits)


def _aware(value: datetime, like: datetime) -> datetime:
    """Compare naive register dates with aware order times by giving them the order's zone."""
    if value.tzinfo is None and like.tzinfo is not None:
        return value.replace(tzinfo=like.tzinfo)
    return value
