"""Structured logging for autoops, built on structlog.

The library never configures logging on import: it only asks structlog for loggers. Programs
(the CLI, ``autoops dev``, a worker process) call :func:`configure_logging` once at start-up.
A terminal gets the console renderer; anything else (a pipe, a container) gets one JSON object
per line so that log shippers can read it.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog

__all__ = ["configure_logging", "get_logger"]

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the moment of writing.

    Binding the logger to the stderr object seen at configuration time breaks as soon as something
    swaps it (a test runner capturing output, a daemon closing it): later log lines would go to a
    closed file. Looking it up per write follows the redirection instead.
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def configure_logging(
    level: str | int = "info", *, json: bool | None = None, stream: TextIO | None = None
) -> None:
    """Configure structlog (and route stdlib logging through the same renderer).

    ``json=None`` decides by the stream: JSON unless it is a terminal.
    """
    out: TextIO | _CurrentStderr = (
        _CurrentStderr() if stream is None or stream is sys.stderr else stream
    )
    numeric = level if isinstance(level, int) else _LEVELS.get(level.lower(), logging.INFO)
    use_json = (not out.isatty()) if json is None else json

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.WriteLoggerFactory(out),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(processors=[*shared[1:], structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer], foreign_pre_chain=shared)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(numeric, logging.INFO) if numeric < logging.INFO else numeric)
    # Chatty third-party loggers stay at WARNING unless debugging.
    for name in ("grpc", "uvicorn.access", "httpx", "httpcore", "asyncio"):
        logging.getLogger(name).setLevel(numeric if numeric <= logging.DEBUG else logging.WARNING)


def get_logger(name: str | None = None, **initial: Any) -> structlog.stdlib.BoundLogger:
    """A structlog logger, optionally bound to initial key/values (job key, instance key, ...)."""
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name, **initial)
    return logger
