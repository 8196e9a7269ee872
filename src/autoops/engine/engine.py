"""The engine facade: an async, in-process API that the gRPC and REST gateways map onto 1:1.

Every command goes through one queue to a single writer task. The writer takes whatever is queued
(up to a batch), processes each command in its own savepoint inside one SQLite transaction, commits,
and only then answers the callers: a rejected command writes nothing, an acknowledged one is on
disk. The commit (the fsync) runs in a worker thread so the event loop keeps serving callers, and
their commands pile up for the next batch. Read queries use a separate connection that sees only
committed data.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from autoops.engine import (
    bpmn_errors,
    catch_events,  # noqa: F401  (registers the subscription listener and trigger step)
    deployment,
    incidents,
    instances,
    jobs,
    lifecycle,
    messages,
    modification,
    scheduler,
    signals,
    timers,  # noqa: F401  (registers the timer due handler)
    user_tasks,
    variables,
)
from autoops.engine.clock import Clock, SystemClock
from autoops.engine.context import DEFAULT_TENANT, ElementInstance, Hooks, ProcessingContext
from autoops.engine.deployment import DeploymentResult, ModelCache
from autoops.engine.errors import EngineClosedError, ResultTimeoutError
from autoops.engine.instances import CreatedInstance
from autoops.engine.jobs import ActivatedJob
from autoops.engine.keys import KeyGenerator
from autoops.engine.messages import CorrelatedMessage, PublishedMessage
from autoops.engine.notifier import JobNotifier
from autoops.engine.processors import call_activity, multi_instance
from autoops.engine.queries import Queries
from autoops.engine.records import RecordType
from autoops.engine.rejections import Rejection, RejectionType
from autoops.engine.signals import BroadcastSignalResult
from autoops.engine.store import Store, Synchronous
from autoops.logging import get_logger

__all__ = ["DEFAULT_RESULT_TIMEOUT_MS", "Engine"]

T = TypeVar("T")
DEFAULT_RESULT_TIMEOUT_MS = 15_000
_MAX_CACHED_INSTANCES = 200_000
_TENANTS = ("", DEFAULT_TENANT)
_log = get_logger(__name__)

scheduler.register_due_handler(jobs.DUE_TIMEOUT, jobs.time_out)
scheduler.register_due_handler(jobs.DUE_BACKOFF, jobs.recur_after_backoff)
multi_instance.register()
call_activity.register()


class _EngineHooks(Hooks):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def jobs_available(self, job_type: str) -> None:
        self._engine.notifier.notify(job_type)

    def process_completed(self, ctx: ProcessingContext, inst: ElementInstance) -> None:
        waiter = self._engine._result_waiters.get(inst.key)
        if waiter is None:
            return
        future, fetch = waiter
        result = variables.collect_visible(ctx, inst.key, fetch)

        def answer() -> None:
            if not future.done():
                future.set_result(result)

        ctx.on_commit(answer)

    def find_error_catch(
        self, ctx: ProcessingContext, inst: ElementInstance, error_code: str
    ) -> Callable[[dict[str, Any]], None] | None:
        return bpmn_errors.find_error_catch(ctx, inst, error_code)

    def process_terminated(self, ctx: ProcessingContext, inst: ElementInstance) -> None:
        waiter = self._engine._result_waiters.get(inst.key)
        if waiter is None:
            return
        future = waiter[0]
        error = Rejection(
            "PROCESS_INSTANCE_CREATION", "CREATE_WITH_AWAITING_RESULT", RejectionType.INVALID_STATE,
            f"Expected to return the result of process instance '{inst.key}', but it was terminated",
        )

        def answer() -> None:
            if not future.done():
                future.set_exception(error)

        ctx.on_commit(answer)


def _tenant(intent_value_type: str, intent: str, tenant_id: str | None) -> str:
    if tenant_id is None or tenant_id in _TENANTS:
        return DEFAULT_TENANT
    raise Rejection(intent_value_type, intent, RejectionType.INVALID_ARGUMENT,
                    f"Expected to handle request with tenant identifier '{tenant_id}', but multi-tenancy is disabled")


class Engine:
    """A single-partition Zeebe-compatible engine persisted in one SQLite file.

    Open it with :meth:`open` (``path=None`` keeps everything in memory) and close it with
    :meth:`close`; it is also an async context manager.
    """

    def __init__(self, store: Store, clock: Clock, *, max_batch: int = 256) -> None:
        self._store = store
        self.clock = clock
        self.notifier = JobNotifier()
        self.query = Queries(store.read_conn, clock)
        self._keys = KeyGenerator(store.meta("next_key"))
        self._models = ModelCache()
        self._hooks = _EngineHooks(self)
        self._queue: asyncio.Queue[tuple[Callable[[ProcessingContext], Any], asyncio.Future[Any]] | None] = (
            asyncio.Queue()
        )
        self._max_batch = max_batch
        self._live_instances: dict[int, ElementInstance] = {}
        self.stats = {"batches": 0, "commands": 0, "rejections": 0}  # counters for profiling
        self._result_waiters: dict[int, tuple[asyncio.Future[dict[str, Any]], Sequence[str] | None]] = {}
        self._writer: asyncio.Task[None] | None = None
        self._scheduler = scheduler.Scheduler(clock, self._next_due, self._fire_due)
        # The earliest due item as the last batch left it, read inside its transaction (an index
        # lookup on the writer's connection) so the scheduler, woken after every batch, need not
        # query the reader connection each time. Forgotten when a batch rolls back.
        self._due_known = False
        self._due_next: int | None = None
        self._closed = False

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def open(
        cls,
        path: str | Path | None = None,
        *,
        clock: Clock | None = None,
        synchronous: Synchronous = "FULL",
        max_batch: int = 256,
    ) -> Engine:
        store = Store(path, synchronous=synchronous)
        engine = cls(store, clock or SystemClock(), max_batch=max_batch)
        engine._writer = asyncio.get_running_loop().create_task(engine._run(), name="autoops-engine-writer")
        engine._scheduler.start()
        _log.info("engine opened", path=str(path) if path else ":memory:", pragmas=store.pragmas)
        return engine

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._scheduler.stop()
        if self._writer is not None:
            # The writer finishes the batch it is in (a commit may be running in a thread), then stops.
            self._queue.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None and not item[1].done():
                item[1].set_exception(EngineClosedError("the engine was closed before the command was processed"))
        for fut, _fetch in self._result_waiters.values():
            if not fut.done():
                fut.set_exception(EngineClosedError("the engine was closed while awaiting a process result"))
        self._store.close()

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def pragmas(self) -> dict[str, str]:
        """The SQLite settings in effect (journal mode, synchronous, cache size)."""
        return dict(self._store.pragmas)

    # ------------------------------------------------------------------ the writer

    async def _submit(self, fn: Callable[[ProcessingContext], T]) -> T:
        if self._closed:
            raise EngineClosedError("the engine is closed")
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((fn, fut))
        return await fut

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            batch = [item]
            stop = False
            while len(batch) < self._max_batch and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self.stats["batches"] += 1
            self.stats["commands"] += len(batch)
            try:
                outcomes, effects, records = self._process_batch(batch)
                if self._store.in_memory:
                    self._append_and_commit(records)
                else:
                    await asyncio.to_thread(self._append_and_commit, records)
            except BaseException as exc:  # the transaction failed as a whole: nobody is acknowledged
                self._store.rollback()
                self._models_reset()
                if not isinstance(exc, Exception):
                    raise
                _log.exception("command batch failed; rolled back")
                for _fn, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
            else:
                self._acknowledge(outcomes, effects)
            if len(self._live_instances) > _MAX_CACHED_INSTANCES:
                self._live_instances.clear()  # a cache only: correctness never depends on it
            self._scheduler.wake()
            if stop:
                return

    def _models_reset(self) -> None:
        """After a failed batch, forget cached state that may come from rolled-back commands."""
        self._due_known = False
        self._models = ModelCache()
        self._live_instances.clear()

    def _append_and_commit(self, records: list[tuple[str, str, str, int, int, int | None, str]]) -> None:
        """Finish the batch's transaction: append its records to the log, save the key counter, commit.

        Runs in a worker thread for a file database. Nothing else uses the write connection
        meanwhile (the writer awaits this before the next batch), and SQLite releases the GIL
        while it inserts and syncs, so the event loop keeps serving gRPC and REST calls.
        """
        if records:
            self._store.conn.executemany(
                "INSERT INTO records(record_type, value_type, intent, key, timestamp, process_instance_key, value)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                records,
            )
        self._store.set_meta("next_key", self._keys.peek())
        self._store.commit()

    def _process_batch(
        self, batch: list[tuple[Callable[[ProcessingContext], Any], asyncio.Future[Any]]]
    ) -> tuple[
        list[tuple[asyncio.Future[Any], Any, BaseException | None]],
        list[Callable[[], None]],
        list[tuple[str, str, str, int, int, int | None, str]],
    ]:
        """Process every command of the batch in one open transaction; the caller appends the
        records and commits (:meth:`_append_and_commit`)."""
        conn = self._store.conn
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        effects: list[Callable[[], None]] = []
        records: list[tuple[str, str, str, int, int, int | None, str]] = []  # nothing reads them mid-batch
        self._store.begin()
        for fn, fut in batch:
            if fut.done():  # the caller gave up before processing: never acknowledged, skip it
                continue
            ctx = ProcessingContext(
                conn, self.clock.now_ms(), self._keys, self._models, self._hooks, self._live_instances
            )
            conn.execute("SAVEPOINT command")
            try:
                result = fn(ctx)
                lifecycle.run_steps(ctx)
                ctx.flush_instances()
            except Rejection as rejection:
                conn.execute("ROLLBACK TO command")
                conn.execute("RELEASE command")
                ctx.discard()
                ctx.records.clear()
                ctx.record(rejection.value_type, rejection.intent, -1,
                           {"rejectionType": str(rejection.rejection_type), "rejectionReason": rejection.reason},
                           record_type=RecordType.COMMAND_REJECTION)
                records.extend(ctx.records)
                outcomes.append((fut, None, rejection))
                self.stats["rejections"] += 1
                continue
            except Exception as exc:
                conn.execute("ROLLBACK TO command")
                conn.execute("RELEASE command")
                ctx.discard()
                _log.exception("command failed while processing; rejected with PROCESSING_ERROR")
                outcomes.append((fut, None, Rejection("UNKNOWN", "PROCESS", RejectionType.PROCESSING_ERROR,
                                                      f"Expected to process command, but failed: {exc}")))
                continue
            conn.execute("RELEASE command")
            ctx.publish()
            records.extend(ctx.records)
            outcomes.append((fut, result, None))
            effects.extend(ctx.after_commit)
        due = conn.execute("SELECT MIN(due_at) FROM due_items").fetchone()[0]
        self._due_next, self._due_known = (None if due is None else int(due)), True
        return outcomes, effects, records

    @staticmethod
    def _acknowledge(
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]], effects: list[Callable[[], None]]
    ) -> None:
        for fut, result, error in outcomes:
            if fut.done():
                continue
            if error is not None:
                fut.set_exception(error)
            else:
                fut.set_result(result)
        for effect in effects:
            try:
                effect()
            except Exception:
                _log.exception("post-commit effect failed")

    def _next_due(self) -> int | None:
        if self._due_known:
            return self._due_next
        row = self._store.read_conn.execute("SELECT MIN(due_at) FROM due_items").fetchone()
        return None if row[0] is None else int(row[0])

    async def _fire_due(self) -> int:
        return await self._submit(scheduler.fire_due)

    # ------------------------------------------------------------------ deployment and instances

    async def deploy(self, resources: Sequence[tuple[str, bytes]], *, tenant_id: str | None = None) -> DeploymentResult:
        """Deploy BPMN resources (name as sent by the client, bytes) all-or-nothing."""
        items = [(str(name), bytes(data)) for name, data in resources]

        def command(ctx: ProcessingContext) -> DeploymentResult:
            tenant = _tenant("DEPLOYMENT", "CREATE", tenant_id)
            return deployment.deploy(ctx, items, tenant)

        return await self._submit(command)

    async def delete_resource(self, resource_key: int) -> None:
        """DeleteResource: retire a process definition (refused while it has running instances) or a form."""
        await self._submit(lambda ctx: deployment.delete_resource(ctx, resource_key))

    async def create_instance(
        self,
        *,
        bpmn_process_id: str | None = None,
        version: int = -1,
        process_definition_key: int | None = None,
        variables: Any = None,
        tenant_id: str | None = None,
        await_result: bool = False,
        fetch_variables: Sequence[str] | None = None,
        request_timeout_ms: int | None = None,
        start_instructions: Sequence[str] = (),
    ) -> CreatedInstance:
        """Start an instance at the none start event (or at ``start_instructions``, element ids);
        with ``await_result`` answer on completion.

        ``await_result`` raises :class:`ResultTimeoutError` after ``request_timeout_ms`` (default
        15 s); the instance keeps running.
        """
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[dict[str, Any]] | None = loop.create_future() if await_result else None
        registered: list[int] = []

        def on_key(key: int) -> None:
            if waiter is not None:
                self._result_waiters[key] = (waiter, list(fetch_variables) if fetch_variables else None)
                registered.append(key)

        def command(ctx: ProcessingContext) -> CreatedInstance:
            _tenant("PROCESS_INSTANCE_CREATION", "CREATE", tenant_id)
            try:
                return instances.create(ctx, bpmn_process_id, version, process_definition_key, variables,
                                        on_key=on_key, start_instructions=tuple(start_instructions))
            except BaseException:
                for key in registered:
                    self._result_waiters.pop(key, None)
                raise

        try:
            created = await self._submit(command)
        except BaseException:
            for key in registered:
                self._result_waiters.pop(key, None)
            raise
        if waiter is None:
            return created
        timeout_ms = request_timeout_ms if request_timeout_ms and request_timeout_ms > 0 else DEFAULT_RESULT_TIMEOUT_MS
        try:
            async with asyncio.timeout(timeout_ms / 1000):
                result = await waiter
        except TimeoutError:
            raise ResultTimeoutError(created.process_instance_key, timeout_ms) from None
        finally:
            self._result_waiters.pop(created.process_instance_key, None)
        return replace(created, variables=result)

    async def modify_instance(
        self,
        process_instance_key: int,
        *,
        activate: Sequence[Mapping[str, Any]] = (),
        terminate: Sequence[int] = (),
    ) -> None:
        """ModifyProcessInstance: ``activate`` items are ``{elementId, ancestorElementInstanceKey?,
        variableInstructions?: [{variables, scopeId}]}``; ``terminate`` holds element instance keys."""
        await self._submit(lambda ctx: modification.modify(ctx, process_instance_key, activate, terminate))

    async def cancel_instance(self, process_instance_key: int) -> None:
        await self._submit(lambda ctx: instances.cancel(ctx, process_instance_key))

    async def set_variables(self, element_instance_key: int, variables: Any, *, local: bool = False) -> int:
        return await self._submit(lambda ctx: instances.set_variables(ctx, element_instance_key, variables, local))

    async def resolve_incident(self, incident_key: int) -> None:
        await self._submit(lambda ctx: incidents.resolve(ctx, incident_key))

    # ------------------------------------------------------------------ jobs

    async def activate_jobs(
        self,
        job_type: str,
        worker: str,
        timeout_ms: int,
        max_jobs: int,
        *,
        fetch_variables: Sequence[str] | None = None,
        tenant_ids: Sequence[str] | None = None,
    ) -> list[ActivatedJob]:
        """Activate up to ``max_jobs`` jobs now (no waiting; combine with :meth:`wait_for_jobs`)."""

        def command(ctx: ProcessingContext) -> list[ActivatedJob]:
            for tenant in tenant_ids or ():
                _tenant("JOB_BATCH", "ACTIVATE", tenant)
            _check_activation(job_type, timeout_ms, max_jobs)
            return jobs.activate(ctx, job_type, worker, timeout_ms, max_jobs, fetch_variables)

        return await self._submit(command)

    def jobs_sequence(self, job_type: str) -> int:
        """The job notification count for ``job_type``: read it before :meth:`activate_jobs`, pass it
        to :meth:`wait_for_jobs` as ``since``, and no wake-up in between can be missed."""
        return self.notifier.sequence(job_type)

    async def wait_for_jobs(self, job_type: str, timeout_s: float | None, *, since: int | None = None) -> bool:
        """Wait until jobs of ``job_type`` may have become activatable (False on timeout).

        Without ``since`` only notifications after this call count; with it (from
        :meth:`jobs_sequence`), any since that reading does, and the call returns at once.
        """
        return await self.notifier.wait(job_type, timeout_s, since=since)

    async def activate_jobs_or_wait(
        self,
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

        The long poll of ActivateJobs and ``POST /v2/jobs/activation``. Race-free: the notification
        count is read before each attempt, so a job made activatable between an empty attempt and
        the wait wakes it.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0, wait_ms) / 1000
        while True:
            seen = self.notifier.sequence(job_type)
            found = await self.activate_jobs(job_type, worker, timeout_ms, max_jobs,
                                             fetch_variables=fetch_variables, tenant_ids=tenant_ids)
            remaining = deadline - loop.time()
            if found or remaining <= 0:
                return found
            if not await self.notifier.wait(job_type, remaining, since=seen):
                return []

    async def yield_jobs(self, job_keys: Sequence[int]) -> list[int]:
        """Give activated jobs that never reached their worker back (ACTIVATABLE now, retries kept).

        Used when pushing to a job stream fails; jobs no longer ACTIVATED are skipped. Returns the
        keys that were yielded.
        """
        keys = list(job_keys)
        return await self._submit(lambda ctx: jobs.yield_jobs(ctx, keys))

    async def complete_job(self, job_key: int, variables: Any = None) -> None:
        def command(ctx: ProcessingContext) -> None:
            doc = instances.check_document("JOB", "COMPLETE", variables)
            jobs.complete(ctx, job_key, doc)

        await self._submit(command)

    async def fail_job(
        self, job_key: int, retries: int, error_message: str = "", *, backoff_ms: int = 0, variables: Any = None
    ) -> None:
        def command(ctx: ProcessingContext) -> None:
            doc = instances.check_document("JOB", "FAIL", variables)
            jobs.fail(ctx, job_key, retries, error_message, max(0, backoff_ms), doc)

        await self._submit(command)

    async def throw_error(self, job_key: int, error_code: str, error_message: str = "", *, variables: Any = None) -> None:
        def command(ctx: ProcessingContext) -> None:
            doc = instances.check_document("JOB", "THROW_ERROR", variables)
            jobs.throw_error(ctx, job_key, error_code, error_message, doc)

        await self._submit(command)

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        await self._submit(lambda ctx: jobs.update_retries(ctx, job_key, retries))

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        await self._submit(lambda ctx: jobs.update_timeout(ctx, job_key, timeout_ms))

    # ------------------------------------------------------------------ user tasks

    async def assign_user_task(
        self, user_task_key: int, assignee: str, *, allow_override: bool = True, action: str = "assign"
    ) -> None:
        await self._submit(
            lambda ctx: user_tasks.assign(ctx, user_task_key, assignee, allow_override=allow_override, action=action)
        )

    async def unassign_user_task(self, user_task_key: int) -> None:
        await self._submit(lambda ctx: user_tasks.assign(ctx, user_task_key, None, action="unassign"))

    async def complete_user_task(self, user_task_key: int, variables: Any = None, *, action: str = "complete") -> None:
        def command(ctx: ProcessingContext) -> None:
            doc = instances.check_document("USER_TASK", "COMPLETE", variables)
            user_tasks.complete(ctx, user_task_key, doc, action=action)

        await self._submit(command)

    async def update_user_task(self, user_task_key: int, changeset: Mapping[str, Any], *, action: str = "update") -> None:
        await self._submit(lambda ctx: user_tasks.update(ctx, user_task_key, changeset, action=action))

    # ------------------------------------------------------------------ messages and signals

    async def publish_message(
        self,
        name: str,
        correlation_key: str = "",
        *,
        time_to_live_ms: int = 0,
        message_id: str | None = None,
        variables: Any = None,
        tenant_id: str | None = None,
    ) -> PublishedMessage:
        """PublishMessage: correlate now and buffer for ``time_to_live_ms`` (0: not buffered).

        Raises :class:`Rejection` ALREADY_EXISTS while a message with the same name, correlation
        key and non-empty ``message_id`` is still buffered.
        """

        def command(ctx: ProcessingContext) -> PublishedMessage:
            tenant = _tenant("MESSAGE", "PUBLISH", tenant_id)
            return messages.publish(ctx, name, correlation_key or "", time_to_live_ms, message_id, variables, tenant)

        return await self._submit(command)

    async def correlate_message(
        self, name: str, correlation_key: str = "", *, variables: Any = None, tenant_id: str | None = None
    ) -> CorrelatedMessage:
        """REST ``/v2/messages/correlation``: correlate now or raise :class:`Rejection` NOT_FOUND."""

        def command(ctx: ProcessingContext) -> CorrelatedMessage:
            tenant = _tenant("MESSAGE_CORRELATION", "CORRELATE", tenant_id)
            return messages.correlate(ctx, name, correlation_key or "", variables, tenant)

        return await self._submit(command)

    async def broadcast_signal(
        self, name: str, *, variables: Any = None, tenant_id: str | None = None
    ) -> BroadcastSignalResult:
        """BroadcastSignal: trigger every signal catch and start event with ``name``; nothing is buffered."""

        def command(ctx: ProcessingContext) -> BroadcastSignalResult:
            tenant = _tenant("SIGNAL", "BROADCAST", tenant_id)
            return signals.broadcast(ctx, name, variables, tenant)

        return await self._submit(command)

    # ------------------------------------------------------------------ time

    async def fire_due_now(self) -> int:
        """Process everything due at the clock's current time (tests and ``PUT /v2/clock``)."""
        total = 0
        while True:
            fired = await self._fire_due()
            total += fired
            if fired == 0:
                return total


def _check_activation(job_type: str, timeout_ms: int, max_jobs: int) -> None:
    """Argument checks of JOB_BATCH ACTIVATE (a blank worker name is the gateway's to refuse)."""
    def bad(reason: str) -> Rejection:
        return Rejection("JOB_BATCH", "ACTIVATE", RejectionType.INVALID_ARGUMENT, reason)

    if not job_type or not job_type.strip():
        raise bad("Expected to activate job batch with type to be present, but it was blank")
    if timeout_ms < 1:
        raise bad(f"Expected to activate job batch with timeout to be greater than zero, but it was {timeout_ms}")
    if max_jobs < 1:
        raise bad(f"Expected to activate job batch with max jobs to activate to be greater than zero, but it was {max_jobs}")


