"""``autoops tasks list|claim|unclaim|complete``: work on Camunda user tasks from the terminal."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from autoops.cli._common import (
    Connection,
    JsonOption,
    collect_variables,
    connection_command,
    emit_json,
    handle_errors,
    print_table,
    stdout,
)
from autoops.cli.instances import LimitOption
from autoops.cli.start import VarOption, VarsFileOption

tasks_app = typer.Typer(help="List, claim, unclaim and complete user tasks.", no_args_is_help=True)


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


@tasks_app.command("list")
@connection_command
def list_tasks(
    state: Annotated[
        str | None, typer.Option("--state", help="CREATED (default), COMPLETED, CANCELED, ... or 'any'.")
    ] = "CREATED",
    assignee: Annotated[
        str | None, typer.Option("--assignee", help="Only tasks assigned to this user.")
    ] = None,
    group: Annotated[str | None, typer.Option("--group", help="Only tasks for this candidate group.")] = None,
    process_instance: Annotated[
        str | None, typer.Option("--process-instance", help="Process instance key.")
    ] = None,
    process_id: Annotated[str | None, typer.Option("--process-id", help="BPMN process id.")] = None,
    limit: LimitOption = 50,
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """List user tasks, oldest first."""
    wanted = None if state is None or state.lower() == "any" else state
    with handle_errors(as_json), conn.client() as client:
        found = client.search_user_tasks(
            state=wanted,
            assignee=assignee,
            candidate_group=group,
            process_instance_key=process_instance,
            process_definition_id=process_id,
            limit=limit,
        )
    if as_json:
        emit_json(found.model_dump(mode="json", by_alias=True, exclude_none=True))
        return
    print_table(
        f"user tasks ({len(found.items)} of {found.page.total_items})",
        ["key", "name", "element", "state", "assignee", "groups", "instance", "created"],
        [
            (
                t.user_task_key,
                t.name,
                t.element_id,
                t.state,
                t.assignee,
                ",".join(t.candidate_groups or []),
                t.process_instance_key,
                t.creation_date,
            )
            for t in found.items
        ],
        empty="no user tasks match",
    )


@tasks_app.command("claim")
@connection_command
def claim(
    key: Annotated[str, typer.Argument(help="User task key.")],
    assignee: Annotated[
        str | None, typer.Option("--assignee", help="User to assign (default: the current OS user).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Take the task even if someone else has it.")
    ] = False,
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """Assign a user task (to yourself by default)."""
    user = assignee or _default_user()
    with handle_errors(as_json), conn.client() as client:
        client.assign_user_task(key, user, allow_override=force)
    if as_json:
        emit_json({"userTaskKey": key, "assignee": user})
    else:
        stdout().print(f"user task {key} assigned to {user}", markup=False, highlight=False)


@tasks_app.command("unclaim")
@connection_command
def unclaim(
    key: Annotated[str, typer.Argument(help="User task key.")],
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """Remove the assignee of a user task."""
    with handle_errors(as_json), conn.client() as client:
        client.unassign_user_task(key)
    if as_json:
        emit_json({"userTaskKey": key, "assignee": None})
    else:
        stdout().print(f"user task {key} unassigned", markup=False, highlight=False)


@tasks_app.command("complete")
@connection_command
def complete(
    key: Annotated[str, typer.Argument(help="User task key.")],
    var: VarOption = None,
    vars_file: VarsFileOption = None,
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """Complete a user task, optionally with variables."""
    variables = collect_variables(var, vars_file)
    with handle_errors(as_json), conn.client() as client:
        client.complete_user_task(key, variables)
    if as_json:
        emit_json({"userTaskKey": key, "completed": True, "variables": variables})
    else:
        stdout().print(f"user task {key} completed", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")
