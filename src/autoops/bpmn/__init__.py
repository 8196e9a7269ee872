"""Camunda 8 BPMN: read files safely, model them, validate them the way Zeebe does at deploy time.

This package is a leaf: it imports nothing else of autoops, so the engine, the CLI and the tests
can all rely on it. FEEL syntax checks are plugged in by the caller (see :func:`validate`).
"""

from autoops.bpmn._parser import parse_bytes, parse_file
from autoops.bpmn._xml import DEFAULT_MAX_BYTES
from autoops.bpmn.diagnostics import (
    Diagnostic,
    Severity,
    format_resource_errors,
    has_errors,
    rejection_message,
    rejection_reason,
)
from autoops.bpmn.errors import BpmnParseError
from autoops.bpmn.model import (
    Activity,
    Definitions,
    ElementKind,
    Event,
    EventDefinition,
    EventKind,
    FlowNode,
    Gateway,
    Process,
    Scope,
    SequenceFlow,
    SubProcess,
    TimerKind,
    expression_body,
    is_expression,
)
from autoops.bpmn.validation import ExpressionChecker, validate

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Activity",
    "BpmnParseError",
    "Definitions",
    "Diagnostic",
    "ElementKind",
    "Event",
    "EventDefinition",
    "EventKind",
    "ExpressionChecker",
    "FlowNode",
    "Gateway",
    "Process",
    "Scope",
    "SequenceFlow",
    "Severity",
    "SubProcess",
    "TimerKind",
    "expression_body",
    "format_resource_errors",
    "has_errors",
    "is_expression",
    "parse_bytes",
    "parse_file",
    "rejection_message",
    "rejection_reason",
    "validate",
]
