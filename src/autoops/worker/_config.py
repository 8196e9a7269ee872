"""Typed configuration of a worker and of its tasks.

Frozen dataclasses, checked on construction, so a bad value fails where it is written rather than at
the first job. Task settings left as None inherit the worker's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from autoops.worker._errors import WorkerConfigError
from autoops.worker._idempotency import Idempotency, IdempotencyStore
from autoops.worker._retry import RetryPolicy

__all__ = ["TaskConfig", "WorkerConfig", "as_timedelta"]

_RECONNECT = RetryPolicy(
    initial_interval=timedelta(milliseconds=100),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=5),
    jitter=0.2,
)


def as_timedelta(value: timedelta | float | int | None, what: str) -> timedelta | None:
    """Durations may be given as timedelta or as seconds."""
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WorkerConfigError(f"{what} must be a timedelta or a number of seconds, got {value!r}")
    return timedelta(seconds=value)


@dataclass(frozen=True)
class TaskConfig:
    """How one job type is worked on; None means "as the worker says".

    ``timeout`` is the job lease asked for on activation; ``max_jobs`` caps the jobs of this type
    running at once (and activated per request); ``retries`` is the backoff policy for failures;
    ``lease_extension`` keeps extending the lease while the handler runs; ``idempotency`` records
    results for redelivered jobs; ``result_variable`` stores a non-dict return value under that name.
    """

    type: str
    timeout: timedelta | None = None
    max_jobs: int | None = None
    retries: RetryPolicy | None = None
    lease_extension: bool | None = None
    idempotency: Idempotency | None = None
    result_variable: str | None = None

    def __post_init__(self) -> None:
        if not self.type or not self.type.strip():
            raise WorkerConfigError("a task needs a non-empty job type (zeebe:taskDefinition type)")
        if self.timeout is not None and self.timeout < timedelta(milliseconds=1):
            raise WorkerConfigError(f"task {self.type!r}: timeout must be at least 1 ms, got {self.timeout}")
        if self.max_jobs is not None and self.max_jobs < 1:
            raise WorkerConfigError(f"task {self.type!r}: max_jobs must be at least 1, got {self.max_jobs}")
        if self.result_variable is not None and not self.result_variable:
            raise WorkerConfigError(f"task {self.type!r}: result_variable must be a non-empty name")


@dataclass(frozen=True)
class WorkerConfig:
    """Behaviour of a whole worker process; the connection comes from :class:`autoops.config.Settings`.

    ``concurrency`` caps the jobs of each task type running at once (a task's own ``max_jobs`` wins),
    like pyzeebe's ``max_running_jobs`` and the Java client's ``maxJobsActive``; ``activation_batch``
    caps the jobs asked for in one activation request (default: as many as there is room for). ``job_timeout`` is the default lease; with ``lease_extension`` on, a running handler's
    lease is renewed each time ``lease_renew_fraction`` of it has elapsed, so the lease can stay short
    (fast redelivery after a crash) while handlers run as long as they need. ``reconnect`` paces
    activation retries after the gateway is lost. On shutdown, running jobs get ``drain_timeout`` to
    finish. ``metrics_port`` (None: off, 0: any free port) serves ``/metrics``, ``/healthz`` and
    ``/readyz``. ``poll_timeout`` is the long-polling time asked of the gateway (None: its default,
    10 s in Zeebe). ``stream`` also opens a job stream per task (Zeebe 8.4+), which pushes jobs as
    they are created; the cap then holds for polled jobs only.
    """

    name: str | None = None
    concurrency: int = 32
    activation_batch: int | None = None
    job_timeout: timedelta = timedelta(minutes=1)
    retries: RetryPolicy = field(default_factory=RetryPolicy)
    reconnect: RetryPolicy = _RECONNECT
    lease_extension: bool = True
    lease_renew_fraction: float = 0.5
    drain_timeout: timedelta = timedelta(seconds=30)
    poll_timeout: timedelta | None = None
    stream: bool = False
    tenant_ids: tuple[str, ...] = ()
    metrics_port: int | None = None
    metrics_host: str = "0.0.0.0"
    idempotency_store: IdempotencyStore | None = None

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise WorkerConfigError(f"WorkerConfig.concurrency must be at least 1, got {self.concurrency}")
        if self.activation_batch is not None and self.activation_batch < 1:
            raise WorkerConfigError(
                f"WorkerConfig.activation_batch must be at least 1 (or None), got {self.activation_batch}"
            )
        if self.job_timeout < timedelta(milliseconds=1):
            raise WorkerConfigError(f"WorkerConfig.job_timeout must be at least 1 ms, got {self.job_timeout}")
        if not 0.05 <= self.lease_renew_fraction <= 0.9:
            raise WorkerConfigError(
                "WorkerConfig.lease_renew_fraction must be between 0.05 and 0.9 (renew when that share "
                f"of the lease has elapsed), got {self.lease_renew_fraction}"
            )
        if self.drain_timeout < timedelta(0):
            raise WorkerConfigError(f"WorkerConfig.drain_timeout must not be negative, got {self.drain_timeout}")
        if self.poll_timeout is not None and self.poll_timeout < timedelta(milliseconds=1):
            raise WorkerConfigError(
                f"WorkerConfig.poll_timeout must be at least 1 ms (or None), got {self.poll_timeout}"
            )
        if self.metrics_port is not None and not 0 <= self.metrics_port <= 65535:
            raise WorkerConfigError(f"WorkerConfig.metrics_port must be 0..65535 or None, got {self.metrics_port}")
        if self.name is not None and not self.name.strip():
            raise WorkerConfigError("WorkerConfig.name must not be blank (it is sent as the job's worker)")
