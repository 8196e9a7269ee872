"""``CamundaClient``: one object for everything an operator or a script does against Camunda 8.

Commands that pyzeebe offers (start, publish, cancel, topology) go over gRPC through
:class:`pyzeebe.ZeebeClient`; deployment goes over gRPC through pyzeebe's generated gateway stub so
that the bytes validated locally are exactly the bytes deployed; queries, user tasks, incidents and
variables go over REST v2, the only API that serves them. Both connections share one credentials
provider. Every failure surfaces as an :mod:`autoops.client.errors` type.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from autoops.client._transport import (
    http_client,
    map_grpc_error,
    map_http_error,
    map_transport_error,
    open_channel,
    ssl_context,
)
from autoops.client._validate import ResourceInput, is_error, read_resource, validate_resources
from autoops.client.auth import CredentialsProvider, credentials_from_settings
from autoops.client.errors import (
    CamundaError,
    EngineUnreachable,
    InvalidModel,
    NotFound,
    Rejected,
    RequestTimeout,
    ServerError,
)
from autoops.client.models import (
    ClusterStatus,
    DeployedResource,
    DeployResult,
    ElementInstance,
    Incident,
    MessagePublished,
    Page,
    Partition,
    ProcessDefinition,
    ProcessInstance,
    ProcessInstanceCreated,
    ProcessInstanceDetails,
    SearchPage,
    SearchQuery,
    SortField,
    Topology,
    TopologyBroker,
    UserTask,
    Variable,
)
from autoops.config import Settings
from autoops.logging import get_logger

if TYPE_CHECKING:
    import grpc
    import httpx
    from pyzeebe import ZeebeClient
    from pyzeebe.grpc_internals.types import (
        CreateProcessInstanceResponse,
        CreateProcessInstanceWithResultResponse,
    )

__all__ = ["CamundaClient", "Key", "ResourceInput", "SearchResult"]

_log = get_logger(__name__)

Key = int | str
T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")

# Per kind of deployed resource (the Metadata oneof of a DeployResourceResponse deployment): the
# fields holding its id and its key.
_DEPLOYED_FIELDS = {
    "process": ("bpmnProcessId", "processDefinitionKey"),
    "decision": ("dmnDecisionId", "decisionKey"),
    "decisionRequirements": ("dmnDecisionRequirementsId", "decisionRequirementsKey"),
    "form": ("formId", "formKey"),
}

# REST search pages are capped by the server; this is the largest page we ask for when collecting all.
_MAX_PAGE = 1000


class SearchResult(BaseModel, Generic[T]):
    """One page of a REST search: the items and the page metadata (total, cursors)."""

    model_config = ConfigDict(populate_by_name=True, hide_input_in_errors=True)

    items: list[T] = Field(default_factory=list)
    page: SearchPage = Field(default_factory=SearchPage)


def _key(value: Key, what: str) -> str:
    text = str(value).strip()
    if not text.isdigit():
        raise Rejected(f"{what} must be a number (a Camunda key), got {value!r}", code="INVALID_ARGUMENT")
    return text


def _json_object(variables: Mapping[str, Any] | None) -> dict[str, Any]:
    """Variables as a plain dict, refusing what JSON cannot carry before anything is sent."""
    data = dict(variables or {})
    try:
        json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise Rejected(f"variables must be JSON-serialisable: {exc}", code="INVALID_ARGUMENT") from None
    return data


def _filter(**values: Any) -> dict[str, Any]:
    """A REST filter object from keyword arguments (snake_case → camelCase), dropping unset ones.

    Keys (``*_key``) go as strings, as everywhere in REST.
    """
    from pydantic.alias_generators import to_camel

    return {
        to_camel(name): str(value) if name.endswith("_key") else value
        for name, value in values.items()
        if value is not None
    }


class CamundaClient:
    """Async client for a Camunda 8 cluster or the embedded engine.

    ``async with CamundaClient(settings) as client: ...``. Connections open lazily, on the first call
    that needs them, so a client used only for REST queries never dials gRPC and vice versa.
    """

    def __init__(
        self, settings: Settings | None = None, *, credentials: CredentialsProvider | None = None
    ) -> None:
        self.settings = settings if settings is not None else Settings.load()
        self._credentials = credentials or credentials_from_settings(
            self.settings, verify=ssl_context(self.settings)
        )
        self._channel: grpc.aio.Channel | None = None
        self._zeebe: ZeebeClient | None = None
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"CamundaClient(grpc={self.settings.grpc_address!r}, rest={self.settings.rest_address!r})"

    @property
    def credentials(self) -> CredentialsProvider:
        return self._credentials

    async def __aenter__(self) -> CamundaClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._channel is not None:
            await self._channel.close()
            self._channel = None
            self._zeebe = None
        await self._credentials.aclose()

    # ------------------------------------------------------------------ connections

    @property
    def grpc_channel(self) -> grpc.aio.Channel:
        """The shared channel (e.g. for a pyzeebe ``ZeebeWorker`` in the same process)."""
        if self._channel is None:
            self._channel = open_channel(self.settings, self._credentials)
        return self._channel

    @property
    def zeebe(self) -> ZeebeClient:
        if self._zeebe is None:
            from pyzeebe import ZeebeClient

            # -1: pyzeebe would otherwise close the channel for good after ten UNAVAILABLE answers.
            self._zeebe = ZeebeClient(self.grpc_channel, max_connection_retries=-1)
        return self._zeebe

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = http_client(self.settings, self._credentials)
        return self._http

    async def _grpc(self, action: str, call: Callable[[], Awaitable[R]]) -> R:
        try:
            return await call()
        except CamundaError:
            raise
        except Exception as exc:
            error = map_grpc_error(exc, address=str(self.settings.grpc_address), action=action)
            if isinstance(error, RequestTimeout) and not self._channel_connected():
                # A deadline that passed while the channel never connected (a filtered port, a host
                # that drops packets) is an unreachable engine, not a slow one.
                error = EngineUnreachable(str(self.settings.grpc_address), detail=error.detail)
            raise error from exc

    def _channel_connected(self) -> bool:
        import grpc

        if self._channel is None:
            return False
        state = self._channel.get_state(try_to_connect=False)
        return bool(state in (grpc.ChannelConnectivity.READY, grpc.ChannelConnectivity.IDLE))

    async def _rest(
        self,
        action: str,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = await self.http.request(method, path, json=json_body, params=params)
        except Exception as exc:
            raise map_transport_error(exc, address=str(self.settings.rest_address), action=action) from None
        if response.status_code >= 400:
            raise map_http_error(response, action=action)
        _log.debug("rest call", method=method, path=path, status=response.status_code)
        return response

    async def _get(self, action: str, model: type[T], path: str) -> T:
        return self._parse(action, model, await self._rest(action, "GET", path))

    @staticmethod
    def _parse(action: str, model: type[T], response: httpx.Response) -> T:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise ServerError(
                f"{action}: the server's answer does not have the documented shape",
                detail=f"{exc.error_count()} field error(s), first: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}",
            ) from None

    async def _search(
        self,
        action: str,
        path: str,
        model: type[T],
        filter_: Mapping[str, Any],
        *,
        limit: int = 100,
        sort: Sequence[tuple[str, str]] | None = None,
        after: str | None = None,
    ) -> SearchResult[T]:
        order = [SortField(field=f, order="DESC" if o.upper() == "DESC" else "ASC") for f, o in sort or ()]
        query = SearchQuery(
            filter=dict(filter_), sort=order or None, page=Page(limit=limit, after=after or None)
        )
        response = await self._rest(action, "POST", path, json_body=query.wire())
        return self._parse(action, SearchResult[model], response)  # type: ignore[valid-type]

    async def _search_all(
        self, action: str, path: str, model: type[T], filter_: Mapping[str, Any]
    ) -> list[T]:
        """Every match, following cursors; bounded so a runaway result cannot exhaust memory."""
        items: list[T] = []
        after: str | None = None
        for _ in range(20):
            page = await self._search(action, path, model, filter_, limit=_MAX_PAGE, after=after)
            items.extend(page.items)
            if len(page.items) < _MAX_PAGE or not page.page.end_cursor:
                break
            after = page.page.end_cursor
        return items

    # ------------------------------------------------------------------ deploy

    @staticmethod
    def read_resources(resources: Sequence[ResourceInput]) -> list[tuple[str, bytes]]:
        """(name, bytes) pairs; a path's name is its basename, as pyzeebe names resources."""
        loaded: list[tuple[str, bytes]] = []
        for item in resources:
            try:
                loaded.append(read_resource(item))
            except OSError as exc:  # only a path can fail; the error names it as Path(item) would
                raise Rejected(
                    f"cannot read {exc.filename or item}: {exc.strerror or exc}",
                    hint="check the path",
                    code="INVALID_ARGUMENT",
                ) from None
        return loaded

    def check(self, resources: Sequence[ResourceInput]) -> list[Any]:
        """Local validation only (``deploy --dry-run``): every diagnostic, errors and warnings."""
        return validate_resources(self.read_resources(resources))

    async def deploy(self, *resources: ResourceInput, validate: bool = True) -> DeployResult:
        """Validate locally, then deploy all resources in one atomic deployment.

        Raises :class:`InvalidModel` before any network call when a resource has errors.
        """
        if not resources:
            raise Rejected(
                "nothing to deploy: give at least one .bpmn, .dmn or .form file", code="INVALID_ARGUMENT"
            )
        loaded = self.read_resources(resources)
        if validate:
            errors = [d for d in validate_resources(loaded) if is_error(d)]
            if errors:
                raise InvalidModel(errors)
        from pyzeebe.proto import gateway_pb2
        from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

        request = gateway_pb2.DeployResourceRequest(
            resources=[gateway_pb2.Resource(name=name, content=content) for name, content in loaded],
            tenantId=self.settings.tenant_id or "",
        )
        stub = GatewayStub(self.grpc_channel)
        names = ", ".join(name for name, _ in loaded)
        response = await self._grpc(f"deploy {names}", lambda: stub.DeployResource(request))
        deployed: list[DeployedResource] = []
        for item in response.deployments:
            which = item.WhichOneof("Metadata")
            if which not in _DEPLOYED_FIELDS:
                continue
            id_field, key_field = _DEPLOYED_FIELDS[which]
            meta = getattr(item, which)
            deployed.append(
                DeployedResource(
                    kind=which,
                    resource_name=getattr(meta, "resourceName", None),  # decisions have none
                    id=getattr(meta, id_field),
                    version=meta.version,
                    definition_key=getattr(meta, key_field),
                    tenant_id=meta.tenantId,
                )
            )
        result = DeployResult(deployment_key=response.key, tenant_id=response.tenantId, deployments=deployed)
        _log.info("deployed", resources=names, deployment_key=result.deployment_key)
        return result

    # ------------------------------------------------------------------ process instances

    async def start(
        self,
        process_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        version: int | None = None,
        wait: bool = False,
        wait_timeout: float | None = None,
        fetch_variables: Sequence[str] | None = None,
    ) -> ProcessInstanceCreated:
        """Start an instance of the latest (or the given) version; with ``wait``, await its completion.

        ``wait_timeout`` (seconds) bounds the wait; 0/None lets the gateway apply its default.
        """
        vars_ = _json_object(variables)
        tenant = self.settings.tenant_id
        action = f"start process {process_id!r}" + (f" version {version}" if version is not None else "")
        wanted_version = -1 if version is None else version
        created: CreateProcessInstanceResponse | CreateProcessInstanceWithResultResponse
        variables_at_end: dict[str, Any] | None = None
        if wait:
            finished = await self._grpc(
                action,
                lambda: self.zeebe.run_process_with_result(
                    process_id,
                    variables=vars_,
                    version=wanted_version,
                    timeout=int((wait_timeout or 0) * 1000),
                    variables_to_fetch=list(fetch_variables or []),
                    tenant_id=tenant,
                ),
            )
            created, variables_at_end = finished, dict(finished.variables)
        else:
            created = await self._grpc(
                action,
                lambda: self.zeebe.run_process(
                    process_id, variables=vars_, version=wanted_version, tenant_id=tenant
                ),
            )
        return ProcessInstanceCreated(
            process_instance_key=created.process_instance_key,
            process_definition_key=created.process_definition_key,
            process_definition_id=created.bpmn_process_id,
            process_definition_version=created.version,
            tenant_id=created.tenant_id,
            variables=variables_at_end,
        )

    async def cancel(self, process_instance_key: Key) -> None:
        key = _key(process_instance_key, "the process instance key")
        await self._grpc(
            f"cancel process instance {key}", lambda: self.zeebe.cancel_process_instance(int(key))
        )

    async def publish(
        self,
        name: str,
        correlation_key: str = "",
        variables: Mapping[str, Any] | None = None,
        *,
        ttl: float = 60.0,
        message_id: str | None = None,
    ) -> MessagePublished:
        """Publish a message; ``ttl`` in seconds (0 = correlate now or drop)."""
        vars_ = _json_object(variables)
        result = await self._grpc(
            f"publish message {name!r}",
            lambda: self.zeebe.publish_message(
                name,
                correlation_key,
                variables=vars_,
                time_to_live_in_milliseconds=int(ttl * 1000),
                message_id=message_id,
                tenant_id=self.settings.tenant_id,
            ),
        )
        return MessagePublished(message_key=result.key, tenant_id=result.tenant_id)

    async def set_variables(
        self, element_instance_key: Key, variables: Mapping[str, Any], *, local: bool = False
    ) -> None:
        """Set variables on a scope (a process instance key is the root scope's key)."""
        key = _key(element_instance_key, "the element instance key")
        await self._rest(
            f"set variables on {key}",
            "PUT",
            f"/element-instances/{key}/variables",
            json_body={"variables": _json_object(variables), "local": local},
        )

    async def search_process_instances(
        self,
        *,
        state: str | None = None,
        process_definition_id: str | None = None,
        process_definition_key: Key | None = None,
        has_incident: bool | None = None,
        extra_filter: Mapping[str, Any] | None = None,
        limit: int = 100,
    ) -> SearchResult[ProcessInstance]:
        flt = _filter(
            state=state.upper() if state else None,
            process_definition_id=process_definition_id,
            process_definition_key=process_definition_key,
            has_incident=has_incident,
        )
        flt.update(extra_filter or {})
        return await self._search(
            "search process instances",
            "/process-instances/search",
            ProcessInstance,
            flt,
            limit=limit,
            sort=[("startDate", "DESC")],
        )

    async def get_process_instance(self, process_instance_key: Key) -> ProcessInstance:
        key = _key(process_instance_key, "the process instance key")
        return await self._get(f"get process instance {key}", ProcessInstance, f"/process-instances/{key}")

    async def process_instance_details(self, process_instance_key: Key) -> ProcessInstanceDetails:
        """The instance with its element instances, incidents and variables (four REST calls, concurrent)."""
        key = _key(process_instance_key, "the process instance key")
        flt = {"processInstanceKey": key}
        instance, elements, incidents, variables = await asyncio.gather(
            self.get_process_instance(key),
            self._search_all(
                f"element instances of {key}", "/element-instances/search", ElementInstance, flt
            ),
            self._search_all(f"incidents of {key}", "/incidents/search", Incident, flt),
            self._search_all(f"variables of {key}", "/variables/search", Variable, flt),
        )
        return ProcessInstanceDetails(
            instance=instance, element_instances=elements, incidents=incidents, variables=variables
        )

    # ------------------------------------------------------------------ definitions

    async def search_process_definitions(
        self, *, process_definition_id: str | None = None, name: str | None = None, limit: int = 100
    ) -> SearchResult[ProcessDefinition]:
        flt = _filter(process_definition_id=process_definition_id, name=name)
        return await self._search(
            "search process definitions",
            "/process-definitions/search",
            ProcessDefinition,
            flt,
            limit=limit,
            sort=[("processDefinitionId", "ASC"), ("version", "DESC")],
        )

    async def process_definition_xml(self, process_definition_key: Key) -> str:
        key = _key(process_definition_key, "the process definition key")
        action = f"get the XML of process definition {key}"
        response = await self._rest(action, "GET", f"/process-definitions/{key}/xml")
        if response.status_code == 204:
            raise NotFound(f"{action}: the definition has no XML resource", code="204")
        return response.text

    # ------------------------------------------------------------------ user tasks

    async def search_user_tasks(
        self,
        *,
        state: str | None = None,
        assignee: str | None = None,
        candidate_group: str | None = None,
        candidate_user: str | None = None,
        process_instance_key: Key | None = None,
        process_definition_id: str | None = None,
        element_id: str | None = None,
        extra_filter: Mapping[str, Any] | None = None,
        limit: int = 100,
    ) -> SearchResult[UserTask]:
        flt = _filter(
            state=state.upper() if state else None,
            assignee=assignee,
            candidate_group=candidate_group,
            candidate_user=candidate_user,
            process_instance_key=process_instance_key,
            process_definition_id=process_definition_id,
            element_id=element_id,
        )
        flt.update(extra_filter or {})
        return await self._search(
            "search user tasks",
            "/user-tasks/search",
            UserTask,
            flt,
            limit=limit,
            sort=[("creationDate", "ASC")],
        )

    async def get_user_task(self, user_task_key: Key) -> UserTask:
        key = _key(user_task_key, "the user task key")
        return await self._get(f"get user task {key}", UserTask, f"/user-tasks/{key}")

    async def assign_user_task(
        self, user_task_key: Key, assignee: str, *, allow_override: bool = True
    ) -> None:
        key = _key(user_task_key, "the user task key")
        if not assignee.strip():
            raise Rejected("the assignee must not be empty", code="INVALID_ARGUMENT")
        await self._rest(
            f"assign user task {key} to {assignee!r}",
            "POST",
            f"/user-tasks/{key}/assignment",
            json_body={"assignee": assignee, "allowOverride": allow_override},
        )

    async def unassign_user_task(self, user_task_key: Key) -> None:
        key = _key(user_task_key, "the user task key")
        await self._rest(f"unassign user task {key}", "DELETE", f"/user-tasks/{key}/assignee")

    async def complete_user_task(
        self, user_task_key: Key, variables: Mapping[str, Any] | None = None
    ) -> None:
        key = _key(user_task_key, "the user task key")
        await self._rest(
            f"complete user task {key}",
            "POST",
            f"/user-tasks/{key}/completion",
            json_body={"variables": _json_object(variables)},
        )

    # ------------------------------------------------------------------ incidents

    async def search_incidents(
        self,
        *,
        state: str | None = None,
        process_instance_key: Key | None = None,
        process_definition_id: str | None = None,
        error_type: str | None = None,
        extra_filter: Mapping[str, Any] | None = None,
        limit: int = 100,
    ) -> SearchResult[Incident]:
        flt = _filter(
            state=state.upper() if state else None,
            process_instance_key=process_instance_key,
            process_definition_id=process_definition_id,
            error_type=error_type.upper() if error_type else None,
        )
        flt.update(extra_filter or {})
        return await self._search(
            "search incidents",
            "/incidents/search",
            Incident,
            flt,
            limit=limit,
            sort=[("creationTime", "DESC")],
        )

    async def get_incident(self, incident_key: Key) -> Incident:
        key = _key(incident_key, "the incident key")
        return await self._get(f"get incident {key}", Incident, f"/incidents/{key}")

    async def update_job_retries(self, job_key: Key, retries: int) -> None:
        key = _key(job_key, "the job key")
        if retries < 1:
            raise Rejected(f"retries must be at least 1, got {retries}", code="INVALID_ARGUMENT")
        await self._rest(
            f"set retries of job {key} to {retries}",
            "PATCH",
            f"/jobs/{key}",
            json_body={"changeset": {"retries": retries}},
        )

    async def resolve_incident(self, incident_key: Key, *, retries: int | None = None) -> None:
        """Resolve an incident; with ``retries``, first give its job that many retries.

        A job incident (retries exhausted) comes straight back unless the job has retries again,
        which is why Operate's "retry" does both steps.
        """
        key = _key(incident_key, "the incident key")
        if retries is not None:
            incident = await self.get_incident(key)
            if not incident.job_key or incident.job_key == "0":
                raise Rejected(
                    f"incident {key} ({incident.error_type}) has no job, so --retries does not apply",
                    hint="resolve it without --retries after fixing its cause (e.g. the variables)",
                    code="INVALID_ARGUMENT",
                )
            await self.update_job_retries(incident.job_key, retries)
        await self._rest(f"resolve incident {key}", "POST", f"/incidents/{key}/resolution", json_body={})

    # ------------------------------------------------------------------ cluster

    async def topology(self) -> Topology:
        """The cluster topology over gRPC (what zbctl status shows)."""
        raw = await self._grpc("get the topology", lambda: self.zeebe.topology())
        return Topology(
            brokers=[
                TopologyBroker(
                    node_id=b.node_id,
                    host=b.host,
                    port=b.port,
                    version=b.version,
                    partitions=[
                        Partition(
                            partition_id=p.partition_id,
                            role=getattr(p.role, "name", str(p.role)).lower(),
                            health=getattr(p.health, "name", str(p.health)).lower(),
                        )
                        for p in b.partitions
                    ],
                )
                for b in raw.brokers
            ],
            cluster_size=raw.cluster_size,
            partitions_count=raw.partitions_count,
            replication_factor=raw.replication_factor,
            gateway_version=raw.gateway_version,
        )

    async def rest_topology(self) -> Topology:
        return await self._get("get the topology over REST", Topology, "/topology")

    async def status(self) -> ClusterStatus:
        """Both gateways, each checked on its own; errors are reported, not raised."""

        async def probe(
            call: Callable[[], Awaitable[Topology]],
        ) -> tuple[Topology | None, CamundaError | None]:
            try:
                return await call(), None
            except CamundaError as exc:
                return None, exc

        (grpc_topology, grpc_exc), (rest_topology, rest_exc) = await asyncio.gather(
            probe(self.topology), probe(self.rest_topology)
        )
        return ClusterStatus(
            grpc_address=str(self.settings.grpc_address),
            rest_address=str(self.settings.rest_address),
            grpc_topology=grpc_topology,
            grpc_error=str(grpc_exc) if grpc_exc else None,
            grpc_error_type=type(grpc_exc).__name__ if grpc_exc else None,
            rest_topology=rest_topology,
            rest_error=str(rest_exc) if rest_exc else None,
            rest_error_type=type(rest_exc).__name__ if rest_exc else None,
        )
