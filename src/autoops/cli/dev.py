"""``autoops dev``: the embedded engine with Camunda's gRPC gateway and REST API, for local work.

Binds to 127.0.0.1 unless ``--host`` says otherwise; keeps its state in ``--data-dir`` (SQLite),
so stopping and starting again continues every running instance; ``--in-memory`` for throwaway
runs. SIGTERM and Ctrl-C stop it cleanly: no new requests, the engine closes its file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def dev(
    host: Annotated[str, typer.Option("--host", help="Interface to bind; 0.0.0.0 exposes it to the network.")]
    = "127.0.0.1",
    grpc_port: Annotated[int, typer.Option("--grpc-port", help="Port of the Zeebe gRPC gateway API.")] = 26500,
    rest_port: Annotated[int, typer.Option("--rest-port", help="Port of the REST API (served under /v2).")] = 8080,
    data_dir: Annotated[Path, typer.Option("--data-dir", help="Directory of the engine's SQLite file.")]
    = Path(".autoops"),
    in_memory: Annotated[bool, typer.Option("--in-memory", help="Keep state in memory only (lost on exit).")]
    = False,
    durability: Annotated[str, typer.Option("--sync", help="SQLite synchronous mode: FULL (default), NORMAL or OFF.")]
    = "FULL",
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")] = "info",
) -> None:
    """Run the embedded Zeebe-compatible engine with the gRPC gateway and the REST API (see docs/embedded-engine.md)."""
    import asyncio
    import signal

    from autoops.engine.server import DATABASE_FILE, EngineServer
    from autoops.logging import configure_logging, get_logger

    configure_logging(log_level)
    log = get_logger("autoops.dev")
    mode = durability.upper()
    if mode not in ("FULL", "NORMAL", "OFF"):
        raise typer.BadParameter(f"--sync must be FULL, NORMAL or OFF, not '{durability}'")
    database = None if in_memory else data_dir / DATABASE_FILE

    async def serve() -> int:
        server = EngineServer(database, host=host, grpc_port=grpc_port, rest_port=rest_port,
                              synchronous=mode)  # type: ignore[arg-type]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            addresses = await server.start()
        except OSError as exc:
            log.error("cannot start", reason=str(exc))
            return 2
        log.info("autoops dev listening", grpc=addresses.grpc, rest=addresses.rest,
                 data=str(database) if database else "in memory",
                 hint=f"ZEEBE_ADDRESS={addresses.grpc} ZEEBE_REST_ADDRESS={addresses.rest_root}")
        await stop.wait()
        log.info("shutting down")
        await server.stop()
        log.info("stopped")
        return 0

    code = asyncio.run(serve())
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("dev")(dev)
