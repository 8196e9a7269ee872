"""``autoops validate``: files and folders, exit codes, human and JSON output, the FEEL hook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bpmn_builders import document, flow, service
from typer.testing import CliRunner

from autoops.cli import app

REPO = Path(__file__).resolve().parents[2]
VALID = document('<bpmn:startEvent id="s"/>' + service("t") + flow("f", "s", "t"))
INVALID = document(service("t"), process_id="broken")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def models(tmp_path: Path) -> Path:
    (tmp_path / "nested").mkdir()
    (tmp_path / "ok.bpmn").write_bytes(VALID)
    (tmp_path / "nested" / "also-ok.bpmn").write_bytes(VALID)
    (tmp_path / "notes.txt").write_text("not a model")
    return tmp_path


def test_repository_models_pass() -> None:
    code, out, _ = run(str(REPO / "bpmn"))
    assert code == 0, out
    assert "0 error(s)" in out


def test_folder_is_searched_recursively(models: Path) -> None:
    code, out, _ = run(str(models))
    assert code == 0
    assert "2 file(s) checked: 0 error(s), 0 warning(s): ok" in out


def test_invalid_file_exits_1_with_located_message(models: Path) -> None:
    bad = models / "bad.bpmn"
    bad.write_bytes(INVALID)
    code, out, _ = run(str(bad), str(models / "ok.bpmn"))
    assert code == 1
    assert f"{bad}:3: broken: Must have at least one start event" in out
    assert "2 file(s) checked: 1 error(s)" in out


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    path = tmp_path / "warn.bpmn"
    path.write_bytes(document('<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>' + flow("f", "s", "e", "=x")))
    code, out, _ = run(str(path))
    assert code == 0
    assert "warning: The condition is ignored" in out


def test_json_output(models: Path) -> None:
    (models / "bad.bpmn").write_bytes(INVALID)
    code, out, _ = run("--json", str(models))
    assert code == 1
    report = json.loads(out)
    assert (report["valid"], report["errors"], report["warnings"]) == (False, 1, 0)
    by_name = {Path(f["path"]).name: f for f in report["files"]}
    assert set(by_name) == {"ok.bpmn", "also-ok.bpmn", "bad.bpmn"}
    assert by_name["ok.bpmn"]["valid"] is True
    [problem] = by_name["bad.bpmn"]["diagnostics"]
    assert problem["rule"] == "start-event-required"
    assert (problem["element_id"], problem["line"], problem["severity"]) == ("broken", 3, "error")


def test_unreadable_and_missing_inputs_are_errors(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.bpmn"
    hostile.write_bytes(
        b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x>&e;</x>'
    )
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    code, out, _ = run("--json", str(hostile), str(tmp_path / "missing.bpmn"), str(empty_dir))
    assert code == 1
    report = json.loads(out)
    rules = [(Path(f["path"]).name, f["diagnostics"][0]["rule"]) for f in report["files"]]
    assert rules == [("hostile.bpmn", "parse"), ("missing.bpmn", "input"), ("empty", "input")]
    assert report["files"][0]["diagnostics"][0]["line"] == 2
    assert "root:" not in out


def test_size_limit_option(models: Path) -> None:
    code, out, _ = run("--max-bytes", "100", str(models / "ok.bpmn"))
    assert code == 1
    assert "more than the limit of 100 bytes" in out


def test_feel_syntax_errors_are_reported_with_element_attribute_and_position(tmp_path: Path) -> None:
    path = tmp_path / "feel.bpmn"
    body = (
        '<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="f2"/><bpmn:endEvent id="a"/>'
        '<bpmn:endEvent id="b"/>'
        + flow("f0", "s", "g")
        + flow("f1", "g", "a", "=total +")
        + flow("f2", "g", "b")
    )
    path.write_bytes(document(body))
    code, out, _ = run("--json", str(path))
    assert code == 1
    [problem] = json.loads(out)["files"][0]["diagnostics"]
    assert (problem["element_id"], problem["rule"]) == ("f1", "feel-syntax")
    assert problem["message"].startswith("Attribute 'conditionExpression': failed to parse expression 'total +': ")
    assert "(line 1, column 8)" in problem["message"]
    code, out, _ = run(str(path))
    assert code == 1
    assert f"{path}:" in out and "f1: Attribute 'conditionExpression'" in out


def test_help_lists_the_command() -> None:
    result = CliRunner().invoke(app, ["validate", "--help"])
    assert result.exit_code == 0
    assert "--json" in result.stdout
