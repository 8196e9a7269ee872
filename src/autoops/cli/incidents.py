"""``autoops incidents list|resolve``: see what is stuck and retry it."""

from __future__ import annotations

from typing import Annotated

import typer

from autoops.cli._common import (
    Connection,
    JsonOption,
    LimitOption,
    ProcessIdOption,
    ProcessInstanceOption,
    connection_command,
    handle_errors,
    print_page,
    report,
    state_filter,
)

incidents_app = typer.Typer(help="List and resolve incidents.", no_args_is_help=True)


@incidents_app.command("list")
@connection_command
def list_incidents(
    state: Annotated[
        str | None, typer.Option("--state", help="ACTIVE (default), RESOLVED, ... or 'any'.")
    ] = "ACTIVE",
    process_instance: ProcessInstanceOption = None,
    process_id: ProcessIdOption = None,
    error_type: Annotated[
        str | None, typer.Option("--error-type", help="e.g. JOB_NO_RETRIES, IO_MAPPING_ERROR.")
    ] = None,
    limit: LimitOption = 50,
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """List incidents, newest first."""
    with handle_errors(as_json), conn.client() as client:
        found = client.search_incidents(
            state=state_filter(state),
            process_instance_key=process_instance,
            process_definition_id=process_id,
            error_type=error_type,
            limit=limit,
        )
    print_page(
        found,
        "incidents",
        ["key", "type", "process", "element", "instance", "job", "message", "created"],
        lambda n: (
            n.incident_key,
            n.error_type,
            n.process_definition_id,
            n.element_id,
            n.process_instance_key,
            n.job_key,
            n.error_message,
            n.creation_time,
        ),
        as_json=as_json,
    )


@incidents_app.command("resolve")
@connection_command
def resolve(
    key: Annotated[str, typer.Argument(help="Incident key.")],
    retries: Annotated[
        int | None, typer.Option("--retries", min=1, help="First give the incident's job this many retries.")
    ] = None,
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """Resolve an incident; with --retries, raise its job's retries first (a retry, as in Operate)."""
    with handle_errors(as_json), conn.client() as client:
        client.resolve_incident(key, retries=retries)
    suffix = f" (job retries set to {retries})" if retries is not None else ""
    report(
        as_json,
        {"incidentKey": key, "resolved": True, "retries": retries},
        f"incident {key} resolved{suffix}",
    )


def register(app: typer.Typer) -> None:
    app.add_typer(incidents_app, name="incidents")
