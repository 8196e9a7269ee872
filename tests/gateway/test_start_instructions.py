"""CreateProcessInstance with start instructions, over gRPC (pyzeebe's stubs) and REST."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import httpx
import pytest
import pytest_asyncio
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from autoops.engine.server import EngineServer

from . import models


@pytest_asyncio.fixture
async def stub(autoops_server: EngineServer) -> AsyncIterator[GatewayStub]:
    async with grpc.aio.insecure_channel(autoops_server.addresses.grpc) as channel:
        yield GatewayStub(channel)


async def _deploy(stub: GatewayStub) -> None:
    await stub.DeployResource(pb.DeployResourceRequest(
        resources=[pb.Resource(name="si.bpmn", content=models.service_chain("si", "first", "second"))]))


async def _job_types(stub: GatewayStub, *types: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for job_type in types:
        responses = [r async for r in stub.ActivateJobs(pb.ActivateJobsRequest(
            type=job_type, worker="t", timeout=60_000, maxJobsToActivate=10, requestTimeout=-1))]
        found[job_type] = [j.processInstanceKey for r in responses for j in r.jobs]
    return found


async def test_grpc_start_instructions_skip_to_the_named_element(stub: GatewayStub) -> None:
    await _deploy(stub)
    created = await stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(
        bpmnProcessId="si", version=-1, variables='{"x": 1}',
        startInstructions=[pb.ProcessInstanceCreationStartInstruction(elementId="task2")]))
    assert await _job_types(stub, "first", "second") == {"first": [], "second": [created.processInstanceKey]}


async def test_grpc_start_instruction_for_an_unknown_element_is_invalid_argument(stub: GatewayStub) -> None:
    await _deploy(stub)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(
            bpmnProcessId="si", version=-1,
            startInstructions=[pb.ProcessInstanceCreationStartInstruction(elementId="nope")]))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "no element found with id 'nope'" in (info.value.details() or "")


async def test_rest_start_instructions(stub: GatewayStub, autoops_server: EngineServer) -> None:
    await _deploy(stub)
    async with httpx.AsyncClient(base_url=autoops_server.addresses.rest_root, timeout=30) as rest:
        answer = await rest.post("/v2/process-instances", json={
            "processDefinitionId": "si", "startInstructions": [{"elementId": "task2"}]})
        assert answer.status_code == 200, answer.text
        key = int(answer.json()["processInstanceKey"])
        assert await _job_types(stub, "first", "second") == {"first": [], "second": [key]}
        bad = await rest.post("/v2/process-instances", json={
            "processDefinitionId": "si", "startInstructions": [{"elementId": "nope"}]})
        assert bad.status_code == 400 and "nope" in bad.json()["detail"]
        blank = await rest.post("/v2/process-instances", json={
            "processDefinitionId": "si", "startInstructions": [{}]})
        assert blank.status_code == 400
