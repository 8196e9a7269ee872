"""Assembles the typer application from the command modules beside this one."""

from __future__ import annotations

import importlib
import pkgutil

import typer

import autoops

app = typer.Typer(
    name="autoops",
    help="Automate business operations on Camunda 8 / Zeebe.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"autoops {autoops.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Automate business operations on Camunda 8 / Zeebe."""


def _register_commands() -> None:
    import autoops.cli as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name in {"app"} or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"autoops.cli.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)


_register_commands()


def main() -> None:
    app()
