"""Throughput of autoops.worker against a raw pyzeebe worker, on the same job load and the same engine.

Each measurement starts a fresh in-memory ``autoops dev`` subprocess (as a developer runs it, and so
that every measurement meets the same engine state), creates ``--jobs`` instances of a
one-service-task process, then starts a worker and measures the time until every instance has
completed, and the CPU time the worker's process spent meanwhile (both from the first handled job,
so start-up is not counted). Each round runs both variants, in alternating order:

  raw      pyzeebe's ZeebeWorker with a plain ``async def handler(orderId, quantity, price) -> dict``
  autoops  autoops.worker.Worker with a pydantic-typed handler, Prometheus metrics and the probe
           port on, lease extension on (the defaults)

Both long-poll, ask for ``--batch`` jobs per request, use the same job timeout, and have the same
generous cap on running jobs (``--cap``, default 256), so the comparison measures the per-job cost
of each worker and not a concurrency setting. (Far larger caps are not useful: grpcio's asyncio
transport starts cancelling or stalling calls when a few thousand unary calls are in flight on one
channel, which then dominates any measurement.) The result is jobs/s per variant (median over
rounds) and the ratio autoops / raw (target >= 0.95).

Why a generous cap: with pyzeebe's defaults (32 activated, 32 running) a poller that has just activated a full
batch finds "no capacity" and sleeps ``poll_retry_delay`` (5 s) even when the jobs finish in
microseconds, which caps throughput at about 32 jobs per 5 s. ``--with-defaults`` adds that
configuration as a third variant for reference; autoops.worker wakes its poller as soon as a job
finishes instead. Even with the generous cap the raw worker occasionally reaches it while completions
lag, and then pauses 5 s; such rounds are marked, and the ratio is also reported per round over the
rounds where the raw worker never paused (the like-for-like per-job cost comparison).

Noise: on a small shared machine the engine's throughput varies by round far more than the workers
differ; running this script with both variants set to the same worker (an A/A comparison) gave ratios
between 0.88 and 1.01 over 6 rounds. Read the jobs/s ratio with that in mind; the worker-process CPU
per job is the steadier figure of the per-job cost.

Run on demand only (not part of the test suite):

    .venv/bin/python bench/worker_bench.py                     # 6 rounds of 3000 jobs per variant (~4 min)
    .venv/bin/python bench/worker_bench.py --jobs 1000 --rounds 3 --json worker-bench.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, Field
from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel

from autoops.config import Settings
from autoops.logging import configure_logging
from autoops.testing import run_dev
from autoops.worker import Worker, WorkerConfig

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="Price"><bpmn:extensionElements><zeebe:taskDefinition type="{job_type}"/>
      </bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="End"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Price"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Price" targetRef="End"/>
  </bpmn:process>
</bpmn:definitions>
"""


class Order(BaseModel):
    order_id: str = Field(alias="orderId")
    quantity: int = Field(gt=0)
    price: float = Field(ge=0)


class Priced(BaseModel):
    total: float


async def _create_instances(client: ZeebeClient, process_id: str, jobs: int) -> None:
    semaphore = asyncio.Semaphore(64)

    async def one(i: int) -> None:
        async with semaphore:
            await client.run_process(process_id, {"orderId": f"o-{i}", "quantity": 1 + i % 5, "price": 9.5})

    await asyncio.gather(*(one(i) for i in range(jobs)))


async def _completed(http: httpx.AsyncClient, rest: str, process_id: str) -> int:
    response = await http.post(
        f"{rest}/process-instances/search",
        json={"filter": {"processDefinitionId": process_id, "state": "COMPLETED"}, "page": {"limit": 1}},
    )
    response.raise_for_status()
    return int(response.json()["page"]["totalItems"])


async def _measure(
    run_worker: Callable[[Callable[[], None]], Awaitable[Callable[[], Awaitable[None]]]],
    http: httpx.AsyncClient,
    rest: str,
    process_id: str,
    jobs: int,
) -> tuple[float, float]:
    """(seconds, CPU seconds of this process) from the first handled job until all ``jobs`` instances
    completed. Start-up (imports, settings, channel, probe port) is excluded: it is paid once per
    process, not per job."""
    handled = 0
    first: tuple[float, float] | None = None
    all_handled = asyncio.Event()

    def count() -> None:
        nonlocal handled, first
        if first is None:
            first = (time.perf_counter(), time.process_time())
        handled += 1
        if handled >= jobs:
            all_handled.set()

    stop = await run_worker(count)
    await asyncio.wait_for(all_handled.wait(), 600)
    while True:  # the last completions may still be on their way
        if await _completed(http, rest, process_id) >= jobs:
            break
        await asyncio.sleep(0.01)
    assert first is not None
    elapsed = time.perf_counter() - first[0], time.process_time() - first[1]
    await stop()
    return elapsed


def _raw(
    grpc: str, job_type: str, activate: int, running: int
) -> Callable[[Callable[[], None]], Awaitable[Any]]:
    async def start(count: Callable[[], None]) -> Callable[[], Awaitable[None]]:
        channel = create_insecure_channel(grpc)
        worker = ZeebeWorker(channel, name="bench-raw", max_connection_retries=-1)

        @worker.task(job_type, timeout_ms=60_000, max_jobs_to_activate=activate, max_running_jobs=running)  # type: ignore[arg-type]  # pyzeebe overloads
        async def price(orderId: str, quantity: int, price: float) -> dict[str, Any]:
            count()
            return {"total": quantity * price}

        task = asyncio.create_task(worker.work())

        async def stop() -> None:
            await worker.stop()
            await task
            await channel.close()

        return stop

    return start


def _typed(grpc: str, job_type: str, batch: int, cap: int) -> Callable[[Callable[[], None]], Awaitable[Any]]:
    async def start(count: Callable[[], None]) -> Callable[[], Awaitable[None]]:
        worker = Worker(WorkerConfig(name="bench-autoops", concurrency=cap, activation_batch=batch, metrics_port=0,
                                     metrics_host="127.0.0.1", job_timeout=timedelta(seconds=60)))

        @worker.task(job_type)
        async def price(order: Order) -> Priced:
            count()
            return Priced(total=order.quantity * order.price)

        task = asyncio.create_task(worker.run(Settings.load(env_file=None, grpc_address=grpc)))

        async def stop() -> None:
            worker.request_shutdown()
            await task

        return stop

    return start


class _StallCounter(logging.Handler):
    """Counts pyzeebe's "Maximum number of jobs running ... Polling again in N seconds" pauses."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.stalls = 0

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith("Maximum number of jobs running"):
            self.stalls += 1


async def _one(variant: str, jobs: int, batch: int, cap: int, tmp: Path) -> tuple[float, float, int]:
    """(seconds, worker-process CPU seconds, pyzeebe capacity pauses) for one variant on a fresh
    in-memory ``autoops dev``."""
    stalls = _StallCounter()
    logging.getLogger("pyzeebe.worker.job_poller").addHandler(stalls)
    try:
        seconds, cpu = await _one_measured(variant, jobs, batch, cap, tmp)
    finally:
        logging.getLogger("pyzeebe.worker.job_poller").removeHandler(stalls)
    return seconds, cpu, stalls.stalls


async def _one_measured(variant: str, jobs: int, batch: int, cap: int, tmp: Path) -> tuple[float, float]:
    with run_dev(None, log_path=tmp / f"dev-{variant}.log") as dev:
        grpc, rest = dev.addresses.grpc, dev.addresses.rest
        channel = create_insecure_channel(grpc)
        client = ZeebeClient(channel)
        process_id, job_type = f"bench-{variant}", f"bench.{variant}"
        model = tmp / f"{process_id}.bpmn"
        model.write_text(PROCESS.format(pid=process_id, job_type=job_type))
        await client.deploy_resource(str(model))
        await _create_instances(client, process_id, jobs)
        if variant == "raw":
            start = _raw(grpc, job_type, batch, cap)
        elif variant == "raw-defaults":
            start = _raw(grpc, job_type, 32, 32)
        else:
            start = _typed(grpc, job_type, batch, cap)
        async with httpx.AsyncClient(timeout=30) as http:
            seconds, cpu = await _measure(start, http, rest, process_id, jobs)
        await channel.close()
    return seconds, cpu


async def bench(jobs: int, rounds: int, batch: int, cap: int, with_defaults: bool) -> dict[str, Any]:
    variants = ["raw", "autoops"] + (["raw-defaults"] if with_defaults else [])
    rates: dict[str, list[float]] = {v: [] for v in variants}
    cpu_us: dict[str, list[float]] = {v: [] for v in variants}
    paired: list[float] = []  # autoops / raw per round, for rounds where raw pyzeebe never paused
    with tempfile.TemporaryDirectory() as tmp:
        for round_no in range(rounds):
            # Alternate the order so that neither variant always runs on a warmer (or hotter) machine.
            order = variants if round_no % 2 == 0 else list(reversed(variants))
            raw_paused = False
            for variant in order:
                seconds, cpu, stalls = await _one(variant, jobs, batch, cap, Path(tmp))
                rates[variant].append(jobs / seconds)
                cpu_us[variant].append(cpu / jobs * 1e6)
                raw_paused = raw_paused or (variant == "raw" and stalls > 0)
                print(f"round {round_no + 1}/{rounds} {variant:12} {jobs} jobs in {seconds:6.2f} s "
                      f"= {jobs / seconds:8.1f} jobs/s, worker CPU {cpu / jobs * 1e6:6.0f} us/job"
                      + (f"  ({stalls} pyzeebe capacity pause(s) of 5 s)" if stalls else ""), flush=True)
            if not raw_paused:
                paired.append(rates["autoops"][-1] / rates["raw"][-1])
    raw, typed = statistics.median(rates["raw"]), statistics.median(rates["autoops"])
    summary: dict[str, Any] = {
        "jobs_per_round": jobs,
        "rounds": rounds,
        "batch": batch,
        "running_cap": cap,
        "jobs_per_s": rates,
        "worker_cpu_us_per_job": cpu_us,
        "raw_median": raw,
        "autoops_median": typed,
        "ratio": typed / raw,
        "paired_ratios_without_raw_pauses": paired,
        "paired_ratio_median": statistics.median(paired) if paired else None,
        "raw_cpu_us_median": statistics.median(cpu_us["raw"]),
        "autoops_cpu_us_median": statistics.median(cpu_us["autoops"]),
    }
    if with_defaults:
        summary["raw_defaults_median"] = statistics.median(rates["raw-defaults"])
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=3000, help="jobs per round and variant")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--batch", type=int, default=32, help="jobs activated per request (pyzeebe's default 32)")
    parser.add_argument("--cap", type=int, default=256, help="running-jobs cap of both workers")
    parser.add_argument("--with-defaults", action="store_true",
                        help="also run pyzeebe with its default caps (slow: 5 s pauses, see above)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    configure_logging("warning")
    summary = asyncio.run(bench(args.jobs, args.rounds, args.batch, args.cap, args.with_defaults))
    print(f"\nraw pyzeebe     median {summary['raw_median']:8.1f} jobs/s, "
          f"worker CPU {summary['raw_cpu_us_median']:5.0f} us/job")
    print(f"autoops.worker  median {summary['autoops_median']:8.1f} jobs/s, "
          f"worker CPU {summary['autoops_cpu_us_median']:5.0f} us/job")
    print(f"ratio autoops/raw      {summary['ratio']:8.3f}   (target >= 0.95)")
    if summary["paired_ratio_median"] is not None:
        print(f"ratio per round, rounds where raw pyzeebe never paused: median "
              f"{summary['paired_ratio_median']:.3f} over {len(summary['paired_ratios_without_raw_pauses'])}")
    if args.with_defaults:
        print(f"pyzeebe defaults median {summary['raw_defaults_median']:7.1f} jobs/s")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
