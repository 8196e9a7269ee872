"""The notification handlers: the right template, recipient and key, and failures mapped for retries."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import structlog
from shop_testing import ROOT, job_context, order_payload
from workers.shop import Shop

from autoops.notify import DeliveryError, NotifyConfig
from autoops.worker import PermanentError
from workers import _app, notifications

TEMPLATES = ROOT / "workers" / "templates"


@pytest.fixture(autouse=True)
def configured(shop: Shop) -> Iterator[None]:
    _app.configure(shop=shop, notify=NotifyConfig.from_file(ROOT / "workers" / "notify.toml"))
    yield
    _app.configure(reset=True)


ORDER = order_payload(lines=[("SKU-A", 2)])

# Variables each notification task sees at its place in the process.
AT_TASK: dict[str, tuple[str, dict[str, Any]]] = {
    "order-rejected": ("notify_customer", {"order": ORDER, "orderId": "WEB-1", "rejectionReasons": ["[V05] SKU-Z: not in the catalogue"]}),
    "payment-declined": ("notify_customer", {"order": ORDER, "orderId": "WEB-1", "orderTotal": 50.0, "declineReason": "card_declined"}),
    "order-cancelled": ("notify_customer", {"order": ORDER, "orderId": "WEB-1", "customerName": "Ada Berg", "approved": False}),
    "order-completed": ("notify_customer", {
        "order": ORDER, "orderId": "WEB-1", "customerName": "Ada Berg", "customerEmail": "ada@example.com",
        "orderTotal": 50.0, "carrier": "postal", "trackingNumber": "PO000000000042", "shipmentId": "SHP-WEB-1",
    }),
    "shipment-overdue": ("notify_logistics", {"orderId": "WEB-1", "carrier": "postal", "trackingNumber": "PO1", "shipmentId": "SHP-WEB-1"}),
    "stock-plan-published": ("notify_planners", {
        "runId": "run-7", "skuCount": 300, "maxReorderPointChange": 0.4, "changedSkus": 12,
        "totalOrderQuantity": 5120.5, "forecastDir": ".autoops/forecast/run-7", "reorderPointChangeThreshold": 0.25,
    }),
    "stock-plan-discarded": ("notify_planners", {"runId": "run-7", "stockPlanApproved": False, "stockPlanComment": "too high"}),
}


def test_every_template_is_covered() -> None:
    assert set(AT_TASK) == {p.stem for p in TEMPLATES.glob("*.txt")}


@pytest.mark.parametrize("kind", sorted(AT_TASK))
async def test_each_notification_renders_with_the_variables_at_its_task(kind: str) -> None:
    handler_name, variables = AT_TASK[kind]
    handler = getattr(notifications, handler_name)
    with structlog.testing.capture_logs() as logs:
        result = await handler(job_context(f"notify.{handler_name[7:]}", {"kind": kind}), **variables)
    assert result == {"notified": ["log"]}
    [entry] = [e for e in logs if e.get("event") == "notification"]
    assert entry["kind"] == kind
    assert "$" not in entry["subject"] and "$" not in entry["body"]
    key_id = variables.get("orderId") or variables.get("runId")
    assert entry["key"] == f"{kind}:{key_id}"


async def test_customer_mail_goes_to_the_order_address() -> None:
    with structlog.testing.capture_logs() as logs:
        await notifications.notify_customer(job_context("notify.customer", {"kind": "order-rejected"}), **AT_TASK["order-rejected"][1])
    [entry] = [e for e in logs if e.get("event") == "notification"]
    assert entry["recipients"] == ["ada@example.com"]
    assert entry["subject"] == "We could not accept your order WEB-1"
    assert "Hello Ada Berg," in entry["body"]
    assert "- [V05] SKU-Z: not in the catalogue" in entry["body"]


async def test_planners_get_the_route_recipients() -> None:
    with structlog.testing.capture_logs() as logs:
        await notifications.notify_planners(job_context("notify.planners", {"kind": "stock-plan-published"}), **AT_TASK["stock-plan-published"][1])
    [entry] = [e for e in logs if e.get("event") == "notification"]
    assert entry["recipients"] == ["supply-planning@example.com"]
    assert "Largest reorder-point change: 40.0 %" in entry["body"]


async def test_missing_kind_header_is_permanent() -> None:
    with pytest.raises(PermanentError, match="'kind' header"):
        await notifications.notify_customer(job_context("notify.customer", {}), **AT_TASK["order-rejected"][1])


async def test_missing_template_variable_is_permanent() -> None:
    with pytest.raises(PermanentError, match="trackingNumber"):
        await notifications.notify_customer(
            job_context("notify.customer", {"kind": "order-completed"}), order=ORDER, orderId="WEB-1", orderTotal=1.0, carrier="x"
        )


class _Hook(BaseHTTPRequestHandler):
    status = 503
    hits = 0

    def do_POST(self) -> None:
        type(self).hits += 1
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.mark.parametrize(("status", "raised"), [(503, DeliveryError), (400, PermanentError)])
async def test_webhook_failures_map_to_retry_or_incident(tmp_path: Path, status: int, raised: type[Exception]) -> None:
    _Hook.status, _Hook.hits = status, 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        config = NotifyConfig.model_validate({
            "templates": [str(TEMPLATES)],
            "channels": {"hook": {"type": "webhook", "url": f"http://127.0.0.1:{port}/h", "retry": {"max_attempts": 2, "initial": 0.0}}},
            "routes": {"shipment-overdue": {"channels": ["hook"]}},
        })
        _app.configure(notify=config)
        with pytest.raises(raised):
            await notifications.notify_logistics(job_context("notify.logistics", {"kind": "shipment-overdue"}), **AT_TASK["shipment-overdue"][1])
    finally:
        server.shutdown()
        server.server_close()
    assert _Hook.hits == (2 if status == 503 else 1)
