"""Job handlers for payments, through the shop's payment provider (the local one unless replaced).

A declined authorization is a business outcome (BPMN error ``PAYMENT_DECLINED``, routed in the model to
the customer notification). Capturing a voided payment and similar state conflicts are permanent
failures: an incident for a person to look at, never an automatic retry.
"""

from __future__ import annotations

from typing import Any

from autoops.worker import BpmnError, Router
from workers._app import app
from workers._shop_calls import SHOP_RETRIES, OrderId, shop_errors_are_permanent
from workers.shop import euros

__all__ = ["router"]

router = Router()


@router.task("payment.authorize", retries=SHOP_RETRIES)
def authorize_payment(order_id: OrderId) -> dict[str, Any]:
    shop = app().shop
    with shop_errors_are_permanent():
        result = shop.authorize_payment(shop.load_order(order_id))
    if not result.approved:
        shop.set_order_status(order_id, "payment-declined")
        raise BpmnError(
            "PAYMENT_DECLINED",
            f"payment of {euros(result.amount):.2f} {result.currency} for order {order_id} declined: "
            f"{result.decline_reason}",
            {"declineReason": result.decline_reason, "paymentStatus": result.status},
        )
    return {"paymentStatus": result.status, "authorizationId": result.authorization_id}


@router.task("payment.void", retries=SHOP_RETRIES)
def void_payment(order_id: OrderId) -> dict[str, Any]:
    """Release the authorization of an order that will not be shipped; the order is cancelled."""
    shop = app().shop
    with shop_errors_are_permanent():
        result = shop.payments.void(order_id)
    shop.set_order_status(order_id, "cancelled")
    return {"paymentStatus": result.status}


@router.task("payment.capture", retries=SHOP_RETRIES)
def capture_payment(order_id: OrderId) -> dict[str, Any]:
    with shop_errors_are_permanent():
        result = app().shop.payments.capture(order_id)
    return {"paymentStatus": result.status, "capturedAmount": euros(result.captured_amount)}
