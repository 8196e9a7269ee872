"""``autoops worker MODULE[:ATTR]``: run the job handlers a module declares until SIGTERM/SIGINT.

The module is imported from the working directory (like ``uvicorn module:app``); see
:func:`autoops.worker.load_worker` for how the worker is found. Connection settings come from the
environment, ``.env`` and the connection options, exactly as for the other commands. The first
SIGTERM/SIGINT stops activating jobs and lets running ones finish (``--drain-timeout``); a second one
abandons them. Exit status: 0 after a graceful stop, 2 for a bad module or option, 1 when the worker
cannot run.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from autoops.cli._common import EXIT_REJECTED, EXIT_USAGE, Connection, connection_command, fail, handle_errors

_DEFAULT_METRICS_PORT = 9464


@connection_command
def worker(
    target: Annotated[str, typer.Argument(help="MODULE[:ATTR] defining a Worker or routers, e.g. 'workers'.")],
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", "-c", min=1, help="Jobs of each task type running at once (default 32).")
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=0,
            max=65535,
            help=f"Port of /metrics, /healthz and /readyz (default: the worker's setting, else "
            f"{_DEFAULT_METRICS_PORT}; 0 picks a free port).",
        ),
    ] = None,
    no_metrics: Annotated[bool, typer.Option("--no-metrics", help="Serve no metrics or probe port.")] = False,
    name: Annotated[str | None, typer.Option("--name", help="Worker name sent with each activation.")] = None,
    drain_timeout: Annotated[
        float | None,
        typer.Option("--drain-timeout", min=0, help="Seconds running jobs get to finish on shutdown (default 30)."),
    ] = None,
    stream: Annotated[
        bool | None, typer.Option("--stream/--no-stream", help="Also receive jobs over a job stream (Zeebe 8.4+).")
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")] = "info",
    *,
    conn: Connection,
) -> None:
    """Run job workers: activate, handle and complete jobs until stopped (SIGTERM/SIGINT drains)."""
    import asyncio
    from datetime import timedelta

    from autoops.config import ConfigError
    from autoops.logging import configure_logging
    from autoops.worker import WorkerConfigError, WorkerError, WorkerLoadError, load_worker

    configure_logging(log_level, stream=sys.stderr)
    with handle_errors():
        settings = conn.settings()
    try:
        loaded = load_worker(target)
        changes: dict[str, object] = {}
        if concurrency is not None:
            changes["concurrency"] = concurrency
        if no_metrics:
            changes["metrics_port"] = None
        elif metrics_port is not None:
            changes["metrics_port"] = metrics_port
        elif loaded.config.metrics_port is None:
            changes["metrics_port"] = _DEFAULT_METRICS_PORT
        if name is not None:
            changes["name"] = name
        if drain_timeout is not None:
            changes["drain_timeout"] = timedelta(seconds=drain_timeout)
        if stream is not None:
            changes["stream"] = stream
        loaded.with_config(**changes)
    except (WorkerLoadError, WorkerConfigError) as exc:
        fail(str(exc), EXIT_USAGE)

    try:
        asyncio.run(loaded.run(settings, handle_signals=True))
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    except WorkerError as exc:
        fail(str(exc), EXIT_REJECTED)
    except OSError as exc:  # typically the metrics port is taken
        fail(f"the worker could not start: {exc}", EXIT_REJECTED, hint="choose another --metrics-port")
    if loaded.abandoned_threads:
        # Threads of abandoned synchronous handlers cannot be interrupted; do not wait for them at exit.
        sys.stderr.flush()
        os._exit(0)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
