"""``autoops validate``: check BPMN files the way Zeebe checks them at deployment.

The command plugs FEEL syntax checking into the BPMN validator (the ``bpmn`` package is a leaf
and cannot import ``feel`` itself). Imports stay inside the command so that ``autoops --help``
does not load lxml or the FEEL parser.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from autoops.bpmn import Diagnostic

__all__ = ["register"]


def _bpmn_files(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """Each file to check, or a path with the reason it yields none."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.bpmn") if p.is_file())
            if not found:
                yield path, f"no .bpmn files found under {path}"
            for file in found:
                yield file, None
        elif path.is_file():
            yield path, None
        else:
            yield path, f"{path} does not exist"


def _unreadable(source: str, line: int | None, rule: str, message: str) -> Diagnostic:
    """A file that could not be validated at all, reported like any other error."""
    from autoops.bpmn import Diagnostic, Severity

    return Diagnostic(
        severity=Severity.ERROR, source=source, line=line, element_id="", rule=rule, message=message
    )


def _check(paths: list[Path], max_bytes: int) -> list[tuple[str, list[Diagnostic]]]:
    from autoops.bpmn import BpmnParseError, parse_file, validate
    from autoops.feel import syntax_error

    results: list[tuple[str, list[Diagnostic]]] = []
    for path, problem in _bpmn_files(paths):
        name = str(path)
        if problem is not None:
            results.append((name, [_unreadable(name, None, "input", problem)]))
            continue
        try:
            definitions = parse_file(path, max_bytes=max_bytes)
        except BpmnParseError as exc:
            results.append((name, [_unreadable(exc.source, exc.line, "parse", exc.message)]))
            continue
        results.append((name, validate(definitions, check_expression=syntax_error)))
    return results


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate_command(
        paths: list[Path] = typer.Argument(  # noqa: B008
            ..., help="BPMN files or folders (folders are searched recursively for *.bpmn)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document for machines."),
        max_bytes: int = typer.Option(
            10 * 1024 * 1024, "--max-bytes", min=1, help="Refuse files larger than this many bytes."
        ),
    ) -> None:
        """Validate BPMN models with Zeebe's deploy-time rules (exit 1 when any error is found)."""
        results = _check(paths, max_bytes)
        diagnostics = [d for _, found in results for d in found]
        errors = sum(1 for d in diagnostics if d.is_error)
        warnings = len(diagnostics) - errors
        if as_json:
            document = {
                "valid": errors == 0,
                "errors": errors,
                "warnings": warnings,
                "files": [
                    {
                        "path": name,
                        "valid": not any(d.is_error for d in found),
                        "diagnostics": [d.as_dict() for d in found],
                    }
                    for name, found in results
                ],
            }
            typer.echo(json.dumps(document, indent=2))
        else:
            for diagnostic in diagnostics:
                typer.echo(diagnostic.human())
            status = "ok" if errors == 0 else "invalid"
            typer.echo(f"{len(results)} file(s) checked: {errors} error(s), {warnings} warning(s): {status}")
        if errors:
            raise typer.Exit(code=1)
