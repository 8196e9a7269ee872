"""One job, start to finish: bind, run the handler, map the outcome to a job command, send it.

This replaces pyzeebe's generated job handler (``task_builder.build_job_handler``) while keeping its
executor: pyzeebe's ``JobExecutor`` still takes jobs from the poller's queue and runs one asyncio task
per job; each of those tasks calls a :class:`JobRunner`.

Outcomes:

* the handler returns → CompleteJob with the returned variables;
* :class:`BpmnError` (or pyzeebe's ``BusinessError``) → ThrowError with its code;
* invalid input, an invalid result, :class:`PermanentError` or a ``non_retryable`` type → FailJob
  with retries 0 (an incident now);
* any other exception → FailJob with retries − 1 and the policy's backoff.

Commands that hit a transient gateway failure are retried with the reconnect backoff; a job that no
longer exists (completed by another worker after a timeout, or its instance cancelled) is logged,
not retried; a completion or error the gateway refuses for good (a result above its message size
limit, say) becomes a FailJob with retries 0 naming the reason, so it cannot loop through
redeliveries unnoticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pyzeebe.errors import (
    BusinessError,
    JobAlreadyDeactivatedError,
    JobNotFoundError,
    ZeebeBackPressureError,
    ZeebeDeadlineExceeded,
    ZeebeError,
    ZeebeGatewayUnavailableError,
    ZeebeInternalError,
)

from autoops.logging import get_logger
from autoops.worker._binding import (
    ATTEMPT_VARIABLE,
    Binding,
    InputInvalid,
    ResultInvalid,
    scrub,
    secrets_in,
    to_variables,
)
from autoops.worker._context import JobContext
from autoops.worker._errors import BpmnError
from autoops.worker._idempotency import Idempotency, IdempotencyStore
from autoops.worker._lease import LeaseKeeper
from autoops.worker._polling import describe_gateway_error
from autoops.worker._retry import RetryPolicy

if TYPE_CHECKING:
    from pyzeebe import Job, JobController

    from autoops.worker._metrics import TaskMetrics

__all__ = ["JobRunner", "RunnerSettings"]

_log = get_logger("autoops.worker")
_MAX_MESSAGE = 4000
_SEND_ATTEMPTS = 8


class InFlight(Protocol):
    """The worker's record of running job tasks (for draining and for the global concurrency cap)."""

    def enter(self, task: asyncio.Task[Any]) -> None: ...

    def leave(self, task: asyncio.Task[Any]) -> None: ...


@dataclass(frozen=True)
class RunnerSettings:
    """Everything a runner needs that is resolved from worker and task configuration."""

    task_type: str
    handler: Callable[..., Any]
    binding: Binding
    timeout_ms: int
    retries: RetryPolicy
    reconnect: RetryPolicy
    leases: LeaseKeeper | None
    result_variable: str | None
    idempotency: Idempotency | None = None
    store: IdempotencyStore | None = None
    executor: Executor | None = field(default=None, repr=False)


@dataclass(frozen=True)
class _Complete:
    variables: dict[str, Any]
    replayed: bool = False


@dataclass(frozen=True)
class _Throw:
    code: str
    message: str
    variables: dict[str, Any]


@dataclass(frozen=True)
class _Fail:
    retries: int
    message: str
    backoff_ms: int
    variables: dict[str, Any]
    reason: str


_Outcome = _Complete | _Throw | _Fail


def _attempt_of(variables: Mapping[str, Any]) -> int:
    recorded = variables.get(ATTEMPT_VARIABLE)
    if isinstance(recorded, int) and not isinstance(recorded, bool) and recorded >= 0:
        return recorded + 1
    return 1


def _clip(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 15] + " ... (truncated)"


class JobRunner:
    """pyzeebe job handler (``(job, controller) -> job``) for one task type."""

    def __init__(self, settings: RunnerSettings, adapter: Any, metrics: TaskMetrics, in_flight: InFlight) -> None:
        self.settings = settings
        self._adapter = adapter
        self._metrics = metrics
        self._in_flight = in_flight
        # Resolved once: a filtered-out structlog call still costs a bind per job on the hot path.
        self._debug = _debug_enabled()

    async def __call__(self, job: Job, controller: JobController) -> Job:
        metrics = self._metrics
        metrics.activated += 1
        metrics.in_flight += 1
        started = time.perf_counter()
        task = asyncio.current_task()
        assert task is not None
        self._in_flight.enter(task)
        leases = self.settings.leases
        try:
            if leases is not None:
                leases.watch(job, self.settings.timeout_ms, metrics)
            outcome = await self._decide(job)
            if leases is not None:
                await leases.release(job)
            await self._send(job, outcome)
        except asyncio.CancelledError:
            _log.warning(
                "job abandoned at shutdown; the gateway hands it out again when its lease ends",
                job_key=job.key,
                job_type=job.type,
            )
            raise
        finally:
            if leases is not None:
                await leases.release(job)
            metrics.in_flight -= 1
            metrics.observe(time.perf_counter() - started)
            self._in_flight.leave(task)
        return job

    # ------------------------------------------------------------------------------------ deciding

    async def _decide(self, job: Job) -> _Outcome:
        settings = self.settings
        variables = job.variables
        attempt = _attempt_of(variables)
        context: JobContext | None = None

        def make_context() -> JobContext:
            nonlocal context
            if context is None:
                visible = variables
                if ATTEMPT_VARIABLE in visible:
                    visible = {k: v for k, v in variables.items() if k != ATTEMPT_VARIABLE}
                context = JobContext.from_job(job, attempt=attempt, variables=visible)
            return context

        try:
            arguments = settings.binding.bind(variables, make_context, job)
        except InputInvalid as exc:
            message = scrub(exc.describe(make_context()), secrets_in(variables))
            make_context().log.error("job input is invalid; failing without retries", problems=exc.problems)
            return _Fail(0, _clip(message), 0, {}, "invalid_input")

        key: str | None = None
        store: IdempotencyStore | None = None
        if settings.idempotency is not None:
            store = settings.idempotency.store or settings.store
            assert store is not None
            try:
                key = settings.idempotency.key_for(make_context())
                recorded = await store.get(settings.task_type, key)
            except Exception as exc:
                return self._failure(job, attempt, exc, arguments, variables)
            if recorded is not None:
                make_context().log.info("job already done before; completing with the recorded result", key=key)
                return _Complete(recorded, replayed=True)

        try:
            if settings.binding.is_async:
                result = await settings.handler(**arguments)
            else:
                call = functools.partial(contextvars.copy_context().run, settings.handler, **arguments)
                result = await asyncio.get_running_loop().run_in_executor(settings.executor, call)
        except BpmnError as exc:
            message = scrub(exc.message, secrets_in(arguments, variables)) if exc.message else ""
            return _Throw(exc.code, _clip(message), exc.variables)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if isinstance(exc, BusinessError):
                return _Throw(str(exc.error_code), _clip(scrub(str(exc), secrets_in(arguments, variables))), {})
            return self._failure(job, attempt, exc, arguments, variables)

        try:
            completed = to_variables(result, settings.result_variable)
        except ResultInvalid as exc:
            ctx = make_context()
            ctx.log.error("handler result is invalid; failing without retries", error=str(exc))
            message = f"Invalid result of the handler for job type '{job.type}' at element '{job.element_id}': {exc}"
            return _Fail(0, _clip(message), 0, {ATTEMPT_VARIABLE: attempt}, "invalid_result")

        if store is not None and key is not None:
            try:
                await store.put(settings.task_type, key, completed)
            except Exception:
                # The effect has happened: completing beats failing (which would repeat the effect).
                make_context().log.exception("could not record the idempotent result; completing anyway", key=key)
        return _Complete(completed)

    def _failure(
        self, job: Job, attempt: int, exc: Exception, arguments: Mapping[str, Any], variables: Mapping[str, Any]
    ) -> _Outcome:
        policy = self.settings.retries
        retryable = policy.is_retryable(exc)
        retries = max(job.retries - 1, 0) if retryable else 0
        backoff_ms = policy.delay_ms(attempt + 1) if retries > 0 else 0
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        text = scrub(text, secrets_in(arguments, variables))
        if not retryable:
            text = f"{text} (not retryable)"
        log = _log.bind(job_key=job.key, job_type=job.type, process_instance_key=job.process_instance_key,
                        element_id=job.element_id, attempt=attempt, retries_left=retries)
        if retries > 0:
            log.warning("handler failed; the job will be retried", error=text, backoff_ms=backoff_ms)
        else:
            log.error("handler failed; no retries left, an incident is raised", error=text, exc_info=exc)
        return _Fail(
            retries, _clip(text), backoff_ms, {ATTEMPT_VARIABLE: attempt},
            "retryable" if retryable else "non_retryable",
        )

    # ------------------------------------------------------------------------------------ sending

    async def _send(self, job: Job, outcome: _Outcome) -> None:
        adapter = self._adapter
        for attempt in range(1, _SEND_ATTEMPTS + 1):
            try:
                if isinstance(outcome, _Complete):
                    await adapter.complete_job(job_key=job.key, variables=outcome.variables)
                elif isinstance(outcome, _Throw):
                    await adapter.throw_error(
                        job_key=job.key, message=outcome.message, variables=outcome.variables,
                        error_code=outcome.code,
                    )
                else:
                    await adapter.fail_job(
                        job_key=job.key, retries=outcome.retries, message=outcome.message,
                        retry_back_off_ms=outcome.backoff_ms, variables=outcome.variables,
                    )
            except (JobNotFoundError, JobAlreadyDeactivatedError) as exc:
                self._metrics.lost("job_gone")
                _log.warning(
                    "the gateway no longer knows this job as active (completed elsewhere after a timeout, or "
                    "its instance was cancelled); outcome dropped",
                    job_key=job.key, job_type=job.type, outcome=type(outcome).__name__.strip("_").lower(),
                    error=type(exc).__name__,
                )
                return
            except (ZeebeGatewayUnavailableError, ZeebeBackPressureError, ZeebeInternalError,
                    ZeebeDeadlineExceeded) as exc:
                if _too_large(exc):
                    if isinstance(outcome, _Fail):
                        self._metrics.lost("rejected")
                        _log.error("the gateway refused to fail the job", job_key=job.key,
                                   error=describe_gateway_error(exc))
                        return
                    outcome = self._refused(job, outcome, exc)
                    continue
                if attempt == _SEND_ATTEMPTS:
                    self._metrics.lost("gateway_unreachable")
                    _log.error(
                        "could not deliver the job outcome; the job is handed out again when its lease ends",
                        job_key=job.key, job_type=job.type, error=type(exc).__name__,
                    )
                    return
                await asyncio.sleep(self.settings.reconnect.delay(attempt + 1).total_seconds())
                continue
            except ZeebeError as exc:
                # Refused for good (say INVALID_ARGUMENT for a variables document the gateway cannot
                # take). Redelivery would only repeat it: turn a refused completion or error into an
                # incident that says why; a refused failure can only be logged.
                if isinstance(outcome, _Fail):
                    self._metrics.lost("rejected")
                    _log.error("the gateway refused to fail the job", job_key=job.key, job_type=job.type,
                               error=describe_gateway_error(exc))
                    return
                outcome = self._refused(job, outcome, exc)
                continue
            self._record(outcome)
            if self._debug:
                _log.debug("job command accepted", job_key=job.key, job_type=job.type,
                           outcome=type(outcome).__name__.strip("_").lower())
            return

    def _refused(self, job: Job, outcome: _Complete | _Throw, error: Exception) -> _Fail:
        reason = describe_gateway_error(error)
        verb = "completion" if isinstance(outcome, _Complete) else f"BPMN error '{outcome.code}'"
        _log.error(f"the gateway refused the job's {verb}; failing it without retries",
                   job_key=job.key, job_type=job.type, error=reason)
        return _Fail(0, _clip(f"The gateway refused the {verb} of the job: {reason}"), 0, {}, "rejected")

    def _record(self, outcome: _Outcome) -> None:
        metrics = self._metrics
        if isinstance(outcome, _Complete):
            metrics.completed += 1
            if outcome.replayed:
                metrics.replayed += 1
        elif isinstance(outcome, _Throw):
            metrics.bpmn_error(outcome.code)
        else:
            metrics.failed(outcome.reason)


def _too_large(error: Exception) -> bool:
    """RESOURCE_EXHAUSTED because the message exceeds the gateway's size limit: retrying cannot help."""
    grpc_error = getattr(error, "grpc_error", None)
    details = ""
    with contextlib.suppress(Exception):
        details = str(grpc_error.details()) if grpc_error is not None else ""
    return isinstance(error, ZeebeBackPressureError) and "larger than max" in details


def _debug_enabled() -> bool:
    check = getattr(_log, "is_enabled_for", None)  # structlog's filtering loggers
    try:
        return bool(check(logging.DEBUG)) if callable(check) else bool(_log.isEnabledFor(logging.DEBUG))
    except Exception:
        return False
