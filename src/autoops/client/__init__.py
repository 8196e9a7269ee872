"""Talk to any Camunda 8 cluster (the embedded engine, self-managed, SaaS) from code.

``CamundaClient`` is async (``async with CamundaClient(settings) as client``); ``SyncCamundaClient``
offers the same operations as blocking calls for scripts. Settings come from
:class:`autoops.config.Settings` (Camunda's environment variable names). Failures are the types in
:mod:`autoops.client.errors`.
"""

from autoops.client._client import CamundaClient, Key, ResourceInput, SearchResult
from autoops.client._sync import SyncCamundaClient
from autoops.client._validate import check_resources
from autoops.client.auth import BasicCredentials, CredentialsProvider, NoCredentials, OAuthClientCredentials
from autoops.client.errors import (
    Busy,
    CamundaError,
    EngineUnreachable,
    InvalidModel,
    NotFound,
    Rejected,
    RequestTimeout,
    ServerError,
    Unauthorized,
)
from autoops.client.models import (
    ClusterStatus,
    DeployedResource,
    DeployResult,
    ElementInstance,
    Incident,
    MessagePublished,
    ProcessDefinition,
    ProcessInstance,
    ProcessInstanceCreated,
    ProcessInstanceDetails,
    Topology,
    UserTask,
    Variable,
)
from autoops.config import Settings

__all__ = [
    "BasicCredentials",
    "Busy",
    "CamundaClient",
    "CamundaError",
    "ClusterStatus",
    "CredentialsProvider",
    "DeployResult",
    "DeployedResource",
    "ElementInstance",
    "EngineUnreachable",
    "Incident",
    "InvalidModel",
    "Key",
    "MessagePublished",
    "NoCredentials",
    "NotFound",
    "OAuthClientCredentials",
    "ProcessDefinition",
    "ProcessInstance",
    "ProcessInstanceCreated",
    "ProcessInstanceDetails",
    "Rejected",
    "RequestTimeout",
    "ResourceInput",
    "SearchResult",
    "ServerError",
    "Settings",
    "SyncCamundaClient",
    "Topology",
    "Unauthorized",
    "UserTask",
    "Variable",
    "check_resources",
]
