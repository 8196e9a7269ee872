"""One processor per element kind, chosen by a registry that later behaviours extend.

``processor_for(node)`` answers None for an element the engine cannot execute yet; deployment
rejects such models (see :mod:`autoops.engine.support`). Multi-instance bodies are entry wrappers
registered by :mod:`autoops.engine.processors.multi_instance`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autoops.bpmn.model import Activity, ElementKind, Event, EventKind, FlowNode, SubProcess
from autoops.engine.processors.base import ElementProcessor, PassThroughProcessor
from autoops.engine.processors.call_activity import CallActivityProcessor
from autoops.engine.processors.catch import (
    BoundaryEventProcessor,
    CatchEventProcessor,
    EventSubProcessProcessor,
    LinkThrowProcessor,
    TriggeredStartProcessor,
)
from autoops.engine.processors.containers import ProcessProcessor, SubProcessProcessor
from autoops.engine.processors.event_gateway import EventBasedGatewayProcessor
from autoops.engine.processors.events import TerminateEndEventProcessor
from autoops.engine.processors.gateways import (
    ExclusiveGatewayProcessor,
    InclusiveGatewayProcessor,
    ParallelGatewayProcessor,
)
from autoops.engine.processors.tasks import JobWorkerProcessor, ScriptTaskProcessor
from autoops.engine.processors.throw import (
    ErrorEndEventProcessor,
    EscalationThrowProcessor,
    SignalThrowProcessor,
)
from autoops.engine.processors.user_task import UserTaskProcessor

if TYPE_CHECKING:
    from autoops.engine.context import ElementInstance, ProcessingContext

__all__ = [
    "PROCESS",
    "ElementProcessor",
    "Selector",
    "describe",
    "entry_processor_of",
    "processor_for",
    "processor_for_instance",
    "processor_of",
    "register",
    "register_entry_wrapper",
]

Selector = Callable[[FlowNode], ElementProcessor | None]

PROCESS = ProcessProcessor()
_START = PassThroughProcessor("START_EVENT")
_END = PassThroughProcessor("END_EVENT")
_THROW = PassThroughProcessor("INTERMEDIATE_THROW_EVENT")
_TERMINATE_END = TerminateEndEventProcessor()
_JOB = {t: JobWorkerProcessor(t) for t in (
    "SERVICE_TASK", "SEND_TASK", "BUSINESS_RULE_TASK", "SCRIPT_TASK", "USER_TASK", "END_EVENT",
    "INTERMEDIATE_THROW_EVENT",
)}
_SCRIPT = ScriptTaskProcessor()
_USER = UserTaskProcessor()
_MANUAL = PassThroughProcessor("MANUAL_TASK")
_TASK = PassThroughProcessor("TASK")
_EXCLUSIVE = ExclusiveGatewayProcessor()
_PARALLEL = ParallelGatewayProcessor()
_INCLUSIVE = InclusiveGatewayProcessor()
_SUB = SubProcessProcessor()
_ESP = EventSubProcessProcessor()
_CATCH = CatchEventProcessor("INTERMEDIATE_CATCH_EVENT")
_LINK_CATCH = PassThroughProcessor("INTERMEDIATE_CATCH_EVENT")
_LINK_THROW = LinkThrowProcessor()
_RECEIVE = CatchEventProcessor("RECEIVE_TASK")
_BOUNDARY = BoundaryEventProcessor()
_TRIGGERED_START = TriggeredStartProcessor()
_EVENT_GATEWAY = EventBasedGatewayProcessor()
_CALL = CallActivityProcessor()
_ERROR_END = ErrorEndEventProcessor()
_ESCALATION = {t: EscalationThrowProcessor(t) for t in ("END_EVENT", "INTERMEDIATE_THROW_EVENT")}
_SIGNAL = {t: SignalThrowProcessor(t) for t in ("END_EVENT", "INTERMEDIATE_THROW_EVENT")}
_WAITING_KINDS = (EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL)
_BOUNDARY_KINDS = (EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL, EventKind.ERROR, EventKind.ESCALATION)


def _has_job(node: FlowNode) -> bool:
    return isinstance(node, Activity | Event) and node.task_definition is not None


def _start(node: FlowNode) -> ElementProcessor | None:
    if not isinstance(node, Event):
        return None
    if node.event_kind is EventKind.NONE:
        return _START
    return _TRIGGERED_START if node.event_kind in _BOUNDARY_KINDS else None


def _catch(node: FlowNode) -> ElementProcessor | None:
    if not isinstance(node, Event):
        return None
    if node.event_kind in _WAITING_KINDS:
        return _CATCH
    return _LINK_CATCH if node.event_kind is EventKind.LINK else None


def _receive(node: FlowNode) -> ElementProcessor | None:
    return _RECEIVE if isinstance(node, Activity) and node.message is not None else None


def _boundary(node: FlowNode) -> ElementProcessor | None:
    return _BOUNDARY if isinstance(node, Event) and node.event_kind in _BOUNDARY_KINDS else None


_END_OWN = {EventKind.NONE: _END, EventKind.TERMINATE: _TERMINATE_END, EventKind.ERROR: _ERROR_END}
_THROW_OWN = {EventKind.NONE: _THROW, EventKind.LINK: _LINK_THROW}


def _throwing(node: FlowNode, element_type: str, own: dict[EventKind, ElementProcessor]) -> ElementProcessor | None:
    """End and intermediate throw events: kinds only one of them has, then the shared ones."""
    if not isinstance(node, Event):
        return None
    kind = node.event_kind
    if kind in own:
        return own[kind]
    if kind is EventKind.MESSAGE and _has_job(node):
        return _JOB[element_type]
    if kind is EventKind.ESCALATION:
        return _ESCALATION[element_type]
    if kind is EventKind.SIGNAL:
        return _SIGNAL[element_type]
    return None


def _end(node: FlowNode) -> ElementProcessor | None:
    return _throwing(node, "END_EVENT", _END_OWN)


def _throw(node: FlowNode) -> ElementProcessor | None:
    return _throwing(node, "INTERMEDIATE_THROW_EVENT", _THROW_OWN)


def _script(node: FlowNode) -> ElementProcessor | None:
    if isinstance(node, Activity) and node.script is not None:
        return _SCRIPT
    return _JOB["SCRIPT_TASK"] if _has_job(node) else None


def _business_rule(node: FlowNode) -> ElementProcessor | None:
    if isinstance(node, Activity) and node.called_decision is not None:
        return None  # DMN is not available in the embedded engine
    return _JOB["BUSINESS_RULE_TASK"] if _has_job(node) else None


def _user(node: FlowNode) -> ElementProcessor | None:
    if isinstance(node, Activity) and node.user_task is not None and node.user_task.camunda_user_task:
        return _USER
    return _JOB["USER_TASK"]


def _sub(node: FlowNode) -> ElementProcessor | None:
    if isinstance(node, SubProcess):
        return _ESP if node.triggered_by_event else _SUB
    return None


_SELECTORS: dict[ElementKind, Selector] = {
    ElementKind.START_EVENT: _start,
    ElementKind.END_EVENT: _end,
    ElementKind.INTERMEDIATE_THROW_EVENT: _throw,
    ElementKind.SERVICE_TASK: lambda n: _JOB["SERVICE_TASK"],
    ElementKind.SEND_TASK: lambda n: _JOB["SEND_TASK"] if _has_job(n) else None,
    ElementKind.BUSINESS_RULE_TASK: _business_rule,
    ElementKind.SCRIPT_TASK: _script,
    ElementKind.USER_TASK: _user,
    ElementKind.MANUAL_TASK: lambda n: _MANUAL,
    ElementKind.TASK: lambda n: _TASK,
    ElementKind.EXCLUSIVE_GATEWAY: lambda n: _EXCLUSIVE,
    ElementKind.PARALLEL_GATEWAY: lambda n: _PARALLEL,
    ElementKind.INCLUSIVE_GATEWAY: lambda n: _INCLUSIVE,
    ElementKind.SUB_PROCESS: _sub,
    ElementKind.INTERMEDIATE_CATCH_EVENT: _catch,
    ElementKind.RECEIVE_TASK: _receive,
    ElementKind.BOUNDARY_EVENT: _boundary,
    ElementKind.EVENT_BASED_GATEWAY: lambda n: _EVENT_GATEWAY,
    ElementKind.CALL_ACTIVITY: lambda n: _CALL if isinstance(n, Activity) and n.called_element is not None else None,
}


def register(kind: ElementKind, selector: Selector) -> None:
    """Add or replace the selector of an element kind; it should defer to the previous one."""
    _SELECTORS[kind] = selector


# Wrappers that take over an element when a token arrives (a multi-instance body wraps its activity:
# the body instance has its own element type and creates the inner instances of the activity).
_ENTRY_WRAPPERS: list[Selector] = []
_BY_INSTANCE_TYPE: dict[str, ElementProcessor] = {}


def register_entry_wrapper(selector: Selector, instance_type: str, processor: ElementProcessor) -> None:
    """``selector(node)`` returns the wrapper processor for nodes it wraps (else None); instances it
    creates carry ``instance_type`` as their element type and are always handled by ``processor``."""
    _ENTRY_WRAPPERS.append(selector)
    _BY_INSTANCE_TYPE[instance_type] = processor


def entry_processor_of(node: FlowNode) -> ElementProcessor:
    """The processor that handles a token arriving at ``node`` (a wrapper, or the node's own)."""
    for selector in _ENTRY_WRAPPERS:
        wrapper = selector(node)
        if wrapper is not None:
            return wrapper
    return processor_of(node)


def processor_for(node: FlowNode) -> ElementProcessor | None:
    selector = _SELECTORS.get(node.kind)
    return None if selector is None else selector(node)


def processor_of(node: FlowNode) -> ElementProcessor:
    processor = processor_for(node)
    if processor is None:
        raise LookupError(f"no processor for element '{node.id}' ({describe(node)})")
    return processor


def processor_for_instance(ctx: ProcessingContext, inst: ElementInstance) -> ElementProcessor:
    if inst.flow_scope_key is None:
        return PROCESS
    # models are immutable per definition key, so the engine's model cache memoises the choice
    by_type = _BY_INSTANCE_TYPE.get(inst.element_type)
    if by_type is not None:
        return by_type
    memo = ctx.models.processors
    cache_key = (inst.definition_key, inst.element_id)
    found = memo.get(cache_key)
    if found is None:
        found = memo[cache_key] = processor_of(ctx.model(inst.definition_key).process.node(inst.element_id))
    return found


def describe(node: FlowNode) -> str:
    """A readable kind for messages: ``boundaryEvent (timer)``, ``subProcess (event)``, ``serviceTask``."""
    if isinstance(node, Event) and node.event_kind is not EventKind.NONE:
        return f"{node.kind} ({node.event_kind})"
    if isinstance(node, SubProcess) and node.triggered_by_event:
        return f"{node.kind} (event)"
    if isinstance(node, Activity) and node.called_decision is not None:
        return f"{node.kind} (zeebe:calledDecision)"
    return str(node.kind)
