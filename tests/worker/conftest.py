"""Worker tests run against the embedded engine over real sockets, with real pyzeebe.

The engine fixtures come from :mod:`autoops.testing.pytest_plugin` (imported here because
``pytest_plugins`` is only allowed in the root conftest).
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest_asyncio
from pyzeebe import ZeebeClient, create_insecure_channel

from autoops.config import Settings
from autoops.engine.server import EngineServer
from autoops.testing.pytest_plugin import autoops_clock, autoops_dev, autoops_server  # noqa: F401

from .models import write_model

T = TypeVar("T")


def settings_for(server: EngineServer) -> Settings:
    return Settings.load(env_file=None, grpc_address=server.addresses.grpc)


async def eventually(probe: Callable[[], T | None], *, within: float = 15.0, what: str = "condition") -> T:
    """Poll ``probe`` until it returns something truthy (a safety net against hangs, not a timing check)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} did not happen within {within} s")
        await asyncio.sleep(0.02)


class Zeebe:
    """A pyzeebe client plus engine-side queries for assertions."""

    def __init__(self, server: EngineServer, client: ZeebeClient, tmp_path: Path) -> None:
        self.server = server
        self.client = client
        self.tmp_path = tmp_path

    async def deploy(self, process_id: str, job_type: str, **kwargs: Any) -> None:
        await self.client.deploy_resource(str(write_model(self.tmp_path, process_id, job_type, **kwargs)))

    async def start(self, process_id: str, variables: dict[str, Any] | None = None) -> int:
        created = await self.client.run_process(process_id, variables or {})
        return int(created.process_instance_key)

    def search(self, entity: str, **filters: Any) -> list[dict[str, Any]]:
        return list(self.server.engine.query.search(entity, filters, limit=10_000).items)

    def instance_state(self, key: int) -> str | None:
        item = self.server.engine.query.get("process_instances", key)
        return None if item is None else str(item["state"])

    def variables(self, key: int) -> dict[str, Any]:
        return dict(self.server.engine.query.variables_of(key))

    def job_records(self, process_instance_key: int) -> list[dict[str, Any]]:
        return [
            r for r in self.search("records", valueType="JOB", processInstanceKey=process_instance_key)
            if r["recordType"] == "EVENT"
        ]

    async def completed(self, key: int, within: float = 15.0) -> None:
        await eventually(lambda: self.instance_state(key) == "COMPLETED", within=within,
                         what=f"completion of instance {key}")

    async def incident(self, key: int, within: float = 15.0) -> dict[str, Any]:
        found = await eventually(lambda: self.search("incidents", processInstanceKey=key), within=within,
                                 what=f"an incident on instance {key}")
        return found[0]


@pytest_asyncio.fixture
async def zeebe(autoops_server: EngineServer, tmp_path: Path) -> AsyncIterator[Zeebe]:  # noqa: F811
    channel = create_insecure_channel(autoops_server.addresses.grpc)
    try:
        yield Zeebe(autoops_server, ZeebeClient(channel), tmp_path)
    finally:
        await channel.close()


async def until(awaitable: Awaitable[T], within: float = 15.0) -> T:
    return await asyncio.wait_for(awaitable, within)
