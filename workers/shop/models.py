"""The order as it arrives (``order-placed`` message, process variable ``order``) and as the shop keeps it.

Incoming orders use Camunda's camelCase variable style. The incoming model is deliberately lenient about
business values (a zero quantity, an unknown SKU, a malformed e-mail still parse): those are business
rejections with rule ids, decided in :mod:`workers.shop.validation`, not type errors.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = [
    "AddressIn",
    "CustomerIn",
    "Line",
    "OrderIn",
    "OrderLineIn",
    "PaymentIn",
    "ValidOrder",
    "cents",
    "euros",
]


class _In(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)


class CustomerIn(_In):
    customer_id: str
    name: str = ""
    email: str = ""


class AddressIn(_In):
    name: str = ""
    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""


class PaymentIn(_In):
    method: str = "card"
    card_last4: str | None = None


class OrderLineIn(_In):
    sku: str
    quantity: int
    unit_price: Decimal | None = None


class OrderIn(_In):
    order_id: str
    placed_at: datetime
    customer: CustomerIn
    shipping_address: AddressIn
    billing_country: str | None = None
    currency: str = "EUR"
    payment: PaymentIn = Field(default_factory=PaymentIn)
    lines: list[OrderLineIn] = Field(default_factory=list)


class Line(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    quantity: int
    unit_price: int  # cents

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


class ValidOrder(BaseModel):
    """An order that passed every rule, normalised: one line per SKU, catalogue prices in cents."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    customer_id: str
    customer_name: str
    email: str
    placed_at: datetime
    currency: str
    shipping_country: str
    billing_country: str
    payment_method: str
    card_last4: str | None
    lines: tuple[Line, ...]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


def cents(amount: Decimal | float | str) -> int:
    """Euros to integer cents, rounding half up (the way a till rounds)."""
    value = Decimal(str(amount)) * 100
    return int(value.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def euros(amount_cents: int) -> float:
    """Cents to a euro amount for process variables and messages (two decimals)."""
    return round(amount_cents / 100, 2)
