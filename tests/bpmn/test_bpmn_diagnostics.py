"""Rendering diagnostics: the human form and Zeebe's rejection text, byte for byte."""

from __future__ import annotations

from bpmn_builders import document

from autoops.bpmn import (
    Diagnostic,
    Severity,
    format_resource_errors,
    has_errors,
    parse_bytes,
    rejection_message,
    rejection_reason,
    validate,
)


def diagnostic(
    element: str, message: str, *, line: int | None = 3, path: str | None = None, warning: bool = False
) -> Diagnostic:
    return Diagnostic(
        severity=Severity.WARNING if warning else Severity.ERROR,
        source="kaputt.bpmn",
        line=line,
        element_id=element,
        rule="r",
        message=message,
        element_path=path,
    )


def test_zeebe_rejection_text_for_one_resource() -> None:
    errors = [diagnostic("kaputt", "Must have at least one start event")]
    assert rejection_message([("kaputt.bpmn", errors)]) == (
        "Command 'CREATE' rejected with code 'INVALID_ARGUMENT': Expected to deploy new resources, "
        "but encountered the following errors:\n"
        "'kaputt.bpmn': - Element: kaputt\n"
        "    - ERROR: Must have at least one start event\n"
    )


def test_errors_are_grouped_per_element_and_resources_follow_each_other() -> None:
    first = [
        diagnostic(
            "task",
            "Task type must be present and not empty",
            path="task > extensionElements > taskDefinition",
        ),
        diagnostic("flow1", "Must have a condition or be default flow"),
        diagnostic("flow1", "failed to parse expression 'x +': bad"),
        diagnostic("gw", "ignored", warning=True),
    ]
    second = [diagnostic("p2", "Must have at least one start event")]
    clean: list[Diagnostic] = [diagnostic("x", "just a warning", warning=True)]
    reason = rejection_reason([("a.bpmn", first), ("ok.bpmn", clean), ("b.bpmn", second)])
    assert reason == (
        "Expected to deploy new resources, but encountered the following errors:\n"
        "'a.bpmn': - Element: task > extensionElements > taskDefinition\n"
        "    - ERROR: Task type must be present and not empty\n"
        "- Element: flow1\n"
        "    - ERROR: Must have a condition or be default flow\n"
        "    - ERROR: failed to parse expression 'x +': bad\n"
        "\n"
        "'b.bpmn': - Element: p2\n"
        "    - ERROR: Must have at least one start event\n"
    )
    assert format_resource_errors("b.bpmn", second) == (
        "'b.bpmn': - Element: p2\n    - ERROR: Must have at least one start event\n"
    )


def test_human_form() -> None:
    assert diagnostic("t", "boom").human() == "kaputt.bpmn:3: t: boom"
    assert diagnostic("t", "boom", line=None).human() == "kaputt.bpmn: t: boom"
    assert diagnostic("t", "hmm", warning=True).human() == "kaputt.bpmn:3: t: warning: hmm"
    assert diagnostic("", "no process").human() == "kaputt.bpmn:3: (document): no process"


def test_as_dict_is_json_ready() -> None:
    data = diagnostic("t", "boom", path="t > extensionElements > taskDefinition").as_dict()
    assert data == {
        "severity": "error",
        "source": "kaputt.bpmn",
        "line": 3,
        "element_id": "t",
        "element": "t > extensionElements > taskDefinition",
        "rule": "r",
        "message": "boom",
    }


def test_has_errors() -> None:
    assert not has_errors([diagnostic("a", "w", warning=True)])
    assert has_errors([diagnostic("a", "w", warning=True), diagnostic("b", "e")])


def test_end_to_end_rejection_of_a_model_without_start_event() -> None:
    definitions = parse_bytes(document("", process_id="kaputt"), "kaputt.bpmn")
    reason = rejection_reason([("kaputt.bpmn", validate(definitions))])
    assert reason.endswith(
        "'kaputt.bpmn': - Element: kaputt\n    - ERROR: Must have at least one start event\n"
    )
