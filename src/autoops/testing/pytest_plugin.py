"""pytest fixtures for tests that talk to the embedded engine over real sockets.

Load with ``pytest_plugins = ["autoops.testing.pytest_plugin"]`` (or the ``pytest11`` entry point).

- ``autoops_clock``: the :class:`ControlledClock` the server runs on (flows until pinned);
- ``autoops_server``: engine + gRPC gateway + REST API in-process on free ports of 127.0.0.1, state in
  a fresh SQLite file under ``tmp_path``; yields the started :class:`EngineServer`
  (``.addresses.grpc``, ``.addresses.rest``, ``.engine``, ``.clock``);
- ``autoops_addresses``: just the addresses of ``autoops_server``;
- ``zeebe_client``: a pyzeebe ``ZeebeClient`` on an insecure channel to ``autoops_server``;
- ``autoops_dev``: a factory that runs ``autoops dev`` as a subprocess on free ports
  (``autoops_dev(data_dir)``) and stops every process it started at teardown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from autoops.engine import ControlledClock
from autoops.engine.server import EngineServer, ServerAddresses
from autoops.testing._dev_process import DevProcess


@pytest.fixture
def autoops_clock() -> ControlledClock:
    return ControlledClock()


@pytest_asyncio.fixture
async def autoops_server(tmp_path: Path, autoops_clock: ControlledClock) -> AsyncIterator[EngineServer]:
    server = EngineServer(tmp_path / "autoops" / "engine.db", host="127.0.0.1", grpc_port=0, rest_port=0,
                          clock=autoops_clock, synchronous="NORMAL")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def autoops_addresses(autoops_server: EngineServer) -> ServerAddresses:
    return autoops_server.addresses


@pytest_asyncio.fixture
async def zeebe_client(autoops_server: EngineServer) -> AsyncIterator[Any]:
    from pyzeebe import ZeebeClient, create_insecure_channel

    channel = create_insecure_channel(autoops_server.addresses.grpc)
    try:
        yield ZeebeClient(channel)
    finally:
        await channel.close()


@pytest.fixture
def autoops_dev(tmp_path: Path) -> Iterator[Callable[..., DevProcess]]:
    started: list[DevProcess] = []

    def start(data_dir: Path | None = None, **kwargs: Any) -> DevProcess:
        proc = DevProcess(data_dir if data_dir is not None else tmp_path / "dev-data", **kwargs)
        started.append(proc)
        proc.start(log_path=tmp_path / f"autoops-dev-{len(started)}.log")
        return proc

    yield start
    for proc in started:
        proc.stop()
