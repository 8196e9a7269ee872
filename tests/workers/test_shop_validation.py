from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from shop_testing import NOW, OrderFactory
from workers.shop import InvalidOrder, Shop


def rules_broken(shop: Shop, order: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidOrder) as info:
        shop.validate_order(order)
    return [rule for rule, _ in info.value.problems]


def test_valid_order_is_normalised_and_recorded(shop: Shop, make_order: OrderFactory) -> None:
    order = make_order(lines=[("SKU-A", 2), ("SKU-B", 1), ("SKU-A", 1)])
    valid = shop.validate_order(order)
    assert [(line.sku, line.quantity, line.unit_price) for line in valid.lines] == [
        ("SKU-A", 3, 2500), ("SKU-B", 1, 6000)
    ]
    assert valid.total == 13500
    assert valid.billing_country == "DE"
    with shop.connection() as conn:
        row = conn.execute("SELECT total, status FROM orders WHERE order_id = 'WEB-1'").fetchone()
        lines = conn.execute("SELECT COUNT(*) FROM order_lines WHERE order_id = 'WEB-1'").fetchone()[0]
    assert (row["total"], row["status"], lines) == (13500, "accepted", 2)
    shop.validate_order(order)  # a redelivered job records nothing twice
    with shop.connection() as conn:
        assert conn.execute("SELECT COUNT(*) FROM order_lines").fetchone()[0] == 2


def test_structure_errors_are_v01(shop: Shop, make_order: OrderFactory) -> None:
    order = make_order()
    del order["customer"]
    order["placedAt"] = "yesterday"
    with pytest.raises(InvalidOrder) as info:
        shop.validate_order(order)
    assert {rule for rule, _ in info.value.problems} == {"V01"}
    assert "customer" in str(info.value) and "placedAt" in str(info.value)
    assert info.value.order_id == "WEB-1"


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"order_id": "web 1"}, "V02"),
        ({"lines": []}, "V03"),
        ({"lines": [(f"SKU-{i}", 1) for i in range(51)]}, "V03"),
        ({"lines": [("SKU-A", 0)]}, "V04"),
        ({"lines": [("SKU-A", 60), ("SKU-A", 41)]}, "V04"),
        ({"lines": [("SKU-ZZZ", 1)]}, "V05"),
        ({"lines": [("SKU-D", 1)]}, "V05"),
        ({"email": "ada.example.com"}, "V07"),
        ({"email": "ada@localhost"}, "V07"),
        ({"country": "US"}, "V08"),
        ({"lines": [("SKU-C", 21)]}, "V10"),
        ({"placed_at": NOW + timedelta(hours=1)}, "V11"),
    ],
)
def test_each_rule(shop: Shop, make_order: OrderFactory, overrides: dict[str, Any], rule: str) -> None:
    assert rule in rules_broken(shop, make_order(**overrides))


def test_price_and_currency_rules(shop: Shop, make_order: OrderFactory) -> None:
    order = make_order(currency="USD")
    order["lines"] = [{"sku": "SKU-A", "quantity": 1, "unitPrice": "24.99"}]
    assert rules_broken(shop, order) == ["V06", "V09"]
    order = make_order()
    order["lines"] = [{"sku": "SKU-A", "quantity": 1, "unitPrice": 25}]
    assert shop.validate_order(order).total == 2500


def test_clock_skew_tolerated(shop: Shop, make_order: OrderFactory) -> None:
    shop.validate_order(make_order(placed_at=NOW + timedelta(minutes=4)))


def test_all_problems_reported_at_once_and_nothing_recorded(shop: Shop, make_order: OrderFactory) -> None:
    order = make_order(lines=[("SKU-ZZZ", 0)], email="nope", country="XX")
    with pytest.raises(InvalidOrder) as info:
        shop.validate_order(order)
    assert [rule for rule, _ in info.value.problems] == ["V04", "V05", "V07", "V08"]
    assert "SKU-ZZZ: not in the catalogue" in str(info.value)
    with shop.connection() as conn:
        assert conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0
