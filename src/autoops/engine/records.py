"""Names of the records the engine writes to its log, spelled as Zeebe spells them.

A record is (position, recordType, valueType, intent, key, timestamp, value). The log is the
engine's audit trail and the source for the REST layer's record views; the state tables are the
read model that processing uses.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "BpmnElementType",
    "DeploymentIntent",
    "ElementState",
    "IncidentIntent",
    "JobBatchIntent",
    "JobIntent",
    "ProcessInstanceIntent",
    "RecordType",
    "UserTaskIntent",
    "ValueType",
    "VariableIntent",
]


class RecordType(StrEnum):
    COMMAND = "COMMAND"
    EVENT = "EVENT"
    COMMAND_REJECTION = "COMMAND_REJECTION"


class ValueType(StrEnum):
    DEPLOYMENT = "DEPLOYMENT"
    PROCESS = "PROCESS"
    PROCESS_INSTANCE = "PROCESS_INSTANCE"
    PROCESS_INSTANCE_CREATION = "PROCESS_INSTANCE_CREATION"
    JOB = "JOB"
    JOB_BATCH = "JOB_BATCH"
    INCIDENT = "INCIDENT"
    VARIABLE = "VARIABLE"
    VARIABLE_DOCUMENT = "VARIABLE_DOCUMENT"
    USER_TASK = "USER_TASK"
    # Event value types (messages, timers, signals, errors, escalations).
    MESSAGE = "MESSAGE"
    MESSAGE_SUBSCRIPTION = "MESSAGE_SUBSCRIPTION"
    TIMER = "TIMER"
    SIGNAL = "SIGNAL"
    ERROR = "ERROR"
    ESCALATION = "ESCALATION"
    CLOCK = "CLOCK"


class DeploymentIntent(StrEnum):
    CREATE = "CREATE"
    CREATED = "CREATED"


class ProcessInstanceIntent(StrEnum):
    CANCEL = "CANCEL"
    SEQUENCE_FLOW_TAKEN = "SEQUENCE_FLOW_TAKEN"
    ELEMENT_ACTIVATING = "ELEMENT_ACTIVATING"
    ELEMENT_ACTIVATED = "ELEMENT_ACTIVATED"
    ELEMENT_COMPLETING = "ELEMENT_COMPLETING"
    ELEMENT_COMPLETED = "ELEMENT_COMPLETED"
    ELEMENT_TERMINATING = "ELEMENT_TERMINATING"
    ELEMENT_TERMINATED = "ELEMENT_TERMINATED"


class ElementState(StrEnum):
    """Element-instance states as stored (the event intents without the ``ELEMENT_`` prefix)."""

    ACTIVATING = "ACTIVATING"
    ACTIVATED = "ACTIVATED"
    COMPLETING = "COMPLETING"
    COMPLETED = "COMPLETED"
    TERMINATING = "TERMINATING"
    TERMINATED = "TERMINATED"

    @property
    def live(self) -> bool:
        return self not in (ElementState.COMPLETED, ElementState.TERMINATED)


class JobIntent(StrEnum):
    CREATED = "CREATED"
    COMPLETE = "COMPLETE"
    COMPLETED = "COMPLETED"
    FAIL = "FAIL"
    FAILED = "FAILED"
    THROW_ERROR = "THROW_ERROR"
    ERROR_THROWN = "ERROR_THROWN"
    TIME_OUT = "TIME_OUT"
    TIMED_OUT = "TIMED_OUT"
    UPDATE_RETRIES = "UPDATE_RETRIES"
    RETRIES_UPDATED = "RETRIES_UPDATED"
    UPDATE_TIMEOUT = "UPDATE_TIMEOUT"
    TIMEOUT_UPDATED = "TIMEOUT_UPDATED"
    RECURRED_AFTER_BACKOFF = "RECURRED_AFTER_BACKOFF"
    CANCELED = "CANCELED"
    YIELD = "YIELD"
    YIELDED = "YIELDED"


class JobBatchIntent(StrEnum):
    ACTIVATE = "ACTIVATE"
    ACTIVATED = "ACTIVATED"


class IncidentIntent(StrEnum):
    CREATED = "CREATED"
    RESOLVE = "RESOLVE"
    RESOLVED = "RESOLVED"


class VariableIntent(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"


class UserTaskIntent(StrEnum):
    CREATED = "CREATED"
    ASSIGN = "ASSIGN"
    ASSIGNED = "ASSIGNED"
    CLAIM = "CLAIM"
    UPDATE = "UPDATE"
    UPDATED = "UPDATED"
    COMPLETE = "COMPLETE"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"


class BpmnElementType(StrEnum):
    """``bpmnElementType`` of PROCESS_INSTANCE records, as Zeebe names them."""

    PROCESS = "PROCESS"
    SUB_PROCESS = "SUB_PROCESS"
    EVENT_SUB_PROCESS = "EVENT_SUB_PROCESS"
    START_EVENT = "START_EVENT"
    INTERMEDIATE_CATCH_EVENT = "INTERMEDIATE_CATCH_EVENT"
    INTERMEDIATE_THROW_EVENT = "INTERMEDIATE_THROW_EVENT"
    BOUNDARY_EVENT = "BOUNDARY_EVENT"
    END_EVENT = "END_EVENT"
    SERVICE_TASK = "SERVICE_TASK"
    RECEIVE_TASK = "RECEIVE_TASK"
    USER_TASK = "USER_TASK"
    MANUAL_TASK = "MANUAL_TASK"
    TASK = "TASK"
    EXCLUSIVE_GATEWAY = "EXCLUSIVE_GATEWAY"
    PARALLEL_GATEWAY = "PARALLEL_GATEWAY"
    EVENT_BASED_GATEWAY = "EVENT_BASED_GATEWAY"
    INCLUSIVE_GATEWAY = "INCLUSIVE_GATEWAY"
    SEQUENCE_FLOW = "SEQUENCE_FLOW"
    MULTI_INSTANCE_BODY = "MULTI_INSTANCE_BODY"
    CALL_ACTIVITY = "CALL_ACTIVITY"
    BUSINESS_RULE_TASK = "BUSINESS_RULE_TASK"
    SCRIPT_TASK = "SCRIPT_TASK"
    SEND_TASK = "SEND_TASK"
    AD_HOC_SUB_PROCESS = "AD_HOC_SUB_PROCESS"
    UNSPECIFIED = "UNSPECIFIED"
