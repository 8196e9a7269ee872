"""``autoops cancel``: cancel a running process instance."""

from __future__ import annotations

from typing import Annotated

import typer

from autoops.cli._common import Connection, JsonOption, connection_command, handle_errors, report


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
    report(as_json, {"processInstanceKey": key, "canceled": True}, f"canceled process instance {key}")


def register(app: typer.Typer) -> None:
    app.command("cancel")(cancel)
