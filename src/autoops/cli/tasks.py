"""``autoops tasks list|claim|unclaim|complete``: work on Camunda user tasks from the terminal."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from autoops.cli._common import (
    Connection,
    JsonOption,
    LimitOption,
    ProcessIdOption,
    ProcessInstanceOption,
    VarOption,
    VarsFileOption,
    collect_variables,
    connection_command,
    handle_errors,
    print_page,
    report,
    state_filter,
)

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
    process_instance: ProcessInstanceOption = None,
    process_id: ProcessIdOption = None,
    limit: LimitOption = 50,
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """List user tasks, oldest first."""
    with handle_errors(as_json), conn.client() as client:
        found = client.search_user_tasks(
            state=state_filter(state),
            assignee=assignee,
            candidate_group=group,
            process_instance_key=process_instance,
            process_definition_id=process_id,
            limit=limit,
        )
    print_page(
        found,
        "user tasks",
        ["key", "name", "element", "state", "assignee", "groups", "instance", "created"],
        lambda t: (
            t.user_task_key,
            t.name,
            t.element_id,
            t.state,
            t.assignee,
            ",".join(t.candidate_groups or []),
            t.process_instance_key,
            t.creation_date,
        ),
        as_json=as_json,
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
    report(as_json, {"userTaskKey": key, "assignee": user}, f"user task {key} assigned to {user}")


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
    report(as_json, {"userTaskKey": key, "assignee": None}, f"user task {key} unassigned")


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
    document = {"userTaskKey": key, "completed": True, "variables": variables}
    report(as_json, document, f"user task {key} completed")


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")
