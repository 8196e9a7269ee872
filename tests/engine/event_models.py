"""Inline model snippets for the event tests: messages, timers, signals, errors, escalations."""

from __future__ import annotations

from .bpmn_builder import HEADER


def definitions(pid: str, body: str, roots: str = "") -> bytes:
    """A definitions document with one executable process and extra root elements (messages, errors, ...)."""
    return (
        HEADER + f'<bpmn:process id="{pid}" isExecutable="true">\n{body}\n</bpmn:process>\n{roots}\n</bpmn:definitions>\n'
    ).encode()


def message(mid: str, name: str, key: str | None = None) -> str:
    if key is None:
        return f'<bpmn:message id="{mid}" name="{name}"/>'
    return (
        f'<bpmn:message id="{mid}" name="{name}"><bpmn:extensionElements>'
        f'<zeebe:subscription correlationKey="{key}"/></bpmn:extensionElements></bpmn:message>'
    )


def message_catch(eid: str, mref: str) -> str:
    return (
        f'<bpmn:intermediateCatchEvent id="{eid}"><bpmn:messageEventDefinition messageRef="{mref}"/>'
        "</bpmn:intermediateCatchEvent>"
    )


def timer_def(kind: str, value: str) -> str:
    return f"<bpmn:timerEventDefinition><bpmn:{kind}>{value}</bpmn:{kind}></bpmn:timerEventDefinition>"


def timer_catch(eid: str, kind: str, value: str) -> str:
    return f'<bpmn:intermediateCatchEvent id="{eid}">{timer_def(kind, value)}</bpmn:intermediateCatchEvent>'


def boundary(eid: str, attached: str, definition: str, *, interrupting: bool = True) -> str:
    cancel = "" if interrupting else ' cancelActivity="false"'
    return f'<bpmn:boundaryEvent id="{eid}" attachedToRef="{attached}"{cancel}>{definition}</bpmn:boundaryEvent>'


def start(eid: str = "start", definition: str = "", *, interrupting: bool = True) -> str:
    flag = "" if interrupting else ' isInterrupting="false"'
    return f'<bpmn:startEvent id="{eid}"{flag}>{definition}</bpmn:startEvent>'


def end(eid: str = "end", definition: str = "") -> str:
    return f'<bpmn:endEvent id="{eid}">{definition}</bpmn:endEvent>'


def event_subprocess(sid: str, body: str) -> str:
    return f'<bpmn:subProcess id="{sid}" triggeredByEvent="true">{body}</bpmn:subProcess>'
