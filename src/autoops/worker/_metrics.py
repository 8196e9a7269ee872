"""Prometheus metrics of one worker, in a registry of its own.

A registry per worker (not prometheus-client's global one) lets several workers live in one process,
as they do in tests, without "duplicated timeseries" errors; ``/metrics`` serves that registry.

The per-job numbers are plain Python integers and floats, turned into metric families only when
the registry is collected (a scrape). Every update happens on the worker's event loop thread (the
job runner, the lease keeper and the pollers all run there), so no lock is needed, and a job costs a
few integer additions instead of a dozen lock round-trips through prometheus-client's metric objects.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

__all__ = ["TaskMetrics", "WorkerMetrics"]

# Handler latency buckets: from sub-millisecond lookups to multi-minute training runs.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)

FAILURE_REASONS = ("retryable", "non_retryable", "invalid_input", "invalid_result", "rejected")


class TaskMetrics:
    """The counters of one task type (what the job runner touches per job)."""

    __slots__ = (
        "_bucket_counts",
        "activated",
        "bpmn_errors",
        "completed",
        "duration_count",
        "duration_sum",
        "failed_by_reason",
        "in_flight",
        "lease_extensions",
        "lost_by_reason",
        "replayed",
        "task_type",
    )

    def __init__(self, task_type: str) -> None:
        self.task_type = task_type
        self.activated = 0
        self.completed = 0
        self.replayed = 0
        self.lease_extensions = 0
        self.in_flight = 0
        self.failed_by_reason: dict[str, int] = {}
        self.bpmn_errors: dict[str, int] = {}
        self.lost_by_reason: dict[str, int] = {}
        self.duration_count = 0
        self.duration_sum = 0.0
        self._bucket_counts = [0] * (len(_BUCKETS) + 1)  # the last one is +Inf

    def failed(self, reason: str) -> None:
        self.failed_by_reason[reason] = self.failed_by_reason.get(reason, 0) + 1

    def bpmn_error(self, code: str) -> None:
        self.bpmn_errors[code] = self.bpmn_errors.get(code, 0) + 1

    def lost(self, reason: str) -> None:
        self.lost_by_reason[reason] = self.lost_by_reason.get(reason, 0) + 1

    def observe(self, seconds: float) -> None:
        """One handler run, from start to the job command being accepted (or abandoned)."""
        self.duration_count += 1
        self.duration_sum += seconds
        self._bucket_counts[bisect_left(_BUCKETS, seconds)] += 1

    def cumulative_buckets(self) -> list[tuple[str, float]]:
        total = 0
        out: list[tuple[str, float]] = []
        for bound, count in zip((*[str(b) for b in _BUCKETS], "+Inf"), self._bucket_counts, strict=True):
            total += count
            out.append((bound, float(total)))
        return out


class WorkerMetrics:
    """All metric families of a worker; ``for_task`` hands out the per-type counters."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self._tasks: dict[str, TaskMetrics] = {}
        self.gateway_errors = 0
        self.ready = False
        self.registry.register(_Collector(self))

    def for_task(self, task_type: str) -> TaskMetrics:
        metrics = self._tasks.get(task_type)
        if metrics is None:
            metrics = self._tasks[task_type] = TaskMetrics(task_type)
        return metrics

    @property
    def tasks(self) -> list[TaskMetrics]:
        return list(self._tasks.values())


class _Collector:
    """Builds the metric families from the counters at scrape time."""

    def __init__(self, metrics: WorkerMetrics) -> None:
        self._metrics = metrics

    def describe(self) -> list[Any]:
        return []  # families are created on collect; nothing to pre-declare

    def collect(self) -> Iterator[Any]:
        tasks = self._metrics.tasks
        simple = (
            ("autoops_worker_jobs_activated", "Jobs received from the gateway.", "activated"),
            ("autoops_worker_jobs_completed", "Jobs completed (CompleteJob accepted).", "completed"),
            ("autoops_worker_jobs_replayed",
             "Redelivered jobs completed from a recorded idempotent result without running the handler.",
             "replayed"),
            ("autoops_worker_lease_extensions", "UpdateJobTimeout calls that extended a lease.", "lease_extensions"),
        )
        for name, documentation, attribute in simple:
            family = CounterMetricFamily(name, documentation, labels=["task_type"])
            for task in tasks:
                family.add_metric([task.task_type], getattr(task, attribute))
            yield family

        failed = CounterMetricFamily(
            "autoops_worker_jobs_failed",
            f"Jobs failed (FailJob accepted); reason: {', '.join(FAILURE_REASONS)}.",
            labels=["task_type", "reason"],
        )
        errors = CounterMetricFamily(
            "autoops_worker_jobs_bpmn_errors", "BPMN errors thrown (ThrowError accepted).",
            labels=["task_type", "error_code"],
        )
        lost = CounterMetricFamily(
            "autoops_worker_job_commands_lost",
            "Job outcomes the gateway did not take (job gone, gateway unreachable, rejected).",
            labels=["task_type", "reason"],
        )
        in_flight = GaugeMetricFamily(
            "autoops_worker_jobs_in_flight", "Jobs whose handler is running.", labels=["task_type"]
        )
        duration = HistogramMetricFamily(
            "autoops_worker_job_duration_seconds",
            "Time from handler start to the job command being accepted.",
            labels=["task_type"],
        )
        for task in tasks:
            for reason, count in task.failed_by_reason.items():
                failed.add_metric([task.task_type, reason], count)
            for code, count in task.bpmn_errors.items():
                errors.add_metric([task.task_type, code], count)
            for reason, count in task.lost_by_reason.items():
                lost.add_metric([task.task_type, reason], count)
            in_flight.add_metric([task.task_type], task.in_flight)
            duration.add_metric([task.task_type], task.cumulative_buckets(), task.duration_sum)
        yield from (failed, errors, lost, in_flight, duration)

        gateway = CounterMetricFamily(
            "autoops_worker_gateway_errors",
            "Failed calls to the gateway while activating jobs (each is followed by a backoff).",
        )
        gateway.add_metric([], self._metrics.gateway_errors)
        yield gateway
        ready = GaugeMetricFamily("autoops_worker_ready", "1 while the worker is ready (see /readyz).")
        ready.add_metric([], 1 if self._metrics.ready else 0)
        yield ready
