"""``autoops cancel``: cancel a running process instance."""

from __future__ import annotations

from typing import Annotated

import typer

from autoops.cli._common import Connection, JsonOption, connection_command, emit_json, handle_errors, stdout


@connection_command
def cancel(
    key: Annotated[str, typer.Argument(help="Process instance key.")],
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """Cancel a process instance (all its active elements are terminated)."""
    with handle_errors(as_json), conn.client() as client:
        client.cancel(key)
    if as_json:
        emit_json({"processInstanceKey": key, "canceled": True})
    else:
        stdout().print(f"canceled process instance {key}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("cancel")(cancel)
