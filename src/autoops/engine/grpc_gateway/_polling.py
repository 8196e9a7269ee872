"""Long polling for job activation, shared by gRPC ActivateJobs and REST ``POST /v2/jobs/activation``.

The listener is registered before the first activation attempt and the wake-up flag is cleared
before each attempt, so a job that becomes activatable between "found nothing" and "start waiting"
is never missed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from autoops.engine import ActivatedJob, Engine

__all__ = ["long_poll_activate", "wait_ms_for"]


def wait_ms_for(request_timeout_ms: int | None, default_ms: int) -> int:
    """Zeebe's rule: > 0 waits that long, 0 (or absent) the default, < 0 not at all."""
    if request_timeout_ms is None or request_timeout_ms == 0:
        return default_ms
    return max(0, request_timeout_ms)


async def long_poll_activate(
    engine: Engine,
    job_type: str,
    worker: str,
    timeout_ms: int,
    max_jobs: int,
    wait_ms: int,
    *,
    fetch_variables: Sequence[str] | None = None,
    tenant_ids: Sequence[str] | None = None,
) -> list[ActivatedJob]:
    """Activate jobs now, or wait up to ``wait_ms`` for some to become activatable; [] on timeout.

    Pending polls are woken even while a job stream of the type is open: whichever asks first gets
    the job, so no job waits for a poll to time out when a stream is slow to take it.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_ms / 1000
    woken = asyncio.Event()

    def wake(_job_type: str) -> None:
        woken.set()

    engine.notifier.add_listener(job_type, wake)
    try:
        while True:
            woken.clear()
            jobs = await engine.activate_jobs(job_type, worker, timeout_ms, max_jobs,
                                              fetch_variables=fetch_variables, tenant_ids=tenant_ids)
            if jobs:
                return jobs
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(woken.wait(), remaining)
            except TimeoutError:
                return []
    finally:
        engine.notifier.remove_listener(job_type, wake)
