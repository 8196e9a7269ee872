"""Typed shapes of what crosses the wire: REST v2 bodies and the results of gRPC commands.

The REST models follow the documented Camunda 8.8 field names (camelCase on the wire, snake_case in
Python). Keys are decimal strings everywhere, as in REST, so that a key never loses precision on its
way through JSON and the results of gRPC and REST calls look the same. Unknown fields sent by newer
servers are kept (``extra="allow"``), missing optional fields are None: a client must keep working
across minor versions of the cluster.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasGenerator, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

__all__ = [
    "ClusterStatus",
    "DeployResult",
    "DeployedResource",
    "ElementInstance",
    "Incident",
    "MessagePublished",
    "Page",
    "Partition",
    "ProcessDefinition",
    "ProcessInstance",
    "ProcessInstanceCreated",
    "ProcessInstanceDetails",
    "SearchPage",
    "SearchQuery",
    "SortField",
    "Topology",
    "TopologyBroker",
    "UserTask",
    "Variable",
]


class _Wire(BaseModel):
    """camelCase on the wire, snake_case in Python, tolerant of fields added by newer servers."""

    model_config = ConfigDict(
        alias_generator=AliasGenerator(alias=to_camel),
        populate_by_name=True,
        extra="allow",
        hide_input_in_errors=True,
    )

    def wire(self) -> dict[str, Any]:
        """The JSON body as the REST API names it (None fields left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def _key(value: Any) -> Any:
    # Keys are strings in REST; gRPC hands us ints. Accept both, keep strings.
    if isinstance(value, bool):
        raise ValueError("a key is a number or a decimal string, not a boolean")
    if isinstance(value, int):
        return str(value)
    return value


class _Keyed(_Wire):
    @field_validator("*", mode="before")
    @classmethod
    def _keys_as_strings(cls, value: Any, info: Any) -> Any:
        name = info.field_name or ""
        if name.endswith("_key") and value is not None:
            return _key(value)
        return value


# ---------------------------------------------------------------------------------------- search


class SortField(_Wire):
    field: str
    order: Literal["ASC", "DESC"] = "ASC"


class Page(_Wire):
    """Request page: offset (``from``/``limit``) or cursor (``after``/``before`` + ``limit``), never both."""

    from_: int | None = Field(default=None, alias="from")
    limit: int | None = None
    after: str | None = None
    before: str | None = None


class SearchQuery(_Wire):
    filter: dict[str, Any] | None = None
    sort: list[SortField] | None = None
    page: Page | None = None


class SearchPage(_Wire):
    total_items: int = 0
    has_more_total_items: bool | None = None
    start_cursor: str | None = None
    end_cursor: str | None = None


# ---------------------------------------------------------------------------------------- results


class ProcessInstance(_Keyed):
    process_instance_key: str
    process_definition_id: str | None = None
    process_definition_name: str | None = None
    process_definition_version: int | None = None
    process_definition_version_tag: str | None = None
    process_definition_key: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    state: str | None = None
    has_incident: bool | None = None
    tenant_id: str | None = None
    parent_process_instance_key: str | None = None
    parent_element_instance_key: str | None = None
    tags: list[str] | None = None


class ElementInstance(_Keyed):
    element_instance_key: str
    element_id: str | None = None
    element_name: str | None = None
    type: str | None = None
    state: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    has_incident: bool | None = None
    incident_key: str | None = None
    process_instance_key: str | None = None
    process_definition_key: str | None = None
    process_definition_id: str | None = None
    tenant_id: str | None = None


class Incident(_Keyed):
    incident_key: str
    process_definition_id: str | None = None
    process_definition_key: str | None = None
    process_instance_key: str | None = None
    element_id: str | None = None
    element_instance_key: str | None = None
    job_key: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    creation_time: str | None = None
    state: str | None = None
    tenant_id: str | None = None


class Variable(_Keyed):
    variable_key: str | None = None
    name: str
    value: str | None = Field(default=None, description="JSON text of the value, possibly truncated")
    is_truncated: bool | None = None
    scope_key: str | None = None
    process_instance_key: str | None = None
    tenant_id: str | None = None


class UserTask(_Keyed):
    user_task_key: str
    name: str | None = None
    state: str | None = None
    assignee: str | None = None
    candidate_groups: list[str] | None = None
    candidate_users: list[str] | None = None
    priority: int | None = None
    element_id: str | None = None
    element_instance_key: str | None = None
    process_name: str | None = None
    process_definition_id: str | None = None
    process_definition_version: int | None = None
    process_definition_key: str | None = None
    process_instance_key: str | None = None
    tenant_id: str | None = None
    creation_date: str | None = None
    completion_date: str | None = None
    follow_up_date: str | None = None
    due_date: str | None = None
    external_form_reference: str | None = None
    form_key: str | None = None
    custom_headers: dict[str, str] | None = None


class ProcessDefinition(_Keyed):
    process_definition_key: str
    process_definition_id: str | None = None
    name: str | None = None
    resource_name: str | None = None
    version: int | None = None
    version_tag: str | None = None
    tenant_id: str | None = None
    has_start_form: bool | None = None


class Partition(_Wire):
    partition_id: int
    role: str
    health: str


class TopologyBroker(_Wire):
    node_id: int
    host: str
    port: int
    version: str | None = None
    partitions: list[Partition] = Field(default_factory=list)


class Topology(_Wire):
    brokers: list[TopologyBroker] = Field(default_factory=list)
    cluster_size: int | None = None
    partitions_count: int | None = None
    replication_factor: int | None = None
    gateway_version: str | None = None


class ClusterStatus(_Wire):
    """Both gateways, checked independently: a cluster can answer on one and not the other."""

    grpc_address: str
    rest_address: str
    grpc_topology: Topology | None = None
    grpc_error: str | None = None
    grpc_error_type: str | None = Field(
        default=None, description="autoops error class, e.g. EngineUnreachable"
    )
    rest_topology: Topology | None = None
    rest_error: str | None = None
    rest_error_type: str | None = None

    @property
    def healthy(self) -> bool:
        return self.grpc_error is None and self.rest_error is None


# ---------------------------------------------------------------------------------------- commands


class DeployedResource(_Keyed):
    """One entry of a deployment: a process (most common), decision, requirements graph or form."""

    kind: Literal["process", "decision", "decisionRequirements", "form"]
    resource_name: str | None = None
    id: str = Field(description="BPMN process id, DMN decision id or form id")
    version: int
    definition_key: str
    tenant_id: str | None = None


class DeployResult(_Keyed):
    deployment_key: str
    tenant_id: str | None = None
    deployments: list[DeployedResource] = Field(default_factory=list)


class ProcessInstanceCreated(_Keyed):
    process_instance_key: str
    process_definition_key: str
    process_definition_id: str
    process_definition_version: int
    tenant_id: str | None = None
    variables: dict[str, Any] | None = Field(
        default=None, description="root-scope variables at completion; only when the start awaited the result"
    )


class MessagePublished(_Keyed):
    message_key: str
    tenant_id: str | None = None


class ProcessInstanceDetails(_Wire):
    """An instance with what an operator looks at next: its element instances, incidents and variables."""

    instance: ProcessInstance
    element_instances: list[ElementInstance] = Field(default_factory=list)
    incidents: list[Incident] = Field(default_factory=list)
    variables: list[Variable] = Field(default_factory=list)
