"""Small BPMN documents for tests: a process body wrapped in definitions, plus element snippets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from autoops.bpmn import Definitions, Diagnostic

NAMESPACES = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
    'xmlns:modeler="http://camunda.org/schema/modeler/1.0" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)

CORPUS = (Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus").resolve()


def document(body: str, *, roots: str = "", executable: bool = True, process_id: str = "p") -> bytes:
    """A definitions element holding one process with ``body`` and extra root elements."""
    flag = "true" if executable else "false"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<bpmn:definitions {NAMESPACES} id="defs" targetNamespace="http://bpmn.io/schema/bpmn" '
        'modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0">\n'
        f'<bpmn:process id="{process_id}" isExecutable="{flag}">\n{body}\n</bpmn:process>\n{roots}\n'
        "</bpmn:definitions>\n"
    ).encode()


def service(task_id: str, job_type: str = "work") -> str:
    return (
        f'<bpmn:serviceTask id="{task_id}"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{job_type}"/></bpmn:extensionElements></bpmn:serviceTask>'
    )


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>"
    )


Build = Callable[..., Definitions]
"""The ``build`` fixture: parse a document made around a process body."""
Check = Callable[..., list[Diagnostic]]
"""The ``errors`` fixture: the errors of a document made around a process body."""
