"""Lease extension and idempotent redelivery, observed on the engine."""

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from autoops.worker import Idempotency, JobContext, SqliteIdempotencyStore, Worker, WorkerConfig

from .conftest import Zeebe, settings_for, until


def _intents(zeebe: Zeebe, key: int) -> list[str]:
    return [r["intent"] for r in zeebe.job_records(key)]


async def test_lease_extension_keeps_a_slow_job_from_being_handed_out_again(zeebe: Zeebe) -> None:
    await zeebe.deploy("slow", "report.build")
    # Renewing at 30 % of the lease (default 50 %) leaves room for a loaded test machine.
    worker = Worker(WorkerConfig(concurrency=4, lease_renew_fraction=0.3))
    deliveries: list[int] = []

    @worker.task("report.build", timeout=1.0)
    async def build(ctx: JobContext) -> dict[str, bool]:
        deliveries.append(ctx.job_key)
        await asyncio.sleep(3.0)  # three times the lease
        return {"built": True}

    async with worker.running(settings_for(zeebe.server)):
        key = await zeebe.start("slow")
        await zeebe.completed(key)

    assert len(deliveries) == 1
    intents = _intents(zeebe, key)
    assert "TIMED_OUT" not in intents
    assert intents.count("TIMEOUT_UPDATED") >= 5  # renewed every 0.3 s of the 3 s
    assert intents[-1] == "COMPLETED"
    extensions = worker.metrics.registry.get_sample_value(
        "autoops_worker_lease_extensions_total", {"task_type": "report.build"})
    # A renewal in flight when the handler finished is cancelled on the worker's side but may still
    # have reached the engine, so the engine can count one more than the worker.
    assert extensions is not None and 5 <= extensions <= intents.count("TIMEOUT_UPDATED")


async def test_without_lease_extension_the_same_job_is_delivered_twice(zeebe: Zeebe) -> None:
    """The control for the test above: the engine does time out the lease of a slow handler."""
    await zeebe.deploy("slow2", "report.build2")
    worker = Worker(WorkerConfig(concurrency=4, lease_extension=False))
    deliveries: list[int] = []
    redelivered = asyncio.Event()

    @worker.task("report.build2", timeout=1.0)
    async def build(ctx: JobContext) -> None:
        deliveries.append(ctx.job_key)
        if len(deliveries) == 1:  # the slow first delivery outlives its lease
            await asyncio.wait_for(redelivered.wait(), 15)
        else:
            redelivered.set()

    async with worker.running(settings_for(zeebe.server)):
        key = await zeebe.start("slow2")
        await zeebe.completed(key)

    assert len(deliveries) == 2 and deliveries[0] == deliveries[1]
    assert "TIMED_OUT" in _intents(zeebe, key)


class _DiesAfterRecording:
    """A store that records the result and then never returns: the worker process 'dies' between
    recording the handler's result and completing the job."""

    def __init__(self, inner: SqliteIdempotencyStore) -> None:
        self.inner = inner
        self.recorded = asyncio.Event()

    async def get(self, scope: str, key: str) -> dict[str, Any] | None:
        return await self.inner.get(scope, key)

    async def put(self, scope: str, key: str, result: Any) -> None:
        await self.inner.put(scope, key, result)
        self.recorded.set()
        await asyncio.Event().wait()

    async def close(self) -> None:
        await self.inner.close()


async def test_redelivered_job_completes_with_the_recorded_result_without_repeating_the_effect(
    zeebe: Zeebe, tmp_path: Path
) -> None:
    await zeebe.deploy("pay", "payment.charge")
    charges: list[float] = []

    def make_worker(store: Any, drain: timedelta) -> Worker:
        worker = Worker(WorkerConfig(idempotency_store=store, lease_extension=False, drain_timeout=drain))

        @worker.task("payment.charge", timeout=1.0, idempotency=True)
        async def charge(amount: float) -> dict[str, Any]:
            charges.append(amount)  # the side effect
            return {"chargeId": f"ch-{len(charges)}", "charged": amount}

        return worker

    path = tmp_path / "idempotency.sqlite3"
    dying = _DiesAfterRecording(SqliteIdempotencyStore(path))
    first = make_worker(dying, timedelta(0))  # stops without waiting: its job is left hanging
    async with first.running(settings_for(zeebe.server)):
        key = await zeebe.start("pay", {"amount": 9.5})
        await until(dying.recorded.wait())
    # The first worker is gone without completing; the job's lease runs out and it is delivered again.
    second = make_worker(SqliteIdempotencyStore(path), timedelta(seconds=30))
    async with second.running(settings_for(zeebe.server)):
        await zeebe.completed(key)

    assert charges == [9.5]
    variables = zeebe.variables(key)
    assert variables["chargeId"] == "ch-1" and variables["charged"] == 9.5
    intents = _intents(zeebe, key)
    assert "TIMED_OUT" in intents and intents[-1] == "COMPLETED"
    # Normally the second worker replays; on a very slow machine the first may have seen the
    # redelivery itself before it stopped. Either way exactly one delivery was a replay.
    replays = [
        w.metrics.registry.get_sample_value("autoops_worker_jobs_replayed_total", {"task_type": "payment.charge"})
        or 0.0
        for w in (first, second)
    ]
    assert sum(replays) == 1.0


async def test_business_key_makes_two_jobs_share_one_effect(zeebe: Zeebe, tmp_path: Path) -> None:
    await zeebe.deploy("mail", "mail.send")
    sent: list[str] = []
    worker = Worker(WorkerConfig(idempotency_store=SqliteIdempotencyStore(tmp_path / "idem.sqlite3")))

    @worker.task("mail.send", idempotency=Idempotency(key=lambda ctx: f"welcome:{ctx.variables['customer']}"))
    def send(customer: str) -> dict[str, str]:
        sent.append(customer)
        return {"messageId": f"m-{len(sent)}"}

    async with worker.running(settings_for(zeebe.server)):
        first = await zeebe.start("mail", {"customer": "c-9"})
        await zeebe.completed(first)
        second = await zeebe.start("mail", {"customer": "c-9"})
        await zeebe.completed(second)

    assert sent == ["c-9"]
    assert zeebe.variables(first)["messageId"] == zeebe.variables(second)["messageId"] == "m-1"
