"""Errors of the shop domain, each with a stable code that job handlers map to BPMN errors or incidents."""

from __future__ import annotations

__all__ = [
    "InvalidOrder",
    "OrderNotFound",
    "OutOfStock",
    "PaymentDeclined",
    "PaymentStateError",
    "ShopDataError",
    "ShopError",
]


class ShopError(Exception):
    """Base class of the shop's domain errors."""

    code = "SHOP_ERROR"


class ShopDataError(ShopError):
    """The example data (catalogue, customers) used to build the shop database is malformed."""

    code = "SHOP_DATA"


class OrderNotFound(ShopError):
    code = "ORDER_NOT_FOUND"


class InvalidOrder(ShopError):
    """The order breaks one or more validation rules; ``problems`` lists them (rule id and text)."""

    code = "INVALID_ORDER"

    def __init__(self, order_id: str, problems: list[tuple[str, str]]) -> None:
        self.order_id = order_id
        self.problems = problems
        listed = "; ".join(f"[{rule}] {text}" for rule, text in problems)
        super().__init__(f"order {order_id} is invalid: {listed}")


class OutOfStock(ShopError):
    """Not enough free stock for at least one line; nothing was reserved."""

    code = "OUT_OF_STOCK"

    def __init__(self, order_id: str, shortages: list[tuple[str, int, int]]) -> None:
        self.order_id = order_id
        self.shortages = shortages
        listed = ", ".join(f"{sku}: wanted {wanted}, free {free}" for sku, wanted, free in shortages)
        super().__init__(f"order {order_id} cannot be reserved: {listed}")


class PaymentDeclined(ShopError):
    code = "PAYMENT_DECLINED"

    def __init__(self, order_id: str, reason: str) -> None:
        self.order_id = order_id
        self.reason = reason
        super().__init__(f"payment for order {order_id} declined: {reason}")


class PaymentStateError(ShopError):
    """A payment operation does not fit the payment's state (capture after void, void after capture...)."""

    code = "PAYMENT_STATE"
