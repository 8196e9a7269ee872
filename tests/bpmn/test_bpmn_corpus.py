"""The 148 real Camunda 8 files of ../shared/corpus against SOURCES.csv and our expectations file.

- every file parses;
- every negative fixture (expected_invalid = yes) gets at least one error;
- every executable model that bpmnlint's camunda-cloud-8-8 config accepts gets none;
- each deliberate difference is listed, with its reason, in corpus_expectations.toml, and every
  entry there must be true and needed.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bpmn_builders import CORPUS

from autoops.bpmn import Definitions, Diagnostic, parse_file, validate

EXPECTATIONS = Path(__file__).with_name("corpus_expectations.toml")


@dataclass(frozen=True)
class Row:
    file: str
    expected_invalid: bool
    lint_clean: bool
    has_diagram: bool


def load_rows() -> list[Row]:
    sources = CORPUS / "SOURCES.csv"
    if not sources.is_file():
        pytest.fail(
            f"BPMN corpus not found at {CORPUS.resolve()}; the shared/ folder must sit beside the repository"
        )
    with sources.open(newline="", encoding="utf-8") as handle:
        return [
            Row(
                file=r["file"],
                expected_invalid=r["expected_invalid"] == "yes",
                lint_clean=r["bpmnlint_8_8"].startswith("0E/"),
                has_diagram=r["has_diagram"] == "yes",
            )
            for r in csv.DictReader(handle)
        ]


def load_expectations() -> dict[str, dict[str, Any]]:
    data = tomllib.loads(EXPECTATIONS.read_text(encoding="utf-8"))
    result: dict[str, dict[str, Any]] = {}
    for section, entries in data.items():
        result[section] = {}
        for entry in entries:
            assert entry["reason"].strip(), f"{section}: {entry['file']} needs a reason"
            result[section][entry["file"]] = entry
    return result


ROWS = load_rows()
EXPECTED = load_expectations()


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[Definitions, list[Diagnostic]]]:
    parsed: dict[str, tuple[Definitions, list[Diagnostic]]] = {}
    for row in ROWS:
        definitions = parse_file(CORPUS / row.file)
        parsed[row.file] = (definitions, validate(definitions))
    return parsed


def errors_of(results: dict[str, tuple[Definitions, list[Diagnostic]]], file: str) -> list[Diagnostic]:
    return [d for d in results[file][1] if d.is_error]


def test_corpus_has_148_files_listed_in_sources() -> None:
    on_disk = {str(p.relative_to(CORPUS)) for p in (CORPUS / "bpmn").rglob("*.bpmn")}
    assert len(ROWS) == 148
    assert on_disk == {row.file for row in ROWS}


def test_every_file_parses_and_knows_its_diagram(
    results: dict[str, tuple[Definitions, list[Diagnostic]]],
) -> None:
    for row in ROWS:
        definitions, _ = results[row.file]
        assert definitions.processes, row.file
        assert definitions.has_diagram is row.has_diagram, row.file


def test_negative_fixtures_get_an_error(results: dict[str, tuple[Definitions, list[Diagnostic]]]) -> None:
    accepted = EXPECTED["valid_although_expected_invalid"]
    missed = [
        row.file
        for row in ROWS
        if row.expected_invalid and row.file not in accepted and not errors_of(results, row.file)
    ]
    assert missed == []


def test_lint_clean_executable_models_get_no_error(
    results: dict[str, tuple[Definitions, list[Diagnostic]]],
) -> None:
    rejected = EXPECTED["invalid_although_lint_clean"]
    wrongly: dict[str, list[str]] = {}
    for row in ROWS:
        definitions, _ = results[row.file]
        if row.lint_clean and definitions.executable_processes() and row.file not in rejected:
            found = errors_of(results, row.file)
            if found:
                wrongly[row.file] = [d.human() for d in found]
    assert wrongly == {}


def test_deliberate_differences_hold(results: dict[str, tuple[Definitions, list[Diagnostic]]]) -> None:
    rows = {row.file: row for row in ROWS}
    for file in EXPECTED["valid_although_expected_invalid"]:
        assert rows[file].expected_invalid, f"{file} is not a negative fixture: drop the entry"
        assert errors_of(results, file) == [], file
    for file, entry in EXPECTED["invalid_although_lint_clean"].items():
        assert rows[file].lint_clean, f"{file} is not lint-clean: drop the entry"
        assert set(entry["rules"]) <= {d.rule for d in errors_of(results, file)}, file
    for file in EXPECTED["lint_errors_we_accept"]:
        assert not rows[file].lint_clean, f"{file} is lint-clean: drop the entry"
        assert errors_of(results, file) == [], file
    for file, entry in EXPECTED["stricter_than_lint"].items():
        assert set(entry["rules"]) <= {d.rule for d in errors_of(results, file)}, file


def test_every_file_bpmnlint_rejects_and_we_accept_is_explained(
    results: dict[str, tuple[Definitions, list[Diagnostic]]],
) -> None:
    unexplained = [
        row.file
        for row in ROWS
        if not row.lint_clean
        and not errors_of(results, row.file)
        and row.file not in EXPECTED["lint_errors_we_accept"]
    ]
    assert unexplained == []


def feel_checker() -> Callable[[str], str | None]:
    feel: Any = pytest.importorskip("autoops.feel")

    def check(text: str) -> str | None:
        try:
            feel.compile(text)
        except feel.FeelSyntaxError as exc:
            return str(exc)
        return None

    return check


def test_feel_checks_keep_lint_clean_models_clean_and_catch_the_feel_fixture() -> None:
    check = feel_checker()
    for row in ROWS:
        if not row.lint_clean:
            continue
        feel_errors = [
            d
            for d in validate(parse_file(CORPUS / row.file), check_expression=check)
            if d.rule == "feel-syntax"
        ]
        assert feel_errors == [], row.file
    fixture = parse_file(CORPUS / "bpmn/bpmnlint-plugin-camunda-compat/feel-errors.bpmn")
    assert "feel-syntax" in {d.rule for d in validate(fixture, check_expression=check)}
