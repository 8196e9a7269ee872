"""The embedded Zeebe-compatible engine: commands in, events out, state in one SQLite file.

Public surface: :class:`Engine` (the async in-process API the gateways map onto), the clocks, the
result types and the errors a gateway translates into gRPC/HTTP statuses.
"""

from autoops.engine.clock import Clock, ControlledClock, SystemClock
from autoops.engine.deployment import DeploymentResult, ProcessMetadata
from autoops.engine.engine import DEFAULT_RESULT_TIMEOUT_MS, Engine
from autoops.engine.errors import EngineClosedError, ErrorType, ResultTimeoutError
from autoops.engine.forms import FormMetadata
from autoops.engine.instances import CreatedInstance
from autoops.engine.jobs import USER_TASK_JOB_TYPE, ActivatedJob
from autoops.engine.keys import first_key
from autoops.engine.queries import ENTITIES, Queries, QueryError, SearchResult
from autoops.engine.rejections import Rejection, RejectionType

__all__ = [
    "DEFAULT_RESULT_TIMEOUT_MS",
    "ENTITIES",
    "USER_TASK_JOB_TYPE",
    "ActivatedJob",
    "Clock",
    "ControlledClock",
    "CreatedInstance",
    "DeploymentResult",
    "Engine",
    "EngineClosedError",
    "ErrorType",
    "FormMetadata",
    "ProcessMetadata",
    "Queries",
    "QueryError",
    "Rejection",
    "RejectionType",
    "ResultTimeoutError",
    "SearchResult",
    "SystemClock",
    "first_key",
]
