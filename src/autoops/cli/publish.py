"""``autoops publish``: publish a message to be correlated by name and correlation key."""

from __future__ import annotations

import re
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
    fail,
    handle_errors,
    say,
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_ttl(text: str) -> float:
    """Seconds from ``30``, ``30s``, ``500ms``, ``5m``, ``1h`` or ``1d``."""
    match = _DURATION.match(text)
    if not match:
        fail(f"--ttl {text!r} is not a duration", hint="use seconds or a unit: 500ms, 30s, 5m, 1h, 1d")
    return float(match.group(1)) * _UNIT[match.group(2) or "s"]


@connection_command
def publish(
    name: Annotated[str, typer.Argument(help="Message name, as in the BPMN message definition.")],
    key: Annotated[str, typer.Option("--key", "-k", help="Correlation key.")] = "",
    var: VarOption = None,
    vars_file: VarsFileOption = None,
    ttl: Annotated[
        str, typer.Option("--ttl", help="Time to live: 0 (correlate now or drop), 30s, 5m, 1h.")
    ] = "60s",
    message_id: Annotated[
        str | None, typer.Option("--message-id", help="Unique id; a duplicate within the TTL is rejected.")
    ] = None,
    as_json: JsonOption = False,
    *,
    conn: Connection,
) -> None:
    """Publish a message (buffered for --ttl when no subscription is waiting)."""
    variables = collect_variables(var, vars_file)
    seconds = parse_ttl(ttl)
    with handle_errors(as_json), conn.client() as client:
        published = client.publish(name, key, variables, ttl=seconds, message_id=message_id)
    if as_json:
        emit_json(published.wire())
        return
    say(f"published message {name!r} (correlation key {key!r}) as {published.message_key}")


def register(app: typer.Typer) -> None:
    app.command("publish")(publish)
