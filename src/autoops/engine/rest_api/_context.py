"""What the REST handlers need from the hosting process, passed explicitly (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from autoops.engine import ControlledClock, Engine

__all__ = ["RestContext"]


@dataclass(frozen=True, slots=True)
class RestContext:
    engine: Engine
    clock: ControlledClock
    host: str
    grpc_port: int
    rest_port: int
