"""The order and payment job handlers, called as the worker calls them (variables in, variables out)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from shop_testing import OrderFactory
from workers.shop import Shop

from autoops.worker import BpmnError, PermanentError
from workers import _app, orders, payments


@pytest.fixture(autouse=True)
def configured(shop: Shop) -> Iterator[Shop]:
    _app.configure(shop=shop)
    yield shop
    _app.configure(reset=True)


def through_checks(make_order: OrderFactory, **kwargs: Any) -> dict[str, Any]:
    variables = orders.validate_order(make_order(**kwargs))
    variables |= orders.check_stock(variables["orderId"])
    variables |= orders.score_fraud(variables["orderId"])
    variables |= payments.authorize_payment(variables["orderId"])
    return variables


def test_happy_path_variables(shop: Shop, make_order: OrderFactory) -> None:
    variables = through_checks(make_order, lines=[("SKU-A", 2), ("SKU-B", 1)])
    assert variables == {
        "orderId": "WEB-1",
        "orderTotal": 110.0,
        "itemCount": 3,
        "customerName": "Ada Berg",
        "customerEmail": "ada@example.com",
        "inStock": True,
        "shortages": [],
        "riskScore": 0,
        "riskLevel": "low",
        "riskReasons": [],
        "paymentStatus": "authorized",
        "authorizationId": variables["authorizationId"],
    }
    assert orders.reserve_stock("WEB-1") == {"reservedUnits": 3}
    shipped = orders.create_shipment("WEB-1")
    assert shipped["carrier"] == "parcel" and shipped["shipmentId"] == "SHP-WEB-1"
    assert orders.mark_delivered("WEB-1") == {"shipmentStatus": "delivered"}
    assert payments.capture_payment("WEB-1") == {"paymentStatus": "captured", "capturedAmount": 110.0}
    assert orders.record_settlement("WEB-1") == {"settledAmount": 110.0, "paymentFee": 1.79}
    assert shop.order_status("WEB-1") == "settled"


def test_invalid_order_throws_invalid_order_with_reasons(make_order: OrderFactory) -> None:
    with pytest.raises(BpmnError) as info:
        orders.validate_order(make_order(lines=[("SKU-ZZZ", 1)], country="US"))
    assert info.value.code == "INVALID_ORDER"
    assert info.value.variables["orderId"] == "WEB-1"
    assert info.value.variables["rejectionRules"] == ["V05", "V08"]
    assert info.value.variables["rejectionReasons"][0] == "[V05] SKU-ZZZ: not in the catalogue"


def test_declined_card_throws_payment_declined(shop: Shop, make_order: OrderFactory) -> None:
    with pytest.raises(BpmnError) as info:
        through_checks(make_order, card="0002")
    assert info.value.code == "PAYMENT_DECLINED"
    assert info.value.variables == {"declineReason": "card_declined", "paymentStatus": "declined"}
    assert shop.order_status("WEB-1") == "payment-declined"


def test_out_of_stock_at_reservation_and_void(shop: Shop, make_order: OrderFactory) -> None:
    variables = through_checks(make_order, lines=[("SKU-F", 1)])
    through_checks(make_order, order_id="WEB-2", lines=[("SKU-F", 1)])
    assert variables["inStock"] is True
    orders.reserve_stock("WEB-2")  # WEB-2 wins the last unit
    with pytest.raises(BpmnError) as info:
        orders.reserve_stock("WEB-1")
    assert info.value.code == "OUT_OF_STOCK"
    assert info.value.variables["shortages"] == [{"sku": "SKU-F", "requested": 1, "available": 0}]
    assert payments.void_payment("WEB-1") == {"paymentStatus": "voided"}
    assert shop.order_status("WEB-1") == "cancelled"
    assert shop.balances().declined_or_voided_with_stock == 0


def test_shop_errors_become_permanent_failures(make_order: OrderFactory) -> None:
    with pytest.raises(PermanentError, match="ORDER_NOT_FOUND"):
        orders.check_stock("WEB-404")
    with pytest.raises(PermanentError, match="authorize first"):
        payments.capture_payment("WEB-404")
    orders.validate_order(make_order())
    with pytest.raises(PermanentError, match="reserve the stock first"):
        orders.create_shipment("WEB-1")


def test_risky_order_reports_reasons(make_order: OrderFactory) -> None:
    variables = through_checks(make_order, customer="C9", email="x@mailinator.com", billing="GB")
    assert variables["riskScore"] == 65
    assert variables["riskLevel"] == "high"
    assert variables["riskReasons"] == [
        "F1 (+20): new customer",
        "F2 (+20): shipping country differs from billing country",
        "F6 (+25): disposable e-mail domain",
    ]
