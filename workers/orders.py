"""Job handlers of the order process: intake, checks, stock, shipment and settlement.

Each handler is a thin adapter: process variables in, one call into :mod:`workers.shop`, variables out.
Business outcomes the model routes become BPMN errors (``INVALID_ORDER``, ``OUT_OF_STOCK``); shop
errors that no retry can fix (an order that was never validated, a shipment without stock) become
permanent failures, so an incident with the shop's message appears in Operate; anything else (a
locked database) is retried with backoff.
"""

from __future__ import annotations

from typing import Annotated, Any

from autoops.worker import BpmnError, Router, Variable
from workers._app import app
from workers._shop_calls import SHOP_RETRIES, OrderId, shop_errors_are_permanent
from workers.shop import InvalidOrder, OutOfStock, euros

__all__ = ["router"]

router = Router()


@router.task("order.validate", retries=SHOP_RETRIES)
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


@router.task("order.check-stock", retries=SHOP_RETRIES)
def check_stock(order_id: OrderId) -> dict[str, Any]:
    """Read-only availability check; the reservation later re-checks under a write lock."""
    with shop_errors_are_permanent():
        check = app().shop.check_stock(order_id)
    return {"inStock": check.in_stock, "shortages": [s.model_dump() for s in check.shortages]}


@router.task("fraud.score", retries=SHOP_RETRIES)
def score_fraud(order_id: OrderId) -> dict[str, Any]:
    """The transparent rule-based score (see workers.shop.fraud for rules and weights)."""
    shop = app().shop
    with shop_errors_are_permanent():
        assessment = shop.score_fraud(shop.load_order(order_id))
    return {"riskScore": assessment.score, "riskLevel": assessment.level, "riskReasons": assessment.reasons}


@router.task("stock.reserve", retries=SHOP_RETRIES)
def reserve_stock(order_id: OrderId) -> dict[str, Any]:
    """Hold the stock of every line, or throw OUT_OF_STOCK and hold nothing."""
    with shop_errors_are_permanent():
        try:
            reservations = app().shop.reserve_stock(order_id)
        except OutOfStock as exc:
            shortages = [{"sku": s, "requested": w, "available": f} for s, w, f in exc.shortages]
            raise BpmnError(
                "OUT_OF_STOCK", str(exc), {"shortages": shortages, "cancelReason": "out of stock"}
            ) from None
    return {"reservedUnits": sum(r.quantity for r in reservations)}


@router.task("shipment.create", retries=SHOP_RETRIES)
def create_shipment(order_id: OrderId) -> dict[str, Any]:
    """Hand the reserved goods to a carrier (chosen by weight); the stock leaves the warehouse."""
    with shop_errors_are_permanent():
        shipment = app().shop.create_shipment(order_id)
    return {"shipmentId": shipment.shipment_id, "carrier": shipment.carrier, "trackingNumber": shipment.tracking}


@router.task("shipment.mark-delivered", retries=SHOP_RETRIES)
def mark_delivered(order_id: OrderId) -> dict[str, Any]:
    with shop_errors_are_permanent():
        shipment = app().shop.mark_delivered(order_id)
    return {"shipmentStatus": shipment.status}


@router.task("settlement.record", retries=SHOP_RETRIES)
def record_settlement(order_id: OrderId) -> dict[str, Any]:
    """Book the sale and the payment fee for the captured amount (once per order)."""
    with shop_errors_are_permanent():
        entries = app().shop.record_settlement(order_id)
    amounts = {e.kind: e.amount for e in entries}
    return {"settledAmount": euros(amounts.get("sale", 0)), "paymentFee": euros(-amounts.get("payment_fee", 0))}
