"""Run in a separate process by the concurrency test: reserve a batch of orders against a shared shop file."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from workers.shop import OutOfStock, Shop


def main(db: str, order_ids: list[str]) -> None:
    shop = Shop(db)
    won = 0
    for order_id in order_ids:
        try:
            shop.reserve_stock(order_id)
            won += 1
        except OutOfStock:
            pass
    sys.stdout.write(f"{won}\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
