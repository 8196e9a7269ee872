"""The embedded Zeebe-compatible engine: commands in, events out, state in one SQLite file.

Public surface: :class:`Engine` (the async in-process API the gateways map onto), the clocks, the
result types and the errors a gateway translates into gRPC/HTTP statuses.

Layout (one module per behaviour): ``store`` (SQLite schema, connections), ``context`` (one
command's transaction, records, follow-up steps), ``lifecycle`` (element states, sequence flows,
token counting), ``processors/`` (one processor per element kind, chosen by a registry: tasks,
gateways, containers, catch and throw events, the event-based gateway, multi-instance bodies, call
activities), ``variables`` / ``expressions`` (scopes, mappings, FEEL), ``jobs``, ``incidents``,
``user_tasks``, ``forms``, ``deployment``, ``instances``, ``modification``, ``catch_events``
(subscriptions owned by element instances and what a trigger does), ``messages``, ``timers``,
``signals``, ``start_events`` (message/signal/timer start events per deployed version),
``bpmn_errors`` (error and escalation propagation up the scopes and across call activities),
``scheduler`` (due items), ``notifier`` (job availability), ``queries`` (read side), ``engine``
(the facade and the single writer).

Extension points: ``processors.register`` / ``register_entry_wrapper`` (element kinds,
multi-instance bodies), ``lifecycle.add_transition_listener`` (open/close event subscriptions),
``lifecycle.register_step`` (new follow-up steps), ``scheduler.register_due_handler`` (timers,
message TTL), ``context.Hooks.find_error_catch`` (BPMN error routing).
"""

from autoops.engine.clock import Clock, ControlledClock, SystemClock
from autoops.engine.deployment import DeploymentResult, ProcessMetadata
from autoops.engine.engine import DEFAULT_RESULT_TIMEOUT_MS, Engine
from autoops.engine.errors import EngineClosedError, ErrorType, ResultTimeoutError
from autoops.engine.forms import FormMetadata
from autoops.engine.instances import CreatedInstance
from autoops.engine.jobs import USER_TASK_JOB_TYPE, ActivatedJob
from autoops.engine.keys import first_key
from autoops.engine.messages import CorrelatedMessage, PublishedMessage
from autoops.engine.queries import ENTITIES, Queries, QueryError, SearchResult
from autoops.engine.rejections import Rejection, RejectionType
from autoops.engine.signals import BroadcastSignalResult

__all__ = [
    "DEFAULT_RESULT_TIMEOUT_MS",
    "ENTITIES",
    "USER_TASK_JOB_TYPE",
    "ActivatedJob",
    "BroadcastSignalResult",
    "Clock",
    "ControlledClock",
    "CorrelatedMessage",
    "CreatedInstance",
    "DeploymentResult",
    "Engine",
    "EngineClosedError",
    "ErrorType",
    "FormMetadata",
    "ProcessMetadata",
    "PublishedMessage",
    "Queries",
    "QueryError",
    "Rejection",
    "RejectionType",
    "ResultTimeoutError",
    "SearchResult",
    "SystemClock",
    "first_key",
]
