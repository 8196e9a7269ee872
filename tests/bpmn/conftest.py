"""Shared helpers for the BPMN tests: build small documents around a process body."""

from __future__ import annotations

import pytest
from bpmn_builders import Build, Check, document

from autoops.bpmn import Definitions, Diagnostic, parse_bytes, validate


@pytest.fixture
def build() -> Build:
    def _build(body: str, **kwargs: object) -> Definitions:
        return parse_bytes(document(body, **kwargs), "test.bpmn")

    return _build


@pytest.fixture
def errors() -> Check:
    """Errors (not warnings) of a document built around ``body``."""

    def _errors(body: str, **kwargs: object) -> list[Diagnostic]:
        definitions = parse_bytes(document(body, **kwargs), "test.bpmn")
        return [d for d in validate(definitions) if d.is_error]

    return _errors
