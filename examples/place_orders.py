"""Place example orders on a running cluster, as the shop front end would: ``order-placed`` messages.

Reads ``examples/data/orders.jsonl``, stamps each order with the current time and publishes it with the
order id as correlation key (and as message id, so a repeated run within the message TTL is ignored).
With ``--deliver`` it also plays the carrier and publishes ``shipment-delivered`` for each order; the
message waits (TTL one hour) until the order reaches *Wait for delivery*.

Connection settings come from the environment, as for every autoops command (``ZEEBE_ADDRESS``,
``ZEEBE_REST_ADDRESS``, ``CAMUNDA_CLIENT_ID`` ...)::

    .venv/bin/python examples/place_orders.py --count 10 --deliver
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from autoops.client import SyncCamundaClient
from autoops.config import Settings

ORDERS = Path(__file__).resolve().parent / "data" / "orders.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10, help="how many orders, from the top of the file")
    parser.add_argument("--skip", type=int, default=0, help="start after this many orders")
    parser.add_argument("--file", type=Path, default=ORDERS)
    parser.add_argument("--deliver", action="store_true", help="also publish shipment-delivered for each order")
    args = parser.parse_args()
    lines = [line for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    orders = [json.loads(line) for line in lines[args.skip : args.skip + args.count]]
    with SyncCamundaClient(Settings.load()) as client:
        for order in orders:
            order["placedAt"] = datetime.now(UTC).isoformat()
            order_id = order["orderId"]
            client.publish("order-placed", order_id, {"order": order, "orderId": order_id}, message_id=order_id)
            print(f"placed {order_id}")
            if args.deliver:
                client.publish("shipment-delivered", order_id, {}, ttl=3600.0, message_id=f"delivered-{order_id}")


if __name__ == "__main__":
    main()
