"""The typed, immutable model of a Camunda 8 BPMN file.

The parser builds it once per file; the validator, the engine and the CLI only read it. Every
element keeps the line it came from so that a diagnostic or an incident can point at the source.
Expression-valued attributes keep their raw text (``"=order.total > 100"`` or a static
``"charge-card"``): deciding whether a value is FEEL is the reader's business, see
:func:`is_expression`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


def is_expression(value: str | None) -> bool:
    """A Camunda attribute is a FEEL expression when its text starts with ``=``."""
    return value is not None and value.lstrip().startswith("=")


def expression_body(value: str) -> str:
    """The FEEL text of an ``=``-prefixed attribute (the marker and surrounding blanks removed)."""
    text = value.lstrip()
    return text[1:].strip() if text.startswith("=") else text


class ElementKind(StrEnum):
    """BPMN flow-node kinds, named as their XML local names."""

    START_EVENT = "startEvent"
    END_EVENT = "endEvent"
    INTERMEDIATE_CATCH_EVENT = "intermediateCatchEvent"
    INTERMEDIATE_THROW_EVENT = "intermediateThrowEvent"
    BOUNDARY_EVENT = "boundaryEvent"
    TASK = "task"
    SERVICE_TASK = "serviceTask"
    SEND_TASK = "sendTask"
    RECEIVE_TASK = "receiveTask"
    USER_TASK = "userTask"
    MANUAL_TASK = "manualTask"
    SCRIPT_TASK = "scriptTask"
    BUSINESS_RULE_TASK = "businessRuleTask"
    SUB_PROCESS = "subProcess"
    AD_HOC_SUB_PROCESS = "adHocSubProcess"
    TRANSACTION = "transaction"
    CALL_ACTIVITY = "callActivity"
    EXCLUSIVE_GATEWAY = "exclusiveGateway"
    PARALLEL_GATEWAY = "parallelGateway"
    INCLUSIVE_GATEWAY = "inclusiveGateway"
    EVENT_BASED_GATEWAY = "eventBasedGateway"
    COMPLEX_GATEWAY = "complexGateway"


EVENT_KINDS = frozenset(
    {
        ElementKind.START_EVENT,
        ElementKind.END_EVENT,
        ElementKind.INTERMEDIATE_CATCH_EVENT,
        ElementKind.INTERMEDIATE_THROW_EVENT,
        ElementKind.BOUNDARY_EVENT,
    }
)
GATEWAY_KINDS = frozenset(
    {
        ElementKind.EXCLUSIVE_GATEWAY,
        ElementKind.PARALLEL_GATEWAY,
        ElementKind.INCLUSIVE_GATEWAY,
        ElementKind.EVENT_BASED_GATEWAY,
        ElementKind.COMPLEX_GATEWAY,
    }
)
SUB_PROCESS_KINDS = frozenset(
    {ElementKind.SUB_PROCESS, ElementKind.AD_HOC_SUB_PROCESS, ElementKind.TRANSACTION}
)


class EventKind(StrEnum):
    """The event definition an event carries; NONE when it has none, MULTIPLE when several."""

    NONE = "none"
    MESSAGE = "message"
    TIMER = "timer"
    ERROR = "error"
    ESCALATION = "escalation"
    SIGNAL = "signal"
    LINK = "link"
    TERMINATE = "terminate"
    COMPENSATION = "compensation"
    CONDITIONAL = "conditional"
    CANCEL = "cancel"
    MULTIPLE = "multiple"


class TimerKind(StrEnum):
    DATE = "timeDate"
    DURATION = "timeDuration"
    CYCLE = "timeCycle"


# --------------------------------------------------------------------------- root elements


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    id: str
    name: str | None
    correlation_key: str | None = None  # from zeebe:subscription, raw text
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Error:
    id: str
    name: str | None = None
    error_code: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalation:
    id: str
    name: str | None = None
    escalation_code: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    id: str
    name: str | None = None
    line: int | None = None


# --------------------------------------------------------------------------- event definitions


@dataclass(frozen=True, slots=True, kw_only=True)
class Timer:
    kind: TimerKind
    value: str  # raw text: ISO 8601 / cron / "=FEEL"
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EventDefinition:
    """One ``*EventDefinition`` child, with its reference already resolved.

    A reference that names no root element leaves the resolved field ``None`` and keeps the id in
    ``ref`` so that the validator can say which reference dangles.
    """

    kind: EventKind
    id: str | None = None
    ref: str | None = None  # messageRef / errorRef / escalationRef / signalRef as written
    message: Message | None = None
    error: Error | None = None
    escalation: Escalation | None = None
    signal: Signal | None = None
    timer: Timer | None = None
    link_name: str | None = None
    line: int | None = None


# --------------------------------------------------------------------------- zeebe extensions


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskDefinition:
    type: str | None  # None when the attribute is missing
    retries: str | None = None  # raw text; engine default is 3
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VariableMapping:
    """One ``zeebe:input`` or ``zeebe:output``; ``source`` is missing for a mapping to null."""

    source: str | None
    target: str | None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IoMapping:
    inputs: tuple[VariableMapping, ...] = ()
    outputs: tuple[VariableMapping, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskHeader:
    key: str | None
    value: str | None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignmentDefinition:
    assignee: str | None = None
    candidate_groups: str | None = None
    candidate_users: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskSchedule:
    due_date: str | None = None
    follow_up_date: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FormDefinition:
    form_id: str | None = None
    form_key: str | None = None
    external_reference: str | None = None
    binding_type: str | None = None
    version_tag: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserTaskForm:
    """An embedded form (``zeebe:userTaskForm``) kept on the process; body is the form JSON."""

    id: str
    body: str
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CalledElement:
    process_id: str | None
    propagate_all_child_variables: bool = True
    propagate_all_parent_variables: bool = True
    binding_type: str | None = None
    version_tag: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CalledDecision:
    decision_id: str | None
    result_variable: str | None
    binding_type: str | None = None
    version_tag: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Script:
    expression: str | None
    result_variable: str | None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Listener:
    """A ``zeebe:executionListener`` or ``zeebe:taskListener``: a job of its own type."""

    event_type: str | None
    type: str | None
    retries: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MultiInstance:
    """``bpmn:multiInstanceLoopCharacteristics`` with its ``zeebe:loopCharacteristics``."""

    is_sequential: bool
    input_collection: str | None = None
    input_element: str | None = None
    output_collection: str | None = None
    output_element: str | None = None
    completion_condition: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserTaskSpec:
    """What makes a user task a Camunda user task (``zeebe:userTask`` present) and its settings."""

    camunda_user_task: bool
    assignment: AssignmentDefinition | None = None
    schedule: TaskSchedule | None = None
    priority: str | None = None  # zeebe:priorityDefinition@priority, raw
    form: FormDefinition | None = None
    task_listeners: tuple[Listener, ...] = ()


# --------------------------------------------------------------------------- flow elements


@dataclass(frozen=True, slots=True, kw_only=True)
class SequenceFlow:
    id: str
    source: str
    target: str
    name: str | None = None
    condition: str | None = None  # text of conditionExpression, raw
    line: int | None = None
    execution_listeners: tuple[Listener, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowNode:
    """Everything every flow node has. Subclasses add what their kind carries."""

    id: str
    kind: ElementKind
    name: str | None = None
    line: int | None = None
    incoming: tuple[str, ...] = ()  # sequence-flow ids
    outgoing: tuple[str, ...] = ()
    documentation: str | None = None
    io_mapping: IoMapping = field(default_factory=IoMapping)
    execution_listeners: tuple[Listener, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()  # zeebe:property name/value
    # zeebe:* extension elements whose local name the parser does not know, kept for the
    # validator (Zeebe rejects nothing for them but we may warn).
    unknown_extensions: tuple[str, ...] = ()
    # Local names of every zeebe:* element in extensionElements, in document order and with
    # repeats, so that the validator can count them ("exactly one taskDefinition").
    extension_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Event(FlowNode):
    event_definitions: tuple[EventDefinition, ...] = ()
    # startEvent@isInterrupting (event subprocess starts) or boundaryEvent@cancelActivity.
    interrupting: bool = True
    attached_to: str | None = None  # boundary events only
    form: FormDefinition | None = None  # start events may carry a form
    task_definition: TaskDefinition | None = None  # message throw / end events are job-based
    task_headers: tuple[TaskHeader, ...] = ()

    @property
    def event_kind(self) -> EventKind:
        if not self.event_definitions:
            return EventKind.NONE
        if len(self.event_definitions) > 1:
            return EventKind.MULTIPLE
        return self.event_definitions[0].kind

    @property
    def definition(self) -> EventDefinition | None:
        return self.event_definitions[0] if len(self.event_definitions) == 1 else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Gateway(FlowNode):
    default_flow: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity(FlowNode):
    """Tasks, call activities and subprocesses."""

    default_flow: str | None = None
    multi_instance: MultiInstance | None = None
    has_standard_loop: bool = False  # bpmn:standardLoopCharacteristics (not executable)
    boundary_events: tuple[str, ...] = ()  # ids of the boundary events attached here
    task_definition: TaskDefinition | None = None
    task_headers: tuple[TaskHeader, ...] = ()
    user_task: UserTaskSpec | None = None  # user tasks only
    script: Script | None = None
    called_element: CalledElement | None = None
    called_decision: CalledDecision | None = None
    message: Message | None = None  # receive tasks: resolved messageRef
    message_ref: str | None = None
    instantiate: bool = False  # receiveTask@instantiate (not executable)
    is_for_compensation: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """Flow nodes and sequence flows of one level: a process body or a subprocess body."""

    nodes: tuple[FlowNode, ...] = ()
    flows: tuple[SequenceFlow, ...] = ()

    def start_events(self) -> tuple[Event, ...]:
        return tuple(
            n for n in self.nodes if isinstance(n, Event) and n.kind is ElementKind.START_EVENT
        )

    def event_subprocesses(self) -> tuple[SubProcess, ...]:
        return tuple(n for n in self.nodes if isinstance(n, SubProcess) and n.triggered_by_event)


@dataclass(frozen=True, slots=True, kw_only=True)
class SubProcess(Activity):
    triggered_by_event: bool = False  # an event subprocess
    body: Scope = field(default_factory=Scope)


@dataclass(frozen=True, slots=True, kw_only=True)
class Process:
    id: str
    name: str | None = None
    is_executable: bool = False
    version_tag: str | None = None  # zeebe:versionTag@value
    line: int | None = None
    documentation: str | None = None
    body: Scope = field(default_factory=Scope)
    execution_listeners: tuple[Listener, ...] = ()
    user_task_forms: tuple[UserTaskForm, ...] = ()
    # Index built once: every flow node and flow at any depth, and the scope that holds it
    # (the process id for top-level elements, else the enclosing subprocess id).
    _nodes: Mapping[str, FlowNode] = field(init=False, repr=False, compare=False)
    _flows: Mapping[str, SequenceFlow] = field(init=False, repr=False, compare=False)
    _parents: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        nodes: dict[str, FlowNode] = {}
        flows: dict[str, SequenceFlow] = {}
        parents: dict[str, str] = {}

        def index(scope: Scope, owner: str) -> None:
            for node in scope.nodes:
                nodes[node.id] = node
                parents[node.id] = owner
                if isinstance(node, SubProcess):
                    index(node.body, node.id)
            for flow in scope.flows:
                flows[flow.id] = flow
                parents[flow.id] = owner

        index(self.body, self.id)
        object.__setattr__(self, "_nodes", MappingProxyType(nodes))
        object.__setattr__(self, "_flows", MappingProxyType(flows))
        object.__setattr__(self, "_parents", MappingProxyType(parents))

    @property
    def nodes(self) -> Mapping[str, FlowNode]:
        """Every flow node of the process at any depth, by id."""
        return self._nodes

    @property
    def flows(self) -> Mapping[str, SequenceFlow]:
        """Every sequence flow of the process at any depth, by id."""
        return self._flows

    def node(self, element_id: str) -> FlowNode:
        return self._nodes[element_id]

    def flow(self, flow_id: str) -> SequenceFlow:
        return self._flows[flow_id]

    def parent_id(self, element_id: str) -> str:
        """Id of the scope holding an element: the process id or a subprocess id."""
        return self._parents[element_id]

    def scope_of(self, scope_id: str) -> Scope:
        """The body of the process (its own id) or of a subprocess."""
        if scope_id == self.id:
            return self.body
        node = self._nodes[scope_id]
        if not isinstance(node, SubProcess):
            raise KeyError(f"{scope_id!r} is not a scope")
        return node.body

    def walk(self) -> Iterator[FlowNode]:
        return iter(self._nodes.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class Participant:
    id: str
    name: str | None = None
    process_ref: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Definitions:
    """A whole BPMN file."""

    source: str  # file name or resource name, for diagnostics
    id: str | None = None
    target_namespace: str | None = None
    exporter: str | None = None
    exporter_version: str | None = None
    execution_platform: str | None = None
    execution_platform_version: str | None = None
    processes: tuple[Process, ...] = ()
    messages: tuple[Message, ...] = ()
    errors: tuple[Error, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    signals: tuple[Signal, ...] = ()
    participants: tuple[Participant, ...] = ()
    has_diagram: bool = False
    # Elements the parser met that Zeebe cannot execute and that carry no model class of their own
    # (for example bpmn:complexGateway is modelled, but bpmn:choreography is not): (local name, id, line).
    unsupported: tuple[tuple[str, str | None, int | None], ...] = ()

    def executable_processes(self) -> tuple[Process, ...]:
        return tuple(p for p in self.processes if p.is_executable)

    def process(self, process_id: str) -> Process:
        for p in self.processes:
            if p.id == process_id:
                return p
        raise KeyError(process_id)

