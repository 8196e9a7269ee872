"""What a handler may want to know about the job besides its variables.

Built lazily per job: the logger and the deadline are computed only when a handler asks for them, so
handlers that do not take a :class:`JobContext` pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from autoops.logging import get_logger

if TYPE_CHECKING:
    import structlog
    from pyzeebe import Job

__all__ = ["JobContext"]


@dataclass(frozen=True, eq=False)
class JobContext:
    """The activated job as a handler sees it: identity, position in the process, headers, lease.

    ``retries`` is what is left *including* the current attempt (Zeebe's count); ``attempt`` counts
    deliveries that ended in a failure plus this one, as recorded by this library on the job's task
    scope, so it survives worker restarts and moves between worker replicas.
    """

    job_key: int
    type: str
    process_instance_key: int
    bpmn_process_id: str
    process_definition_key: int
    process_definition_version: int
    element_id: str
    element_instance_key: int
    tenant_id: str | None
    worker: str
    custom_headers: Mapping[str, str]
    retries: int
    attempt: int
    deadline_ms: int
    variables: Mapping[str, Any]

    @classmethod
    def from_job(cls, job: Job, *, attempt: int, variables: Mapping[str, Any]) -> JobContext:
        return cls(
            job_key=job.key,
            type=job.type,
            process_instance_key=job.process_instance_key,
            bpmn_process_id=job.bpmn_process_id,
            process_definition_key=job.process_definition_key,
            process_definition_version=job.process_definition_version,
            element_id=job.element_id,
            element_instance_key=job.element_instance_key,
            tenant_id=job.tenant_id or None,
            worker=job.worker,
            custom_headers=job.custom_headers,
            retries=job.retries,
            attempt=attempt,
            deadline_ms=job.deadline,
            variables=variables,
        )

    @cached_property
    def deadline(self) -> datetime:
        """When the gateway will hand the job to another worker unless it is completed or extended.

        This is the deadline of the activation; automatic lease extension moves the real one later.
        """
        return datetime.fromtimestamp(self.deadline_ms / 1000, tz=UTC)

    @cached_property
    def log(self) -> structlog.stdlib.BoundLogger:
        """A structlog logger already bound to the job's identifiers, for correlated log lines."""
        return get_logger(
            "autoops.worker.job",
            job_key=self.job_key,
            job_type=self.type,
            process_instance_key=self.process_instance_key,
            bpmn_process_id=self.bpmn_process_id,
            element_id=self.element_id,
        )

    def header(self, name: str, default: str | None = None) -> str | None:
        """A custom header (``zeebe:taskHeaders``) of the task, or ``default``."""
        value = self.custom_headers.get(name)
        return default if value is None else str(value)
