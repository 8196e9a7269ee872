"""What this engine executes today, checked at deploy time.

Zeebe rejects BPMN it cannot execute; the embedded engine additionally rejects constructs whose
behaviour is not implemented yet, so that a model is never accepted and then silently mis-executed.
The processor registry (:mod:`autoops.engine.processors`) is the single source of truth: an element
is supported exactly when a processor claims it.
"""

from __future__ import annotations

from autoops.bpmn.model import Activity, ElementKind, Event, EventKind, FlowNode, Process

__all__ = ["unsupported_reasons"]


def unsupported_reasons(process: Process) -> list[tuple[str, str]]:
    """(element id, message) for every element of ``process`` the engine cannot run."""
    from autoops.engine.processors import describe, processor_for

    problems: list[tuple[str, str]] = []
    if process.execution_listeners:
        problems.append((process.id, "Execution listeners are not supported by the embedded engine yet"))
    for node in process.walk():
        problems.extend((node.id, msg) for msg in _node_problems(node))
        if processor_for(node) is None:
            problems.append(
                (node.id, f"Elements of type '{describe(node)}' are not supported by the embedded engine yet")
            )
    return problems


def _node_problems(node: FlowNode) -> list[str]:
    out: list[str] = []
    if node.execution_listeners:
        out.append("Execution listeners are not supported by the embedded engine yet")
    if isinstance(node, Activity):
        if node.has_standard_loop:
            out.append("Standard loop characteristics are not supported; use multi-instance instead")
        if node.is_for_compensation:
            out.append("Compensation handlers are not supported by the embedded engine")
        if node.user_task is not None and node.user_task.task_listeners:
            out.append("Task listeners are not supported by the embedded engine yet")
        if node.kind is ElementKind.AD_HOC_SUB_PROCESS:
            out.append("Ad-hoc subprocesses are not supported by the embedded engine; use an embedded subprocess "
                       "with an inclusive gateway instead")
    if isinstance(node, Event) and node.event_kind is EventKind.MULTIPLE:
        out.append("Events with several event definitions are not supported")
    if isinstance(node, Event) and node.event_kind is EventKind.COMPENSATION:
        out.append("Compensation events are not supported by the embedded engine")
    return out
