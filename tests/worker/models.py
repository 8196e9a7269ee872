"""BPMN models for the worker tests: one service task, optionally with an error boundary event."""

from pathlib import Path

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'
    ' xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="defs"'
    ' targetNamespace="http://bpmn.io/schema/bpmn" modeler:executionPlatform="Camunda Cloud"'
    ' modeler:executionPlatformVersion="8.6.0">\n'
)


def service_task_process(
    process_id: str,
    job_type: str,
    *,
    retries: int = 3,
    headers: dict[str, str] | None = None,
    error_code: str | None = None,
) -> str:
    """start → serviceTask 'Work' (job_type) → end; with ``error_code`` an error boundary event on the
    task leads to the end event 'Failed'."""
    header_xml = ""
    if headers:
        items = "".join(f'<zeebe:header key="{k}" value="{v}"/>' for k, v in headers.items())
        header_xml = f"<zeebe:taskHeaders>{items}</zeebe:taskHeaders>"
    error_def = boundary = ""
    if error_code is not None:
        error_def = f'  <bpmn:error id="Error_1" name="{error_code}" errorCode="{error_code}"/>\n'
        boundary = (
            '    <bpmn:boundaryEvent id="Caught" attachedToRef="Work"><bpmn:outgoing>f3</bpmn:outgoing>'
            '<bpmn:errorEventDefinition errorRef="Error_1"/></bpmn:boundaryEvent>\n'
            '    <bpmn:endEvent id="Failed"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>\n'
            '    <bpmn:sequenceFlow id="f3" sourceRef="Caught" targetRef="Failed"/>\n'
        )
    return (
        _HEAD
        + error_def
        + f'  <bpmn:process id="{process_id}" isExecutable="true">\n'
        '    <bpmn:startEvent id="Start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>\n'
        '    <bpmn:serviceTask id="Work" name="Work"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{job_type}" retries="{retries}"/>{header_xml}'
        "</bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>"
        "</bpmn:serviceTask>\n"
        '    <bpmn:endEvent id="Done"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>\n'
        '    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Work"/>\n'
        '    <bpmn:sequenceFlow id="f2" sourceRef="Work" targetRef="Done"/>\n'
        + boundary
        + "  </bpmn:process>\n</bpmn:definitions>\n"
    )


def write_model(directory: Path, process_id: str, job_type: str, **kwargs: object) -> Path:
    path = directory / f"{process_id}.bpmn"
    path.write_text(service_task_process(process_id, job_type, **kwargs))  # type: ignore[arg-type]
    return path
