"""End-to-end throughput of the embedded engine: ``autoops dev`` in a subprocess, unmodified pyzeebe.

Model: start -> three service tasks -> end. N instances are created over gRPC (CreateProcessInstance,
bounded concurrency) while one pyzeebe ``ZeebeWorker`` completes the jobs; the run ends when the
engine reports N completed instances. Measured twice (long polling only; with job streaming), and
compared with a baseline measured in the same run: the same model driven through the in-process
engine API (no network, no protobuf), so the ratio is the cost of the gateway and client.

    .venv/bin/python bench/e2e_bench.py --instances 2000
    .venv/bin/python bench/e2e_bench.py --instances 2000 --profile   # cProfile of the server process

Prints instances/s per mode and the ratios; ``--profile`` adds the server's top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from autoops.engine import Engine
from autoops.testing import DevProcess

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="bench" targetNamespace="http://bpmn.io/schema/bpmn">\n'
)
SYNC: Any = "FULL"
TYPES = ("bench-a", "bench-b", "bench-c")


def model() -> bytes:
    tasks = "".join(
        f'<bpmn:serviceTask id="t{i}"><bpmn:extensionElements><zeebe:taskDefinition type="{t}"/>'
        "</bpmn:extensionElements></bpmn:serviceTask>\n" for i, t in enumerate(TYPES, 1))
    ids = ["start", "t1", "t2", "t3", "end"]
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>\n'
                    for i, (a, b) in enumerate(itertools.pairwise(ids)))
    return (HEAD + '<bpmn:process id="bench3" isExecutable="true">\n<bpmn:startEvent id="start"/>\n' + tasks
            + '<bpmn:endEvent id="end"/>\n' + flows + "</bpmn:process>\n</bpmn:definitions>\n").encode()


# ------------------------------------------------------------------------------------------ baseline


async def in_process(n: int, db: Path, concurrency: int) -> float:
    """The same work through the engine API directly: create, and per task activate+complete in batches."""
    engine = await Engine.open(db, synchronous=SYNC)
    try:
        await engine.deploy([("bench3.bpmn", model())])
        start = time.perf_counter()
        created = 0

        async def creator() -> None:
            nonlocal created
            while created < n:
                created += 1
                await engine.create_instance(bpmn_process_id="bench3", variables={"i": created})

        async def worker(job_type: str) -> None:
            done = 0
            while done < n:
                jobs = await engine.activate_jobs_or_wait(job_type, "base", 60_000, 64, 1000)
                await asyncio.gather(*(engine.complete_job(j.key, {job_type: True}) for j in jobs))
                done += len(jobs)

        await asyncio.gather(*(creator() for _ in range(concurrency)), *(worker(t) for t in TYPES))
        elapsed = time.perf_counter() - start
        total = engine.query.search("process_instances", {"state": "COMPLETED"}, limit=0).total
        assert total == n, f"baseline completed {total} of {n}"
        return n / elapsed
    finally:
        await engine.close()


# ------------------------------------------------------------------------------------------ end to end


async def end_to_end(n: int, dev: DevProcess, stream: bool, concurrency: int, tag: str) -> float:
    from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel

    pid = f"bench3_{tag}"
    client = ZeebeClient(create_insecure_channel(dev.addresses.grpc))
    path = Path(tempfile.mkdtemp()) / f"{pid}.bpmn"
    path.write_bytes(model().replace(b'"bench3"', f'"{pid}"'.encode()).replace(b'type="bench-', f'type="{tag}-'.encode()))
    await client.deploy_resource(str(path))

    worker = ZeebeWorker(create_insecure_channel(dev.addresses.grpc), name=f"bench-{tag}", request_timeout=5000,
                         stream_enabled=stream)
    finished = asyncio.Event()
    last_done = 0

    def make(job_type: str, last: bool) -> None:
        @worker.task(job_type, max_jobs_to_activate=200, max_running_jobs=5000, timeout_ms=120_000)  # type: ignore[arg-type]
        async def handler(i: int) -> dict[str, Any]:
            nonlocal last_done
            if last:
                last_done += 1
                if last_done >= n:
                    finished.set()
            return {job_type.replace("-", "_"): i}

    for k, job_type in enumerate(TYPES):
        make(f"{tag}-{job_type.split('-')[1]}", k == len(TYPES) - 1)

    work = asyncio.create_task(worker.work())
    await asyncio.sleep(0.5)  # pollers (and streams) are open
    server_cpu, client_cpu = cpu_seconds(dev.pid), cpu_seconds()
    start = time.perf_counter()
    sem = asyncio.Semaphore(concurrency)

    async def create(i: int) -> None:
        async with sem:
            await client.run_process(pid, {"i": i})

    await asyncio.gather(*(create(i) for i in range(n)))
    created_at = time.perf_counter()
    waiter = asyncio.create_task(finished.wait())
    await asyncio.wait([waiter, work], timeout=600, return_when=asyncio.FIRST_COMPLETED)
    if not finished.is_set():
        waiter.cancel()
        raise RuntimeError(f"the {tag} worker stopped before all instances completed: {work!r}"
                           + (f" {work.exception()!r}" if work.done() else ""))
    async with httpx.AsyncClient(base_url=dev.addresses.rest, timeout=60) as rest:
        while True:  # the last handler returned; wait until its CompleteJob landed
            body = {"filter": {"processDefinitionId": pid, "state": "COMPLETED"}, "page": {"limit": 0}}
            total = (await rest.post("/process-instances/search", json=body)).json()["page"]["totalItems"]
            if total >= n:
                break
            await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - start
    server_cpu, client_cpu = cpu_seconds(dev.pid) - server_cpu, cpu_seconds() - client_cpu
    await worker.stop()
    with contextlib.suppress(BaseException):
        await asyncio.wait_for(work, 10)
    print(f"  {tag:10} created {n} in {created_at - start:.2f} s, all completed after {elapsed:.2f} s; "
          f"CPU busy: server {server_cpu / elapsed:.0%}, client+worker {client_cpu / elapsed:.0%} of one core; "
          f"CPU per instance: server {server_cpu * 1000 / n:.2f} ms, client+worker {client_cpu * 1000 / n:.2f} ms")
    return n / elapsed


def cpu_seconds(pid: int | None = None) -> float:
    """User+system CPU seconds of a process (Linux /proc), or of this process."""
    if pid is None:
        usage = os.times()
        return usage.user + usage.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def show_profile(path: Path, top: int) -> None:
    stats = pstats.Stats(str(path))
    print("\nserver profile, top by own time (tottime):")
    stats.sort_stats("tottime").print_stats(top)
    print("server profile, top by cumulative time:")
    stats.sort_stats("cumulative").print_stats(top)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64, help="in-flight CreateProcessInstance calls")
    parser.add_argument("--sync", default="FULL", choices=["FULL", "NORMAL", "OFF"], help="SQLite durability")
    parser.add_argument("--profile", action="store_true", help="run the server under cProfile and print a summary")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    n = args.instances
    work = Path(tempfile.mkdtemp(prefix="autoops-bench-"))
    print(f"e2e bench: {n} instances x 3 service tasks, sync={args.sync}, {os.cpu_count()} CPUs")

    baseline = await in_process(n, work / "baseline.db", args.concurrency)
    print(f"  {'in-process':10} {baseline:8.0f} instances/s (engine API, no network)")

    extra = ["--sync", args.sync, "--log-level", "warning"]
    profile_path = work / "server.prof"
    # with --profile the same command line runs under cProfile (written when the server exits on SIGTERM)
    launcher = [sys.executable, "-m", "cProfile", "-o", str(profile_path)] if args.profile else None
    dev = DevProcess(work / "data", extra_args=extra, launcher=launcher)
    dev.start(60, log_path=work / "dev.log")
    try:
        polling = await end_to_end(n, dev, False, args.concurrency, "poll")
        streaming = await end_to_end(n, dev, True, args.concurrency, "stream")
    finally:
        dev.stop(60)
    print(f"\n  polling    {polling:8.0f} instances/s   ({polling / baseline:.2f} x in-process)")
    print(f"  streaming  {streaming:8.0f} instances/s   ({streaming / baseline:.2f} x in-process)")
    print(f"  target 500 instances/s: polling {'met' if polling >= 500 else 'NOT met'}, "
          f"streaming {'met' if streaming >= 500 else 'NOT met'}")
    if args.profile and profile_path.exists():
        show_profile(profile_path, args.top)


if __name__ == "__main__":
    asyncio.run(main())
