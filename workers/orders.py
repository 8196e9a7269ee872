"""Job handlers of the order process: intake, checks, stock, shipment and settlement.

Each handler is a thin adapter: process variables in, one call into :mod:`workers.shop`, variables out.
Business outcomes the model routes become BPMN errors (``INVALID_ORDER``, ``OUT_OF_STOCK``); shop
errors that no retry can fix (an order that was never validated, a shipment without stock) become
permanent failures, so an incident with the shop's message appears in Operate; anything else (a
locked database) is retried with backoff.
"""

from __future__ import annotations

from typing import Annotated, Any

from autoops.worker import BpmnError, PermanentError, RetryPolicy, Router, Variable
from workers._app import app
from workers.shop import InvalidOrder, OutOfStock, ShopError, euros

__all__ = ["router"]

router = Router()
_DOMAIN = RetryPolicy(non_retryable=(ShopError,))

OrderId = Annotated[str, Variable("orderId")]


def _permanent(exc: ShopError) -> PermanentError:
    return PermanentError(f"{exc.code}: {exc}")


@router.task("order.validate", retries=_DOMAIN)
def validate_order(order: Annotated[dict[str, Any], Variable("order")]) -> dict[str, Any]:
    """Check the order against the validation rules (V01-V11) and the catalogue, then record it."""
    try:
        valid = app().shop.validate_order(order)
    except InvalidOrder as exc:
        raise BpmnError(
            "INVALID_ORDER",
            str(exc),
            {
                "orderId": exc.order_id,
                "rejectionRules": [rule for rule, _ in exc.problems],
                "rejectionReasons": [f"[{rule}] {text}" for rule, text in exc.problems],
            },
        ) from None
    return {
        "orderId": valid.order_id,
        "orderTotal": euros(valid.total),
        "itemCount": valid.units,
        "customerName": valid.customer_name,
        "customerEmail": valid.email,
    }


@router.task("order.check-stock", retries=_DOMAIN)
def check_stock(order_id: OrderId) -> dict[str, Any]:
    """Read-only availability check; the reservation later re-checks under a write lock."""
    try:
        check = app().shop.check_stock(order_id)
    except ShopError as exc:
        raise _permanent(exc) from None
    return {"inStock": check.in_stock, "shortages": [s.model_dump() for s in check.shortages]}


@router.task("fraud.score", retries=_DOMAIN)
def score_fraud(order_id: OrderId) -> dict[str, Any]:
    """The transparent rule-based score (see workers.shop.fraud for rules and weights)."""
    shop = app().shop
    try:
        assessment = shop.score_fraud(shop.load_order(order_id))
    except ShopError as exc:
        raise _permanent(exc) from None
    return {"riskScore": assessment.score, "riskLevel": assessment.level, "riskReasons": assessment.reasons}


@router.task("stock.reserve", retries=_DOMAIN)
def reserve_stock(order_id: OrderId) -> dict[str, Any]:
    """Hold the stock of every line, or throw OUT_OF_STOCK and hold nothing."""
    try:
        reservations = app().shop.reserve_stock(order_id)
    except OutOfStock as exc:
        shortages = [{"sku": s, "requested": w, "available": f} for s, w, f in exc.shortages]
        raise BpmnError("OUT_OF_STOCK", str(exc), {"shortages": shortages, "cancelReason": "out of stock"}) from None
    except ShopError as exc:
        raise _permanent(exc) from None
    return {"reservedUnits": sum(r.quantity for r in reservations)}


@router.task("shipment.create", retries=_DOMAIN)
def create_shipment(order_id: OrderId) -> dict[str, Any]:
    """Hand the reserved goods to a carrier (chosen by weight); the stock leaves the warehouse."""
    try:
        shipment = app().shop.create_shipment(order_id)
    except ShopError as exc:
        raise _permanent(exc) from None
    return {"shipmentId": shipment.shipment_id, "carrier": shipment.carrier, "trackingNumber": shipment.tracking}


@router.task("shipment.mark-delivered", retries=_DOMAIN)
def mark_delivered(order_id: OrderId) -> dict[str, Any]:
    try:
        shipment = app().shop.mark_delivered(order_id)
    except ShopError as exc:
        raise _permanent(exc) from None
    return {"shipmentStatus": shipment.status}


@router.task("settlement.record", retries=_DOMAIN)
def record_settlement(order_id: OrderId) -> dict[str, Any]:
    """Book the sale and the payment fee for the captured amount (once per order)."""
    try:
        entries = app().shop.record_settlement(order_id)
    except ShopError as exc:
        raise _permanent(exc) from None
    amounts = {e.kind: e.amount for e in entries}
    return {"settledAmount": euros(amounts.get("sale", 0)), "paymentFee": euros(-amounts.get("payment_fee", 0))}
