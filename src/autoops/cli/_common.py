"""What every operator command shares: connection options, output, and exit codes.

Connection options (address, credentials, TLS, tenant) are added to each command by
:func:`connection_command`, so ``autoops start --address host:26500 ...`` works on every command and
overrides the environment and ``.env``. Output goes through rich for people and through ``--json``
for scripts. Errors become one line on stderr (or a JSON object on stdout with ``--json``) and a
stable exit code (see :data:`EXIT_CODES` and docs/cli.md).

Heavy modules (pydantic-settings, the client, pyzeebe, httpx) are imported inside functions so that
``autoops --help`` stays fast.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar, get_type_hints

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from autoops.client import SearchResult, SyncCamundaClient
    from autoops.config import Settings

__all__ = [
    "EXIT_CODES",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_REJECTED",
    "EXIT_SERVER",
    "EXIT_TIMEOUT",
    "EXIT_UNAUTHORIZED",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "Connection",
    "JsonOption",
    "LimitOption",
    "ProcessIdOption",
    "ProcessInstanceOption",
    "VarOption",
    "VarsFileOption",
    "collect_variables",
    "connection_command",
    "emit_json",
    "fail",
    "handle_errors",
    "print_page",
    "print_table",
    "report",
    "say",
    "state_filter",
    "stdout",
]

EXIT_OK = 0
EXIT_REJECTED = 1  # the engine refused the command, or the model is invalid
EXIT_USAGE = 2  # bad options, bad --var, incomplete settings (click uses 2 for usage errors too)
EXIT_NOT_FOUND = 3
EXIT_UNREACHABLE = 4
EXIT_UNAUTHORIZED = 5
EXIT_TIMEOUT = 6
EXIT_SERVER = 7  # the engine failed internally, is under back-pressure, or answered nonsense

EXIT_CODES: Mapping[int, str] = {
    EXIT_OK: "success",
    EXIT_REJECTED: "rejected by the engine, or invalid model (nothing deployed)",
    EXIT_USAGE: "usage error: bad option, bad --var value, incomplete or contradictory settings",
    EXIT_NOT_FOUND: "not found: unknown process, instance, task, incident or key",
    EXIT_UNREACHABLE: "engine unreachable: nothing answers at the configured address",
    EXIT_UNAUTHORIZED: "not authorized: credentials missing or refused",
    EXIT_TIMEOUT: "the engine did not answer in time",
    EXIT_SERVER: "the engine failed internally or is busy (back-pressure)",
}

_PANEL = "Connection (overrides environment and .env)"

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most this many rows.")]
ProcessIdOption = Annotated[str | None, typer.Option("--process-id", help="BPMN process id.")]
ProcessInstanceOption = Annotated[
    str | None, typer.Option("--process-instance", help="Process instance key.")
]
VarOption = Annotated[
    list[str] | None,
    typer.Option("--var", help="NAME=VALUE; VALUE is parsed as JSON when it parses (repeatable)."),
]
VarsFileOption = Annotated[
    Path | None, typer.Option("--vars-file", help="JSON file with an object of variables.")
]

F = TypeVar("F", bound=Callable[..., Any])


# ---------------------------------------------------------------------------------------- output


def stdout() -> Console:
    from rich.console import Console

    return Console(soft_wrap=True)


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def emit_json(data: Any) -> None:
    """JSON on stdout, one document, keys as the REST API names them."""
    typer.echo(json.dumps(data, indent=2, default=str))


def say(text: str) -> None:
    """One line for people on stdout, printed as is (no rich markup or highlighting)."""
    stdout().print(text, markup=False, highlight=False)


def report(as_json: bool, document: Mapping[str, Any], text: str) -> None:
    """The outcome of a command: ``document`` for ``--json``, else ``text``."""
    if as_json:
        emit_json(document)
    else:
        say(text)


def print_table(
    title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, empty: str
) -> None:
    if not rows:
        stdout().print(empty)
        return
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*["" if cell is None else str(cell) for cell in row])
    stdout().print(table)


def print_page(
    page: SearchResult[Any],
    what: str,
    columns: Sequence[str],
    row: Callable[[Any], Sequence[Any]],
    *,
    as_json: bool,
) -> None:
    """One page of search results: the REST shape for ``--json``, else a table titled with the counts."""
    if as_json:
        emit_json(page.model_dump(mode="json", by_alias=True, exclude_none=True))
        return
    print_table(
        f"{what} ({len(page.items)} of {page.page.total_items})",
        columns,
        [row(item) for item in page.items],
        empty=f"no {what} match",
    )


def state_filter(state: str | None) -> str | None:
    """A ``--state`` value as a search filter: ``any`` (or no value) filters nothing."""
    return None if state is None or state.lower() == "any" else state


def fail(message: str, code: int = EXIT_USAGE, *, as_json: bool = False, hint: str | None = None) -> NoReturn:
    if as_json:
        emit_json(
            {"error": "UsageError" if code == EXIT_USAGE else "Error", "message": message, "hint": hint}
        )
    else:
        text = f"error: {message}" + (f"\nhint: {hint}" if hint else "")
        _stderr().print(text, markup=False, highlight=False)
    raise typer.Exit(code)


def exit_code_for(exc: BaseException) -> int:
    from autoops.client.errors import (
        Busy,
        EngineUnreachable,
        NotFound,
        Rejected,
        RequestTimeout,
        ServerError,
        Unauthorized,
    )
    from autoops.config import ConfigError

    table: list[tuple[type[BaseException], int]] = [
        (ConfigError, EXIT_USAGE),
        (EngineUnreachable, EXIT_UNREACHABLE),
        (NotFound, EXIT_NOT_FOUND),
        (Rejected, EXIT_REJECTED),
        (Unauthorized, EXIT_UNAUTHORIZED),
        (RequestTimeout, EXIT_TIMEOUT),
        (Busy, EXIT_SERVER),
        (ServerError, EXIT_SERVER),
    ]
    for kind, code in table:
        if isinstance(exc, kind):
            return code
    return EXIT_SERVER


@contextmanager
def handle_errors(as_json: bool = False) -> Iterator[None]:
    """Run a command body; turn autoops errors into a message and their exit code."""
    from pydantic import ValidationError

    from autoops.client.errors import CamundaError
    from autoops.config import ConfigError

    try:
        yield
    except CamundaError as exc:
        code = exit_code_for(exc)
        if as_json:
            emit_json(exc.to_dict())
        else:
            _stderr().print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(code) from None
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE, as_json=as_json)
    except ValidationError as exc:  # settings with a malformed value (input hidden: may be a secret)
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        fail(f"invalid settings: {problems}", EXIT_USAGE, as_json=as_json)


# ---------------------------------------------------------------------------------------- variables


def parse_var(item: str) -> tuple[str, Any]:
    """``k=v``: the value is JSON when it parses as JSON (numbers, true, objects), else the text."""
    name, sep, raw = item.partition("=")
    name = name.strip()
    if not sep or not name:
        fail(f"--var {item!r} is not NAME=VALUE", hint='e.g. --var amount=12.5 --var customer="ACME"')
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


def collect_variables(pairs: Sequence[str] | None, vars_file: Path | None) -> dict[str, Any]:
    """Variables from ``--vars-file`` (a JSON object), then ``--var`` pairs on top."""
    variables: dict[str, Any] = {}
    if vars_file is not None:
        try:
            loaded = json.loads(vars_file.read_text(encoding="utf-8"))
        except OSError as exc:
            fail(f"cannot read --vars-file {vars_file}: {exc.strerror or exc}")
        except ValueError as exc:
            fail(f"--vars-file {vars_file} is not valid JSON: {exc}")
        if not isinstance(loaded, dict):
            fail(f"--vars-file {vars_file} must hold a JSON object, found {type(loaded).__name__}")
        variables.update(loaded)
    for item in pairs or ():
        name, value = parse_var(item)
        variables[name] = value
    return variables


# ---------------------------------------------------------------------------------------- connection


@dataclass
class Connection:
    """The connection options of one invocation; settings are built only when a command needs them."""

    overrides: dict[str, Any] = field(default_factory=dict)
    env_file: Path | None = None

    def settings(self) -> Settings:
        from autoops.config import Settings

        env_file: Path | None = self.env_file if self.env_file is not None else Path(".env")
        overrides = dict(self.overrides)
        if "secure" in overrides:
            # --tls/--plaintext also overrides zbctl's inverse ZEEBE_INSECURE_CONNECTION from the environment.
            overrides["insecure"] = not overrides["secure"]
        return Settings.load(env_file=env_file, **overrides)

    def client(self) -> SyncCamundaClient:
        from autoops.client import SyncCamundaClient
        from autoops.logging import configure_logging

        configure_logging(os.environ.get("AUTOOPS_LOG_LEVEL", "warning"), stream=sys.stderr)
        return SyncCamundaClient(self.settings())


def _opt(*flags: str, help: str, **kwargs: Any) -> Any:
    return typer.Option(None, *flags, help=help, rich_help_panel=_PANEL, show_default=False, **kwargs)


# (parameter name, annotation, option) — the parameter names double as Settings field names.
_CONNECTION_PARAMS: list[tuple[str, Any, Any]] = [
    ("profile", str | None, _opt("--profile", help="local, self-managed or saas (default: inferred).")),
    (
        "grpc_address",
        str | None,
        _opt("--address", "--grpc-address", help="Zeebe gRPC gateway host:port [ZEEBE_ADDRESS]."),
    ),
    ("rest_address", str | None, _opt("--rest-address", help="REST API base URL [ZEEBE_REST_ADDRESS].")),
    ("client_id", str | None, _opt("--client-id", help="OAuth client id [CAMUNDA_CLIENT_ID].")),
    (
        "client_secret",
        str | None,
        _opt("--client-secret", help="OAuth client secret [CAMUNDA_CLIENT_SECRET]."),
    ),
    ("oauth_url", str | None, _opt("--oauth-url", help="OAuth token endpoint [CAMUNDA_OAUTH_URL].")),
    ("token_audience", str | None, _opt("--audience", help="OAuth token audience [CAMUNDA_TOKEN_AUDIENCE].")),
    ("cluster_id", str | None, _opt("--cluster-id", help="Camunda SaaS cluster id [CAMUNDA_CLUSTER_ID].")),
    ("cluster_region", str | None, _opt("--region", help="Camunda SaaS region [CAMUNDA_CLUSTER_REGION].")),
    (
        "basic_auth_username",
        str | None,
        _opt("--username", help="Basic-auth user [CAMUNDA_BASIC_AUTH_USERNAME]."),
    ),
    (
        "basic_auth_password",
        str | None,
        _opt("--password", help="Basic-auth password [CAMUNDA_BASIC_AUTH_PASSWORD]."),
    ),
    ("tenant_id", str | None, _opt("--tenant", help="Tenant id [CAMUNDA_TENANT_ID].")),
    (
        "secure",
        bool | None,
        typer.Option(
            None,
            "--tls/--plaintext",
            help="TLS on or off [CAMUNDA_SECURE_CONNECTION].",
            rich_help_panel=_PANEL,
            show_default=False,
        ),
    ),
    (
        "ca_certificate_path",
        Path | None,
        _opt("--ca-cert", help="CA bundle for TLS [ZEEBE_CA_CERTIFICATE_PATH]."),
    ),
    ("request_timeout", float | None, _opt("--timeout", help="Seconds to wait for an answer (default 30).")),
    ("env_file", Path | None, _opt("--env-file", help="Read settings from this file instead of ./.env.")),
]


def connection_command(func: F) -> F:
    """Give a command the connection options; it receives them as ``conn: Connection``.

    The command's own parameters stay first in ``--help``; the connection options are appended and
    shown in their own panel.
    """
    hints = get_type_hints(func, include_extras=True)
    signature = inspect.signature(func)
    own = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in signature.parameters.values()
        if p.name != "conn"
    ]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation)
        for name, annotation, option in _CONNECTION_PARAMS
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        overrides = {name: kwargs.pop(name) for name, _, _ in _CONNECTION_PARAMS}
        env_file = overrides.pop("env_file")
        conn = Connection(overrides={k: v for k, v in overrides.items() if v is not None}, env_file=env_file)
        return func(*args, conn=conn, **kwargs)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*own, *added], return_annotation=hints.get("return", signature.return_annotation)
    )
    wrapper.__annotations__ = {
        **{p.name: p.annotation for p in own},
        **{name: annotation for name, annotation, _ in _CONNECTION_PARAMS},
    }
    return wrapper  # type: ignore[return-value]
