"""Turn a parsed BPMN element tree into the immutable model.

The reader is namespace-aware and prefix-agnostic: it matches on namespace URI and local name, so
``bpmn:``, ``bpmn2:``, ``semantic:`` and a default namespace all read the same. Elements of other
namespaces and stray text are skipped. What Zeebe cannot execute is still put into the model (as
its own kind, a flag, or an entry in ``Definitions.unsupported``) so that the validator can reject
it with a located message; nothing executable-looking is dropped silently.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lxml import etree

from autoops.bpmn._xml import DEFAULT_MAX_BYTES, parse_xml, read_bounded
from autoops.bpmn.errors import BpmnParseError
from autoops.bpmn.model import (
    Activity,
    AssignmentDefinition,
    CalledDecision,
    CalledElement,
    Definitions,
    ElementKind,
    Error,
    Escalation,
    Event,
    EventDefinition,
    EventKind,
    FlowNode,
    FormDefinition,
    Gateway,
    IoMapping,
    Listener,
    Message,
    MultiInstance,
    Participant,
    Process,
    Scope,
    Script,
    SequenceFlow,
    Signal,
    SubProcess,
    TaskDefinition,
    TaskHeader,
    TaskSchedule,
    Timer,
    TimerKind,
    UserTaskForm,
    UserTaskSpec,
    VariableMapping,
)

__all__ = ["parse_bytes", "parse_file"]

_M = TypeVar("_M")
_SNAKE = re.compile(r"([A-Z])")

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
MODELER_NS = "http://camunda.org/schema/modeler/1.0"

_EVENTS = {
    "startEvent": ElementKind.START_EVENT,
    "endEvent": ElementKind.END_EVENT,
    "intermediateCatchEvent": ElementKind.INTERMEDIATE_CATCH_EVENT,
    "intermediateThrowEvent": ElementKind.INTERMEDIATE_THROW_EVENT,
    "boundaryEvent": ElementKind.BOUNDARY_EVENT,
}
_TASKS = {
    "task": ElementKind.TASK,
    "serviceTask": ElementKind.SERVICE_TASK,
    "sendTask": ElementKind.SEND_TASK,
    "receiveTask": ElementKind.RECEIVE_TASK,
    "userTask": ElementKind.USER_TASK,
    "manualTask": ElementKind.MANUAL_TASK,
    "scriptTask": ElementKind.SCRIPT_TASK,
    "businessRuleTask": ElementKind.BUSINESS_RULE_TASK,
    "callActivity": ElementKind.CALL_ACTIVITY,
}
_SUB_PROCESSES = {
    "subProcess": ElementKind.SUB_PROCESS,
    "adHocSubProcess": ElementKind.AD_HOC_SUB_PROCESS,
    "transaction": ElementKind.TRANSACTION,
}
_GATEWAYS = {
    "exclusiveGateway": ElementKind.EXCLUSIVE_GATEWAY,
    "parallelGateway": ElementKind.PARALLEL_GATEWAY,
    "inclusiveGateway": ElementKind.INCLUSIVE_GATEWAY,
    "eventBasedGateway": ElementKind.EVENT_BASED_GATEWAY,
    "complexGateway": ElementKind.COMPLEX_GATEWAY,
}
_EVENT_DEFINITIONS = {
    "messageEventDefinition": EventKind.MESSAGE,
    "timerEventDefinition": EventKind.TIMER,
    "errorEventDefinition": EventKind.ERROR,
    "escalationEventDefinition": EventKind.ESCALATION,
    "signalEventDefinition": EventKind.SIGNAL,
    "linkEventDefinition": EventKind.LINK,
    "terminateEventDefinition": EventKind.TERMINATE,
    "compensateEventDefinition": EventKind.COMPENSATION,
    "conditionalEventDefinition": EventKind.CONDITIONAL,
    "cancelEventDefinition": EventKind.CANCEL,
}
# Root elements that event definitions reference. For each, the reference attribute is
# ``<name>Ref`` and the resolved field of EventDefinition is ``<name>``.
_REFERENCED = {
    EventKind.MESSAGE: "message",
    EventKind.ERROR: "error",
    EventKind.ESCALATION: "escalation",
    EventKind.SIGNAL: "signal",
}
_TIMER_KINDS = {"timeDate": TimerKind.DATE, "timeDuration": TimerKind.DURATION, "timeCycle": TimerKind.CYCLE}

# BPMN elements inside a process or subprocess that only carry layout, documentation or data
# modelling; Zeebe ignores them (spec 6.1 "modelling only").
_IGNORED_IN_SCOPE = frozenset(
    {
        "documentation",
        "extensionElements",
        "laneSet",
        "lane",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
        "textAnnotation",
        "association",
        "group",
        "ioSpecification",
        "ioBinding",
        "property",
        "auditing",
        "monitoring",
        "supports",
        "correlationSubscription",
        "resourceRole",
        "performer",
        "humanPerformer",
        "potentialOwner",
        "incoming",
        "outgoing",
        "dataInputAssociation",
        "dataOutputAssociation",
        "multiInstanceLoopCharacteristics",
        "standardLoopCharacteristics",
        "completionCondition",
    }
)
_IGNORED_ROOTS = frozenset(
    {
        "documentation",
        "extensionElements",
        "import",
        "itemDefinition",
        "interface",
        "dataStore",
        "category",
        "resource",
        "partnerEntity",
        "partnerRole",
        "correlationProperty",
        "endPoint",
        "eventDefinition",
        "extension",
        "relationship",
        "messageEventDefinition",
        "timerEventDefinition",
        "errorEventDefinition",
        "escalationEventDefinition",
        "signalEventDefinition",
        "linkEventDefinition",
        "terminateEventDefinition",
        "compensateEventDefinition",
        "conditionalEventDefinition",
        "cancelEventDefinition",
    }
)
KNOWN_ZEEBE_EXTENSIONS = frozenset(
    {
        "taskDefinition",
        "ioMapping",
        "taskHeaders",
        "userTask",
        "assignmentDefinition",
        "taskSchedule",
        "priorityDefinition",
        "formDefinition",
        "userTaskForm",
        "calledElement",
        "calledDecision",
        "script",
        "subscription",
        "loopCharacteristics",
        "executionListeners",
        "taskListeners",
        "versionTag",
        "properties",
        "jobPriorityDefinition",
        "linkedResources",
        "adHoc",
        "conditionalFilter",
    }
)


def _split(tag: object) -> tuple[str | None, str]:
    """Namespace and local name of an element tag; comments and PIs have no string tag."""
    if not isinstance(tag, str):
        return None, ""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


def _children(el: etree._Element, ns: str | None = None) -> Iterator[tuple[str, etree._Element]]:
    for child in el:
        child_ns, local = _split(child.tag)
        if not local:
            continue
        if ns is None or child_ns == ns:
            yield local, child


def _text(el: etree._Element) -> str:
    return "".join(t for t in el.itertext() if isinstance(t, str)).strip()


def _line(el: etree._Element) -> int | None:
    line = getattr(el, "sourceline", None)
    return line if isinstance(line, int) else None


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    text = value.strip().lower()
    if text == "true":
        return True
    if text == "false":
        return False
    return default


def _attr(el: etree._Element, name: str) -> str | None:
    value = el.get(name)
    return str(value) if value is not None else None


def _read(model: Callable[..., _M], el: etree._Element, *attributes: str, **fields: Any) -> _M:
    """``model`` built from the element: each named attribute fills the field of the same name in
    snake_case (the model mirrors Camunda's attribute names), plus ``fields`` and the source line."""
    values = {_SNAKE.sub(r"_\1", name).lower(): _attr(el, name) for name in attributes}
    return model(**values, **fields, line=_line(el))


@dataclass(slots=True)
class _Ext:
    """What one ``bpmn:extensionElements`` holds, gathered before it is spread onto the model."""

    names: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    task_definitions: list[TaskDefinition] = field(default_factory=list)
    headers: list[TaskHeader] = field(default_factory=list)
    inputs: list[VariableMapping] = field(default_factory=list)
    outputs: list[VariableMapping] = field(default_factory=list)
    user_task: bool = False
    assignment: AssignmentDefinition | None = None
    schedule: TaskSchedule | None = None
    priority: str | None = None
    form: FormDefinition | None = None
    called_element: CalledElement | None = None
    called_decision: CalledDecision | None = None
    script: Script | None = None
    execution_listeners: list[Listener] = field(default_factory=list)
    task_listeners: list[Listener] = field(default_factory=list)
    properties: list[tuple[str, str]] = field(default_factory=list)
    version_tag: str | None = None
    correlation_key: str | None = None
    loop: etree._Element | None = None
    user_task_forms: list[UserTaskForm] = field(default_factory=list)

    @property
    def io_mapping(self) -> IoMapping:
        return IoMapping(inputs=tuple(self.inputs), outputs=tuple(self.outputs))


def _listeners(el: etree._Element, child_name: str) -> list[Listener]:
    return [
        _read(Listener, child, "eventType", "type", "retries")
        for local, child in _children(el, ZEEBE_NS)
        if local == child_name
    ]


def _extensions(el: etree._Element) -> _Ext:
    ext = _Ext()
    for local, holder in _children(el, BPMN_NS):
        if local != "extensionElements":
            continue
        for name, z in _children(holder, ZEEBE_NS):
            ext.names.append(name)
            if name not in KNOWN_ZEEBE_EXTENSIONS:
                ext.unknown.append(name)
            elif name == "taskDefinition":
                ext.task_definitions.append(_read(TaskDefinition, z, "type", "retries"))
            elif name == "taskHeaders":
                ext.headers.extend(
                    _read(TaskHeader, h, "key", "value") for hl, h in _children(z, ZEEBE_NS) if hl == "header"
                )
            elif name == "ioMapping":
                for ml, m in _children(z, ZEEBE_NS):
                    mapping = _read(VariableMapping, m, "source", "target")
                    if ml == "input":
                        ext.inputs.append(mapping)
                    elif ml == "output":
                        ext.outputs.append(mapping)
            elif name == "userTask":
                ext.user_task = True
            elif name == "assignmentDefinition":
                ext.assignment = _read(
                    AssignmentDefinition, z, "assignee", "candidateGroups", "candidateUsers"
                )
            elif name == "taskSchedule":
                ext.schedule = _read(TaskSchedule, z, "dueDate", "followUpDate")
            elif name == "priorityDefinition":
                ext.priority = _attr(z, "priority")
            elif name == "formDefinition":
                ext.form = _read(
                    FormDefinition, z, "formId", "formKey", "externalReference", "bindingType", "versionTag"
                )
            elif name == "calledElement":
                ext.called_element = _read(
                    CalledElement,
                    z,
                    "processId",
                    "bindingType",
                    "versionTag",
                    propagate_all_child_variables=_bool(_attr(z, "propagateAllChildVariables"), True),
                    propagate_all_parent_variables=_bool(_attr(z, "propagateAllParentVariables"), True),
                )
            elif name == "calledDecision":
                ext.called_decision = _read(
                    CalledDecision, z, "decisionId", "resultVariable", "bindingType", "versionTag"
                )
            elif name == "script":
                ext.script = _read(Script, z, "expression", "resultVariable")
            elif name == "executionListeners":
                ext.execution_listeners.extend(_listeners(z, "executionListener"))
            elif name == "taskListeners":
                ext.task_listeners.extend(_listeners(z, "taskListener"))
            elif name == "properties":
                for pl, prop in _children(z, ZEEBE_NS):
                    if pl == "property":
                        ext.properties.append((_attr(prop, "name") or "", _attr(prop, "value") or ""))
            elif name == "versionTag":
                ext.version_tag = _attr(z, "value")
            elif name == "subscription":
                ext.correlation_key = _attr(z, "correlationKey")
            elif name == "loopCharacteristics":
                ext.loop = z
            elif name == "userTaskForm":
                ext.user_task_forms.append(
                    UserTaskForm(id=_attr(z, "id") or "", body=_text(z), line=_line(z))
                )
    return ext


_RootElement = Message | Error | Escalation | Signal


def _root_element(local: str, el: etree._Element) -> _RootElement:
    id_ = _attr(el, "id") or ""
    if local == "message":
        return _read(Message, el, "name", id=id_, correlation_key=_extensions(el).correlation_key)
    if local == "error":
        return _read(Error, el, "name", "errorCode", id=id_)
    if local == "escalation":
        return _read(Escalation, el, "name", "escalationCode", id=id_)
    return _read(Signal, el, "name", id=id_)


def _documentation(el: etree._Element) -> str | None:
    for local, child in _children(el, BPMN_NS):
        if local == "documentation":
            return _text(child)
    return None


class _Reader:
    """One pass over one document; holds the root elements that references resolve against."""

    def __init__(self, source: str) -> None:
        self.source = source
        # Root elements by local name, then by id (the first of a duplicated id wins).
        self.roots: dict[str, dict[str, _RootElement]] = {local: {} for local in _REFERENCED.values()}
        self.unsupported: list[tuple[str, str | None, int | None]] = []

    # ------------------------------------------------------------------ definitions

    def definitions(self, root: etree._Element) -> Definitions:
        ns, local = _split(root.tag)
        if ns != BPMN_NS or local != "definitions":
            found = f"{{{ns}}}{local}" if ns else local
            raise BpmnParseError(
                self.source,
                _line(root),
                f"not a BPMN 2.0 document: the root element is '{found}', expected 'definitions' "
                f"in namespace {BPMN_NS}",
            )
        listed: dict[str, list[Any]] = {local: [] for local in self.roots}
        for local, el in _children(root, BPMN_NS):
            if local in listed:
                item = _root_element(local, el)
                listed[local].append(item)
                self.roots[local].setdefault(item.id, item)

        processes: list[Process] = []
        participants: list[Participant] = []
        for local, el in _children(root, BPMN_NS):
            if local == "process":
                processes.append(self.process(el))
            elif local == "collaboration":
                participants.extend(
                    _read(Participant, p, "name", "processRef", id=_attr(p, "id") or "")
                    for pl, p in _children(el, BPMN_NS)
                    if pl == "participant"
                )
            elif local in self.roots or local in _IGNORED_ROOTS:
                continue
            else:
                # choreography, conversation, global tasks...: nothing Zeebe deploys.
                self.unsupported.append((local, _attr(el, "id"), _line(el)))

        has_diagram = any(local == "BPMNDiagram" for local, _ in _children(root, BPMNDI_NS))
        return Definitions(
            source=self.source,
            id=_attr(root, "id"),
            target_namespace=_attr(root, "targetNamespace"),
            exporter=_attr(root, "exporter"),
            exporter_version=_attr(root, "exporterVersion"),
            execution_platform=_attr(root, f"{{{MODELER_NS}}}executionPlatform"),
            execution_platform_version=_attr(root, f"{{{MODELER_NS}}}executionPlatformVersion"),
            processes=tuple(processes),
            messages=tuple(listed["message"]),
            errors=tuple(listed["error"]),
            escalations=tuple(listed["escalation"]),
            signals=tuple(listed["signal"]),
            participants=tuple(participants),
            has_diagram=has_diagram,
            unsupported=tuple(self.unsupported),
        )

    def process(self, el: etree._Element) -> Process:
        ext = _extensions(el)
        return Process(
            id=_attr(el, "id") or "",
            name=_attr(el, "name"),
            is_executable=_bool(_attr(el, "isExecutable"), False),
            version_tag=ext.version_tag,
            line=_line(el),
            documentation=_documentation(el),
            body=self.scope(el),
            execution_listeners=tuple(ext.execution_listeners),
            user_task_forms=tuple(ext.user_task_forms),
        )

    # ------------------------------------------------------------------ scopes

    def scope(self, el: etree._Element) -> Scope:
        nodes: list[FlowNode] = []
        flows: list[SequenceFlow] = []
        for local, child in _children(el, BPMN_NS):
            if local == "sequenceFlow":
                flows.append(self.sequence_flow(child))
                continue
            node = self.flow_node(local, child)
            if node is not None:
                nodes.append(node)
            elif local not in _IGNORED_IN_SCOPE:
                self.unsupported.append((local, _attr(child, "id"), _line(child)))

        outgoing: dict[str, list[str]] = {}
        incoming: dict[str, list[str]] = {}
        for flow in flows:
            outgoing.setdefault(flow.source, []).append(flow.id)
            incoming.setdefault(flow.target, []).append(flow.id)
        attached: dict[str, list[str]] = {}
        for node in nodes:
            if isinstance(node, Event) and node.attached_to:
                attached.setdefault(node.attached_to, []).append(node.id)
        wired: list[FlowNode] = []
        for node in nodes:
            changes: dict[str, Any] = {
                "incoming": tuple(incoming.get(node.id, ())),
                "outgoing": tuple(outgoing.get(node.id, ())),
            }
            if isinstance(node, Activity):
                changes["boundary_events"] = tuple(attached.get(node.id, ()))
            wired.append(dataclasses.replace(node, **changes))
        return Scope(nodes=tuple(wired), flows=tuple(flows))

    def sequence_flow(self, el: etree._Element) -> SequenceFlow:
        condition: str | None = None
        for local, child in _children(el, BPMN_NS):
            if local == "conditionExpression":
                condition = _text(child)
        ext = _extensions(el)
        return SequenceFlow(
            id=_attr(el, "id") or "",
            source=_attr(el, "sourceRef") or "",
            target=_attr(el, "targetRef") or "",
            name=_attr(el, "name"),
            condition=condition,
            line=_line(el),
            execution_listeners=tuple(ext.execution_listeners),
        )

    # ------------------------------------------------------------------ flow nodes

    def flow_node(self, local: str, el: etree._Element) -> FlowNode | None:
        if local in _EVENTS:
            return self.event(_EVENTS[local], el)
        if local in _GATEWAYS:
            ext = _extensions(el)
            return Gateway(
                **self._common(_GATEWAYS[local], el, ext),
                default_flow=_attr(el, "default"),
            )
        if local in _TASKS or local in _SUB_PROCESSES:
            return self.activity(local, el)
        return None

    def _common(self, kind: ElementKind, el: etree._Element, ext: _Ext) -> dict[str, Any]:
        return {
            "id": _attr(el, "id") or "",
            "kind": kind,
            "name": _attr(el, "name"),
            "line": _line(el),
            "documentation": _documentation(el),
            "io_mapping": ext.io_mapping,
            "execution_listeners": tuple(ext.execution_listeners),
            "properties": tuple(ext.properties),
            "unknown_extensions": tuple(ext.unknown),
            "extension_names": tuple(ext.names),
        }

    def event(self, kind: ElementKind, el: etree._Element) -> Event:
        ext = _extensions(el)
        definitions: list[EventDefinition] = []
        for local, child in _children(el, BPMN_NS):
            if local in _EVENT_DEFINITIONS:
                definitions.append(self.event_definition(_EVENT_DEFINITIONS[local], child))
            elif local == "eventDefinitionRef":
                self.unsupported.append(("eventDefinitionRef", _attr(el, "id"), _line(child)))
        if kind is ElementKind.BOUNDARY_EVENT:
            interrupting = _bool(_attr(el, "cancelActivity"), True)
        elif kind is ElementKind.START_EVENT:
            interrupting = _bool(_attr(el, "isInterrupting"), True)
        else:
            interrupting = True
        return Event(
            **self._common(kind, el, ext),
            event_definitions=tuple(definitions),
            interrupting=interrupting,
            attached_to=_attr(el, "attachedToRef") if kind is ElementKind.BOUNDARY_EVENT else None,
            form=ext.form,
            task_definition=ext.task_definitions[0] if ext.task_definitions else None,
            task_headers=tuple(ext.headers),
        )

    def event_definition(self, kind: EventKind, el: etree._Element) -> EventDefinition:
        common: dict[str, Any] = {"kind": kind, "id": _attr(el, "id"), "line": _line(el)}
        if kind in _REFERENCED:
            target = _REFERENCED[kind]
            ref = _attr(el, f"{target}Ref")
            common[target] = self.roots[target].get(ref or "")
            return EventDefinition(**common, ref=ref)
        if kind is EventKind.LINK:
            return EventDefinition(**common, link_name=_attr(el, "name"))
        if kind is EventKind.TIMER:
            timer: Timer | None = None
            for local, child in _children(el, BPMN_NS):
                if local in _TIMER_KINDS and timer is None:
                    timer = Timer(kind=_TIMER_KINDS[local], value=_text(child), line=_line(child))
            return EventDefinition(**common, timer=timer)
        return EventDefinition(**common)

    def activity(self, local: str, el: etree._Element) -> Activity:
        kind = _TASKS.get(local) or _SUB_PROCESSES[local]
        ext = _extensions(el)
        multi: MultiInstance | None = None
        standard_loop = False
        for child_local, child in _children(el, BPMN_NS):
            if child_local == "multiInstanceLoopCharacteristics":
                multi = self.multi_instance(child)
            elif child_local == "standardLoopCharacteristics":
                standard_loop = True
        message_ref = _attr(el, "messageRef") if kind is ElementKind.RECEIVE_TASK else None
        user_task: UserTaskSpec | None = None
        if kind is ElementKind.USER_TASK:
            user_task = UserTaskSpec(
                camunda_user_task=ext.user_task,
                assignment=ext.assignment,
                schedule=ext.schedule,
                priority=ext.priority,
                form=ext.form,
                task_listeners=tuple(ext.task_listeners),
            )
        fields: dict[str, Any] = {
            **self._common(kind, el, ext),
            "default_flow": _attr(el, "default"),
            "multi_instance": multi,
            "has_standard_loop": standard_loop,
            "task_definition": ext.task_definitions[0] if ext.task_definitions else None,
            "task_headers": tuple(ext.headers),
            "user_task": user_task,
            "script": ext.script,
            "called_element": ext.called_element,
            "called_decision": ext.called_decision,
            "message": self.roots["message"].get(message_ref) if message_ref else None,
            "message_ref": message_ref,
            "instantiate": _bool(_attr(el, "instantiate"), False),
            "is_for_compensation": _bool(_attr(el, "isForCompensation"), False),
        }
        if local in _SUB_PROCESSES:
            return SubProcess(
                **fields,
                triggered_by_event=_bool(_attr(el, "triggeredByEvent"), False),
                body=self.scope(el),
            )
        return Activity(**fields)

    def multi_instance(self, el: etree._Element) -> MultiInstance:
        completion: str | None = None
        for local, child in _children(el, BPMN_NS):
            if local == "completionCondition":
                completion = _text(child)
        loop = _extensions(el).loop
        return MultiInstance(
            is_sequential=_bool(_attr(el, "isSequential"), False),
            input_collection=_attr(loop, "inputCollection") if loop is not None else None,
            input_element=_attr(loop, "inputElement") if loop is not None else None,
            output_collection=_attr(loop, "outputCollection") if loop is not None else None,
            output_element=_attr(loop, "outputElement") if loop is not None else None,
            completion_condition=completion,
            line=_line(el),
        )


def parse_bytes(data: bytes, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Definitions:
    """Read one BPMN document from bytes (a deploy request, a file already in memory).

    ``source`` names the document in every error and diagnostic (a file path or the resource name
    a client sent). Raises :class:`BpmnParseError` for anything that is not a readable BPMN file.
    """
    root = parse_xml(data, source, max_bytes)
    return _Reader(source).definitions(root)


def parse_file(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Definitions:
    """Read one BPMN file; the size limit is checked before a byte of it is read."""
    data = read_bounded(path, max_bytes)
    return parse_bytes(data, str(path), max_bytes=max_bytes)
