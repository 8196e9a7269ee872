"""Prometheus metrics of one worker, in a registry of its own.

A registry per worker (not prometheus-client's global one) lets several workers live in one process,
as they do in tests, without "duplicated timeseries" errors; ``/metrics`` serves that registry.
Children are resolved once per task type so the per-job cost is a few lock-protected additions.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["TaskMetrics", "WorkerMetrics"]

# Handler latency buckets: from sub-millisecond lookups to multi-minute training runs.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)


@dataclass(frozen=True)
class TaskMetrics:
    """The metric children of one task type (what the job runner touches per job)."""

    activated: Counter
    completed: Counter
    in_flight: Gauge
    duration: Histogram
    replayed: Counter
    lease_extensions: Counter
    _failed: Counter
    _bpmn_errors: Counter
    _lost: Counter
    task_type: str

    def failed(self, reason: str) -> None:
        self._failed.labels(task_type=self.task_type, reason=reason).inc()

    def bpmn_error(self, code: str) -> None:
        self._bpmn_errors.labels(task_type=self.task_type, error_code=code).inc()

    def lost(self, reason: str) -> None:
        self._lost.labels(task_type=self.task_type, reason=reason).inc()


class WorkerMetrics:
    """All metric families of a worker; ``for_task`` hands out per-type children."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        r = self.registry
        self.activated = Counter(
            "autoops_worker_jobs_activated", "Jobs received from the gateway.", ["task_type"], registry=r
        )
        self.completed = Counter(
            "autoops_worker_jobs_completed", "Jobs completed (CompleteJob accepted).", ["task_type"], registry=r
        )
        self.failed = Counter(
            "autoops_worker_jobs_failed",
            "Jobs failed (FailJob accepted); reason: retryable, non_retryable, invalid_input, invalid_result, rejected.",
            ["task_type", "reason"],
            registry=r,
        )
        self.bpmn_errors = Counter(
            "autoops_worker_jobs_bpmn_errors",
            "BPMN errors thrown (ThrowError accepted).",
            ["task_type", "error_code"],
            registry=r,
        )
        self.lost = Counter(
            "autoops_worker_job_commands_lost",
            "Job outcomes the gateway did not take (job gone, already completed, gateway unreachable).",
            ["task_type", "reason"],
            registry=r,
        )
        self.replayed = Counter(
            "autoops_worker_jobs_replayed",
            "Redelivered jobs completed from a recorded idempotent result without running the handler.",
            ["task_type"],
            registry=r,
        )
        self.lease_extensions = Counter(
            "autoops_worker_lease_extensions", "UpdateJobTimeout calls that extended a lease.", ["task_type"],
            registry=r,
        )
        self.in_flight = Gauge(
            "autoops_worker_jobs_in_flight", "Jobs whose handler is running.", ["task_type"], registry=r
        )
        self.duration = Histogram(
            "autoops_worker_job_duration_seconds",
            "Time from handler start to the job command being accepted.",
            ["task_type"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.gateway_errors = Counter(
            "autoops_worker_gateway_errors",
            "Failed calls to the gateway while activating jobs (each is followed by a backoff).",
            registry=r,
        )
        self.ready = Gauge("autoops_worker_ready", "1 while the worker is ready (see /readyz).", registry=r)

    def for_task(self, task_type: str) -> TaskMetrics:
        return TaskMetrics(
            activated=self.activated.labels(task_type=task_type),
            completed=self.completed.labels(task_type=task_type),
            in_flight=self.in_flight.labels(task_type=task_type),
            duration=self.duration.labels(task_type=task_type),
            replayed=self.replayed.labels(task_type=task_type),
            lease_extensions=self.lease_extensions.labels(task_type=task_type),
            _failed=self.failed,
            _bpmn_errors=self.bpmn_errors,
            _lost=self.lost,
            task_type=task_type,
        )
