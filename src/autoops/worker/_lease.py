"""Automatic lease extension: keep a slow job ours while its handler is still working on it.

A job's lease (activation timeout) is what stops Zeebe from handing it to another worker. A handler
that runs longer than its lease would otherwise be raced by a second worker. While a handler runs,
the lease is renewed with UpdateJobTimeout each time ``fraction`` of it has elapsed (new deadline =
now + timeout, Zeebe's semantics), so a short lease still covers a long handler.

The renewal is a timer on the event loop (``call_later``), not a task per job: jobs that finish
within the first part of their lease, the common case, cost one timer handle.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from pyzeebe.errors import JobAlreadyDeactivatedError, JobNotFoundError, ZeebeError

from autoops.logging import get_logger

if TYPE_CHECKING:
    from pyzeebe import Job

    from autoops.worker._metrics import TaskMetrics

__all__ = ["Lease"]

_log = get_logger("autoops.worker")
_TRANSIENT_RETRY_S = 1.0


class Lease:
    """Renews one job's lease until :meth:`stop`."""

    def __init__(self, adapter: Any, job: Job, timeout_ms: int, fraction: float, metrics: TaskMetrics) -> None:
        self._adapter = adapter
        self._job = job
        self._timeout_ms = timeout_ms
        self._interval = timeout_ms * fraction / 1000.0
        self._keep = timeout_ms * (1.0 - fraction) / 1000.0
        self._metrics = metrics
        self._loop = asyncio.get_running_loop()
        self._handle: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self.extensions = 0

    def start(self) -> None:
        # The activation deadline is the server's clock; clamp it so that clock skew can only make the
        # first renewal early, never later than one interval.
        remaining = (self._job.deadline - time.time() * 1000.0) / 1000.0
        remaining = min(max(remaining, 0.0), self._timeout_ms / 1000.0)
        self._schedule(max(0.0, remaining - self._keep))

    def _schedule(self, delay: float) -> None:
        if not self._stopped:
            self._handle = self._loop.call_later(delay, self._due)

    def _due(self) -> None:
        self._handle = None
        if not self._stopped:
            self._task = self._loop.create_task(self._extend())

    async def _extend(self) -> None:
        try:
            await self._adapter.update_job_timeout(self._job.key, self._timeout_ms)
        except (JobNotFoundError, JobAlreadyDeactivatedError):
            _log.warning(
                "job lease lost: the job is no longer active (cancelled, or timed out and taken by another "
                "worker); its result may be rejected",
                job_key=self._job.key,
                job_type=self._job.type,
            )
            self._stopped = True
            return
        except ZeebeError as exc:
            _log.warning(
                "could not extend the job lease; retrying", job_key=self._job.key, error=type(exc).__name__
            )
            self._schedule(min(self._interval, _TRANSIENT_RETRY_S))
            return
        except Exception:
            _log.exception("unexpected error while extending a job lease", job_key=self._job.key)
            self._schedule(self._interval)
            return
        finally:
            self._task = None
        self.extensions += 1
        self._metrics.lease_extensions.inc()
        self._schedule(self._interval)

    async def stop(self) -> None:
        self._stopped = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
