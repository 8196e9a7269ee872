"""``autoops validate``: check BPMN files the way Zeebe checks them at deployment.

The command plugs FEEL syntax checking into the BPMN validator (the ``bpmn`` package is a leaf
and cannot import ``feel`` itself). Imports stay inside the command so that ``autoops --help``
does not load lxml or the FEEL parser.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def _feel_checker() -> Callable[[str], str | None] | None:
    """FEEL syntax check from ``autoops.feel`` when it is installed, else ``None``."""
    try:
        feel: Any = importlib.import_module("autoops.feel")
        compile_expression = feel.compile
        syntax_error: type[Exception] = feel.FeelSyntaxError
    except (ImportError, AttributeError):
        return None

    def check(text: str) -> str | None:
        try:
            compile_expression(text)
        except syntax_error as exc:
            return str(exc)
        return None

    return check


def _unreadable(source: str, line: int | None, rule: str, message: str) -> Diagnostic:
    """A file that could not be validated at all, reported like any other error."""
    from autoops.bpmn import Diagnostic, Severity

    return Diagnostic(
        severity=Severity.ERROR, source=source, line=line, element_id="", rule=rule, message=message
    )


def _check(paths: list[Path], max_bytes: int) -> tuple[list[tuple[str, list[Diagnostic]]], bool]:
    from autoops.bpmn import BpmnParseError, parse_file, validate

    checker = _feel_checker()
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
        results.append((name, validate(definitions, check_expression=checker)))
    return results, checker is not None


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
        results, feel_checked = _check(paths, max_bytes)
        diagnostics = [d for _, found in results for d in found]
        errors = sum(1 for d in diagnostics if d.is_error)
        warnings = len(diagnostics) - errors
        if as_json:
            document = {
                "valid": errors == 0,
                "errors": errors,
                "warnings": warnings,
                "feel_checked": feel_checked,
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
            if not feel_checked:
                typer.echo(
                    "note: FEEL expressions were not syntax-checked (autoops.feel unavailable)", err=True
                )
            status = "ok" if errors == 0 else "invalid"
            typer.echo(f"{len(results)} file(s) checked: {errors} error(s), {warnings} warning(s): {status}")
        if errors:
            raise typer.Exit(code=1)
