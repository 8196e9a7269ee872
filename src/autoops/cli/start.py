"""``autoops start``: create a process instance, optionally waiting for its result."""

from __future__ import annotations

from typing import Annotated

import typer

from autoops.cli._common import (
    Connection,
    JsonOption,
    VarOption,
    VarsFileOption,
    collect_variables,
    connection_command,
    emit_json,
    handle_errors,
    say,
    stdout,
)


@connection_command
def start(
    process_id: Annotated[str, typer.Argument(help="BPMN process id (the process element's id).")],
    var: VarOption = None,
    vars_file: VarsFileOption = None,
    version: Annotated[
        int | None, typer.Option("--version", help="Process version (default: latest).")
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for the instance to complete; print its variables.")
    ] = False,
    wait_timeout: Annotated[
        float | None, typer.Option("--wait-timeout", help="Seconds to wait with --wait (default: gateway's).")
    ] = None,
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """Start an instance of a deployed process."""
    variables = collect_variables(var, vars_file)
    with handle_errors(as_json), conn.client() as client:
        created = client.start(process_id, variables, version=version, wait=wait, wait_timeout=wait_timeout)
    if as_json:
        emit_json(created.wire())
        return
    say(
        f"started instance {created.process_instance_key} of {created.process_definition_id} "
        f"version {created.process_definition_version} (definition key {created.process_definition_key})"
    )
    if wait:
        import json

        stdout().print("completed with variables:", markup=False)
        say(json.dumps(created.variables or {}, indent=2))


def register(app: typer.Typer) -> None:
    app.command("start")(start)
