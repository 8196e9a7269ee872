"""The demo run behind ``autoops demo``: engine, models, shop, workers, orders, live progress.

Everything the demo does goes through autoops' public surfaces, as a user's own program would: the
embedded engine (:class:`autoops.testing.EngineServer`) or a cluster given by address, the client for
deploying, publishing and searching, the worker library for running the application's handlers
(loaded by module name, like ``autoops worker workers``), and the application's own command line
(``python -m workers.shop``) for building the shop database. The demo plays the shop front end
(``order-placed`` messages) and the carrier (``shipment-delivered`` messages); people do the reviews.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

from autoops.client import CamundaClient, CamundaError, ProcessInstance, UserTask
from autoops.config import Settings
from autoops.logging import configure_logging

__all__ = ["DemoOptions", "run_demo"]

ORDER_PROCESS = "order-fulfillment"
FORECAST_PROCESS = "demand-forecast"
_FINISHED = {"COMPLETED", "TERMINATED", "CANCELED"}


@dataclass(frozen=True)
class DemoOptions:
    orders: int = 50
    models: Path = Path("bpmn")
    data: Path = Path("examples/data")
    workers: str = "workers"
    workdir: Path = Path(".autoops/demo")
    address: str | None = None
    rest_address: str | None = None
    grpc_port: int = 26500
    rest_port: int = 8080
    exit_when_idle: bool = False
    forecast: bool = True
    timeout: float = 900.0
    concurrency: int = 16
    delivery_delay: float = 1.0


@dataclass
class Snapshot:
    """What the monitor saw in one poll."""

    by_process: dict[str, Counter[str]] = field(default_factory=dict)
    tasks: list[UserTask] = field(default_factory=list)
    incidents: int = 0
    instances: int = 0
    idle: bool = False

    def table(self, placed: int) -> Table:
        table = Table(title=f"autoops demo: {placed} orders placed", expand=False)
        table.add_column("process", no_wrap=True, min_width=len(ORDER_PROCESS))
        for column in ("active", "completed", "terminated", "waiting for a person", "incidents"):
            table.add_column(column, justify="right")
        waiting = Counter(t.process_definition_id for t in self.tasks)
        for process, states in sorted(self.by_process.items()):
            table.add_row(
                process, str(states.get("ACTIVE", 0)), str(states.get("COMPLETED", 0)),
                str(states.get("TERMINATED", 0) + states.get("CANCELED", 0)), str(waiting.get(process, 0)),
                str(states.get("INCIDENT", 0)),
            )
        return table


class DemoError(Exception):
    """The demo cannot start: a missing folder, a port in use, a failed shop build."""


def _check_paths(options: DemoOptions) -> None:
    for what, path in (("models", options.models), ("data", options.data)):
        if not path.is_dir():
            raise DemoError(f"{what} folder {path} not found; run autoops demo from the repository root or pass --{what}")
    if not (options.data / "orders.jsonl").is_file():
        raise DemoError(f"{options.data / 'orders.jsonl'} not found; run examples/generate_data.py first")


def _load_orders(path: Path, count: int) -> list[dict[str, Any]]:
    orders = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if count > len(orders):
        raise DemoError(f"--orders {count} asks for more orders than the {len(orders)} in {path}")
    now = datetime.now(UTC)
    placed = []
    for order in orders[:count]:
        order = dict(order)
        order["placedAt"] = now.isoformat()  # the demo places them now
        placed.append(order)
    return placed


def _build_shop(options: DemoOptions, database: Path) -> None:
    command = [sys.executable, "-m", "workers.shop", "build", "--data", str(options.data), "--db", str(database), "--force"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DemoError(f"building the shop database failed: {result.stderr.strip() or result.stdout.strip()}")


def _balances(database: Path) -> dict[str, Any] | None:
    command = [sys.executable, "-m", "workers.shop", "balances", "--db", str(database)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return None
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def _after(instance: ProcessInstance, since: datetime) -> bool:
    if not instance.start_date:
        return True
    try:
        started = datetime.fromisoformat(instance.start_date.replace("Z", "+00:00"))
    except ValueError:
        return True
    return started >= since


async def _snapshot(client: CamundaClient, since: datetime, expected: int) -> Snapshot:
    instances: list[ProcessInstance] = []
    for process in (ORDER_PROCESS, FORECAST_PROCESS):
        found = await client.search_process_instances(process_definition_id=process, limit=1000)
        instances += [i for i in found.items if _after(i, since)]
    keys = {i.process_instance_key for i in instances}
    tasks = [t for t in (await client.search_user_tasks(state="CREATED", limit=1000)).items if t.process_instance_key in keys]
    incidents = [i for i in (await client.search_incidents(state="ACTIVE", limit=1000)).items if i.process_instance_key in keys]
    with_incident = {i.process_instance_key for i in incidents}
    waiting = {t.process_instance_key for t in tasks}
    snapshot = Snapshot(tasks=tasks, incidents=len(incidents), instances=len(instances))
    for instance in instances:
        counter = snapshot.by_process.setdefault(instance.process_definition_id or "?", Counter())
        counter[instance.state or "?"] += 1
        if instance.process_instance_key in with_incident:
            counter["INCIDENT"] += 1
    snapshot.idle = len(instances) >= expected and all(
        (i.state or "") in _FINISHED or i.process_instance_key in waiting or i.process_instance_key in with_incident
        for i in instances
    )
    return snapshot


def _connection_flags(settings: Settings, default: bool) -> str:
    if default:
        return ""
    return f" --address {settings.grpc_address} --rest-address {settings.rest_address}"


async def _describe(client: CamundaClient, task: UserTask) -> str:
    """Order id, total and fraud score of the instance a review task belongs to (best effort)."""
    if task.process_instance_key is None:
        return ""
    try:
        details = await client.process_instance_details(task.process_instance_key)
    except CamundaError:
        return ""
    values: dict[str, Any] = {}
    for variable in details.variables:
        with contextlib.suppress(ValueError, TypeError):
            values[variable.name] = json.loads(variable.value or "null")
    parts = [str(values["orderId"])] if "orderId" in values else []
    if isinstance(values.get("orderTotal"), int | float):
        parts.append(f"{values['orderTotal']:,.2f} EUR")
    if "riskScore" in values:
        parts.append(f"fraud score {values['riskScore']}")
    if values.get("inStock") is False:
        parts.append("not in stock")
    return ", ".join(parts)


async def _print_tasks(client: CamundaClient, console: Console, snapshot: Snapshot, flags: str) -> None:
    if not snapshot.tasks:
        return
    console.print("\n[bold]Waiting for a person[/bold] (complete them from another terminal):")
    for task in snapshot.tasks:
        if task.element_id == "Task_ReviewOrder":
            about = await _describe(client, task)
            console.print(f"  {task.name} ({about or 'instance ' + str(task.process_instance_key)}), group order-review:")
            console.print(f"    autoops tasks complete {task.user_task_key} --var approved=true{flags}")
            console.print(f"    autoops tasks complete {task.user_task_key} --var approved=false{flags}")
        elif task.element_id == "Task_ApproveStockPlan":
            console.print(f"  {task.name}, group supply-planning:")
            console.print(f"    autoops tasks complete {task.user_task_key} --var stockPlanApproved=true{flags}")
        else:
            console.print(f"  {task.name}: autoops tasks complete {task.user_task_key}{flags}")
    console.print(f"  (list them with: autoops tasks list{flags})")


def _print_resume_hint(console: Console, options: DemoOptions, workdir: Path, shop_db: Path, flags: str) -> None:
    """The embedded engine stops with the demo; its state stays in the workdir and can be served again."""
    ports = "" if (options.grpc_port, options.rest_port) == (26500, 8080) else (
        f" --grpc-port {options.grpc_port} --rest-port {options.rest_port}"
    )
    console.print(
        "\nThe embedded engine stopped with the demo; its state is kept. To finish the waiting tasks, serve it "
        "again and run the workers (two terminals), then use the commands above:"
    )
    console.print(f"  autoops dev --data-dir {workdir}{ports}")
    console.print(f"  AUTOOPS_SHOP_DB={shop_db} AUTOOPS_FORECAST_DIR={workdir / 'forecast'} autoops worker workers{flags}")


async def _place_orders(client: CamundaClient, orders: list[dict[str, Any]], delivery_delay: float) -> None:
    """The shop front end and, a little later, the carrier (messages wait for their receive task)."""
    for order in orders:
        order_id = str(order.get("orderId"))
        await client.publish("order-placed", order_id, {"order": order, "orderId": order_id}, message_id=order_id)
    await asyncio.sleep(delivery_delay)
    for order in orders:
        order_id = str(order.get("orderId"))
        await client.publish("shipment-delivered", order_id, {"deliveredAt": datetime.now(UTC).isoformat()},
                             ttl=3600.0, message_id=f"delivered-{order_id}")


async def run_demo(options: DemoOptions, console: Console) -> int:
    """Run the demo; returns the exit code (0 fine, 1 incidents, 6 not idle before --timeout)."""
    from autoops.worker import load_worker

    _check_paths(options)
    orders = _load_orders(options.data / "orders.jsonl", options.orders)
    workdir = options.workdir
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    log_file: TextIO = (workdir / "demo.log").open("w", encoding="utf-8")
    configure_logging("info", json=True, stream=log_file)
    shop_db = workdir / "shop.db"
    console.print(f"building the shop database {shop_db} from {options.data} ...")
    _build_shop(options, shop_db)
    os.environ["AUTOOPS_SHOP_DB"] = str(shop_db.resolve())
    os.environ["AUTOOPS_FORECAST_DIR"] = str((workdir / "forecast").resolve())

    server = None
    if options.address is None:
        from autoops.testing import EngineServer

        server = EngineServer(workdir / "engine.db", grpc_port=options.grpc_port, rest_port=options.rest_port,
                              synchronous="NORMAL")
        try:
            addresses = await server.start()
        except OSError as exc:
            raise DemoError(
                f"cannot start the embedded engine: {exc}; is autoops dev already running? Stop it, or pass "
                "--grpc-port/--rest-port (or --address to use it)"
            ) from exc
        settings = Settings.load(env_file=None, grpc_address=addresses.grpc, rest_address=addresses.rest)
        default_ports = (options.grpc_port, options.rest_port) == (26500, 8080)
        console.print(f"embedded engine on {addresses.grpc} (gRPC) and {addresses.rest} (REST)")
    else:
        settings = Settings.load(grpc_address=options.address, rest_address=options.rest_address)
        default_ports = False
        console.print(f"using the cluster at {settings.grpc_address}")
    flags = _connection_flags(settings, default_ports)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)

    worker = load_worker(options.workers)
    worker.with_config(concurrency=options.concurrency, metrics_port=None, name="autoops-demo")
    since = datetime.now(UTC).replace(microsecond=0)
    expected = len(orders) + (1 if options.forecast else 0)
    code = 0
    try:
        async with CamundaClient(settings) as client, worker.running(settings):
            files = sorted(p for p in options.models.rglob("*") if p.suffix in {".bpmn", ".dmn", ".form"})
            deployed = await client.deploy(*files)
            console.print(f"deployed {len(deployed.deployments)} resource(s) from {options.models}/")
            feeder = asyncio.create_task(_place_orders(client, orders, options.delivery_delay))
            if options.forecast:
                await client.start(FORECAST_PROCESS)
            snapshot = Snapshot()
            started = time.monotonic()
            stable = 0
            with Live(snapshot.table(len(orders)), console=console, auto_refresh=False,
                      transient=False, redirect_stdout=False) as live:
                while not stop.is_set():
                    snapshot = await _snapshot(client, since, expected)
                    live.update(snapshot.table(len(orders)), refresh=True)
                    stable = stable + 1 if snapshot.idle and feeder.done() else 0
                    if options.exit_when_idle and stable >= 2:
                        break
                    if options.exit_when_idle and time.monotonic() - started > options.timeout:
                        console.print(f"[red]not idle after {options.timeout:.0f} s[/red]")
                        code = 6
                        break
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=0.5)
                    if snapshot.idle and stable == 1 and not options.exit_when_idle:
                        await _print_tasks(client, console, snapshot, flags)
                        console.print("\nthe demo keeps serving; press Ctrl-C to stop")
            if feeder.done() and feeder.exception() is not None:
                raise DemoError(f"placing orders failed: {feeder.exception()}")
            feeder.cancel()
            if snapshot.incidents:
                console.print(f"[red]{snapshot.incidents} incident(s)[/red]: autoops incidents list{flags}")
                code = code or 1
            if options.exit_when_idle:
                await _print_tasks(client, console, snapshot, flags)
                if server is not None and snapshot.tasks:
                    _print_resume_hint(console, options, workdir, shop_db, flags)
    finally:
        if server is not None:
            await server.stop()
        log_file.close()
    balances = _balances(shop_db)
    if balances is not None:
        console.print("\nshop balances: " + ", ".join(f"{k}={v}" for k, v in balances.items()))
    console.print(f"notifications and worker logs: {workdir / 'demo.log'}")
    return code
