"""Zeebe's deploy-time rules, applied to the typed model.

Each rule has a stable id (``Diagnostic.rule``) and a message. Where Zeebe's own text is known it
is used verbatim (spec section 6.7 and Zeebe's validators); elsewhere the message is ours, specific
and stable. Only executable processes are checked, as Zeebe deploys only those. Elements Zeebe
cannot execute, and the few it can but the embedded engine does not run yet (rule
``engine-unsupported``), are errors: a model is never accepted with parts silently ignored.

FEEL is checked through a callback so that this package stays a leaf: ``check_expression`` gets
the expression text without its ``=`` and returns ``None`` when it parses, else an error message.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from autoops.bpmn.diagnostics import Diagnostic, Severity
from autoops.bpmn.model import (
    Activity,
    Definitions,
    ElementKind,
    Event,
    EventDefinition,
    EventKind,
    FlowNode,
    Gateway,
    Listener,
    Message,
    Process,
    Scope,
    SequenceFlow,
    SubProcess,
    TimerKind,
    expression_body,
    is_expression,
)
from autoops.bpmn.timers import TimerValueError, parse_cycle, parse_date, parse_duration

__all__ = ["ExpressionChecker", "validate"]

ExpressionChecker = Callable[[str], "str | None"]

# Texts Zeebe itself uses (spec 6.7, Zeebe's bpmn-model validators).
MSG_NO_START = "Must have at least one start event"
MSG_TASK_DEFINITION = "Must have exactly one 'zeebe:taskDefinition' extension element"
MSG_TASK_TYPE = "Task type must be present and not empty"
MSG_CONDITION_OR_DEFAULT = "Must have a condition or be default flow"
MSG_DEFAULT_WITH_CONDITION = "Default flow must not have a condition"
MSG_DEFAULT_NOT_OUTGOING = "Default flow must start at gateway"
MSG_MESSAGE_REF = "Must reference a message"
MSG_NAME_EMPTY = "Name must be present and not empty"
MSG_SUBSCRIPTION = "Must have exactly one 'zeebe:subscription' extension element"
MSG_NOT_SUPPORTED = "Elements of this type are not supported"
MSG_DEFINITION_NOT_SUPPORTED = "Event definition of this type is not supported"
MSG_SUBPROCESS_START_NONE = "Start events in subprocesses must be of type none"
MSG_EVENT_SUBPROCESS_START = (
    "Start events in event subprocesses must be one of: message, timer, error, signal or escalation"
)
MSG_MULTIPLE_NONE_STARTS = "Multiple none start events are not allowed"
MSG_NON_INTERRUPTING = "Non-Interrupting event of this type is not allowed"
MSG_INTERRUPTING_CYCLE = "Interrupting timer event with time cycle is not allowed."
MSG_EXACTLY_ONE_START = "Must have exactly one start event"
MSG_LISTENER_ON_FLOW = "Execution listeners are not supported for the 'sequenceFlow' element"


_PATH = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*")


def _attribute_missing(name: str) -> str:
    return f"Attribute '{name}' must be present and not empty"


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


_JOB_TASKS = frozenset({ElementKind.SERVICE_TASK, ElementKind.SEND_TASK})
_CATCH_START_KINDS = frozenset(
    {EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL, EventKind.ESCALATION, EventKind.ERROR}
)
_ALLOWED_DEFINITIONS: dict[ElementKind, frozenset[EventKind]] = {
    ElementKind.START_EVENT: frozenset(
        {EventKind.NONE, EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL}
    ),
    ElementKind.INTERMEDIATE_CATCH_EVENT: frozenset(
        {EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL, EventKind.LINK}
    ),
    ElementKind.INTERMEDIATE_THROW_EVENT: frozenset(
        {EventKind.NONE, EventKind.MESSAGE, EventKind.SIGNAL, EventKind.ESCALATION, EventKind.LINK}
    ),
    ElementKind.BOUNDARY_EVENT: frozenset(
        {EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL, EventKind.ESCALATION, EventKind.ERROR}
    ),
    ElementKind.END_EVENT: frozenset(
        {
            EventKind.NONE,
            EventKind.MESSAGE,
            EventKind.ERROR,
            EventKind.SIGNAL,
            EventKind.ESCALATION,
            EventKind.TERMINATE,
        }
    ),
}
_EXECUTION_LISTENER_EVENTS = frozenset({"start", "end"})
_TASK_LISTENER_EVENTS = frozenset({"creating", "assigning", "updating", "completing", "canceling"})
_DEFINITION_TAG = {
    EventKind.MESSAGE: "messageEventDefinition",
    EventKind.TIMER: "timerEventDefinition",
    EventKind.ERROR: "errorEventDefinition",
    EventKind.ESCALATION: "escalationEventDefinition",
    EventKind.SIGNAL: "signalEventDefinition",
    EventKind.LINK: "linkEventDefinition",
    EventKind.TERMINATE: "terminateEventDefinition",
    EventKind.COMPENSATION: "compensateEventDefinition",
    EventKind.CONDITIONAL: "conditionalEventDefinition",
    EventKind.CANCEL: "cancelEventDefinition",
}


@dataclass(slots=True)
class _Run:
    definitions: Definitions
    check_expression: ExpressionChecker | None
    out: list[Diagnostic] = field(default_factory=list)

    # ------------------------------------------------------------------ reporting

    def report(
        self,
        rule: str,
        element_id: str,
        line: int | None,
        message: str,
        *,
        path: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.out.append(
            Diagnostic(
                severity=severity,
                source=self.definitions.source,
                line=line,
                element_id=element_id,
                rule=rule,
                message=message,
                element_path=path,
            )
        )

    def warn(
        self, rule: str, element_id: str, line: int | None, message: str, *, path: str | None = None
    ) -> None:
        self.report(rule, element_id, line, message, path=path, severity=Severity.WARNING)

    def expression(
        self,
        value: str | None,
        element_id: str,
        line: int | None,
        *,
        attribute: str,
        path: str | None = None,
        require: bool = False,
    ) -> None:
        """FEEL syntax of an ``=`` value; with ``require`` a static value is an error too.

        ``attribute`` names where the text sits (``correlationKey``, ``source``, ...) so that the
        diagnostic points at one attribute even when an element carries several expressions.
        """
        if value is None:
            return
        if not is_expression(value):
            if require:
                self.report(
                    "expression-required",
                    element_id,
                    line,
                    f"Expected expression but found static value '{value}'. "
                    f"An expression must start with '=' (e.g. '={value}').",
                    path=path,
                )
            return
        body = expression_body(value)
        if not body:
            self.report(
                "feel-syntax",
                element_id,
                line,
                f"Attribute '{attribute}': expression '{value}' is empty after '='",
                path=path,
            )
            return
        if self.check_expression is None:
            return
        problem = self.check_expression(body)
        if problem is not None:
            self.report(
                "feel-syntax",
                element_id,
                line,
                f"Attribute '{attribute}': failed to parse expression '{body}': {problem}",
                path=path,
            )

    def required(
        self,
        value: str | None,
        rule: str,
        element_id: str,
        line: int | None,
        attribute: str,
        path: str | None = None,
        *,
        require: bool = False,
        message: str | None = None,
    ) -> None:
        """A mandatory attribute: missing or blank is reported (Zeebe's text, or ``message``), else
        its FEEL is checked; ``require`` makes a static value an error too."""
        if _blank(value):
            self.report(rule, element_id, line, message or _attribute_missing(attribute), path=path)
        else:
            self.expression(value, element_id, line, attribute=attribute, path=path, require=require)

    # ------------------------------------------------------------------ document

    def run(self) -> list[Diagnostic]:
        defs = self.definitions
        self.duplicate_ids()
        for local, element_id, line in defs.unsupported:
            self.report(
                "unsupported-element",
                element_id or local,
                line,
                f"{MSG_NOT_SUPPORTED} (bpmn:{local})",
            )
        executable = defs.executable_processes()
        if not executable:
            self.report(
                "executable-process",
                defs.id or "definitions",
                None,
                'Must contain at least one executable process (set isExecutable="true" on the process)',
            )
        known = {p.id for p in defs.processes}
        for participant in defs.participants:
            if participant.process_ref and participant.process_ref not in known:
                self.warn(
                    "participant-process",
                    participant.id,
                    participant.line,
                    f"Participant references process '{participant.process_ref}', which is not defined",
                )
        for process in executable:
            self.process(process)
        return sorted(self.out, key=lambda d: (d.line is None, d.line or 0))

    def duplicate_ids(self) -> None:
        seen: dict[str, int | None] = {}
        defs = self.definitions

        def visit(element_id: str, line: int | None, what: str) -> None:
            if not element_id:
                self.report(
                    "missing-id", what, line, f"Attribute 'id' must be present and not empty on this {what}"
                )
                return
            if element_id in seen:
                first = seen[element_id]
                where = f" (first used at line {first})" if first is not None else ""
                self.report(
                    "duplicate-id",
                    element_id,
                    line,
                    f"Id '{element_id}' is used by more than one element{where}; ids must be unique in a file",
                )
            else:
                seen[element_id] = line

        def visit_scope(scope: Scope) -> None:
            # Walk the scopes, not the process index: the index keeps one element per id.
            for node in scope.nodes:
                visit(node.id, node.line, node.kind.value)
                if isinstance(node, SubProcess):
                    visit_scope(node.body)
            for flow in scope.flows:
                visit(flow.id, flow.line, "sequenceFlow")

        for process in defs.processes:
            visit(process.id, process.line, "process")
            visit_scope(process.body)
        # Root elements without an id cannot be referenced and are harmless; only clashes count.
        roots = [
            *((m.id, m.line, "message") for m in defs.messages),
            *((e.id, e.line, "error") for e in defs.errors),
            *((e.id, e.line, "escalation") for e in defs.escalations),
            *((s.id, s.line, "signal") for s in defs.signals),
        ]
        for element_id, line, what in roots:
            if element_id:
                visit(element_id, line, what)

    # ------------------------------------------------------------------ processes and scopes

    def process(self, process: Process) -> None:
        starts = process.body.start_events()
        if not starts:
            self.report("start-event-required", process.id, process.line, MSG_NO_START)
        none_starts = [s for s in starts if s.event_kind is EventKind.NONE]
        if len(none_starts) > 1:
            self.report("single-none-start", process.id, none_starts[1].line, MSG_MULTIPLE_NONE_STARTS)
        self.duplicates(starts, process.id, suffix="start")
        self.listeners(process.execution_listeners, process.id)
        self.scope(process, process.body, process.id, top_level=True)

    def scope(self, process: Process, scope: Scope, scope_id: str, *, top_level: bool) -> None:
        node_ids = {n.id for n in scope.nodes}
        for flow in scope.flows:
            self.sequence_flow(process, flow, node_ids)
        for node in scope.nodes:
            self.flow_node(process, node, top_level=top_level)
        self.catch_uniqueness(scope, scope_id)
        self.links(scope, scope_id)

    def sequence_flow(self, process: Process, flow: SequenceFlow, node_ids: set[str]) -> None:
        for attribute, ref in (("sourceRef", flow.source), ("targetRef", flow.target)):
            if ref not in node_ids:
                self.report(
                    "sequence-flow-reference",
                    flow.id,
                    flow.line,
                    f"Attribute '{attribute}' must reference a flow node in the same scope, but '{ref}' is not one",
                )
        if flow.execution_listeners:
            self.report("listener-placement", flow.id, flow.line, MSG_LISTENER_ON_FLOW)
        if flow.condition is not None:
            source = process.nodes.get(flow.source)
            if source is not None and source.kind not in {
                ElementKind.EXCLUSIVE_GATEWAY,
                ElementKind.INCLUSIVE_GATEWAY,
            }:
                self.warn(
                    "ignored-condition",
                    flow.id,
                    flow.line,
                    f"The condition is ignored: only flows leaving an exclusive or inclusive gateway are "
                    f"conditional, and this one leaves '{flow.source}'",
                )
            elif flow.condition == "":
                self.report("condition-empty", flow.id, flow.line, "Condition expression must not be empty")
            else:
                self.expression(
                    flow.condition, flow.id, flow.line, attribute="conditionExpression", require=True
                )

    def flow_node(self, process: Process, node: FlowNode, *, top_level: bool) -> None:
        self.listeners(node.execution_listeners, node.id)
        self.io_mapping(node)
        for name in node.unknown_extensions:
            self.warn(
                "unknown-extension",
                node.id,
                node.line,
                f"Unknown extension element 'zeebe:{name}' is ignored",
            )
        if isinstance(node, Event):
            self.event(process, node, top_level=top_level)
        elif isinstance(node, Gateway):
            self.gateway(process, node)
        elif isinstance(node, Activity):
            self.activity(process, node)

    # ------------------------------------------------------------------ listeners and mappings

    def listeners(self, listeners: tuple[Listener, ...], element_id: str, *, task: bool = False) -> None:
        tag = "taskListener" if task else "executionListener"
        allowed = _TASK_LISTENER_EVENTS if task else _EXECUTION_LISTENER_EVENTS
        path = f"{element_id} > extensionElements > {tag}s > {tag}"
        seen: Counter[tuple[str, str]] = Counter()
        for listener in listeners:
            if not listener.event_type:
                self.report(
                    "listener-event-type",
                    element_id,
                    listener.line,
                    "Attribute 'eventType' must be present",
                    path=path,
                )
            elif listener.event_type not in allowed:
                self.report(
                    "listener-event-type",
                    element_id,
                    listener.line,
                    f"Attribute 'eventType' must be one of {', '.join(sorted(allowed))}, "
                    f"but was '{listener.event_type}'",
                    path=path,
                )
            if not listener.type or not listener.type.strip():
                self.report("listener-type", element_id, listener.line, _attribute_missing("type"), path=path)
            else:
                self.expression(listener.type, element_id, listener.line, attribute="type", path=path)
                key = (listener.event_type or "", listener.type)
                seen[key] += 1
                if seen[key] == 2:
                    self.report(
                        "listener-duplicate",
                        element_id,
                        listener.line,
                        f"Found more than one {tag} with event type '{key[0]}' and job type '{key[1]}'; "
                        "listeners with the same event type and job type are not allowed",
                        path=path,
                    )
            self.retries(listener.retries, element_id, listener.line, path)

    def retries(self, retries: str | None, element_id: str, line: int | None, path: str) -> None:
        if retries is None or not retries.strip():
            return
        if is_expression(retries):
            self.expression(retries, element_id, line, attribute="retries", path=path)
            return
        if not retries.strip().isdigit():
            self.report(
                "retries",
                element_id,
                line,
                f"Attribute 'retries' must be a whole number or an expression, but was '{retries}'",
                path=path,
            )

    def io_mapping(self, node: FlowNode) -> None:
        for tag, mappings in (("input", node.io_mapping.inputs), ("output", node.io_mapping.outputs)):
            path = f"{node.id} > extensionElements > ioMapping > {tag}"
            for mapping in mappings:
                if not mapping.source or not mapping.source.strip():
                    # An input without source creates the variable with null (Camunda's connector
                    # templates rely on it); an output must say what it takes from the result.
                    if tag == "output":
                        self.report(
                            "io-mapping", node.id, mapping.line, _attribute_missing("source"), path=path
                        )
                else:
                    self.expression(mapping.source, node.id, mapping.line, attribute="source", path=path)
                if not mapping.target or not mapping.target.strip():
                    self.report("io-mapping", node.id, mapping.line, _attribute_missing("target"), path=path)
                else:
                    self.variable_path(mapping.target, node.id, mapping.line, path)

    def variable_path(self, value: str, element_id: str, line: int | None, path: str) -> None:
        """Targets name a variable (optionally a nested path), never an expression."""
        if _PATH.fullmatch(value) is None:
            self.report(
                "variable-name",
                element_id,
                line,
                f"Expected path expression '{value}' but doesn't match the pattern '{_PATH.pattern}'.",
                path=path,
            )

    # ------------------------------------------------------------------ events

    def event(self, process: Process, event: Event, *, top_level: bool) -> None:
        kind = event.kind
        event_kind = event.event_kind
        parent_id = process.parent_id(event.id) if event.id in process.nodes else process.id
        parent = process.nodes.get(parent_id)
        in_event_subprocess = isinstance(parent, SubProcess) and parent.triggered_by_event
        in_embedded = isinstance(parent, SubProcess) and not parent.triggered_by_event

        if event_kind is EventKind.MULTIPLE:
            self.report(
                "unsupported-event",
                event.id,
                event.line,
                "Multiple event definitions on one event are not supported; use one event definition",
            )
            return

        definition = event.definition
        if kind is ElementKind.START_EVENT and in_embedded and parent is not None:
            if event_kind is not EventKind.NONE:
                self.report("subprocess-start", parent.id, event.line, MSG_SUBPROCESS_START_NONE)
        elif kind is ElementKind.START_EVENT and in_event_subprocess and parent is not None:
            if event_kind not in _CATCH_START_KINDS:
                if event_kind is EventKind.COMPENSATION:
                    self.engine_unsupported(event, "Compensation event subprocesses")
                else:
                    self.report("event-subprocess-start", parent.id, event.line, MSG_EVENT_SUBPROCESS_START)
            elif event_kind is EventKind.ERROR and not event.interrupting:
                self.report("error-interrupting", parent.id, event.line, MSG_NON_INTERRUPTING)
        elif kind is ElementKind.START_EVENT:
            if event_kind not in _ALLOWED_DEFINITIONS[ElementKind.START_EVENT]:
                self.definition_not_supported(event, definition)
        elif event_kind not in _ALLOWED_DEFINITIONS[kind]:
            if event_kind is EventKind.COMPENSATION:
                self.engine_unsupported(event, "Compensation events")
            elif event_kind is EventKind.NONE and kind is ElementKind.BOUNDARY_EVENT:
                self.report(
                    "boundary-event",
                    event.id,
                    event.line,
                    "A boundary event must have an event definition (message, timer, signal, error or escalation)",
                )
            elif event_kind is EventKind.NONE:
                self.report(
                    "catch-event",
                    event.id,
                    event.line,
                    "An intermediate catch event must have a message, timer, signal or link event definition",
                )
            else:
                self.definition_not_supported(event, definition)

        if kind is ElementKind.BOUNDARY_EVENT:
            self.boundary(process, event)
        if event.form is not None:
            self.form(
                event.id,
                event.form.line,
                event.form.form_id,
                event.form.form_key,
                event.form.external_reference,
            )
        if event_kind is EventKind.MESSAGE and kind in {
            ElementKind.INTERMEDIATE_THROW_EVENT,
            ElementKind.END_EVENT,
        }:
            # Zeebe does not publish these messages itself: a job worker does.
            self.task_definition(event)

        if definition is None:
            return
        catching = kind in {
            ElementKind.START_EVENT,
            ElementKind.INTERMEDIATE_CATCH_EVENT,
            ElementKind.BOUNDARY_EVENT,
        }
        if definition.kind is EventKind.MESSAGE:
            if catching:
                self.catch_message(
                    event, definition, needs_key=not (kind is ElementKind.START_EVENT and top_level)
                )
        elif definition.kind is EventKind.TIMER:
            self.timer(event, definition, owner=parent.id if in_event_subprocess and parent else event.id)
        elif definition.kind is EventKind.ERROR:
            self.error_definition(event, definition, catching=catching)
        elif definition.kind is EventKind.ESCALATION:
            self.escalation_definition(event, definition, catching=catching)
        elif definition.kind is EventKind.SIGNAL:
            self.signal_definition(event, definition)
        elif definition.kind is EventKind.LINK and _blank(definition.link_name):
            self.report("link-name", event.id, event.line, "A link event must have a name")

    def definition_not_supported(self, event: Event, definition: EventDefinition | None) -> None:
        tag = _DEFINITION_TAG.get(definition.kind, "eventDefinition") if definition else "eventDefinition"
        element_id = definition.id if definition and definition.id else event.id
        path = None if definition and definition.id else f"{event.id} > {tag}"
        self.report(
            "unsupported-event",
            element_id,
            definition.line if definition and definition.line else event.line,
            f"{MSG_DEFINITION_NOT_SUPPORTED} ({tag} on {event.kind.value})",
            path=path,
        )

    def engine_unsupported(self, node: FlowNode, what: str) -> None:
        self.report(
            "engine-unsupported",
            node.id,
            node.line,
            f"{what} are not executed by the autoops engine yet; remove this element or deploy to a "
            "Camunda 8 cluster instead",
        )

    def catch_message(self, event: FlowNode, definition: EventDefinition | None, *, needs_key: bool) -> None:
        message = definition.message if definition else None
        ref = definition.ref if definition else None
        if message is None:
            if ref:
                self.report(
                    "message-reference",
                    event.id,
                    event.line,
                    f"{MSG_MESSAGE_REF}: 'messageRef' names '{ref}', which is not a message of this file",
                )
            else:
                self.report("message-reference", event.id, event.line, MSG_MESSAGE_REF)
            return
        self.message(message, needs_key=needs_key)

    def message(self, message: Message, *, needs_key: bool) -> None:
        self.required(message.name, "message-name", message.id, message.line, "name", message=MSG_NAME_EMPTY)
        if not needs_key:
            return
        if message.correlation_key is None:
            self.report("message-subscription", message.id, message.line, MSG_SUBSCRIPTION)
        elif not message.correlation_key.strip():
            self.report(
                "message-subscription",
                message.id,
                message.line,
                _attribute_missing("correlationKey"),
                path=f"{message.id} > extensionElements > subscription",
            )
        else:
            self.expression(
                message.correlation_key,
                message.id,
                message.line,
                attribute="correlationKey",
                path=f"{message.id} > extensionElements > subscription",
            )

    def timer(self, event: Event, definition: EventDefinition, *, owner: str) -> None:
        """``owner`` is the event, or the event subprocess for the start event of one."""
        in_event_subprocess = owner != event.id
        timer = definition.timer
        if timer is None:
            self.report(
                "timer",
                event.id,
                definition.line or event.line,
                "A timer event must have a timeDate, timeDuration or timeCycle",
            )
            return
        kind = event.kind
        allowed: set[TimerKind]
        if kind is ElementKind.START_EVENT and not in_event_subprocess:
            allowed = {TimerKind.DATE, TimerKind.CYCLE}
        elif kind in {ElementKind.START_EVENT, ElementKind.BOUNDARY_EVENT}:
            # Interrupting cycles on these are reported on their own just above.
            allowed = {TimerKind.DATE, TimerKind.DURATION, TimerKind.CYCLE}
        else:
            allowed = {TimerKind.DATE, TimerKind.DURATION}
        if (
            timer.kind is TimerKind.CYCLE
            and event.interrupting
            and (kind is ElementKind.BOUNDARY_EVENT or in_event_subprocess)
        ):
            self.report("timer-kind", owner, timer.line, MSG_INTERRUPTING_CYCLE)
        elif timer.kind not in allowed:
            what = {
                ElementKind.START_EVENT: "a timer start event",
                ElementKind.BOUNDARY_EVENT: "an interrupting timer boundary event",
            }.get(kind, "a timer intermediate catch event")
            self.report(
                "timer-kind",
                event.id,
                timer.line,
                f"A {timer.kind.value} is not allowed on {what}; use "
                + " or ".join(sorted(k.value for k in allowed)),
            )
        value = timer.value
        if not value.strip():
            self.report(
                "timer", event.id, timer.line, f"The {timer.kind.value} of a timer event must not be empty"
            )
            return
        if is_expression(value):
            self.expression(value, event.id, timer.line, attribute=timer.kind.value)
            return
        try:
            if timer.kind is TimerKind.DATE:
                parse_date(value)
            elif timer.kind is TimerKind.DURATION:
                parse_duration(value)
            else:
                parse_cycle(value)
        except TimerValueError as exc:
            self.report("timer-value", event.id, timer.line, f"Invalid {timer.kind.value} '{value}': {exc}")

    def error_definition(self, event: Event, definition: EventDefinition, *, catching: bool) -> None:
        if definition.ref and definition.error is None:
            self.report(
                "error-reference",
                event.id,
                event.line,
                f"'errorRef' names '{definition.ref}', which is not an error of this file",
            )
            return
        if catching:
            if event.kind is ElementKind.BOUNDARY_EVENT and not event.interrupting:
                self.report("error-interrupting", event.id, event.line, MSG_NON_INTERRUPTING)
            if definition.error is not None and is_expression(definition.error.error_code):
                self.report(
                    "error-code",
                    event.id,
                    event.line,
                    f"The error code of a catch event must be static, but was '{definition.error.error_code}'",
                )
            return
        error = definition.error
        if error is None:
            self.report("error-reference", event.id, event.line, "An error end event must reference an error")
        else:
            self.required(
                error.error_code,
                "error-code",
                error.id,
                error.line,
                "errorCode",
                message="ErrorCode must be present and not empty",
            )

    def escalation_definition(self, event: Event, definition: EventDefinition, *, catching: bool) -> None:
        if definition.ref and definition.escalation is None:
            self.report(
                "escalation-reference",
                event.id,
                event.line,
                f"'escalationRef' names '{definition.ref}', which is not an escalation of this file",
            )
            return
        escalation = definition.escalation
        if catching:
            if escalation is not None and is_expression(escalation.escalation_code):
                self.report(
                    "escalation-code",
                    event.id,
                    event.line,
                    f"The escalation code of a catch event must be static, but was '{escalation.escalation_code}'",
                )
            return
        if escalation is None:
            self.report(
                "escalation-reference",
                event.id,
                event.line,
                "A throwing escalation event must reference an escalation",
            )
        else:
            self.required(
                escalation.escalation_code,
                "escalation-code",
                escalation.id,
                escalation.line,
                "escalationCode",
                message="EscalationCode must be present and not empty",
            )

    def signal_definition(self, event: Event, definition: EventDefinition) -> None:
        signal = definition.signal
        if signal is None:
            detail = (
                f": 'signalRef' names '{definition.ref}', which is not a signal of this file"
                if definition.ref
                else ""
            )
            self.report("signal-reference", event.id, event.line, f"Must reference a signal{detail}")
        else:
            self.required(signal.name, "signal-name", signal.id, signal.line, "name", message=MSG_NAME_EMPTY)

    def boundary(self, process: Process, event: Event) -> None:
        target = process.nodes.get(event.attached_to or "")
        if not event.attached_to or not isinstance(target, Activity):
            self.report(
                "boundary-attachment",
                event.id,
                event.line,
                f"Attribute 'attachedToRef' must reference an activity, but '{event.attached_to or ''}' is not one",
            )
        elif process.parent_id(target.id) != process.parent_id(event.id):
            self.report(
                "boundary-attachment",
                event.id,
                event.line,
                f"A boundary event must be in the same scope as the activity '{target.id}' it is attached to",
            )
        if event.incoming:
            self.report(
                "boundary-incoming",
                event.id,
                event.line,
                "A boundary event must not have incoming sequence flows",
            )

    def catch_uniqueness(self, scope: Scope, scope_id: str) -> None:
        """Boundary events of one activity, and the event-subprocess starts of one scope, must not
        catch the same message, error, escalation or signal twice (reported on the activity or
        the scope, as Zeebe does)."""
        boundaries: dict[str, list[Event]] = {}
        for node in scope.nodes:
            if isinstance(node, Event) and node.kind is ElementKind.BOUNDARY_EVENT and node.attached_to:
                boundaries.setdefault(node.attached_to, []).append(node)
        for activity_id, events in boundaries.items():
            self.duplicates(events, activity_id)
        starts = [s for sub in scope.event_subprocesses() for s in sub.body.start_events()]
        self.duplicates(starts, scope_id)

    def duplicates(self, events: Iterable[Event], owner: str, *, suffix: str = "catch") -> None:
        seen: Counter[tuple[EventKind, str | None]] = Counter()
        for event in events:
            definition = event.definition
            if definition is None:
                continue
            kind = definition.kind
            key: str | None
            if kind is EventKind.MESSAGE and definition.message is not None:
                key = definition.message.name or None
            elif kind is EventKind.SIGNAL and definition.signal is not None:
                key = definition.signal.name or None
            elif kind is EventKind.ERROR and not definition.ref:
                key = None  # catch-all
            elif kind is EventKind.ERROR and definition.error is not None:
                key = definition.error.error_code or None
            elif kind is EventKind.ESCALATION and not definition.ref:
                key = None
            elif kind is EventKind.ESCALATION and definition.escalation is not None:
                key = definition.escalation.escalation_code or None
            else:
                continue
            if key is None and kind in {EventKind.MESSAGE, EventKind.SIGNAL}:
                continue  # a missing name is reported by its own rule
            seen[(kind, key)] += 1
            if seen[(kind, key)] != 2:
                continue
            label = kind.value
            if key is None:
                code = "errorCode" if kind is EventKind.ERROR else "escalationCode"
                message = (
                    f"Multiple {label} catch events without {code} are not allowed; "
                    f"at most one may catch every {label}"
                )
            elif kind is EventKind.ERROR:
                message = f"Multiple error event definitions with the same errorCode '{key}' are not allowed."
            elif kind is EventKind.ESCALATION:
                message = f"Multiple escalation event definitions with the same escalationCode '{key}' are not allowed."
            else:
                message = f"Multiple {label} event definitions with the same name '{key}' are not allowed."
            self.report(f"unique-{label}-{suffix}", owner, event.line, message)

    def links(self, scope: Scope, scope_id: str) -> None:
        catches: Counter[str] = Counter()
        throws: list[Event] = []
        for node in scope.nodes:
            if (
                not isinstance(node, Event)
                or node.event_kind is not EventKind.LINK
                or node.definition is None
            ):
                continue
            name = (node.definition.link_name or "").strip()
            if node.kind is ElementKind.INTERMEDIATE_CATCH_EVENT and name:
                catches[name] += 1
                if catches[name] == 2:
                    self.report(
                        "link-unique",
                        scope_id,
                        node.line,
                        f"Multiple intermediate catch link event definitions with the same name '{name}' "
                        "are not allowed.",
                    )
            elif node.kind is ElementKind.INTERMEDIATE_THROW_EVENT and name:
                throws.append(node)
        for node in throws:
            name = (node.definition.link_name or "").strip() if node.definition else ""
            if name not in catches:
                self.report(
                    "link-target",
                    scope_id,
                    node.line,
                    "Intermediate throw and catch link event definitions must appear in pairs.",
                )

    # ------------------------------------------------------------------ gateways

    def gateway(self, process: Process, gateway: Gateway) -> None:
        kind = gateway.kind
        if kind is ElementKind.COMPLEX_GATEWAY:
            self.report(
                "unsupported-element", gateway.id, gateway.line, f"{MSG_NOT_SUPPORTED} (bpmn:complexGateway)"
            )
            return
        if gateway.default_flow is not None:
            if gateway.default_flow not in gateway.outgoing:
                self.report("default-flow", gateway.id, gateway.line, MSG_DEFAULT_NOT_OUTGOING)
            elif kind not in {ElementKind.EXCLUSIVE_GATEWAY, ElementKind.INCLUSIVE_GATEWAY}:
                self.warn(
                    "default-flow",
                    gateway.id,
                    gateway.line,
                    f"A default flow has no meaning on a {kind.value} and is ignored",
                )
        if kind in {ElementKind.EXCLUSIVE_GATEWAY, ElementKind.INCLUSIVE_GATEWAY}:
            flows = [process.flows[f] for f in gateway.outgoing if f in process.flows]
            for flow in flows:
                if flow.id == gateway.default_flow:
                    if flow.condition is not None:
                        self.report("default-flow", gateway.id, gateway.line, MSG_DEFAULT_WITH_CONDITION)
                elif len(flows) > 1 and flow.condition is None:
                    self.report("gateway-condition", flow.id, flow.line, MSG_CONDITION_OR_DEFAULT)
        elif kind is ElementKind.EVENT_BASED_GATEWAY:
            self.event_gateway(process, gateway)

    def event_gateway(self, process: Process, gateway: Gateway) -> None:
        if len(gateway.outgoing) < 2:
            self.report(
                "event-gateway",
                gateway.id,
                gateway.line,
                "Event-based gateway must have at least 2 outgoing sequence flows",
            )
        targets: list[Event] = []
        for flow_id in gateway.outgoing:
            flow = process.flows.get(flow_id)
            target = process.nodes.get(flow.target) if flow else None
            if not (
                isinstance(target, Event)
                and target.kind is ElementKind.INTERMEDIATE_CATCH_EVENT
                and target.event_kind in {EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL}
            ):
                self.report(
                    "event-gateway",
                    gateway.id,
                    gateway.line,
                    "Event-based gateway must not have an outgoing sequence flow to other elements than "
                    "message, timer or signal intermediate catch events",
                )
                continue
            targets.append(target)
            if len(target.incoming) > 1:
                self.report(
                    "event-gateway",
                    target.id,
                    target.line,
                    "Target elements of an event-based gateway must not have any other incoming sequence flow",
                )
        self.duplicates(targets, gateway.id)

    # ------------------------------------------------------------------ activities

    def activity(self, process: Process, activity: Activity) -> None:
        kind = activity.kind
        if kind is ElementKind.TRANSACTION:
            self.report(
                "unsupported-element", activity.id, activity.line, f"{MSG_NOT_SUPPORTED} (bpmn:transaction)"
            )
        elif kind is ElementKind.AD_HOC_SUB_PROCESS:
            self.engine_unsupported(activity, "Ad-hoc subprocesses")
        if activity.has_standard_loop:
            self.report(
                "unsupported-element",
                activity.id,
                activity.line,
                f"{MSG_NOT_SUPPORTED} (bpmn:standardLoopCharacteristics); use multi-instance instead",
            )
        if activity.is_for_compensation:
            self.engine_unsupported(activity, "Compensation handlers")
        if activity.default_flow is not None and activity.default_flow not in activity.outgoing:
            self.report(
                "default-flow",
                activity.id,
                activity.line,
                f"Default flow '{activity.default_flow}' must be an outgoing sequence flow of this element",
            )
        if activity.multi_instance is not None:
            self.multi_instance(activity)
        headers = Counter(h.key for h in activity.task_headers)
        for header in activity.task_headers:
            path = f"{activity.id} > extensionElements > taskHeaders > header"
            if not header.key:
                self.report("task-header", activity.id, header.line, _attribute_missing("key"), path=path)
            elif headers[header.key] > 1:
                headers[header.key] = 0  # report each duplicated key once
                self.report(
                    "task-header",
                    activity.id,
                    header.line,
                    f"Task header key '{header.key}' is defined more than once; keys must be unique",
                    path=path,
                )

        if kind in _JOB_TASKS:
            self.task_definition(activity)
        elif kind is ElementKind.SCRIPT_TASK:
            if activity.script is not None and "taskDefinition" not in activity.extension_names:
                self.script(activity)
            else:
                self.task_definition(activity)
        elif kind is ElementKind.BUSINESS_RULE_TASK:
            if activity.called_decision is not None and "taskDefinition" not in activity.extension_names:
                self.called_decision(activity)
            else:
                self.task_definition(activity)
        elif kind is ElementKind.USER_TASK:
            self.user_task(activity)
        elif kind is ElementKind.RECEIVE_TASK:
            if activity.instantiate:
                self.report(
                    "unsupported-element",
                    activity.id,
                    activity.line,
                    f'{MSG_NOT_SUPPORTED} (receive task with instantiate="true"); use a message start event',
                )
            definition = EventDefinition(
                kind=EventKind.MESSAGE, ref=activity.message_ref, message=activity.message
            )
            self.catch_message(activity, definition, needs_key=True)
        elif kind is ElementKind.CALL_ACTIVITY:
            self.call_activity(activity)
        if isinstance(activity, SubProcess):
            self.sub_process(process, activity)

    def task_definition(self, node: Activity | Event) -> None:
        count = node.extension_names.count("taskDefinition")
        if count != 1:
            self.report("task-definition", node.id, node.line, MSG_TASK_DEFINITION)
            return
        task_definition = node.task_definition
        if task_definition is None:
            return
        path = f"{node.id} > extensionElements > taskDefinition"
        self.required(
            task_definition.type,
            "task-type",
            node.id,
            task_definition.line,
            "type",
            path,
            message=MSG_TASK_TYPE,
        )
        self.retries(task_definition.retries, node.id, task_definition.line, path)

    def script(self, activity: Activity) -> None:
        script = activity.script
        assert script is not None
        path = f"{activity.id} > extensionElements > script"
        self.required(script.expression, "script", activity.id, script.line, "expression", path, require=True)
        if _blank(script.result_variable):
            self.report("script", activity.id, script.line, _attribute_missing("resultVariable"), path=path)

    def called_decision(self, activity: Activity) -> None:
        decision = activity.called_decision
        assert decision is not None
        path = f"{activity.id} > extensionElements > calledDecision"
        self.required(decision.decision_id, "called-decision", activity.id, decision.line, "decisionId", path)
        if _blank(decision.result_variable):
            self.report(
                "called-decision", activity.id, decision.line, _attribute_missing("resultVariable"), path=path
            )
        self.binding(activity.id, decision.line, decision.binding_type, decision.version_tag, path)

    def call_activity(self, activity: Activity) -> None:
        called = activity.called_element
        if called is None or activity.extension_names.count("calledElement") != 1:
            self.report(
                "called-element",
                activity.id,
                activity.line,
                "Must have exactly one 'zeebe:calledElement' extension element",
            )
            return
        path = f"{activity.id} > extensionElements > calledElement"
        self.required(called.process_id, "called-element", activity.id, called.line, "processId", path)
        self.binding(activity.id, called.line, called.binding_type, called.version_tag, path)

    def binding(
        self, element_id: str, line: int | None, binding: str | None, version_tag: str | None, path: str
    ) -> None:
        if binding is None:
            return
        if binding not in {"latest", "deployment", "versionTag"}:
            self.report(
                "binding-type",
                element_id,
                line,
                f"Attribute 'bindingType' must be one of latest, deployment, versionTag, but was '{binding}'",
                path=path,
            )
        elif binding == "versionTag" and _blank(version_tag):
            self.report(
                "binding-type",
                element_id,
                line,
                "Attribute 'versionTag' must be present and not empty if 'bindingType' is 'versionTag'",
                path=path,
            )

    def user_task(self, activity: Activity) -> None:
        spec = activity.user_task
        if spec is None:
            return
        if activity.task_definition is not None:
            self.warn(
                "user-task",
                activity.id,
                activity.task_definition.line,
                "zeebe:taskDefinition has no effect on a user task and is ignored",
            )
        if spec.task_listeners:
            self.engine_unsupported(activity, "Task listeners")
            self.listeners(spec.task_listeners, activity.id, task=True)
        if spec.assignment is not None:
            path = f"{activity.id} > extensionElements > assignmentDefinition"
            for name, value in (
                ("assignee", spec.assignment.assignee),
                ("candidateGroups", spec.assignment.candidate_groups),
                ("candidateUsers", spec.assignment.candidate_users),
            ):
                self.expression(value, activity.id, spec.assignment.line, attribute=name, path=path)
        if spec.schedule is not None:
            path = f"{activity.id} > extensionElements > taskSchedule"
            for name, value in (
                ("dueDate", spec.schedule.due_date),
                ("followUpDate", spec.schedule.follow_up_date),
            ):
                if value is None or not value.strip():
                    continue
                if is_expression(value):
                    self.expression(value, activity.id, spec.schedule.line, attribute=name, path=path)
                    continue
                try:
                    parse_date(value)
                except TimerValueError as exc:
                    self.report(
                        "task-schedule",
                        activity.id,
                        spec.schedule.line,
                        f"Attribute '{name}': {exc}",
                        path=path,
                    )
        if spec.priority is not None and spec.priority.strip():
            if is_expression(spec.priority):
                self.expression(spec.priority, activity.id, activity.line, attribute="priority")
            elif not spec.priority.strip().isdigit() or not 0 <= int(spec.priority) <= 100:
                self.report(
                    "priority",
                    activity.id,
                    activity.line,
                    f"Attribute 'priority' must be a whole number from 0 to 100, but was '{spec.priority}'",
                    path=f"{activity.id} > extensionElements > priorityDefinition",
                )
        if spec.form is not None:
            form = spec.form
            self.form(activity.id, form.line, form.form_id, form.form_key, form.external_reference)
            if form.form_id:
                self.binding(
                    activity.id,
                    form.line,
                    form.binding_type,
                    form.version_tag,
                    f"{activity.id} > extensionElements > formDefinition",
                )

    def form(
        self,
        element_id: str,
        line: int | None,
        form_id: str | None,
        form_key: str | None,
        external: str | None,
    ) -> None:
        present = [
            name
            for name, v in (("formId", form_id), ("formKey", form_key), ("externalReference", external))
            if v
        ]
        if len(present) != 1:
            self.report(
                "form-definition",
                element_id,
                line,
                "Exactly one of the attributes 'formId', 'formKey' or 'externalReference' must be present "
                f"and not empty on zeebe:formDefinition (found {len(present)})",
                path=f"{element_id} > extensionElements > formDefinition",
            )

    def multi_instance(self, activity: Activity) -> None:
        mi = activity.multi_instance
        assert mi is not None
        path = f"{activity.id} > multiInstanceLoopCharacteristics > extensionElements > loopCharacteristics"
        self.required(
            mi.input_collection, "multi-instance", activity.id, mi.line, "inputCollection", path, require=True
        )
        if mi.input_element:
            self.variable_path(mi.input_element, activity.id, mi.line, path)
        if mi.output_collection:
            self.variable_path(mi.output_collection, activity.id, mi.line, path)
        if mi.output_collection and _blank(mi.output_element):
            self.report(
                "multi-instance",
                activity.id,
                mi.line,
                "Attribute 'outputElement' must be present and not empty if 'outputCollection' is set",
                path=path,
            )
        self.expression(mi.output_element, activity.id, mi.line, attribute="outputElement", path=path)
        if mi.completion_condition is not None and mi.completion_condition.strip():
            self.expression(
                mi.completion_condition, activity.id, mi.line, attribute="completionCondition", require=True
            )

    def sub_process(self, process: Process, sub: SubProcess) -> None:
        starts = sub.body.start_events()
        if sub.triggered_by_event:
            if sub.incoming or sub.outgoing:
                self.report(
                    "event-subprocess",
                    sub.id,
                    sub.line,
                    "An event subprocess must not have incoming or outgoing sequence flows",
                )
            if len(starts) != 1:
                self.report("event-subprocess", sub.id, sub.line, MSG_EXACTLY_ONE_START)
        elif sub.kind is ElementKind.SUB_PROCESS and len(starts) != 1:
            self.report("subprocess-start", sub.id, sub.line, MSG_EXACTLY_ONE_START)
        self.scope(process, sub.body, sub.id, top_level=False)


def validate(
    definitions: Definitions,
    *,
    check_expression: ExpressionChecker | None = None,
) -> list[Diagnostic]:
    """All findings for one parsed file, in line order. Errors block a deployment; warnings don't.

    ``check_expression`` receives the text of each ``=`` expression without the ``=`` and returns
    ``None`` when it parses, otherwise a message; without it FEEL is not syntax-checked.
    """
    return _Run(definitions, check_expression).run()
