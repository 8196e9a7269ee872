"""Tiny helpers to write test models inline: a definitions wrapper and a linear-flow shorthand."""

from __future__ import annotations

import itertools

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' id="defs" targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def process(pid: str, body: str) -> bytes:
    return (HEADER + f'<bpmn:process id="{pid}" isExecutable="true">\n{body}\n</bpmn:process>\n</bpmn:definitions>\n').encode()


def service(tid: str, job_type: str, extra: str = "", retries: str | None = None) -> str:
    r = f' retries="{retries}"' if retries is not None else ""
    return (
        f'<bpmn:serviceTask id="{tid}"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{job_type}"{r}/>{extra}</bpmn:extensionElements></bpmn:serviceTask>'
    )


def flow(fid: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>"
    )


def chain(*element_ids: str) -> str:
    """Sequence flows linking the given element ids in order."""
    return "\n".join(flow(f"f_{a}_{b}", a, b) for a, b in itertools.pairwise(element_ids))


def linear(pid: str, *tasks: str, extra: str = "") -> bytes:
    """start -> the given task XML snippets (ids t1..tn expected in order) -> end."""
    ids = ["start"]
    body = ['<bpmn:startEvent id="start"/>']
    for i, snippet in enumerate(tasks, 1):
        body.append(snippet)
        ids.append(f"t{i}")
    body.append('<bpmn:endEvent id="end"/>')
    ids.append("end")
    body.append(chain(*ids))
    body.append(extra)
    return process(pid, "\n".join(body))
