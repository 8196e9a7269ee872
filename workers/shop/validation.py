"""Order validation: every rule has an id, and a rejected order lists every rule it broke at once.

Rules (the ids appear in the ``INVALID_ORDER`` error message and in the rejection notification):

=====  ====================================================================================
V01    the order has the required structure (order id, placed-at time, customer, address, lines)
V02    the order id is 3-40 characters of A-Z, 0-9 and '-'
V03    the order has 1 to 50 lines (lines for the same SKU are merged first)
V04    each SKU's quantity is between 1 and 100
V05    each SKU is in the catalogue and still sold
V06    a unit price sent with the order equals the catalogue price (to the cent)
V07    the customer e-mail address looks like ``local@domain.tld``
V08    we ship to the shipping country
V09    the currency is EUR
V10    the order total is at most 25,000.00 EUR
V11    the order was not placed in the future (5 minutes of clock skew allowed)
=====  ====================================================================================
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from workers.shop.errors import InvalidOrder
from workers.shop.models import Line, OrderIn, ValidOrder, cents

__all__ = ["MAX_LINES", "MAX_ORDER_TOTAL", "MAX_QUANTITY", "SHIPPING_COUNTRIES", "validate_order"]

MAX_LINES = 50
MAX_QUANTITY = 100
MAX_ORDER_TOTAL = 25_000_00  # cents
SHIPPING_COUNTRIES = frozenset(
    {
        "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR",
        "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)
_ORDER_ID = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_CLOCK_SKEW = timedelta(minutes=5)


def _structure_problems(exc: ValidationError) -> list[tuple[str, str]]:
    out = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "order"
        out.append(("V01", f"{where}: {error['msg']}"))
    return out


def validate_order(
    conn: sqlite3.Connection, raw: Mapping[str, Any], *, now: datetime | None = None
) -> ValidOrder:
    """Check ``raw`` against every rule and the catalogue; raise :class:`InvalidOrder` listing all problems."""
    order_id = str(raw.get("orderId") or raw.get("order_id") or "?")
    try:
        order = OrderIn.model_validate(raw)
    except ValidationError as exc:
        raise InvalidOrder(order_id, _structure_problems(exc)) from None
    problems: list[tuple[str, str]] = []
    if not _ORDER_ID.match(order.order_id):
        problems.append(("V02", f"order id {order.order_id!r} must be 3-40 characters of A-Z, 0-9 and '-'"))

    merged: dict[str, int] = {}
    sent_prices: dict[str, set[int]] = {}
    for line in order.lines:
        merged[line.sku] = merged.get(line.sku, 0) + line.quantity
        if line.unit_price is not None:
            sent_prices.setdefault(line.sku, set()).add(cents(line.unit_price))
    if not 1 <= len(merged) <= MAX_LINES:
        problems.append(("V03", f"the order has {len(merged)} distinct SKUs; allowed: 1 to {MAX_LINES}"))

    catalogue = _catalogue(conn, list(merged))
    lines: list[Line] = []
    for sku, quantity in merged.items():
        if not 1 <= quantity <= MAX_QUANTITY:
            problems.append(("V04", f"{sku}: quantity {quantity} is outside 1..{MAX_QUANTITY}"))
        product = catalogue.get(sku)
        if product is None:
            problems.append(("V05", f"{sku}: not in the catalogue"))
            continue
        price, active = product
        if not active:
            problems.append(("V05", f"{sku}: no longer sold"))
        for sent in sorted(sent_prices.get(sku, set())):
            if sent != price:
                problems.append(
                    ("V06", f"{sku}: unit price {sent / 100:.2f} differs from the catalogue price {price / 100:.2f}")
                )
        lines.append(Line(sku=sku, quantity=quantity, unit_price=price))

    email = order.customer.email.strip()
    if not _EMAIL.match(email):
        problems.append(("V07", f"customer e-mail {email!r} is not a valid address"))
    country = order.shipping_address.country.strip().upper()
    if country not in SHIPPING_COUNTRIES:
        problems.append(("V08", f"we do not ship to country {country or '(none)'!r}"))
    currency = order.currency.strip().upper()
    if currency != "EUR":
        problems.append(("V09", f"currency {currency!r} is not accepted; prices are in EUR"))
    total = sum(line.amount for line in lines)
    if total > MAX_ORDER_TOTAL:
        problems.append(("V10", f"order total {total / 100:.2f} EUR exceeds {MAX_ORDER_TOTAL / 100:.2f} EUR"))
    # Stored in UTC, so that time comparisons in SQL (velocity rule F7) can compare the ISO strings.
    placed_at = (order.placed_at if order.placed_at.tzinfo else order.placed_at.replace(tzinfo=UTC)).astimezone(UTC)
    current = now or datetime.now(UTC)
    if placed_at > current + _CLOCK_SKEW:
        problems.append(("V11", f"placed at {placed_at.isoformat()}, which is in the future"))

    if problems:
        raise InvalidOrder(order.order_id, problems)
    return ValidOrder(
        order_id=order.order_id,
        customer_id=order.customer.customer_id,
        customer_name=order.customer.name,
        email=email,
        placed_at=placed_at,
        currency=currency,
        shipping_country=country,
        billing_country=(order.billing_country or country).strip().upper(),
        payment_method=order.payment.method,
        card_last4=order.payment.card_last4,
        lines=tuple(lines),
    )


def _catalogue(conn: sqlite3.Connection, skus: list[str]) -> dict[str, tuple[int, bool]]:
    if not skus:
        return {}
    marks = ",".join("?" * len(skus))
    rows = conn.execute(f"SELECT sku, unit_price, active FROM products WHERE sku IN ({marks})", skus).fetchall()
    return {row["sku"]: (int(row["unit_price"]), bool(row["active"])) for row in rows}
