"""Zeebe's long-poll request-timeout rule, shared by gRPC ActivateJobs and REST ``POST /v2/jobs/activation``.

The waiting itself is the engine's :meth:`Engine.activate_jobs_or_wait` (race-free through the
notifier's per-type sequence number). Pending polls are woken even while a job stream of the type
is open: whichever asks first gets the job, so no job waits for a poll to time out.
"""

from __future__ import annotations

__all__ = ["wait_ms_for"]


def wait_ms_for(request_timeout_ms: int | None, default_ms: int) -> int:
    """Zeebe's rule: > 0 waits that long, 0 (or absent) the default, < 0 not at all."""
    if request_timeout_ms is None or request_timeout_ms == 0:
        return default_ms
    return max(0, request_timeout_ms)
