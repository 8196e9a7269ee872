"""``autoops instances list|show``: find process instances and look inside one."""

from __future__ import annotations

from typing import Annotated

import typer

from autoops.cli._common import (
    Connection,
    JsonOption,
    LimitOption,
    ProcessIdOption,
    connection_command,
    emit_json,
    handle_errors,
    print_page,
    print_table,
    say,
)

instances_app = typer.Typer(help="Find process instances and inspect one.", no_args_is_help=True)


@instances_app.command("list")
@connection_command
def list_instances(
    state: Annotated[str | None, typer.Option("--state", help="ACTIVE, COMPLETED or TERMINATED.")] = None,
    process_id: ProcessIdOption = None,
    with_incidents: Annotated[
        bool | None,
        typer.Option("--incidents/--no-incidents", help="Only instances with (or without) incidents."),
    ] = None,
    limit: LimitOption = 50,
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """List process instances, newest first."""
    with handle_errors(as_json), conn.client() as client:
        found = client.search_process_instances(
            state=state, process_definition_id=process_id, has_incident=with_incidents, limit=limit
        )
    print_page(
        found,
        "process instances",
        ["key", "process", "version", "state", "incident", "started"],
        lambda i: (
            i.process_instance_key,
            i.process_definition_id,
            i.process_definition_version,
            i.state,
            "yes" if i.has_incident else "",
            i.start_date,
        ),
        as_json=as_json,
    )


@instances_app.command("show")
@connection_command
def show_instance(
    key: Annotated[str, typer.Argument(help="Process instance key.")],
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """One instance with its element instances, incidents and variables."""
    with handle_errors(as_json), conn.client() as client:
        details = client.process_instance_details(key)
    if as_json:
        emit_json(details.wire())
        return
    i = details.instance
    say(
        f"instance {i.process_instance_key}: {i.process_definition_id} version {i.process_definition_version}, "
        f"{i.state}{', has incident' if i.has_incident else ''}; started {i.start_date}"
        + (f", ended {i.end_date}" if i.end_date else "")
    )
    print_table(
        "elements",
        ["key", "element", "type", "state", "started", "ended"],
        [
            (e.element_instance_key, e.element_id, e.type, e.state, e.start_date, e.end_date)
            for e in details.element_instances
        ],
        empty="no element instances",
    )
    print_table(
        "incidents",
        ["key", "element", "type", "state", "message"],
        [(n.incident_key, n.element_id, n.error_type, n.state, n.error_message) for n in details.incidents],
        empty="no incidents",
    )
    print_table(
        "variables",
        ["name", "value", "scope"],
        [
            (v.name, (v.value or "") + (" …(truncated)" if v.is_truncated else ""), v.scope_key)
            for v in details.variables
        ],
        empty="no variables",
    )


def register(app: typer.Typer) -> None:
    app.add_typer(instances_app, name="instances")
