"""``SyncCamundaClient``: the async client behind a blocking API, for scripts and the CLI.

It owns one event loop (an :class:`asyncio.Runner`) for its whole life, because the gRPC channel
and the httpx connection pool are bound to the loop that created them; a fresh ``asyncio.run`` per
call would break them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

from autoops.client._client import CamundaClient, Key, ResourceInput, SearchResult
from autoops.client.auth import CredentialsProvider
from autoops.client.models import (
    ClusterStatus,
    DeployResult,
    Incident,
    MessagePublished,
    ProcessDefinition,
    ProcessInstance,
    ProcessInstanceCreated,
    ProcessInstanceDetails,
    Topology,
    UserTask,
)
from autoops.config import Settings

__all__ = ["SyncCamundaClient"]

R = TypeVar("R")


class SyncCamundaClient:
    """Blocking twin of :class:`CamundaClient`; same methods, same errors.

    Use it as a context manager (``with SyncCamundaClient(settings) as client:``) or call
    :meth:`close`. Not for use inside a running event loop: there, use :class:`CamundaClient`.
    """

    def __init__(
        self, settings: Settings | None = None, *, credentials: CredentialsProvider | None = None
    ) -> None:
        self._runner = asyncio.Runner()
        self._client = CamundaClient(settings, credentials=credentials)

    @property
    def settings(self) -> Settings:
        return self._client.settings

    @property
    def async_client(self) -> CamundaClient:
        return self._client

    def __repr__(self) -> str:
        return f"Sync{self._client!r}"

    def __enter__(self) -> SyncCamundaClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._runner.run(self._client.aclose())
        finally:
            self._runner.close()

    def _run(self, coro: Coroutine[Any, Any, R]) -> R:
        return self._runner.run(coro)

    def check(self, resources: Sequence[ResourceInput]) -> list[Any]:
        return self._client.check(resources)

    def deploy(self, *resources: ResourceInput, validate: bool = True) -> DeployResult:
        return self._run(self._client.deploy(*resources, validate=validate))

    def start(
        self,
        process_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        version: int | None = None,
        wait: bool = False,
        wait_timeout: float | None = None,
        fetch_variables: Sequence[str] | None = None,
    ) -> ProcessInstanceCreated:
        return self._run(
            self._client.start(
                process_id,
                variables,
                version=version,
                wait=wait,
                wait_timeout=wait_timeout,
                fetch_variables=fetch_variables,
            )
        )

    def cancel(self, process_instance_key: Key) -> None:
        self._run(self._client.cancel(process_instance_key))

    def publish(
        self,
        name: str,
        correlation_key: str = "",
        variables: Mapping[str, Any] | None = None,
        *,
        ttl: float = 60.0,
        message_id: str | None = None,
    ) -> MessagePublished:
        return self._run(
            self._client.publish(name, correlation_key, variables, ttl=ttl, message_id=message_id)
        )

    def set_variables(
        self, element_instance_key: Key, variables: Mapping[str, Any], *, local: bool = False
    ) -> None:
        self._run(self._client.set_variables(element_instance_key, variables, local=local))

    def search_process_instances(self, **filters: Any) -> SearchResult[ProcessInstance]:
        return self._run(self._client.search_process_instances(**filters))

    def get_process_instance(self, process_instance_key: Key) -> ProcessInstance:
        return self._run(self._client.get_process_instance(process_instance_key))

    def process_instance_details(self, process_instance_key: Key) -> ProcessInstanceDetails:
        return self._run(self._client.process_instance_details(process_instance_key))

    def search_process_definitions(self, **filters: Any) -> SearchResult[ProcessDefinition]:
        return self._run(self._client.search_process_definitions(**filters))

    def process_definition_xml(self, process_definition_key: Key) -> str:
        return self._run(self._client.process_definition_xml(process_definition_key))

    def search_user_tasks(self, **filters: Any) -> SearchResult[UserTask]:
        return self._run(self._client.search_user_tasks(**filters))

    def get_user_task(self, user_task_key: Key) -> UserTask:
        return self._run(self._client.get_user_task(user_task_key))

    def assign_user_task(self, user_task_key: Key, assignee: str, *, allow_override: bool = True) -> None:
        self._run(self._client.assign_user_task(user_task_key, assignee, allow_override=allow_override))

    def unassign_user_task(self, user_task_key: Key) -> None:
        self._run(self._client.unassign_user_task(user_task_key))

    def complete_user_task(self, user_task_key: Key, variables: Mapping[str, Any] | None = None) -> None:
        self._run(self._client.complete_user_task(user_task_key, variables))

    def search_incidents(self, **filters: Any) -> SearchResult[Incident]:
        return self._run(self._client.search_incidents(**filters))

    def get_incident(self, incident_key: Key) -> Incident:
        return self._run(self._client.get_incident(incident_key))

    def update_job_retries(self, job_key: Key, retries: int) -> None:
        self._run(self._client.update_job_retries(job_key, retries))

    def resolve_incident(self, incident_key: Key, *, retries: int | None = None) -> None:
        self._run(self._client.resolve_incident(incident_key, retries=retries))

    def topology(self) -> Topology:
        return self._run(self._client.topology())

    def status(self) -> ClusterStatus:
        return self._run(self._client.status())
