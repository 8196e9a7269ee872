"""pyzeebe's worker loop, with the three things it gets wrong for long-running services.

pyzeebe's ``ZeebeWorker`` runs, per task, a ``JobPoller`` (long-polling ActivateJobs), an optional
``JobStreamer`` (StreamActivatedJobs) and a ``JobExecutor``. All of that is kept. Subclasses change:

* **Reconnecting.** pyzeebe sleeps a fixed 5 s after a gateway error and, once its connection-retry
  counter (never reset on success) reaches its limit, closes the channel and stops polling for good,
  without an error. Here the counter is unlimited (``max_connection_retries=-1``) and errors are
  followed by the worker's reconnect backoff, reset on the first success, logged when the gateway is
  lost and when it is back, and reported through readiness.
* **Capacity.** When a task's running jobs reach its cap (``max_running_jobs``), pyzeebe's poller
  sleeps ``poll_retry_delay`` (5 s) even if the jobs finish a millisecond later. Here the poller
  wakes as soon as one of its jobs finishes. (The cap stays per task type, as in pyzeebe and the
  Java client: a worker-wide cap cannot be kept by pollers that long-poll side by side without one
  starving the others.)
* **Stopping.** pyzeebe's stop waits for a pending long poll to return (up to its request timeout)
  and may still activate jobs meanwhile. Here stopping cancels pending activation calls at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from typing import Any

import anyio
import grpc
from pyzeebe import Job, ZeebeWorker
from pyzeebe.errors import (
    ActivateJobsRequestInvalidError,
    StreamActivateJobsRequestInvalidError,
    ZeebeDeadlineExceeded,
    ZeebeError,
)
from pyzeebe.task.task import Task
from pyzeebe.worker.job_executor import JobExecutor
from pyzeebe.worker.job_poller import JobPoller, JobStreamer
from pyzeebe.worker.task_state import TaskState

from autoops.logging import get_logger
from autoops.worker._health import HealthState
from autoops.worker._metrics import WorkerMetrics
from autoops.worker._retry import RetryPolicy

__all__ = ["Capacity", "GatewayWorker", "describe_gateway_error"]

_log = get_logger("autoops.worker")
_CAPACITY_RECHECK_S = 0.5


def describe_gateway_error(error: BaseException) -> str:
    """``UNAVAILABLE: failed to connect ...`` for gRPC errors, the exception text otherwise."""
    if isinstance(error, ZeebeError):
        grpc_error = error.grpc_error
        with contextlib.suppress(Exception):
            return f"{grpc_error.code().name}: {grpc_error.details()}"
    cause = error.__cause__
    if isinstance(cause, grpc.aio.AioRpcError):
        return f"{type(error).__name__}: {cause.code().name}: {cause.details()}"
    return f"{type(error).__name__}: {error}"


class Capacity:
    """Jobs activated but not finished, over all tasks, and the wake-up when one finishes."""

    def __init__(self) -> None:
        self._states: list[TaskState] = []
        self._freed = asyncio.Event()
        self._waiting = 0

    def reset(self) -> None:
        self._states.clear()

    def watch(self, state: TaskState) -> None:
        self._states.append(state)

    def active(self) -> int:
        return sum(state.count_active() for state in self._states)

    def released(self) -> None:
        """A job finished. pyzeebe drops it from its task state in the job task's done-callback, which
        runs after the job task; scheduling the wake-up with ``call_soon`` lets that happen first."""
        if self._waiting:
            asyncio.get_running_loop().call_soon(self._wake)

    def _wake(self) -> None:
        freed, self._freed = self._freed, asyncio.Event()
        freed.set()

    async def wait(self) -> None:
        """Until a job finishes (re-checked at least every half second)."""
        self._waiting += 1
        try:
            with anyio.move_on_after(_CAPACITY_RECHECK_S):
                await self._freed.wait()
        finally:
            self._waiting -= 1


class _Reconnecting:
    """Backoff, logging and readiness shared by the poller and the streamer."""

    def __init__(self, what: str, task_type: str, reconnect: RetryPolicy, health: HealthState,
                 metrics: WorkerMetrics) -> None:
        self._what = what
        self._task_type = task_type
        self._reconnect = reconnect
        self._health = health
        self._metrics = metrics
        self.failures = 0

    def succeeded(self) -> None:
        if self.failures:
            _log.info("gateway reachable again; activating jobs", task_type=self._task_type,
                      failed_attempts=self.failures)
        self.failures = 0
        self._health.gateway_succeeded()

    async def failed(self, error: BaseException) -> None:
        self.failures += 1
        reason = describe_gateway_error(error)
        self._health.gateway_failed(reason)
        self._metrics.gateway_errors += 1
        delay = self._reconnect.delay(self.failures + 1).total_seconds()
        # The first failure, then every 20th (under two minutes apart at a 5 s cap): visible, not flooding.
        if self.failures == 1 or self.failures % 20 == 0:
            _log.warning(f"{self._what} failed; retrying with backoff", task_type=self._task_type,
                         error=reason, attempt=self.failures, retry_in_s=round(delay, 3))
        await anyio.sleep(delay)


class _Haltable(ABC):
    """The activation loop shared by the poller and the streamer, with an immediate halt.

    pyzeebe's loops only look at their stop event between requests, so a pending long poll or stream
    would hold shutdown for its whole request timeout; running each loop in a cancel scope lets
    ``halt`` end it at once.
    """

    stop_event: asyncio.Event
    _scope: anyio.CancelScope | None = None

    @abstractmethod
    async def _activate(self) -> None:
        """One round of activation: a long poll, or one job stream."""

    async def poll(self) -> None:
        with anyio.CancelScope() as scope:
            self._scope = scope
            while self.should_poll():
                await self._activate()

    def should_poll(self) -> bool:
        return not self.stop_event.is_set()

    def halt(self) -> None:
        """Stop activating now: no new request, and a pending one is cancelled."""
        self.stop_event.set()
        if self._scope is not None:
            self._scope.cancel()


class _Poller(_Haltable, JobPoller):
    def __init__(self, *args: Any, capacity: Capacity, reconnecting: _Reconnecting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._capacity = capacity
        self._reconnecting = reconnecting

    async def _activate(self) -> None:
        await self.activate_max_jobs()

    async def activate_max_jobs(self) -> None:
        if self.calculate_max_jobs_to_activate() > 0:
            await self.poll_once()
        else:
            await self._capacity.wait()

    async def poll_once(self) -> None:
        try:
            jobs = self.zeebe_adapter.activate_jobs(
                task_type=self.task.type,
                worker=self.worker_name,
                timeout=self.task.config.timeout_ms,
                max_jobs_to_activate=self.calculate_max_jobs_to_activate(),
                variables_to_fetch=self.task.config.variables_to_fetch or [],
                request_timeout=self.request_timeout,
                tenant_ids=self.tenant_ids,
            )
            async for job in jobs:
                self.task_state.add(job)
                await self.queue.put(job)
        except ActivateJobsRequestInvalidError as error:
            _log.error("the gateway rejected the activation request as invalid", task_type=self.task.type,
                       timeout_ms=self.task.config.timeout_ms, worker=self.worker_name,
                       error=describe_gateway_error(error), tenant_ids=self.tenant_ids)
            raise
        except Exception as error:
            await self._reconnecting.failed(error)
        else:
            self._reconnecting.succeeded()


class _Streamer(_Haltable, JobStreamer):
    def __init__(self, *args: Any, reconnecting: _Reconnecting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reconnecting = reconnecting

    async def _activate(self) -> None:
        await self.activate_stream()

    async def activate_stream(self) -> None:
        try:
            jobs = self.zeebe_adapter.stream_activate_jobs(
                task_type=self.task.type,
                worker=self.worker_name,
                timeout=self.task.config.timeout_ms,
                variables_to_fetch=self.task.config.variables_to_fetch or [],
                stream_request_timeout=self.stream_request_timeout,
                tenant_ids=self.tenant_ids,
            )
            async for job in jobs:
                self.task_state.add(job)
                await self.queue.put(job)
        except StreamActivateJobsRequestInvalidError as error:
            _log.error("the gateway rejected the job stream request as invalid", task_type=self.task.type,
                       error=describe_gateway_error(error), tenant_ids=self.tenant_ids)
            raise
        except ZeebeDeadlineExceeded:
            return  # the stream's own lifetime ended; reopen it
        except Exception as error:
            await self._reconnecting.failed(error)


class GatewayWorker(ZeebeWorker):
    """pyzeebe's worker with the pollers and streamers above (see the module docstring)."""

    def __init__(
        self,
        channel: Any,
        *,
        name: str,
        request_timeout_ms: int,
        tenant_ids: list[str] | None,
        stream: bool,
        capacity: Capacity,
        reconnect: RetryPolicy,
        health: HealthState,
        metrics: WorkerMetrics,
    ) -> None:
        super().__init__(
            channel,
            name=name,
            request_timeout=request_timeout_ms,
            max_connection_retries=-1,
            tenant_ids=tenant_ids,
            stream_enabled=stream,
        )
        self._capacity = capacity
        self._reconnect = reconnect
        self._health = health
        self._metrics = metrics

    def add_task(self, task: Task) -> None:
        self._add_task(task)

    def _init_tasks(self) -> None:
        self._job_executors, self._job_pollers, self._job_streamers = [], [], []
        self._capacity.reset()
        for task in self.tasks:
            queue = asyncio.Queue[Job]()
            state = TaskState()
            self._capacity.watch(state)
            poller = _Poller(
                zeebe_adapter=self.zeebe_adapter,
                task=task,
                queue=queue,
                worker_name=self.name,
                request_timeout=self.request_timeout,
                task_state=state,
                poll_retry_delay=self.poll_retry_delay,
                tenant_ids=self.tenant_ids,
                capacity=self._capacity,
                reconnecting=_Reconnecting("activating jobs", task.type, self._reconnect, self._health,
                                           self._metrics),
            )
            self._job_pollers.append(poller)
            self._job_executors.append(JobExecutor(task, queue, state, self.zeebe_adapter))
            if self._stream_enabled:
                self._job_streamers.append(
                    _Streamer(
                        zeebe_adapter=self.zeebe_adapter,
                        task=task,
                        queue=queue,
                        worker_name=self.name,
                        stream_request_timeout=self._stream_request_timeout,
                        task_state=state,
                        tenant_ids=self.tenant_ids,
                        reconnecting=_Reconnecting("streaming jobs", task.type, self._reconnect,
                                                   self._health, self._metrics),
                    )
                )

    def terminate(self) -> None:
        """End ``work()`` now: its task group (pollers, streamers, executors) is cancelled.

        Unlike pyzeebe's ``stop()`` this does not wait for the job queues to empty; the worker drains
        running jobs itself, with a time limit, before calling it.
        """
        self._stop_event.set()

    def halt_activation(self) -> None:
        for poller in self._job_pollers:
            assert isinstance(poller, _Poller)
            poller.halt()
        for streamer in self._job_streamers:
            assert isinstance(streamer, _Streamer)
            streamer.halt()
