"""Fixtures for the shop domain and the job handlers: a small shop database built from CSV files."""

from __future__ import annotations

from pathlib import Path

import pytest
from shop_testing import Clock, OrderFactory, order_payload, write_data
from workers.shop import Shop


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def shop(tmp_path: Path, clock: Clock) -> Shop:
    return Shop.create(tmp_path / "shop.db", write_data(tmp_path / "data"), clock=clock)


@pytest.fixture
def make_order() -> OrderFactory:
    return order_payload
