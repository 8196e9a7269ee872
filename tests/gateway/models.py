"""Small BPMN models written for these tests (Modeler-style, Camunda 8 extensions)."""

from __future__ import annotations

import itertools

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'
    ' xmlns:modeler="http://camunda.org/schema/modeler/1.0"'
    ' id="Definitions_gw" targetNamespace="http://bpmn.io/schema/bpmn"'
    ' modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0">\n'
)


def _wrap(pid: str, body: str) -> bytes:
    return (f'{_HEAD}<bpmn:process id="{pid}" isExecutable="true">\n{body}\n</bpmn:process>\n'
            "</bpmn:definitions>\n").encode()


def _flows(ids: list[str]) -> str:
    return "\n".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                     for i, (a, b) in enumerate(itertools.pairwise(ids)))


def service_chain(pid: str, *job_types: str, retries: int = 3, headers: dict[str, str] | None = None) -> bytes:
    """start -> one service task per job type -> end."""
    hdr = ""
    if headers:
        hdr = "<zeebe:taskHeaders>" + "".join(
            f'<zeebe:header key="{k}" value="{v}"/>' for k, v in headers.items()) + "</zeebe:taskHeaders>"
    parts = ['<bpmn:startEvent id="start"/>']
    ids = ["start"]
    for i, job_type in enumerate(job_types, 1):
        parts.append(f'<bpmn:serviceTask id="task{i}"><bpmn:extensionElements>'
                     f'<zeebe:taskDefinition type="{job_type}" retries="{retries}"/>{hdr}'
                     "</bpmn:extensionElements></bpmn:serviceTask>")
        ids.append(f"task{i}")
    parts.append('<bpmn:endEvent id="end"/>')
    ids.append("end")
    parts.append(_flows(ids))
    return _wrap(pid, "\n".join(parts))


def error_boundary(pid: str, job_type: str, error_code: str) -> bytes:
    """A service task with an error boundary event catching ``error_code`` -> end 'caught'."""
    return (
        f'{_HEAD}<bpmn:error id="err1" name="business" errorCode="{error_code}"/>\n'
        f'<bpmn:process id="{pid}" isExecutable="true">\n'
        '<bpmn:startEvent id="start"/>\n'
        f'<bpmn:serviceTask id="task1"><bpmn:extensionElements><zeebe:taskDefinition type="{job_type}"/>'
        "</bpmn:extensionElements></bpmn:serviceTask>\n"
        '<bpmn:boundaryEvent id="catch" attachedToRef="task1"><bpmn:errorEventDefinition errorRef="err1"/>'
        "</bpmn:boundaryEvent>\n"
        '<bpmn:endEvent id="done"/>\n<bpmn:endEvent id="caught"/>\n'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task1"/>\n'
        '<bpmn:sequenceFlow id="f2" sourceRef="task1" targetRef="done"/>\n'
        '<bpmn:sequenceFlow id="f3" sourceRef="catch" targetRef="caught"/>\n'
        "</bpmn:process>\n</bpmn:definitions>\n"
    ).encode()


def user_task(pid: str) -> bytes:
    """start -> Camunda user task 'review' -> end."""
    return _wrap(pid, "\n".join([
        '<bpmn:startEvent id="start"/>',
        '<bpmn:userTask id="review" name="Review order"><bpmn:extensionElements><zeebe:userTask/>'
        "</bpmn:extensionElements></bpmn:userTask>",
        '<bpmn:endEvent id="end"/>',
        _flows(["start", "review", "end"]),
    ]))


def message_catch(pid: str, message: str, correlation_expr: str) -> bytes:
    """start -> intermediate message catch (name, zeebe:subscription correlationKey) -> end."""
    return (
        f'{_HEAD}<bpmn:message id="msg1" name="{message}"><bpmn:extensionElements>'
        f'<zeebe:subscription correlationKey="{correlation_expr}"/></bpmn:extensionElements></bpmn:message>\n'
        f'<bpmn:process id="{pid}" isExecutable="true">\n'
        '<bpmn:startEvent id="start"/>\n'
        '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="msg1"/>'
        "</bpmn:intermediateCatchEvent>\n"
        '<bpmn:endEvent id="end"/>\n'
        + _flows(["start", "wait", "end"])
        + "\n</bpmn:process>\n</bpmn:definitions>\n"
    ).encode()


def user_task_with_form(pid: str, form_id: str) -> bytes:
    """start -> Camunda user task linking a deployed form by id -> end."""
    return _wrap(pid, "\n".join([
        '<bpmn:startEvent id="start"/>',
        f'<bpmn:userTask id="fill" name="Fill in"><bpmn:extensionElements><zeebe:userTask/>'
        f'<zeebe:formDefinition formId="{form_id}"/></bpmn:extensionElements></bpmn:userTask>',
        '<bpmn:endEvent id="end"/>',
        _flows(["start", "fill", "end"]),
    ]))


def form(form_id: str) -> bytes:
    """A minimal Camunda Forms JSON document."""
    import json

    return json.dumps({"id": form_id, "type": "default", "schemaVersion": 16,
                       "components": [{"key": "amount", "label": "Amount", "type": "number"}]}).encode()
