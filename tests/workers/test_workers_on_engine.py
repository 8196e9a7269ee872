"""The application's handlers run by the real worker library against the embedded engine (real gRPC).

The full order model needs boundary events; this test deploys a straight-line process made of the same
job types, so that it checks what the handlers and the worker library do together: variables flowing
from job to job, BPMN errors reaching the engine, and concurrent jobs not overselling stock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from shop_testing import order_payload
from workers.shop import Shop

from autoops.client import CamundaClient
from autoops.config import Settings
from autoops.engine.server import EngineServer
from autoops.notify import NotifyConfig
from autoops.testing.pytest_plugin import autoops_clock, autoops_server  # noqa: F401
from autoops.worker import load_worker
from workers import _app

ROOT = Path(__file__).resolve().parents[2]
STEPS = [
    ("order.validate", {}),
    ("order.check-stock", {}),
    ("fraud.score", {}),
    ("payment.authorize", {}),
    ("stock.reserve", {}),
    ("shipment.create", {}),
    ("shipment.mark-delivered", {}),
    ("payment.capture", {}),
    ("settlement.record", {}),
    ("notify.customer", {"kind": "order-completed"}),
]


def straight_line_model() -> bytes:
    tasks, flows, previous = [], [], "start"
    for i, (job_type, headers) in enumerate(STEPS):
        header_xml = "".join(f'<zeebe:header key="{k}" value="{v}"/>' for k, v in headers.items())
        header_xml = f"<zeebe:taskHeaders>{header_xml}</zeebe:taskHeaders>" if header_xml else ""
        tasks.append(
            f'<bpmn:serviceTask id="t{i}"><bpmn:extensionElements><zeebe:taskDefinition type="{job_type}"'
            f' retries="1"/>{header_xml}</bpmn:extensionElements></bpmn:serviceTask>'
        )
        flows.append(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{previous}" targetRef="t{i}"/>')
        previous = f"t{i}"
    flows.append(f'<bpmn:sequenceFlow id="fend" sourceRef="{previous}" targetRef="end"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://example.com">'
        '<bpmn:process id="order-line" isExecutable="true"><bpmn:startEvent id="start"/>'
        + "".join(tasks) + '<bpmn:endEvent id="end"/>' + "".join(flows) + "</bpmn:process></bpmn:definitions>"
    ).encode()


@pytest.fixture
def configured(shop: Shop) -> Iterator[Shop]:
    _app.configure(shop=shop, notify=NotifyConfig.from_file(ROOT / "workers" / "notify.toml"))
    yield shop
    _app.configure(reset=True)


async def wait_for(probe: Any, what: str, within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await probe():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} did not happen within {within} s")
        await asyncio.sleep(0.05)


async def test_orders_flow_through_the_real_worker(autoops_server: EngineServer, configured: Shop) -> None:  # noqa: F811
    settings = Settings.load(env_file=None, grpc_address=autoops_server.addresses.grpc,
                             rest_address=autoops_server.addresses.rest)
    worker = load_worker("workers")
    worker.with_config(concurrency=8, metrics_port=None)
    orders = {
        "WEB-1": order_payload("WEB-1", [("SKU-A", 2)]),
        "WEB-2": order_payload("WEB-2", [("SKU-B", 1), ("SKU-A", 1)]),
        "WEB-3": order_payload("WEB-3", [("SKU-F", 1)]),
        "WEB-4": order_payload("WEB-4", [("SKU-F", 1)]),  # WEB-3 and WEB-4 race for the last unit
    }
    async with CamundaClient(settings) as client, worker.running(settings):
        await client.deploy(("order-line.bpmn", straight_line_model()))
        keys = {}
        for order_id, order in orders.items():
            created = await client.start("order-line", variables={"order": order, "orderId": order_id})
            keys[order_id] = int(created.process_instance_key)

        async def settled() -> bool:
            done = [await client.get_process_instance(k) for k in keys.values()]
            incidents = await client.search_incidents()
            return sum(i.state == "COMPLETED" for i in done) + len(incidents.items) == len(keys)

        await wait_for(settled, "every order completed or stopped by an incident")
        states = {o: (await client.get_process_instance(k)).state for o, k in keys.items()}
        incidents = (await client.search_incidents()).items

    assert states["WEB-1"] == states["WEB-2"] == "COMPLETED"
    assert sorted([states["WEB-3"], states["WEB-4"]]) == ["ACTIVE", "COMPLETED"]
    [incident] = incidents
    assert incident.element_id == "t4"  # stock.reserve
    assert incident.error_type == "UNHANDLED_ERROR_EVENT"  # this model has no boundary for OUT_OF_STOCK
    assert "OUT_OF_STOCK" in (incident.error_message or "")
    balances = configured.balances()
    assert balances.units_shipped == 5  # 2 + 2 + 1: only one of WEB-3 / WEB-4 got the unit
    assert balances.units_held == balances.stock_reserved == 0
    assert balances.captured == balances.settled_sales == 50_00 + 85_00 + 10_00


async def test_weekly_forecast_waits_for_approval_then_publishes(
    autoops_server: EngineServer, tmp_path: Path  # noqa: F811
) -> None:
    import gzip

    from autoops.forecast import ForecastConfig, GbmParams, generate_order_lines

    data = tmp_path / "data"
    data.mkdir()
    lines = generate_order_lines(8, "2025-01-06", "2026-06-28", seed=5)
    with gzip.open(data / "order_history.csv.gz", "wt", encoding="utf-8") as handle:
        lines.to_csv(handle, index=False, date_format="%Y-%m-%dT%H:%M:%S")
    (data / "catalogue.csv").write_text(
        "sku,name,category,unit_price,weight_grams,lead_time_days,stock_on_hand,active\n"
        + "".join(f"SKU-{i:05d},Item {i},home,10.00,500,7,{3 * i},1\n" for i in range(8)),
        encoding="utf-8",
    )
    shop = Shop.create(tmp_path / "shop.db", data)
    fast = ForecastConfig(horizon=6, n_origins=2, num_threads=1, gbm=GbmParams(num_boost_round=20, min_data_in_leaf=5))
    _app.configure(shop=shop, notify=NotifyConfig.from_file(ROOT / "workers" / "notify.toml"),
                   forecast_dir=tmp_path / "forecast", forecast=fast)
    settings = Settings.load(env_file=None, grpc_address=autoops_server.addresses.grpc,
                             rest_address=autoops_server.addresses.rest)
    worker = load_worker("workers")
    worker.with_config(concurrency=4, metrics_port=None)
    try:
        async with CamundaClient(settings) as client, worker.running(settings):
            await client.deploy(ROOT / "bpmn" / "demand-forecast.bpmn", *sorted((ROOT / "bpmn" / "forms").glob("*.form")))
            created = await client.start("demand-forecast", variables={"horizon": 6})
            key = created.process_instance_key

            async def approval_waiting() -> bool:
                return bool((await client.search_user_tasks(process_instance_key=key, state="CREATED")).items)

            await wait_for(approval_waiting, "the Approve stock plan task", within=120)
            [task] = (await client.search_user_tasks(process_instance_key=key, state="CREATED")).items
            assert (task.element_id, task.candidate_groups) == ("Task_ApproveStockPlan", ["supply-planning"])
            await client.complete_user_task(task.user_task_key, {"stockPlanApproved": True})

            async def completed() -> bool:
                return (await client.get_process_instance(key)).state == "COMPLETED"

            await wait_for(completed, "the forecast instance to complete")
            assert not (await client.search_incidents(process_instance_key=key)).items
    finally:
        _app.configure(reset=True)
    with shop.connection() as conn:
        published = conn.execute("SELECT run_id, COUNT(*) FROM stock_policies WHERE status = 'published' GROUP BY run_id").fetchall()
    assert [tuple(row) for row in published] == [(f"run-{key}", 8)]
