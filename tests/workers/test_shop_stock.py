from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from shop_testing import OrderFactory
from workers.shop import OrderNotFound, OutOfStock, Shop, ShopError


def stock_row(shop: Shop, sku: str) -> tuple[int, int]:
    with shop.connection() as conn:
        row = conn.execute("SELECT on_hand, reserved FROM stock WHERE sku = ?", (sku,)).fetchone()
    return int(row["on_hand"]), int(row["reserved"])


def test_check_reports_shortages(shop: Shop, make_order: OrderFactory) -> None:
    shop.validate_order(make_order("WEB-1", [("SKU-A", 5), ("SKU-B", 11)]))
    check = shop.check_stock("WEB-1")
    assert not check.in_stock
    assert [(s.sku, s.requested, s.available) for s in check.shortages] == [("SKU-B", 11, 10)]
    shop.validate_order(make_order("WEB-2", [("SKU-B", 10)]))
    assert shop.check_stock("WEB-2").in_stock


def test_reserve_is_all_or_nothing(shop: Shop, make_order: OrderFactory) -> None:
    shop.validate_order(make_order("WEB-1", [("SKU-A", 5), ("SKU-F", 2)]))
    with pytest.raises(OutOfStock) as info:
        shop.reserve_stock("WEB-1")
    assert info.value.shortages == [("SKU-F", 2, 1)]
    assert stock_row(shop, "SKU-A") == (50, 0)  # the line that fitted was rolled back too
    with shop.connection() as conn:
        assert conn.execute("SELECT COUNT(*) FROM reservations").fetchone()[0] == 0


def test_reserve_is_idempotent_and_release_returns_stock(shop: Shop, make_order: OrderFactory) -> None:
    shop.validate_order(make_order("WEB-1", [("SKU-A", 5), ("SKU-B", 2)]))
    first = shop.reserve_stock("WEB-1")
    again = shop.reserve_stock("WEB-1")
    assert first == again
    assert [(r.sku, r.quantity, r.status) for r in first] == [("SKU-A", 5, "held"), ("SKU-B", 2, "held")]
    assert stock_row(shop, "SKU-A") == (50, 5)
    assert shop.release_stock("WEB-1") == 7
    assert shop.release_stock("WEB-1") == 0
    assert stock_row(shop, "SKU-A") == (50, 0)
    with pytest.raises(ShopError, match="released"):
        shop.reserve_stock("WEB-1")


def test_unknown_order_cannot_be_reserved(shop: Shop) -> None:
    with pytest.raises(OrderNotFound, match=r"order\.validate"):
        shop.reserve_stock("WEB-404")


def test_check_constraint_stops_an_oversell_even_without_the_guard(shop: Shop) -> None:
    import sqlite3

    with shop.connection() as conn, pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute("UPDATE stock SET reserved = on_hand + 1 WHERE sku = 'SKU-F'")


def test_no_oversell_with_concurrent_threads(shop: Shop, make_order: OrderFactory) -> None:
    # SKU-B has 10 units; 40 orders of 1 unit each race for them from 8 threads.
    order_ids = [f"WEB-{i}" for i in range(40)]
    for order_id in order_ids:
        shop.validate_order(make_order(order_id, [("SKU-B", 1)]))
    wins: list[str] = []
    losses: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def run(batch: list[str]) -> None:
        barrier.wait()
        for order_id in batch:
            try:
                shop.reserve_stock(order_id)
                with lock:
                    wins.append(order_id)
            except OutOfStock:
                with lock:
                    losses.append(order_id)

    threads = [threading.Thread(target=run, args=(order_ids[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 10
    assert len(losses) == 30
    assert stock_row(shop, "SKU-B") == (10, 10)
    with shop.connection() as conn:
        held = conn.execute("SELECT COUNT(*), SUM(quantity) FROM reservations WHERE sku = 'SKU-B'").fetchone()
    assert tuple(held) == (10, 10)


def test_no_oversell_with_concurrent_processes(shop: Shop, make_order: OrderFactory) -> None:
    # SKU-B (10 units) and SKU-A (50 units): 4 processes race with 2-unit orders of SKU-B and SKU-A.
    order_ids = [f"WEB-{i}" for i in range(32)]
    for order_id in order_ids:
        shop.validate_order(make_order(order_id, [("SKU-B", 2), ("SKU-A", 3)]))
    script = Path(__file__).with_name("shop_race.py")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(shop.path), *order_ids[i::4]], stdout=subprocess.PIPE, text=True
        )
        for i in range(4)
    ]
    won = 0
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        won += int(out.strip())
    assert won == 5  # 10 units of SKU-B / 2 per order
    assert stock_row(shop, "SKU-B") == (10, 10)
    assert stock_row(shop, "SKU-A") == (50, 15)
