"""``Worker`` and ``Router``: declare typed handlers, then run them against a gateway.

The declaration side is pure Python (nothing connects at import time), so handler modules can be
imported by tests and by ``autoops worker`` alike. :meth:`Worker.run` owns the whole lifecycle:
channel, pyzeebe worker loop, probe server, signals, and the graceful drain at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import grpc
from pyzeebe import TaskConfig as PyzeebeTaskConfig
from pyzeebe import ZeebeTaskRouter
from pyzeebe.task.task import Task

from autoops.logging import get_logger
from autoops.worker._binding import Binding
from autoops.worker._config import TaskConfig, WorkerConfig, as_timedelta
from autoops.worker._errors import WorkerConfigError, WorkerError
from autoops.worker._health import HealthState, OpsServer
from autoops.worker._idempotency import Idempotency, IdempotencyStore, SqliteIdempotencyStore
from autoops.worker._lease import LeaseKeeper
from autoops.worker._metrics import WorkerMetrics
from autoops.worker._polling import Capacity, GatewayWorker, describe_gateway_error
from autoops.worker._retry import RetryPolicy
from autoops.worker._runner import JobRunner, RunnerSettings

if TYPE_CHECKING:
    from autoops.config import Settings

__all__ = ["Router", "TaskDefinition", "Worker"]

_log = get_logger("autoops.worker")
F = TypeVar("F", bound=Callable[..., Any])
_PROBE_INTERVAL_S = 1.0
_PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class TaskDefinition:
    """A registered handler: its configuration, the function, and how it is called."""

    config: TaskConfig
    handler: Callable[..., Any]
    binding: Binding

    @property
    def type(self) -> str:
        return self.config.type

    @property
    def fetch_variables(self) -> tuple[str, ...] | None:
        """Variables requested on activation; None means all of them."""
        return self.binding.fetch


class Router:
    """A set of handlers declared in one module, to be included into a :class:`Worker`."""

    def __init__(self) -> None:
        self._tasks: dict[str, TaskDefinition] = {}

    @property
    def tasks(self) -> list[TaskDefinition]:
        return list(self._tasks.values())

    def task(
        self,
        task_type: str,
        *,
        timeout: timedelta | float | None = None,
        max_jobs: int | None = None,
        retries: RetryPolicy | None = None,
        lease_extension: bool | None = None,
        idempotency: Idempotency | bool = False,
        result_variable: str | None = None,
    ) -> Callable[[F], F]:
        """Register the decorated function (``async def`` or plain, which runs in a thread) for a job type.

        The function is returned unchanged, so it stays directly callable in unit tests.
        """

        config = TaskConfig(
            type=task_type,
            timeout=as_timedelta(timeout, f"timeout of task {task_type!r}"),
            max_jobs=max_jobs,
            retries=retries,
            lease_extension=lease_extension,
            idempotency=Idempotency() if idempotency is True else (idempotency or None),
            result_variable=result_variable,
        )

        def register(handler: F) -> F:
            self.add(handler, config)
            return handler

        return register

    def add(self, handler: Callable[..., Any], config: TaskConfig) -> TaskDefinition:
        """The non-decorator form of :meth:`task`."""
        if not callable(handler):
            raise WorkerConfigError(f"the handler of task {config.type!r} is not callable: {handler!r}")
        if config.type in self._tasks:
            existing = self._tasks[config.type].handler
            raise WorkerConfigError(
                f"job type {config.type!r} already has the handler {getattr(existing, '__qualname__', existing)}; "
                "each job type needs exactly one handler per worker"
            )
        binding = Binding.of(handler, task_type=config.type, result_variable=config.result_variable)
        definition = TaskDefinition(config, handler, binding)
        self._tasks[config.type] = definition
        return definition

    def include_router(self, *routers: Router) -> None:
        for router in routers:
            for definition in router.tasks:
                if definition.type in self._tasks:
                    raise WorkerConfigError(
                        f"job type {definition.type!r} is registered twice (once in each of two routers)"
                    )
                self._tasks[definition.type] = definition


def _first_leaf(error: BaseException | None) -> BaseException | None:
    """The first real error inside (nested) exception groups, as anyio's task group raises them."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def _busy_job_threads(grace_s: float = 0.5) -> int:
    """Handler threads still running after shutdown (idle pool threads exit within the grace time)."""
    deadline = time.monotonic() + grace_s
    for thread in threading.enumerate():
        if thread.name.startswith("autoops-job"):
            thread.join(max(0.0, deadline - time.monotonic()))
    return sum(1 for t in threading.enumerate() if t.name.startswith("autoops-job") and t.is_alive())


class _InFlight:
    """Running job tasks: drained on shutdown, cancelled when the drain time is up."""

    def __init__(self, capacity: Capacity) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self._capacity = capacity

    def enter(self, task: asyncio.Task[Any]) -> None:
        self.tasks.add(task)

    def leave(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        self._capacity.released()


class Worker(Router):
    """Job worker: handlers declared with :meth:`task` (or included routers), run by :meth:`run`.

    ``await worker.run(settings)`` blocks until :meth:`request_shutdown` (or SIGTERM/SIGINT with
    ``handle_signals=True``), then stops activating, lets running jobs finish for
    ``config.drain_timeout`` and returns. Plain pyzeebe ``ZeebeTaskRouter`` objects may be included
    too; their handlers run exactly as pyzeebe runs them.
    """

    def __init__(self, config: WorkerConfig | None = None, *, routers: Sequence[Router] = ()) -> None:
        super().__init__()
        self.config = config or WorkerConfig()
        self.metrics = WorkerMetrics()
        self.health = HealthState(self.metrics)
        self._pyzeebe_routers: list[ZeebeTaskRouter] = []
        self._running = False
        self._stop_requested: asyncio.Event | None = None
        self._force: asyncio.Event | None = None
        self._shutdown_requested = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ops: OpsServer | None = None
        self.abandoned_threads = 0
        self.include_router(*routers)

    def include_router(self, *routers: Router | ZeebeTaskRouter) -> None:
        for router in routers:
            if isinstance(router, ZeebeTaskRouter):
                self._pyzeebe_routers.append(router)
            else:
                super().include_router(router)

    @property
    def metrics_port(self) -> int | None:
        """The bound probe/metrics port while running (resolves port 0), else the configured one."""
        return self._ops.port if self._ops is not None else self.config.metrics_port

    def with_config(self, **changes: Any) -> None:
        """Replace configuration fields before running (used by ``autoops worker`` for its flags)."""
        if self._running:
            raise WorkerError("the configuration of a running worker cannot change")
        self.config = replace(self.config, **changes)

    # ---------------------------------------------------------------------------------- lifecycle

    def request_shutdown(self) -> None:
        """Ask a running worker to stop (safe from signal handlers); a second request skips the drain."""
        loop, stop, force = self._loop, self._stop_requested, self._force
        if loop is None or stop is None or force is None:
            return
        if self._shutdown_requested:
            loop.call_soon_threadsafe(force.set)
            return
        self._shutdown_requested = True
        loop.call_soon_threadsafe(stop.set)

    async def wait_ready(self) -> None:
        """Return once the worker is ready (started and the gateway answered); bound it with
        ``asyncio.timeout``. Raises WorkerError if the worker fails first."""
        while not self.health.ready:
            if self.health.fatal is not None:
                raise WorkerError(f"the worker failed: {self.health.fatal}")
            await self.health.wait_change()

    async def _wait_started(self) -> None:
        while not self.health.started:
            await self.health.wait_change()

    @asynccontextmanager
    async def running(self, connection: Settings | grpc.aio.Channel | None = None) -> AsyncIterator[Worker]:
        """Run the worker in the background for the ``async with`` block, then shut it down gracefully."""
        self.health.reset()
        task = asyncio.create_task(self.run(connection))
        started = asyncio.create_task(self._wait_started())
        await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
        started.cancel()
        if task.done():
            task.result()
        try:
            yield self
        finally:
            self.request_shutdown()
            await task

    async def run(
        self, connection: Settings | grpc.aio.Channel | None = None, *, handle_signals: bool = False
    ) -> None:
        """Work on jobs until asked to stop; see the class docstring.

        ``connection`` is :class:`autoops.config.Settings` (None: ``Settings.load()``, i.e. the
        environment and ``.env``) or an open ``grpc.aio`` channel, which stays open afterwards.
        Raises :class:`WorkerError` when the worker cannot go on (for example the gateway refuses its
        activation requests as invalid); losing the gateway is not such a case, it is retried.
        """
        if self._running:
            raise WorkerError("this worker is already running")
        if not self._tasks and not self._pyzeebe_routers:
            raise WorkerError("the worker has no tasks: declare handlers with @worker.task(...) or include routers")
        self._running = True
        self.health.reset()
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        self._force = asyncio.Event()
        self._shutdown_requested = False
        try:
            await self._serve(connection, handle_signals)
        finally:
            self._running = False
            self._loop = None

    async def _serve(self, connection: Settings | grpc.aio.Channel | None, handle_signals: bool) -> None:
        assert self._stop_requested is not None
        config = self.config
        name = config.name or f"{socket.gethostname()}:{os.getpid()}"
        capacity = Capacity()
        in_flight = _InFlight(capacity)
        executor: ThreadPoolExecutor | None = None
        owned_store: IdempotencyStore | None = None
        owned_channel: Any = None
        leases: LeaseKeeper | None = None
        restore_signals: Callable[[], None] = lambda: None  # noqa: E731
        probe: asyncio.Task[None] | None = None
        work: asyncio.Task[None] | None = None
        try:
            if isinstance(connection, grpc.aio.Channel):
                channel, target = connection, "(given channel)"
            else:
                from autoops.config import Settings
                from autoops.worker._channel import open_worker_channel

                owned_channel = open_worker_channel(connection if connection is not None else Settings.load())
                channel, target = owned_channel.channel, owned_channel.target
            sync_slots = sum(
                d.config.max_jobs or config.concurrency for d in self._tasks.values() if not d.binding.is_async
            )
            if sync_slots:
                executor = ThreadPoolExecutor(max_workers=sync_slots, thread_name_prefix="autoops-job")
            store = config.idempotency_store
            if store is None and any(
                d.config.idempotency is not None and d.config.idempotency.store is None
                for d in self._tasks.values()
            ):
                store = owned_store = SqliteIdempotencyStore()
            gateway = GatewayWorker(
                channel,
                name=name,
                request_timeout_ms=round(config.poll_timeout.total_seconds() * 1000) if config.poll_timeout else 0,
                tenant_ids=list(config.tenant_ids) or None,
                stream=config.stream,
                capacity=capacity,
                reconnect=config.reconnect,
                health=self.health,
                metrics=self.metrics,
            )
            leases = LeaseKeeper(gateway.zeebe_adapter, config.lease_renew_fraction)
            for definition in self._tasks.values():
                gateway.add_task(self._build_task(definition, gateway, in_flight, store, executor, leases))
            for pyzeebe_router in self._pyzeebe_routers:
                gateway.include_router(pyzeebe_router)
            if config.metrics_port is not None:
                self._ops = OpsServer(self.health, self.metrics, config.metrics_host, config.metrics_port)
                await self._ops.start()
            if handle_signals:
                restore_signals = self._install_signals()

            work = asyncio.create_task(gateway.work(), name="autoops-worker")
            probe = asyncio.create_task(self._probe(gateway), name="autoops-worker-probe")
            self.health.mark_started()
            _log.info(
                "worker started", worker=name, gateway=target, tasks=sorted(self._tasks),
                concurrency=config.concurrency, metrics_port=self.metrics_port,
            )
            stop_wait = asyncio.create_task(self._stop_requested.wait())
            await asyncio.wait({work, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
            stop_wait.cancel()
            if work.done():
                error = _first_leaf(work.exception()) if not work.cancelled() else None
                reason = describe_gateway_error(error) if error is not None else "the job loop ended unexpectedly"
                self.health.mark_fatal(reason)
                raise WorkerError(f"the worker stopped: {reason}") from error
            await self._drain(gateway, capacity, in_flight, work)
        finally:
            restore_signals()
            for task in (probe, work):
                if task is not None and not task.done():
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await asyncio.wait_for(task, 5.0)
            leftovers = [t for t in in_flight.tasks if not t.done()]
            for task in leftovers:
                task.cancel()
            if leftovers:
                await asyncio.wait(leftovers, timeout=5.0)
            if leases is not None:
                await leases.close()
            if self._ops is not None:
                await self._ops.stop()
                self._ops = None
            if owned_channel is not None:
                await owned_channel.close()
            if owned_store is not None:
                await owned_store.close()
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)
                self.abandoned_threads = await asyncio.to_thread(_busy_job_threads)
            _log.info("worker stopped", worker=name)

    def _build_task(
        self,
        definition: TaskDefinition,
        gateway: GatewayWorker,
        in_flight: _InFlight,
        store: IdempotencyStore | None,
        executor: ThreadPoolExecutor | None,
        leases: LeaseKeeper,
    ) -> Task:
        config, worker_config = definition.config, self.config
        timeout = config.timeout or worker_config.job_timeout
        timeout_ms = max(1, round(timeout.total_seconds() * 1000))
        max_jobs = config.max_jobs or worker_config.concurrency
        extend = worker_config.lease_extension if config.lease_extension is None else config.lease_extension
        settings = RunnerSettings(
            task_type=config.type,
            handler=definition.handler,
            binding=definition.binding,
            timeout_ms=timeout_ms,
            retries=config.retries or worker_config.retries,
            reconnect=worker_config.reconnect,
            leases=leases if extend else None,
            result_variable=config.result_variable,
            idempotency=config.idempotency,
            store=store,
            executor=executor,
        )
        runner = JobRunner(settings, gateway.zeebe_adapter, self.metrics.for_task(config.type), in_flight)
        fetch = definition.binding.fetch
        pyzeebe_config = PyzeebeTaskConfig(
            config.type,
            None,
            timeout_ms,
            min(max_jobs, worker_config.activation_batch or max_jobs),
            max_jobs,
            list(fetch) if fetch is not None else [],
            False,
            "",
            [],
            [],
        )
        return Task(definition.handler, runner, pyzeebe_config)

    async def _probe(self, gateway: GatewayWorker) -> None:
        """Readiness needs an answer from the gateway; long polls only report back when they end."""
        while True:
            if not self.health.gateway_ok:
                try:
                    await asyncio.wait_for(gateway.zeebe_adapter.topology(), _PROBE_TIMEOUT_S)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self.health.gateway_failed(
                        describe_gateway_error(exc) if not isinstance(exc, TimeoutError) else "no answer"
                    )
                else:
                    self.health.gateway_succeeded()
            await asyncio.sleep(_PROBE_INTERVAL_S)

    async def _drain(
        self, gateway: GatewayWorker, capacity: Capacity, in_flight: _InFlight, work: asyncio.Task[None]
    ) -> None:
        assert self._force is not None
        self.health.mark_draining()
        gateway.halt_activation()
        drain = self.config.drain_timeout.total_seconds()
        _log.info("stopping: no new jobs are activated; waiting for running jobs", running=capacity.active(),
                  drain_timeout_s=drain)
        deadline = time.monotonic() + drain
        while capacity.active() > 0 and not self._force.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(capacity.wait(), remaining)
        leftovers = [t for t in in_flight.tasks if not t.done()]
        if leftovers:
            _log.warning(
                "drain time is up; abandoning running jobs (they are handed out again when their lease ends)",
                abandoned=len(leftovers),
            )
            for task in leftovers:
                task.cancel()
            await asyncio.wait(leftovers, timeout=5.0)
        gateway.terminate()
        with contextlib.suppress(asyncio.CancelledError):
            await work

    def _install_signals(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            _log.warning("not on the main thread; SIGTERM/SIGINT are not handled by the worker")
            return lambda: None
        loop = asyncio.get_running_loop()

        def on_signal(signum: int) -> None:
            _log.info("signal received; shutting down gracefully", signal=signal.Signals(signum).name)
            self.request_shutdown()

        installed = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, on_signal, signum)
                installed.append(signum)

        def restore() -> None:
            for signum in installed:
                with contextlib.suppress(Exception):
                    loop.remove_signal_handler(signum)

        return restore
