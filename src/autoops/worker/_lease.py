"""Automatic lease extension: keep a slow job ours while its handler is still working on it.

A job's lease (activation timeout) is what stops Zeebe from handing it to another worker. A handler
that runs longer than its lease would otherwise be raced by a second worker. While a handler runs,
the lease is renewed with UpdateJobTimeout each time ``fraction`` of it has elapsed (new deadline =
now + timeout, Zeebe's semantics), so a short lease still covers a long handler.

One keeper per worker watches all running jobs with a single timer loop: registering a job costs a
dictionary insert, which matters because most jobs finish long before their first renewal.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyzeebe.errors import JobAlreadyDeactivatedError, JobNotFoundError, ZeebeError

from autoops.logging import get_logger

if TYPE_CHECKING:
    from pyzeebe import Job

    from autoops.worker._metrics import TaskMetrics

__all__ = ["LeaseKeeper"]

_log = get_logger("autoops.worker")
_TRANSIENT_RETRY_S = 1.0
_MAX_TICK_S = 1.0
_MIN_TICK_S = 0.02


@dataclass(eq=False)
class _Lease:
    job: Job
    timeout_ms: int
    interval: float
    metrics: TaskMetrics
    due: float
    active: bool = True
    extensions: int = 0
    pending: asyncio.Task[None] | None = field(default=None, repr=False)


class LeaseKeeper:
    """Renews the leases of registered jobs until they are released."""

    def __init__(self, adapter: Any, fraction: float) -> None:
        self._adapter = adapter
        self._fraction = fraction
        self._leases: dict[int, _Lease] = {}
        self._tick = _MAX_TICK_S
        self._loop_task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None

    def watch(self, job: Job, timeout_ms: int, metrics: TaskMetrics) -> None:
        """Start renewing ``job``'s lease (call when its handler starts)."""
        interval = timeout_ms * self._fraction / 1000.0
        keep = timeout_ms / 1000.0 - interval
        # The activation deadline is the server's clock; clamp it so that clock skew can only make the
        # first renewal early, never later than one interval.
        remaining = min(max((job.deadline - time.time() * 1000.0) / 1000.0, 0.0), timeout_ms / 1000.0)
        due = time.monotonic() + max(0.0, remaining - keep)
        self._leases[job.key] = _Lease(job, timeout_ms, interval, metrics, due)
        tick = min(_MAX_TICK_S, max(_MIN_TICK_S, interval / 5.0))
        if tick < self._tick:
            self._tick = tick
            if self._wake is not None:
                self._wake.set()
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._run(), name="autoops-lease-keeper")

    async def release(self, job: Job) -> None:
        """Stop renewing (call before the job's outcome is sent); waits for a renewal in flight."""
        lease = self._leases.pop(job.key, None)
        if lease is None:
            return
        lease.active = False
        pending = lease.pending
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending

    async def close(self) -> None:
        task, self._loop_task = self._loop_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for lease in list(self._leases.values()):
            await self.release(lease.job)

    async def _run(self) -> None:
        self._wake = asyncio.Event()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._tick)
            self._wake.clear()
            now = time.monotonic()
            for lease in list(self._leases.values()):
                if lease.active and lease.pending is None and lease.due <= now:
                    lease.pending = asyncio.get_running_loop().create_task(self._extend(lease))

    async def _extend(self, lease: _Lease) -> None:
        job = lease.job
        try:
            await self._adapter.update_job_timeout(job.key, lease.timeout_ms)
        except (JobNotFoundError, JobAlreadyDeactivatedError):
            if lease.active:
                _log.warning(
                    "job lease lost: the job is no longer active (cancelled, or timed out and taken by "
                    "another worker); its result may be rejected",
                    job_key=job.key,
                    job_type=job.type,
                )
            lease.active = False
            return
        except ZeebeError as exc:
            _log.warning("could not extend the job lease; retrying", job_key=job.key, error=type(exc).__name__)
            lease.due = time.monotonic() + min(lease.interval, _TRANSIENT_RETRY_S)
            return
        except Exception:
            _log.exception("unexpected error while extending a job lease", job_key=job.key)
            lease.due = time.monotonic() + lease.interval
            return
        finally:
            lease.pending = None
        lease.extensions += 1
        lease.metrics.lease_extensions += 1
        lease.due = time.monotonic() + lease.interval
