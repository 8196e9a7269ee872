"""In-process engine throughput: start -> three service tasks -> end, jobs completed via the API.

Run on demand: ``.venv/bin/python bench/engine_bench.py [--sizes 1000 10000] [--synchronous FULL]``.
Prints instances/s per size and ratios against baselines measured in the same run with the same
SQLite settings: a raw ``INSERT + COMMIT`` per transaction (the fsync floor) and raw batched inserts.
Instances are started in waves of ``--concurrency`` and their jobs completed as they become
activatable, the way a worker fleet would drive a cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

from autoops.engine import Engine

MODEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
<bpmn:process id="bench" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="a"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:serviceTask id="b"><bpmn:extensionElements><zeebe:taskDefinition type="b"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:serviceTask id="c"><bpmn:extensionElements><zeebe:taskDefinition type="c"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b"/>
<bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="c"/><bpmn:sequenceFlow id="f4" sourceRef="c" targetRef="e"/>
</bpmn:process></bpmn:definitions>"""


async def _worker(
    engine: Engine, job_type: str, done: asyncio.Event, counter: list[int], target: int, finished: asyncio.Event
) -> None:
    while not done.is_set():
        jobs = await engine.activate_jobs(job_type, "bench", 60_000, 200, fetch_variables=["n"])
        if not jobs:
            await engine.wait_for_jobs(job_type, 0.05)
            continue
        await asyncio.gather(*(engine.complete_job(j.key, {job_type: j.variables.get("n")}) for j in jobs))
        counter[0] += len(jobs)
        if counter[0] >= target:
            finished.set()


async def run_engine(
    path: Path, instances: int, concurrency: int, synchronous: str
) -> tuple[float, float, dict[str, str]]:
    """Returns (instances per wall-clock second, CPU milliseconds per instance, pragmas)."""
    engine = await Engine.open(path, synchronous=synchronous)  # type: ignore[arg-type]
    await engine.deploy([("bench.bpmn", MODEL)])
    done = asyncio.Event()
    counters = {t: [0] for t in ("a", "b", "c")}
    all_done = {t: asyncio.Event() for t in ("a", "b", "c")}
    workers = [asyncio.create_task(_worker(engine, t, done, counters[t], instances, all_done[t])) for t in "abc"]
    started = time.perf_counter()
    cpu_started = time.process_time()
    for first in range(0, instances, concurrency):
        n = min(concurrency, instances - first)
        await asyncio.gather(*(engine.create_instance(bpmn_process_id="bench", variables={"n": first + i})
                               for i in range(n)))
    await all_done["c"].wait()  # the last job of an instance completes it in the same command
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    done.set()
    await asyncio.gather(*workers)
    completed = engine.query.search("process_instances", {"state": "COMPLETED"}, limit=0).total
    assert completed == instances, (completed, instances)
    pragmas = engine.pragmas
    stats = engine.stats
    print(f"    ({stats['commands']:,} commands in {stats['batches']:,} transactions, "
          f"{stats['commands'] / max(1, stats['batches']):.1f} commands per commit)")
    await engine.close()
    return instances / elapsed, cpu * 1000 / instances, pragmas


def raw_commit_rate(path: Path, synchronous: str, n: int = 2000) -> float:
    """Baseline: one INSERT + COMMIT per transaction, same journal and sync settings."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
    started = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t(v) VALUES (?)", (f"value {i}",))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return n / elapsed


def raw_row_rate(path: Path, synchronous: str, n: int = 200_000) -> float:
    """Baseline: rows/s for single-row INSERTs inside large transactions (the CPU ceiling)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
    started = time.perf_counter()
    for start in range(0, n, 1000):
        conn.execute("BEGIN")
        for i in range(start, start + 1000):
            conn.execute("INSERT INTO t(v) VALUES (?)", (f"value {i}",))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return n / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL", "OFF"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        commits = raw_commit_rate(base / "raw1.db", args.synchronous)
        rows = raw_row_rate(base / "raw2.db", args.synchronous)
        print(f"baseline raw INSERT+COMMIT: {commits:,.0f} commits/s; raw INSERT in big transactions: {rows:,.0f} rows/s")
        first_rate = None
        for size in args.sizes:
            rate, cpu_ms, pragmas = await run_engine(
                base / f"engine-{size}.db", size, args.concurrency, args.synchronous
            )
            first_rate = first_rate or rate
            print(
                f"{size:>7} instances: {rate:,.0f} instances/s, {cpu_ms:.2f} CPU ms/instance  "
                f"(x{rate / commits:.2f} of raw commits/s, 1 instance = {rows / rate:,.0f} raw row inserts, "
                f"x{rate / first_rate:.2f} of the {args.sizes[0]}-instance rate)  pragmas={pragmas}"
            )


if __name__ == "__main__":
    asyncio.run(main())
