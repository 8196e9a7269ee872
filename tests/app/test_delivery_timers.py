"""The delivery timers of the order model, by time travel on the embedded engine.

``bpmn/order-fulfillment.bpmn`` waits in the receive task *Wait for delivery* for ``shipment-delivered``.
Two boundary timers hang on it: after 7 days a non-interrupting one tells logistics and the order keeps
waiting; after 14 days an interrupting one ends the wait and opens *Investigate missing shipment*.
Nobody can wait two weeks in a test, so the engine clock is pinned and moved with ``PUT /v2/clock``
(the REST call a Camunda 8 test or a user would make), while the real handlers of ``workers/`` run in
the worker library against a shop database built from ``examples/data/``. The shop reads the same
clock as the engine, so the dates it books match the process timeline.

The logistics notification goes to a webhook receiver started here on 127.0.0.1, so that the test sees
the message the handler really sent instead of trusting that a job completed.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from workers.shop import Shop

from autoops.client import CamundaClient, ElementInstance
from autoops.config import Settings
from autoops.engine import ControlledClock
from autoops.engine.server import EngineServer
from autoops.notify import SIGNATURE_HEADER, Backoff, NotifyConfig, WebhookChannelConfig, verify_signature
from autoops.worker import load_worker
from workers import _app

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
SECRET = "delivery-timer-test-secret"
DAY_MS = 24 * 3600 * 1000
# Every instance reaches the wait at this instant, because the clock is pinned before the orders come in.
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
# Orders of examples/data/orders.jsonl that pass validation, payment, stock and the review gateway.
PLAIN_ORDERS = ("WEB-100000", "WEB-100001", "WEB-100002")

pytestmark = pytest.mark.slow


# ---------------------------------------------------------------------------------------------- webhook


@dataclass
class Received:
    headers: dict[str, str]
    raw: bytes

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.raw)
        return data


@dataclass
class WebhookReceiver:
    url: str
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def overdue(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.payload.get("kind") == "shipment-overdue"]


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.received.append(Received(dict(self.headers.items()), raw))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/logistics"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# ---------------------------------------------------------------------------------------------- set-up


@pytest.fixture
def shop(tmp_path: Path, autoops_clock: ControlledClock, webhook: WebhookReceiver) -> Iterator[Shop]:
    """The shop on the engine's clock, with shipment-overdue routed to the test's webhook."""

    def engine_time() -> datetime:
        return datetime.fromtimestamp(autoops_clock.now_ms() / 1000, UTC)

    shop = Shop.create(tmp_path / "shop.db", DATA, clock=engine_time)
    base = NotifyConfig.from_file(ROOT / "workers" / "notify.toml")
    overdue_route = base.routes["shipment-overdue"]
    notify = base.model_copy(update={
        "channels": {**base.channels, "ops": WebhookChannelConfig(
            url=webhook.url, secret=SECRET, retry=Backoff(max_attempts=1))},
        "routes": {**base.routes, "shipment-overdue": overdue_route.model_copy(update={"channels": ["ops"]})},
    })
    _app.configure(shop=shop, notify=notify)
    try:
        yield shop
    finally:
        _app.configure(reset=True)


@dataclass
class Harness:
    client: CamundaClient
    rest: httpx.AsyncClient

    async def pin_clock(self, epoch_ms: int) -> None:
        """``PUT /v2/clock``: the engine fires everything due by then before it answers."""
        response = await self.rest.put("/clock", json={"timestamp": epoch_ms})
        assert response.status_code == 204, response.text

    async def place(self, order_id: str) -> str:
        """Publish ``order-placed`` as the shop front end does; returns the new instance's key."""
        order = ORDERS[order_id]
        before = {i.process_instance_key for i in await self.instances()}
        await self.client.publish("order-placed", order_id, {"order": order, "orderId": order_id})
        started: list[str] = []

        async def instance_started() -> bool:
            started[:] = [i.process_instance_key for i in await self.instances() if i.process_instance_key not in before]
            return bool(started)

        await wait_for(instance_started, f"an instance for {order_id}")
        [key] = started
        return key

    async def instances(self) -> list[Any]:
        return (await self.client.search_process_instances(process_definition_id="order-fulfillment")).items

    async def elements(self, key: str) -> dict[str, list[ElementInstance]]:
        details = await self.client.process_instance_details(key)
        by_id: dict[str, list[ElementInstance]] = {}
        for element in details.element_instances:
            by_id.setdefault(element.element_id or "", []).append(element)
        return by_id

    async def state_of(self, key: str, element_id: str) -> list[str | None]:
        return [e.state for e in (await self.elements(key)).get(element_id, [])]

    async def wait_for_state(self, key: str, element_id: str, state: str) -> None:
        async def reached() -> bool:
            return state in await self.state_of(key, element_id)

        await wait_for(reached, f"{element_id} {state} in instance {key}")

    async def wait_until_completed(self, key: str) -> None:
        async def completed() -> bool:
            return (await self.client.get_process_instance(key)).state == "COMPLETED"

        await wait_for(completed, f"instance {key} to complete")


def load_orders() -> dict[str, dict[str, Any]]:
    lines = (DATA / "orders.jsonl").read_text(encoding="utf-8").splitlines()
    orders = [json.loads(line) for line in lines if line.strip()]
    return {o["orderId"]: o for o in orders if o["orderId"] in PLAIN_ORDERS}


ORDERS = load_orders()


async def wait_for(probe: Callable[[], Awaitable[bool]], what: str, within: float = 15.0) -> None:
    """Poll engine state until ``probe`` holds; the bound only turns a hang into a readable failure."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await probe():
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not happen within {within} s")
        await asyncio.sleep(0.05)


@pytest.fixture
async def harness(autoops_server: EngineServer, shop: Shop) -> AsyncIterator[Harness]:
    addresses = autoops_server.addresses
    settings = Settings.load(env_file=None, grpc_address=addresses.grpc, rest_address=addresses.rest)
    worker = load_worker("workers")
    worker.with_config(concurrency=4, metrics_port=None)
    async with (
        CamundaClient(settings) as client,
        httpx.AsyncClient(base_url=addresses.rest, timeout=10) as rest,
    ):
        await client.deploy(ROOT / "bpmn" / "order-fulfillment.bpmn", *sorted((ROOT / "bpmn" / "forms").glob("*.form")))
        harness = Harness(client, rest)
        await harness.pin_clock(T0_MS)
        async with worker.running(settings):
            yield harness


async def waiting_for_delivery(h: Harness, order_id: str) -> tuple[str, str]:
    """Place the order and wait until it sits in *Wait for delivery*; returns (instance, wait element) keys."""
    key = await h.place(order_id)
    await h.wait_for_state(key, "Task_AwaitDelivery", "ACTIVE")
    [wait] = (await h.elements(key))["Task_AwaitDelivery"]
    assert wait.start_date is not None
    assert parse_ms(wait.start_date) == T0_MS
    return key, wait.element_instance_key


def parse_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def shop_rows(shop: Shop, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with shop.connection() as conn:
        return [tuple(row) for row in conn.execute(sql, args).fetchall()]


def assert_settled(shop: Shop, order_id: str) -> None:
    [(total,)] = shop_rows(shop, "SELECT total FROM orders WHERE order_id = ?", order_id)
    assert shop.order_status(order_id) == "settled"
    assert shop_rows(shop, "SELECT status, captured_amount FROM payments WHERE order_id = ?", order_id) == [
        ("captured", total)
    ]
    entries = dict(shop_rows(shop, "SELECT kind, amount FROM settlements WHERE order_id = ?", order_id))
    assert entries["sale"] == total
    assert entries["payment_fee"] < 0


# ---------------------------------------------------------------------------------------------- tests


async def test_after_7_days_logistics_hears_and_the_order_still_waits_for_delivery(
    harness: Harness, shop: Shop, webhook: WebhookReceiver
) -> None:
    order_id = PLAIN_ORDERS[0]
    key, wait_key = await waiting_for_delivery(harness, order_id)
    [(shipment_id, carrier, tracking)] = shop_rows(
        shop, "SELECT shipment_id, carrier, tracking FROM shipments WHERE order_id = ?", order_id
    )

    # One millisecond before the 7 days are up nothing has fired (the PUT returns after firing what is due).
    await harness.pin_clock(T0_MS + 7 * DAY_MS - 1)
    elements = await harness.elements(key)
    assert [e.state for e in elements["Task_AwaitDelivery"]] == ["ACTIVE"]
    assert "Boundary_Overdue" not in elements and "Task_NotifyLogistics" not in elements
    assert webhook.overdue() == []

    # At 7 days the non-interrupting timer fires: logistics is told, and the same wait goes on.
    await harness.pin_clock(T0_MS + 7 * DAY_MS)
    await harness.wait_for_state(key, "EndEvent_LogisticsNotified", "COMPLETED")
    [message] = webhook.overdue()
    assert verify_signature(SECRET, message.raw, message.headers.get(SIGNATURE_HEADER))
    payload = message.payload
    assert payload["key"] == f"shipment-overdue:{order_id}"
    assert payload["recipients"] == ["logistics@example.com"]
    assert order_id in payload["subject"] and tracking in payload["subject"]
    assert shipment_id in payload["body"] and carrier in payload["body"]
    elements = await harness.elements(key)
    assert [(e.element_instance_key, e.state) for e in elements["Task_AwaitDelivery"]] == [(wait_key, "ACTIVE")]
    assert [e.state for e in elements["Boundary_Overdue"]] == ["COMPLETED"]
    assert [e.state for e in elements["Task_NotifyLogistics"]] == ["COMPLETED"]
    assert "Boundary_Lost" not in elements
    assert (await harness.client.get_process_instance(key)).state == "ACTIVE"
    assert shop.order_status(order_id) == "shipped"

    # The carrier confirms the delivery: the order completes normally and is settled.
    await harness.client.publish("shipment-delivered", order_id, {"deliveredBy": carrier})
    await harness.wait_until_completed(key)
    elements = await harness.elements(key)
    assert [e.state for e in elements["Task_AwaitDelivery"]] == ["COMPLETED"]
    assert [e.state for e in elements["EndEvent_Completed"]] == ["COMPLETED"]
    assert "Task_InvestigateShipment" not in elements
    assert_settled(shop, order_id)
    [(delivered_at,)] = shop_rows(shop, "SELECT delivered_at FROM shipments WHERE order_id = ?", order_id)
    assert parse_ms(delivered_at) == T0_MS + 7 * DAY_MS

    # The 14-day timer went with the wait: later, nothing more happens.
    await harness.pin_clock(T0_MS + 15 * DAY_MS)
    assert "Boundary_Lost" not in await harness.elements(key)
    assert (await harness.client.search_user_tasks(process_instance_key=key)).items == []
    assert len(webhook.overdue()) == 1


async def test_after_14_days_an_investigation_decides_how_the_order_ends(
    harness: Harness, shop: Shop, webhook: WebhookReceiver
) -> None:
    found_id, lost_id = PLAIN_ORDERS[1], PLAIN_ORDERS[2]
    found, found_wait = await waiting_for_delivery(harness, found_id)
    lost, lost_wait = await waiting_for_delivery(harness, lost_id)
    keys = (found, lost)

    # Just before 14 days: logistics was told at 7 days, both orders still wait, no investigation yet.
    await harness.pin_clock(T0_MS + 14 * DAY_MS - 1)
    for key in keys:
        await harness.wait_for_state(key, "EndEvent_LogisticsNotified", "COMPLETED")
    assert sorted(m.payload["key"] for m in webhook.overdue()) == [
        f"shipment-overdue:{found_id}", f"shipment-overdue:{lost_id}"
    ]
    for key, wait_key in ((found, found_wait), (lost, lost_wait)):
        elements = await harness.elements(key)
        assert [(e.element_instance_key, e.state) for e in elements["Task_AwaitDelivery"]] == [(wait_key, "ACTIVE")]
        assert "Boundary_Lost" not in elements
    assert (await harness.client.search_user_tasks(process_definition_id="order-fulfillment")).items == []

    # At 14 days the interrupting timer ends the wait and opens the investigation for logistics.
    await harness.pin_clock(T0_MS + 14 * DAY_MS)
    tasks = {}
    for key in keys:
        await harness.wait_for_state(key, "Task_InvestigateShipment", "ACTIVE")
        elements = await harness.elements(key)
        assert [e.state for e in elements["Task_AwaitDelivery"]] == ["TERMINATED"]
        assert [e.state for e in elements["Boundary_Lost"]] == ["COMPLETED"]
        [task] = (await harness.client.search_user_tasks(process_instance_key=key, state="CREATED")).items
        assert (task.element_id, task.name) == ("Task_InvestigateShipment", "Investigate missing shipment")
        assert task.candidate_groups == ["logistics"]
        assert task.due_date is not None and parse_ms(task.due_date) == T0_MS + 16 * DAY_MS
        tasks[key] = task.user_task_key
    assert len(webhook.overdue()) == 2  # the 7-day notice is not repeated

    # The carrier found the first parcel: the order goes on to capture, settlement and completion.
    await harness.client.complete_user_task(tasks[found], {"shipmentDelivered": True})
    await harness.wait_until_completed(found)
    elements = await harness.elements(found)
    assert [e.state for e in elements["EndEvent_Completed"]] == ["COMPLETED"]
    assert "EndEvent_ShipmentLost" not in elements
    assert_settled(shop, found_id)

    # The second parcel is lost: the order ends in Shipment lost and the payment is never captured.
    await harness.client.complete_user_task(tasks[lost], {"shipmentDelivered": False})
    await harness.wait_until_completed(lost)
    elements = await harness.elements(lost)
    assert [e.state for e in elements["EndEvent_ShipmentLost"]] == ["COMPLETED"]
    assert not {"Task_MarkDelivered", "Task_CapturePayment", "EndEvent_Completed"} & set(elements)
    assert shop_rows(shop, "SELECT status, captured_amount FROM payments WHERE order_id = ?", lost_id) == [
        ("authorized", 0)
    ]
    assert shop_rows(shop, "SELECT kind FROM settlements WHERE order_id = ?", lost_id) == []
    assert shop.order_status(lost_id) == "shipped"
