from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from shop_testing import NOW, OrderFactory
from workers.shop import FRAUD_RULES, Shop


def rules_fired(shop: Shop, order: dict[str, Any]) -> list[str]:
    return [hit.rule for hit in shop.score_fraud(shop.validate_order(order)).hits]


def test_a_known_customer_with_a_small_order_scores_zero(shop: Shop, make_order: OrderFactory) -> None:
    assessment = shop.score_fraud(shop.validate_order(make_order()))
    assert (assessment.score, assessment.level, assessment.hits) == (0, "low", [])


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"customer": "C9", "method": "paypal"}, "F1"),
        ({"customer": "C2", "email": "bruno@example.org"}, "F1"),  # registered 14 days before the order
        ({"billing": "GB"}, "F2"),
        ({"lines": [("SKU-B", 10), ("SKU-A", 20)]}, "F5"),
        ({"email": "ada@mailinator.com"}, "F6"),
        ({"email": "ada.other@example.com"}, "F8"),
        ({"method": "invoice", "card": None}, "F9"),
    ],
)
def test_each_rule(shop: Shop, make_order: OrderFactory, overrides: dict[str, Any], rule: str) -> None:
    fired = rules_fired(shop, make_order(**overrides))
    assert rule in fired
    assessment = shop.score_fraud(shop.order(make_order(**overrides)))
    assert assessment.score == min(100, sum(FRAUD_RULES[r][0] for r in fired))


def test_amount_rules_are_exclusive(shop: Shop, make_order: OrderFactory) -> None:
    assert rules_fired(shop, make_order("WEB-1", [("SKU-B", 17)])) == ["F3"]  # 1,020 EUR
    assert rules_fired(shop, make_order("WEB-2", [("SKU-C", 3)])) == ["F4"]  # 3,600 EUR
    assert rules_fired(shop, make_order("WEB-3", [("SKU-B", 16)])) == []  # 960 EUR


def test_velocity_counts_orders_in_the_previous_24_hours(shop: Shop, make_order: OrderFactory) -> None:
    for i, hours in enumerate((30, 20, 10, 2)):
        shop.validate_order(make_order(f"WEB-{i}", placed_at=NOW - timedelta(hours=hours)))
    assert "F7" in rules_fired(shop, make_order("WEB-9"))
    # three earlier orders, but only two of them within 24 hours of WEB-2 -> no velocity hit for it
    assert "F7" not in [h.rule for h in shop.score_fraud(shop.order(make_order("WEB-2", placed_at=NOW - timedelta(hours=10)))).hits]


def test_invoice_on_a_repeat_order_is_fine(shop: Shop, make_order: OrderFactory) -> None:
    shop.validate_order(make_order("WEB-1", placed_at=NOW - timedelta(days=3)))
    assert rules_fired(shop, make_order("WEB-2", method="invoice", card=None)) == []


def test_score_is_capped_and_levelled(shop: Shop, make_order: OrderFactory) -> None:
    risky = make_order(
        "WEB-1", [("SKU-C", 3), ("SKU-A", 20)], customer="C9", email="x@mailinator.com", billing="GB",
        method="invoice", card=None,
    )
    assessment = shop.score_fraud(shop.validate_order(risky))
    assert [h.rule for h in assessment.hits] == ["F1", "F2", "F4", "F5", "F6", "F9"]
    assert assessment.score == 100  # 20+20+30+10+25+10 = 115, capped
    assert assessment.level == "high"
    assert assessment.reasons[0] == "F1 (+20): new customer"
    medium = shop.score_fraud(shop.validate_order(make_order("WEB-2", billing="GB", email="ada@yopmail.com")))
    assert [h.rule for h in medium.hits] == ["F2", "F6", "F8"]
    assert (medium.score, medium.level) == (55, "medium")


def test_velocity_compares_times_across_time_zones(shop: Shop, make_order: OrderFactory) -> None:
    from datetime import timezone

    berlin = timezone(timedelta(hours=1))
    for i, hours in enumerate((3, 2, 1)):
        shop.validate_order(make_order(f"WEB-{i}", placed_at=(NOW - timedelta(hours=hours)).astimezone(berlin)))
    # 30 minutes before NOW, written in New York time: still after the three earlier orders
    new_york = timezone(timedelta(hours=-5))
    assert "F7" in rules_fired(shop, make_order("WEB-9", placed_at=(NOW - timedelta(minutes=30)).astimezone(new_york)))
