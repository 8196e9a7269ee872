from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from shop_testing import ROOT, write_data
from workers.shop import Shop, ShopDataError

EXAMPLES = ROOT / "examples" / "data"


@pytest.fixture(scope="module")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("example-shop") / "shop.db"
    Shop.create(path, EXAMPLES)
    return path


@pytest.fixture
def example_shop(example_db: Path, tmp_path: Path) -> Shop:
    copy = tmp_path / "shop.db"
    shutil.copyfile(example_db, copy)
    return Shop(copy)


def test_builds_from_the_example_data(example_shop: Shop) -> None:
    shop = example_shop
    with shop.connection() as conn:
        products = conn.execute("SELECT COUNT(*), SUM(active) FROM products").fetchone()
        customers = conn.execute("SELECT COUNT(*) FROM customers").fetchone()[0]
        history = conn.execute("SELECT COUNT(*), COUNT(DISTINCT sku) FROM order_history").fetchone()
        sold_out = conn.execute("SELECT COUNT(*) FROM stock WHERE on_hand = 0").fetchone()[0]
    assert products[0] >= 300 and 0 < products[1] < products[0]
    assert customers >= 300
    assert history[0] > 100_000 and history[1] >= 290
    assert sold_out > 0


def test_example_orders_cover_the_interesting_cases(example_shop: Shop) -> None:
    shop = example_shop
    orders = [json.loads(line) for line in (EXAMPLES / "orders.jsonl").read_text().splitlines()]
    assert len(orders) >= 50
    assert len({o["orderId"] for o in orders}) == len(orders)
    from workers.shop import InvalidOrder

    invalid, declined, risky = 0, 0, 0
    for raw in orders:
        try:
            order = shop.validate_order(raw)
        except InvalidOrder:
            invalid += 1
            continue
        if not shop.authorize_payment(order).approved:
            declined += 1
        if shop.score_fraud(order).score >= 50 or order.total >= 1500_00:
            risky += 1
    assert 3 <= invalid <= 8
    assert declined >= 2
    assert risky >= 3


def test_malformed_catalogue_names_file_and_line(tmp_path: Path) -> None:
    folder = write_data(tmp_path / "data", [("SKU-A", "Lamp", "office", "abc", 100, 1, 1, 1)])
    with pytest.raises(ShopDataError, match=r"catalogue\.csv:2"):
        Shop.create(tmp_path / "shop.db", folder)
    (folder / "catalogue.csv").write_text("sku,name\nX,Y\n", encoding="utf-8")
    with pytest.raises(ShopDataError, match="missing column"):
        Shop.create(tmp_path / "shop2.db", folder)
    with pytest.raises(ShopDataError, match="generate_data"):
        Shop.create(tmp_path / "shop3.db", tmp_path / "nowhere")


def test_refuses_to_load_twice(tmp_path: Path) -> None:
    folder = write_data(tmp_path / "data")
    Shop.create(tmp_path / "shop.db", folder)
    with pytest.raises(ShopDataError, match="already has a catalogue"):
        Shop.create(tmp_path / "shop.db", folder)
