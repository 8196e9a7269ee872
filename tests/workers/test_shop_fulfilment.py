from __future__ import annotations

from datetime import UTC, datetime

import pytest
from shop_testing import Clock, OrderFactory
from workers.shop import PaymentStateError, PolicyRow, Shop, ShopError
from workers.shop.settlement import payment_fee
from workers.shop.shipments import carrier_for


def place(shop: Shop, make_order: OrderFactory, order_id: str, lines: list[tuple[str, int]]) -> None:
    order = shop.validate_order(make_order(order_id, lines))
    assert shop.authorize_payment(order).approved
    shop.reserve_stock(order_id)


def test_shipment_moves_stock_out_and_is_idempotent(shop: Shop, make_order: OrderFactory) -> None:
    place(shop, make_order, "WEB-1", [("SKU-A", 2), ("SKU-B", 1)])
    shipment = shop.create_shipment("WEB-1")
    assert (shipment.carrier, shipment.weight_grams, shipment.status) == ("parcel", 4100, "created")
    assert shop.create_shipment("WEB-1") == shipment
    with shop.connection() as conn:
        stock = dict(conn.execute("SELECT sku, on_hand || '/' || reserved FROM stock").fetchall())
        status = conn.execute("SELECT status FROM orders WHERE order_id = 'WEB-1'").fetchone()[0]
    assert (stock["SKU-A"], stock["SKU-B"]) == ("48/0", "9/0")
    assert status == "shipped"
    delivered = shop.mark_delivered("WEB-1")
    assert delivered.status == "delivered"


def test_tracking_number_depends_only_on_the_order(tmp_path_factory: pytest.TempPathFactory, make_order: OrderFactory) -> None:
    from shop_testing import write_data

    numbers = []
    for _ in range(2):
        folder = tmp_path_factory.mktemp("shop")
        other = Shop.create(folder / "shop.db", write_data(folder / "data"), clock=Clock())
        place(other, make_order, "WEB-7", [("SKU-A", 1)])
        numbers.append(other.create_shipment("WEB-7").tracking)
    assert numbers[0] == numbers[1]
    assert numbers[0].startswith("PO") and len(numbers[0]) == 14


def test_cannot_ship_without_held_stock(shop: Shop, make_order: OrderFactory) -> None:
    shop.validate_order(make_order("WEB-1"))
    with pytest.raises(ShopError, match="reserve the stock first"):
        shop.create_shipment("WEB-1")
    shop.reserve_stock("WEB-1")
    shop.release_stock("WEB-1")
    with pytest.raises(ShopError, match="no held stock"):
        shop.create_shipment("WEB-1")


@pytest.mark.parametrize(("grams", "carrier"), [(1, "postal"), (2000, "postal"), (2001, "parcel"), (31_500, "parcel"), (31_501, "freight")])
def test_carrier_by_weight(grams: int, carrier: str) -> None:
    assert carrier_for(grams) == carrier


def test_heavy_order_goes_by_freight(shop: Shop, make_order: OrderFactory) -> None:
    place(shop, make_order, "WEB-1", [("SKU-E", 1)])
    assert shop.create_shipment("WEB-1").carrier == "freight"


@pytest.mark.parametrize(("amount", "fee"), [(10000, 165), (2500, 60), (36, 26), (0, 25), (107, 26)])
def test_payment_fee(amount: int, fee: int) -> None:
    assert payment_fee(amount) == fee


def test_settlement_books_sale_and_fee_once(shop: Shop, make_order: OrderFactory) -> None:
    place(shop, make_order, "WEB-1", [("SKU-A", 4)])
    with pytest.raises(PaymentStateError, match="capture it first"):
        shop.record_settlement("WEB-1")
    shop.payments.capture("WEB-1")
    entries = shop.record_settlement("WEB-1")
    assert [(e.kind, e.amount) for e in entries] == [("sale", 10000), ("payment_fee", -165)]
    assert shop.record_settlement("WEB-1") == entries


def test_balances_after_a_mixed_batch(shop: Shop, make_order: OrderFactory) -> None:
    place(shop, make_order, "WEB-1", [("SKU-A", 4)])
    shop.create_shipment("WEB-1")
    shop.payments.capture("WEB-1")
    shop.record_settlement("WEB-1")
    place(shop, make_order, "WEB-2", [("SKU-B", 2)])  # rejected at review: void + release
    shop.payments.void("WEB-2")
    shop.release_stock("WEB-2")
    place(shop, make_order, "WEB-3", [("SKU-A", 1)])  # still in progress
    balances = shop.balances()
    assert balances.units_shipped == 4
    assert balances.units_released == 2
    assert balances.units_held == balances.stock_reserved == 1
    assert balances.captured == balances.settled_sales == 10000
    assert balances.declined_or_voided_with_stock == 0


def test_policy_proposal_compared_with_published(shop: Shop, clock: Clock) -> None:
    rows = [PolicyRow(sku="SKU-A", reorder_point=10, safety_stock=3, order_up_to=20, order_quantity=5)]
    [first] = shop.propose_policy("run-1", rows)
    assert (first.previous, first.relative_change) == (None, 1.0)
    assert shop.publish_policy("run-1") == 1
    clock.advance(days=7)
    changes = shop.propose_policy(
        "run-2",
        [
            PolicyRow(sku="SKU-A", reorder_point=12, safety_stock=3, order_up_to=20, order_quantity=5),
            PolicyRow(sku="SKU-B", reorder_point=4, safety_stock=1, order_up_to=8, order_quantity=0),
        ],
    )
    assert [(c.sku, c.previous, c.relative_change) for c in changes] == [("SKU-B", None, 1.0), ("SKU-A", 10.0, 0.2)]
    assert shop.reject_policy("run-2") == 2
    with pytest.raises(ShopError, match="run-2"):
        shop.publish_policy("run-2")
    clock.now = datetime(2026, 12, 8, tzinfo=UTC)
    [again] = shop.propose_policy("run-3", [PolicyRow(sku="SKU-A", reorder_point=10.5, safety_stock=3, order_up_to=20, order_quantity=5)])
    assert again.previous == 10.0 and again.relative_change == 0.05
