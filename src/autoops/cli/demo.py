"""``autoops demo``: the order application end to end, on the embedded engine or a running cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def demo(
    orders: Annotated[int, typer.Option("--orders", "-n", min=1, help="Orders to place from the data folder.")] = 50,
    exit_when_idle: Annotated[
        bool,
        typer.Option("--exit-when-idle", help="Stop once every instance is completed or waiting for a person "
                     "(exit 1 when an incident is open, 6 on --timeout)."),
    ] = False,
    address: Annotated[str | None, typer.Option("--address", help="Use this cluster's gRPC gateway instead of "
                                                "starting the embedded engine.")] = None,
    rest_address: Annotated[str | None, typer.Option("--rest-address", help="REST API of the --address cluster.")]
    = None,
    grpc_port: Annotated[int, typer.Option("--grpc-port", help="gRPC port of the embedded engine.")] = 26500,
    rest_port: Annotated[int, typer.Option("--rest-port", help="REST port of the embedded engine.")] = 8080,
    models: Annotated[Path, typer.Option("--models", help="Folder of BPMN models and forms to deploy.")]
    = Path("bpmn"),
    data: Annotated[Path, typer.Option("--data", help="Example data: catalogue, customers, history, orders.")]
    = Path("examples/data"),
    workdir: Annotated[Path, typer.Option("--workdir", help="Engine, shop database, forecasts and log (wiped "
                                          "at start).")] = Path(".autoops/demo"),
    forecast: Annotated[bool, typer.Option("--forecast/--no-forecast", help="Run the demand forecast once.")]
    = True,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds --exit-when-idle waits at most.")] = 900.0,
) -> None:
    """Run the order application: engine, models, shop database, workers, orders, live progress."""
    import asyncio

    from autoops.cli._common import handle_errors, stdout
    from autoops.cli._demo import DemoError, DemoOptions, run_demo
    from autoops.worker import WorkerError

    options = DemoOptions(
        orders=orders, models=models, data=data, workdir=workdir, address=address, rest_address=rest_address,
        grpc_port=grpc_port, rest_port=rest_port, exit_when_idle=exit_when_idle, forecast=forecast,
        timeout=timeout,
    )
    console = stdout()
    code = 0
    with handle_errors():
        try:
            code = asyncio.run(run_demo(options, console))
        except (DemoError, WorkerError) as exc:
            console.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            code = 0
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
