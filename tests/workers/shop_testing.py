"""Helpers for the shop tests: a small catalogue written as CSV, a settable clock, order payloads."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the application package `workers` lives at the repository root
    sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

PRODUCTS = [
    # sku, name, category, price, weight g, lead days, on hand, active
    ("SKU-A", "Desk Lamp", "office", "25.00", 800, 5, 50, 1),
    ("SKU-B", "Cast Iron Pan", "kitchen", "60.00", 2500, 7, 10, 1),
    ("SKU-C", "Wool Blanket", "home", "1200.00", 1500, 14, 5, 1),
    ("SKU-D", "Old Kite", "toys", "9.99", 300, 3, 3, 0),
    ("SKU-E", "Anvil", "garden", "99.00", 40000, 21, 2, 1),
    ("SKU-F", "Last One", "home", "10.00", 100, 3, 1, 1),
]
CUSTOMERS = [
    ("C1", "Ada Berg", "ada@example.com", "DE", "2020-01-01"),
    ("C2", "Bruno Costa", "bruno@example.org", "FR", "2026-11-10"),
]


class Clock:
    """A settable clock for the shop."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def write_data(folder: Path, products: list[tuple[Any, ...]] = PRODUCTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    header = "sku,name,category,unit_price,weight_grams,lead_time_days,stock_on_hand,active\n"
    (folder / "catalogue.csv").write_text(
        header + "".join(",".join(str(v) for v in row) + "\n" for row in products), encoding="utf-8"
    )
    (folder / "customers.csv").write_text(
        "customer_id,name,email,country,since\n" + "".join(",".join(row) + "\n" for row in CUSTOMERS),
        encoding="utf-8",
    )
    return folder


OrderFactory = Callable[..., dict[str, Any]]


def order_payload(
    order_id: str = "WEB-1",
    lines: list[tuple[str, int]] | None = None,
    *,
    customer: str = "C1",
    email: str = "ada@example.com",
    country: str = "DE",
    billing: str | None = None,
    method: str = "card",
    card: str | None = "4242",
    placed_at: datetime = NOW - timedelta(minutes=5),
    **extra: Any,
) -> dict[str, Any]:
    """An order payload as the ``order-placed`` message carries it; keyword arguments override fields."""
    order: dict[str, Any] = {
        "orderId": order_id,
        "placedAt": placed_at.isoformat(),
        "customer": {"customerId": customer, "name": "Ada Berg", "email": email},
        "shippingAddress": {"street": "1 Main St", "city": "Berlin", "postalCode": "10115", "country": country},
        "billingCountry": billing or country,
        "currency": "EUR",
        "payment": {"method": method, "cardLast4": card},
        "lines": [{"sku": s, "quantity": q} for s, q in (lines if lines is not None else [("SKU-A", 2)])],
    }
    order.update(extra)
    return order


def job_context(job_type: str, headers: dict[str, str] | None = None, process_instance_key: int = 2251799813685300) -> Any:
    """A job context as the worker builds it for an activated job."""
    from autoops.worker import JobContext

    return JobContext(
        job_key=2251799813685400,
        type=job_type,
        process_instance_key=process_instance_key,
        bpmn_process_id="order-fulfillment",
        process_definition_key=2251799813685249,
        process_definition_version=1,
        element_id="Task_Under_Test",
        element_instance_key=2251799813685401,
        tenant_id=None,
        worker="test",
        custom_headers=headers or {},
        retries=3,
        attempt=1,
        deadline_ms=0,
        variables={},
    )
