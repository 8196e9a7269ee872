from __future__ import annotations

import pytest
from shop_testing import OrderFactory
from workers.shop import PaymentMethod, PaymentStateError, Shop


@pytest.mark.parametrize(
    ("method", "card", "amount", "reason"),
    [
        ("card", "0002", 1000, "card_declined"),
        ("card", "9995", 1000, "insufficient_funds"),
        ("card", "0069", 1000, "expired_card"),
        ("card", "4242", 10_000_01, "amount_over_card_limit"),
        ("invoice", None, 2_000_01, "invoice_limit_exceeded"),
        ("cheque", None, 100, "unsupported_method"),
        ("card", "4242", 10_000_00, None),
        ("invoice", None, 2_000_00, None),
        ("paypal", None, 50_000_00, None),
    ],
)
def test_local_provider_decision_rules(shop: Shop, method: str, card: str | None, amount: int, reason: str | None) -> None:
    result = shop.payments.authorize("WEB-1", amount, "EUR", PaymentMethod(method=method, card_last4=card))
    assert result.decline_reason == reason
    assert result.status == ("declined" if reason else "authorized")
    assert (result.authorization_id is None) == (reason is not None)


def test_authorize_is_idempotent_by_order(shop: Shop) -> None:
    card = PaymentMethod(method="card", card_last4="4242")
    first = shop.payments.authorize("WEB-1", 5000, "EUR", card)
    assert shop.payments.authorize("WEB-1", 5000, "EUR", card) == first
    with pytest.raises(PaymentStateError, match="second authorization"):
        shop.payments.authorize("WEB-1", 6000, "EUR", card)
    declined = shop.payments.authorize("WEB-2", 5000, "EUR", PaymentMethod(method="card", card_last4="0002"))
    assert shop.payments.authorize("WEB-2", 5000, "EUR", PaymentMethod(method="card", card_last4="4242")) == declined


def test_capture_and_void_state_machine(shop: Shop) -> None:
    card = PaymentMethod(method="card", card_last4="4242")
    shop.payments.authorize("WEB-1", 5000, "EUR", card)
    captured = shop.payments.capture("WEB-1")
    assert (captured.status, captured.captured_amount) == ("captured", 5000)
    assert shop.payments.capture("WEB-1") == captured
    with pytest.raises(PaymentStateError, match="refund it instead"):
        shop.payments.void("WEB-1")

    shop.payments.authorize("WEB-2", 700, "EUR", card)
    voided = shop.payments.void("WEB-2")
    assert (voided.status, voided.captured_amount) == ("voided", 0)
    assert shop.payments.void("WEB-2") == voided
    with pytest.raises(PaymentStateError, match="it is voided"):
        shop.payments.capture("WEB-2")

    declined = shop.payments.authorize("WEB-3", 700, "EUR", PaymentMethod(method="card", card_last4="0002"))
    assert shop.payments.void("WEB-3") == declined
    with pytest.raises(PaymentStateError, match="it is declined"):
        shop.payments.capture("WEB-3")
    with pytest.raises(PaymentStateError, match="authorize first"):
        shop.payments.capture("WEB-404")


def test_authorize_payment_uses_order_total(shop: Shop, make_order: OrderFactory) -> None:
    order = shop.validate_order(make_order(lines=[("SKU-A", 2), ("SKU-B", 1)]))
    result = shop.authorize_payment(order)
    assert (result.amount, result.currency, result.status) == (11000, "EUR", "authorized")
    assert shop.payments.get("WEB-1") == result
