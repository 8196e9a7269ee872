"""``autoops deploy``: validate models locally, then deploy them in one atomic deployment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from autoops.cli._common import (
    EXIT_REJECTED,
    Connection,
    JsonOption,
    connection_command,
    emit_json,
    fail,
    handle_errors,
    print_table,
    say,
)

_SUFFIXES = {".bpmn", ".dmn", ".form"}


def _expand(paths: list[Path]) -> list[Path]:
    """Files as given; folders contribute their .bpmn/.dmn/.form files (recursively, sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES)
            if not found:
                fail(f"{path} holds no .bpmn, .dmn or .form file")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            fail(f"{path} does not exist")
    return files


@connection_command
def deploy(
    paths: Annotated[list[Path], typer.Argument(help="BPMN/DMN/form files or folders holding them.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only validate; contact no engine.")] = False,
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """Validate BPMN models locally, then deploy all files as one deployment (all or nothing)."""
    from autoops.client import check_resources
    from autoops.client._validate import is_error

    files = _expand(paths)
    with handle_errors(as_json):
        diagnostics = check_resources(files)
        errors = [d for d in diagnostics if is_error(d)]
        if dry_run or errors:
            if as_json:
                emit_json(
                    {
                        "valid": not errors,
                        "files": [str(f) for f in files],
                        "diagnostics": [dict(d.as_dict()) for d in diagnostics],
                    }
                )
            else:
                for d in diagnostics:
                    say(d.human())
                verdict = (
                    f"{len(errors)} error(s) in {len(files)} file(s); nothing was deployed"
                    if errors
                    else f"{len(files)} file(s) valid" + (" (dry run, nothing deployed)" if dry_run else "")
                )
                say(verdict)
            if errors:
                raise typer.Exit(EXIT_REJECTED)
            return
        with conn.client() as client:
            result = client.deploy(*files, validate=False)
        if as_json:
            emit_json(result.wire())
            return
        print_table(
            f"deployment {result.deployment_key}",
            ["resource", "kind", "id", "version", "key"],
            [(d.resource_name, d.kind, d.id, d.version, d.definition_key) for d in result.deployments],
            empty=f"deployment {result.deployment_key}: no definitions in the response",
        )
        for d in diagnostics:  # warnings only at this point
            say(d.human())


def register(app: typer.Typer) -> None:
    app.command("deploy")(deploy)
