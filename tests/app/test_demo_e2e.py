"""End to end: ``autoops demo --exit-when-idle`` on a small batch, reviews through the CLI, balanced books.

The engine runs in this test process (``autoops_server``); the demo, the CLI and the workers run as
separate processes against it over real sockets, exactly as a user runs them.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from autoops.client import CamundaClient, Rejected
from autoops.config import Settings
from autoops.engine.server import EngineServer
from autoops.testing.pytest_plugin import autoops_clock, autoops_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
AUTOOPS = [sys.executable, "-m", "autoops"]
ORDERS = 18  # valid, invalid, declined, risky, large and out-of-stock orders (see examples/generate_data.py)

pytestmark = pytest.mark.slow


async def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *args, cwd=ROOT, env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 240)
    return proc.returncode or 0, out.decode()


async def engine_supports_the_models(client: CamundaClient) -> str | None:
    files = sorted(p for p in (ROOT / "bpmn").rglob("*") if p.suffix in {".bpmn", ".form"})
    try:
        await client.deploy(*files)
    except Rejected as exc:
        if "not supported by the embedded engine yet" in str(exc):
            unsupported = sorted({line.strip() for line in str(exc).splitlines() if "not supported" in line})
            return "; ".join(unsupported)
        raise
    return None


async def test_demo_reviews_and_balances(autoops_server: EngineServer, tmp_path: Path) -> None:  # noqa: F811
    addresses = autoops_server.addresses
    settings = Settings.load(env_file=None, grpc_address=addresses.grpc, rest_address=addresses.rest)
    connection = ["--address", addresses.grpc, "--rest-address", addresses.rest]
    async with CamundaClient(settings) as client:
        missing = await engine_supports_the_models(client)
        if missing:
            pytest.skip(f"the embedded engine cannot run the application's models yet: {missing}")

        data = tmp_path / "data"
        data.mkdir()
        for name in ("catalogue.csv", "customers.csv", "orders.jsonl"):
            shutil.copy(ROOT / "examples" / "data" / name, data / name)
        workdir = tmp_path / "demo"
        code, output = await run(
            *AUTOOPS, "demo", "--orders", str(ORDERS), "--exit-when-idle", "--no-forecast", "--timeout", "180",
            "--data", str(data), "--workdir", str(workdir), *connection,
        )
        assert code == 0, output
        assert "autoops tasks complete" in output

        instances = (await client.search_process_instances(process_definition_id="order-fulfillment", limit=100)).items
        assert len(instances) == ORDERS
        tasks = (await client.search_user_tasks(state="CREATED", limit=100)).items
        waiting = {t.process_instance_key: t for t in tasks}
        assert waiting, "the batch contains risky and large orders: some must wait for a review"
        for instance in instances:
            assert instance.state == "COMPLETED" or (
                instance.process_instance_key in waiting
                and waiting[instance.process_instance_key].element_id == "Task_ReviewOrder"
            ), instance
        assert not (await client.search_incidents(state="ACTIVE")).items

        # People review: approve every other order, reject the rest, through the CLI.
        decisions = {
            task.user_task_key: n % 2 == 0 for n, task in enumerate(sorted(tasks, key=lambda t: t.user_task_key))
        }
        results = await asyncio.gather(*(
            run(*AUTOOPS, "tasks", "complete", key, "--var", f"approved={json.dumps(approve)}", *connection)
            for key, approve in decisions.items()
        ))
        for code, output in results:
            assert code == 0, output
        assert not (await client.search_user_tasks(state="CREATED")).items

        # The workers pick up where the demo stopped.
        env = {"AUTOOPS_SHOP_DB": str(workdir / "shop.db"), "AUTOOPS_FORECAST_DIR": str(workdir / "forecast"),
               "ZEEBE_ADDRESS": addresses.grpc, "ZEEBE_REST_ADDRESS": addresses.rest}
        worker = await asyncio.create_subprocess_exec(
            *AUTOOPS, "worker", "workers", "--no-metrics", cwd=ROOT, env={**os.environ, **env},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            deadline = asyncio.get_running_loop().time() + 120
            while True:
                states = [i.state for i in (await client.search_process_instances(
                    process_definition_id="order-fulfillment", limit=100)).items]
                if all(s == "COMPLETED" for s in states):
                    break
                assert asyncio.get_running_loop().time() < deadline, f"instances still running: {states}"
                await asyncio.sleep(0.2)
        finally:
            worker.send_signal(signal.SIGTERM)
            await asyncio.wait_for(worker.wait(), 60)

    from workers.shop import Shop  # the repository root is on sys.path (tests/app/conftest.py)

    shop = Shop(workdir / "shop.db")
    balances = shop.balances()
    assert balances.units_held == balances.stock_reserved == 0
    assert balances.captured == balances.settled_sales > 0
    assert balances.declined_or_voided_with_stock == 0
    with shop.connection() as conn:
        statuses: dict[str, Any] = dict(conn.execute("SELECT status, COUNT(*) FROM orders GROUP BY status").fetchall())
        shipped = conn.execute("SELECT COALESCE(SUM(quantity), 0) FROM reservations WHERE status = 'shipped'").fetchone()[0]
        sold = conn.execute(
            "SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.order_id = l.order_id "
            "WHERE o.status = 'settled'"
        ).fetchone()[0]
    assert shipped == sold == balances.units_shipped
    assert statuses.get("settled", 0) >= 1
    assert statuses.get("cancelled", 0) >= sum(1 for approved in decisions.values() if not approved)
