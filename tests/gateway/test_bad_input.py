"""Bad input over both protocols answers the documented status, never a crash or a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import httpx
import pytest
import pytest_asyncio
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from autoops.engine.grpc_gateway import INVALID_JSON
from autoops.engine.server import EngineServer

from . import models

UNKNOWN = 2251799813699999


@pytest_asyncio.fixture
async def stub(autoops_server: EngineServer) -> AsyncIterator[GatewayStub]:
    async with grpc.aio.insecure_channel(autoops_server.addresses.grpc) as channel:
        yield GatewayStub(channel)


@pytest_asyncio.fixture
async def rest(autoops_server: EngineServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=autoops_server.addresses.rest, timeout=30) as client:
        yield client


async def rpc_error(call: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    return info.value


async def deploy_and_start(stub: GatewayStub, pid: str = "p") -> tuple[int, int]:
    """Deploy start -> service task 'work' -> end, start one instance, activate its job: (instance, job)."""
    await stub.DeployResource(pb.DeployResourceRequest(
        resources=[pb.Resource(name=f"{pid}.bpmn", content=models.service_chain(pid, "work"))]))
    created = await stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1))
    jobs = [r async for r in stub.ActivateJobs(pb.ActivateJobsRequest(
        type="work", worker="t", timeout=60_000, maxJobsToActivate=1, requestTimeout=-1))]
    return created.processInstanceKey, jobs[0].jobs[0].key


# ---------------------------------------------------------------------------------------------- gRPC


async def test_grpc_malformed_and_non_object_variables(stub: GatewayStub) -> None:
    await deploy_and_start(stub)
    err = await rpc_error(stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="p", version=-1, variables="{not json")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and err.details() == INVALID_JSON
    err = await rpc_error(stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="p", version=-1, variables="[1, 2]")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details() == ("Command 'CREATE' rejected with code 'INVALID_ARGUMENT': "
                             "Expected document to be a root level object, but was 'ARRAY'")


async def test_grpc_unknown_keys_are_not_found(stub: GatewayStub) -> None:
    err = await rpc_error(stub.CompleteJob(pb.CompleteJobRequest(jobKey=UNKNOWN, variables="{}")))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert err.details() == (f"Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete job with "
                             f"key '{UNKNOWN}', but no such job was found")
    err = await rpc_error(stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=UNKNOWN)))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert err.details() == (f"Command 'RESOLVE' rejected with code 'NOT_FOUND': Expected to resolve incident "
                             f"with key '{UNKNOWN}', but no such incident was found")
    err = await rpc_error(stub.CancelProcessInstance(pb.CancelProcessInstanceRequest(processInstanceKey=UNKNOWN)))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = await rpc_error(stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId="nope", version=-1)))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert err.details().endswith("Expected to find process definition with process ID 'nope', but none found")
    err = await rpc_error(stub.SetVariables(pb.SetVariablesRequest(elementInstanceKey=UNKNOWN, variables="{}")))
    assert err.code() == grpc.StatusCode.NOT_FOUND


async def test_grpc_job_state_rules(stub: GatewayStub) -> None:
    _instance, job = await deploy_and_start(stub)
    err = await rpc_error(stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=job, retries=-2)))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details() == (f"Command 'UPDATE_RETRIES' rejected with code 'INVALID_ARGUMENT': Expected to update "
                             f"retries for job with key '{job}' with a positive amount of retries, but the amount "
                             "given was '-2'")
    await stub.FailJob(pb.FailJobRequest(jobKey=job, retries=0, errorMessage="no"))
    err = await rpc_error(stub.CompleteJob(pb.CompleteJobRequest(jobKey=job)))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert err.details() == (f"Command 'COMPLETE' rejected with code 'INVALID_STATE': Expected to complete job "
                             f"with key '{job}', but it is in state 'FAILED'")


async def test_grpc_activation_validation(stub: GatewayStub) -> None:
    for request in (pb.ActivateJobsRequest(type="", worker="w", timeout=1000, maxJobsToActivate=1),
                    pb.ActivateJobsRequest(type="t", worker="w", timeout=0, maxJobsToActivate=1),
                    pb.ActivateJobsRequest(type="t", worker="w", timeout=1000, maxJobsToActivate=0),
                    pb.ActivateJobsRequest(type="t", worker=" ", timeout=1000, maxJobsToActivate=1)):
        err = await rpc_error(_drain(stub.ActivateJobs(request)))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, request
    err = await rpc_error(_drain(stub.StreamActivatedJobs(pb.StreamActivatedJobsRequest(type="t", timeout=0))))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT


async def _drain(call: Any) -> list[Any]:
    return [item async for item in call]


async def test_grpc_tenants(stub: GatewayStub) -> None:
    for tenant in ("", "<default>"):
        deployed = await stub.DeployResource(pb.DeployResourceRequest(
            resources=[pb.Resource(name="t.bpmn", content=models.service_chain("t", "x"))], tenantId=tenant))
        assert deployed.tenantId == "<default>"
    err = await rpc_error(stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="t", version=-1, tenantId="acme")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "acme" in err.details()


async def test_grpc_garbage_and_oversize_messages(stub: GatewayStub, autoops_server: EngineServer) -> None:
    async with grpc.aio.insecure_channel(autoops_server.addresses.grpc) as channel:
        raw = channel.unary_unary("/gateway_protocol.Gateway/CompleteJob")
        err = await rpc_error(raw(b"\xff\xff\xff\xff\xff"))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "could not be decoded" in (err.details() or "")
        raw_stream = channel.unary_stream("/gateway_protocol.Gateway/ActivateJobs")
        err = await rpc_error(_drain(raw_stream(b"\x0a\xff")))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        unknown = channel.unary_unary("/gateway_protocol.Gateway/NoSuchRpc")
        assert (await rpc_error(unknown(b""))).code() == grpc.StatusCode.UNIMPLEMENTED
    big = '{"blob": "' + "x" * (5 * 1024 * 1024) + '"}'
    err = await rpc_error(stub.CompleteJob(pb.CompleteJobRequest(jobKey=UNKNOWN, variables=big)))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    topology = await stub.Topology(pb.TopologyRequest())  # still serving
    assert topology.clusterSize == 1


async def test_grpc_unimplemented_rpcs_say_what_is_missing(stub: GatewayStub) -> None:
    err = await rpc_error(stub.EvaluateDecision(pb.EvaluateDecisionRequest(decisionId="d")))
    assert err.code() == grpc.StatusCode.UNIMPLEMENTED and "DMN" in err.details()
    err = await rpc_error(stub.MigrateProcessInstance(pb.MigrateProcessInstanceRequest(processInstanceKey=1)))
    assert err.code() == grpc.StatusCode.UNIMPLEMENTED


# ---------------------------------------------------------------------------------------------- REST


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"] and body["title"] and body["instance"]
    return body


async def test_rest_malformed_json_and_wrong_types(rest: httpx.AsyncClient) -> None:
    body = assert_problem(await rest.post("/process-instances", content=b"{oops",
                                          headers={"content-type": "application/json"}), 400)
    assert body["detail"] == INVALID_JSON
    assert_problem(await rest.post("/process-instances", json=[1, 2]), 400)
    body = assert_problem(await rest.post("/process-instances", json={"processDefinitionId": "p", "variables": [1]}),
                          400)
    assert "variables" in body["detail"]
    assert_problem(await rest.post("/process-instances", json={}), 400)
    assert_problem(await rest.post("/jobs/activation", json={"type": "x"}), 400)  # timeout, max jobs missing


async def test_rest_unknown_and_invalid_keys(rest: httpx.AsyncClient) -> None:
    body = assert_problem(await rest.post(f"/jobs/{UNKNOWN}/completion", json={}), 404)
    assert body["detail"] == (f"Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete job with "
                              f"key '{UNKNOWN}', but no such job was found")
    assert body["title"] == "NOT_FOUND"
    assert_problem(await rest.post(f"/incidents/{UNKNOWN}/resolution", json={}), 404)
    assert_problem(await rest.post(f"/user-tasks/{UNKNOWN}/completion", json={}), 404)
    assert_problem(await rest.post(f"/process-instances/{UNKNOWN}/cancellation"), 404)
    assert_problem(await rest.get("/process-instances/not-a-key"), 400)
    assert_problem(await rest.post("/jobs/12x/completion", json={}), 400)


async def test_rest_job_rules(rest: httpx.AsyncClient, stub: GatewayStub) -> None:
    _instance, job = await deploy_and_start(stub, "r")
    body = assert_problem(await rest.patch(f"/jobs/{job}", json={"changeset": {"retries": -1}}), 400)
    assert body["detail"].endswith("with a positive amount of retries, but the amount given was '-1'")
    assert_problem(await rest.patch(f"/jobs/{job}", json={"changeset": {}}), 400)
    assert (await rest.post(f"/jobs/{job}/failure", json={"retries": 0, "errorMessage": "x"})).status_code == 204
    body = assert_problem(await rest.post(f"/jobs/{job}/completion", json={}), 409)
    assert body["title"] == "INVALID_STATE"
    assert_problem(await rest.post(f"/jobs/{job}/error", json={}), 400)  # errorCode is required


async def test_rest_oversize_unknown_routes_and_methods(rest: httpx.AsyncClient) -> None:
    big = {"processDefinitionId": "p", "variables": {"blob": "x" * (5 * 1024 * 1024)}}
    assert_problem(await rest.post("/process-instances", json=big), 413)
    assert_problem(await rest.get("/no-such-thing"), 404)
    assert_problem(await rest.delete("/topology"), 405)
    assert (await rest.get("/topology")).status_code == 200  # still serving


async def test_rest_deployments_and_search_errors(rest: httpx.AsyncClient) -> None:
    assert_problem(await rest.post("/deployments", json={"resources": []}), 415)
    assert_problem(await rest.post("/deployments", files={"other": ("a.bpmn", b"<x/>")}), 400)
    body = assert_problem(await rest.post("/deployments", files={"resources": ("bad.bpmn", b"<not bpmn")}), 400)
    assert body["detail"].startswith("Command 'CREATE' rejected with code 'INVALID_ARGUMENT': Expected to deploy new "
                                     "resources, but encountered the following errors:\n'bad.bpmn'")
    assert_problem(await rest.post("/process-instances/search", json={"filter": {"colour": "red"}}), 400)
    assert_problem(await rest.post("/process-instances/search", json={"sort": [{"field": "x"}]}), 400)
    assert_problem(await rest.post("/process-instances/search", json={"page": {"after": "%%%"}}), 400)
    assert_problem(await rest.post("/process-instances/search", json={"page": {"from": 0, "after": "MA=="}}), 400)
    ok = await rest.post("/process-instances/search", json={"filter": {"state": {"$in": ["ACTIVE"]}}})
    assert ok.status_code == 200 and ok.json()["page"]["totalItems"] == 0


async def test_rest_messages_and_signals(rest: httpx.AsyncClient) -> None:
    published = await rest.post("/messages/publication", json={"name": "m", "correlationKey": "k",
                                                                "timeToLive": 60_000, "messageId": "id-1"})
    assert published.status_code == 200 and published.json()["messageKey"].isdigit()
    assert published.json()["tenantId"] == "<default>"
    duplicate = assert_problem(await rest.post("/messages/publication", json={
        "name": "m", "correlationKey": "k", "timeToLive": 60_000, "messageId": "id-1"}), 400)
    assert duplicate["title"] == "ALREADY_EXISTS" and "id-1" in duplicate["detail"]
    assert_problem(await rest.post("/messages/publication", json={"correlationKey": "k"}), 400)  # name missing
    assert_problem(await rest.post("/messages/correlation", json={"name": "nobody-waits", "correlationKey": "k"}), 404)
    signal = await rest.post("/signals/broadcast", json={"signalName": "s"})
    assert signal.status_code == 200 and signal.json()["signalKey"].isdigit()


async def test_grpc_burst_of_calls_is_answered_not_cancelled(stub: GatewayStub) -> None:
    """Thousands of calls at once queue up in the server; none may come back CANCELLED (pyzeebe gives up on those)."""
    import asyncio

    calls = [stub.CompleteJob(pb.CompleteJobRequest(jobKey=UNKNOWN + i)) for i in range(2500)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    codes = {r.code() if isinstance(r, grpc.aio.AioRpcError) else "OK" for r in results}
    assert codes == {grpc.StatusCode.NOT_FOUND}


async def test_grpc_modify_and_delete(stub: GatewayStub, autoops_server: EngineServer) -> None:
    deployed = await stub.DeployResource(pb.DeployResourceRequest(
        resources=[pb.Resource(name="mod.bpmn", content=models.service_chain("mod", "m1", "m2"))]))
    created = await stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId="mod", version=-1))
    batches = [r async for r in stub.ActivateJobs(pb.ActivateJobsRequest(
        type="m1", worker="t", timeout=60_000, maxJobsToActivate=1, requestTimeout=-1))]
    first = batches[0].jobs[0]
    await stub.ModifyProcessInstance(pb.ModifyProcessInstanceRequest(
        processInstanceKey=created.processInstanceKey,
        activateInstructions=[pb.ModifyProcessInstanceRequest.ActivateInstruction(elementId="task2")],
        terminateInstructions=[pb.ModifyProcessInstanceRequest.TerminateInstruction(
            elementInstanceKey=first.elementInstanceKey)]))
    moved = [r async for r in stub.ActivateJobs(pb.ActivateJobsRequest(
        type="m2", worker="t", timeout=60_000, maxJobsToActivate=1, requestTimeout=-1))]
    assert moved[0].jobs[0].processInstanceKey == created.processInstanceKey
    err = await rpc_error(stub.ModifyProcessInstance(pb.ModifyProcessInstanceRequest(
        processInstanceKey=created.processInstanceKey,
        activateInstructions=[pb.ModifyProcessInstanceRequest.ActivateInstruction(elementId="no-such-element")])))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT

    definition_key = deployed.deployments[0].process.processDefinitionKey
    err = await rpc_error(stub.DeleteResource(pb.DeleteResourceRequest(resourceKey=definition_key)))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION  # an instance is still running
    await stub.CancelProcessInstance(pb.CancelProcessInstanceRequest(processInstanceKey=created.processInstanceKey))
    await stub.DeleteResource(pb.DeleteResourceRequest(resourceKey=definition_key))
    err = await rpc_error(stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId="mod", version=-1)))
    assert err.code() == grpc.StatusCode.NOT_FOUND


async def test_await_completion_result_and_timeout(rest: httpx.AsyncClient, stub: GatewayStub) -> None:
    files = {"resources": ("instant.bpmn", models.service_chain("instant"))}
    assert (await rest.post("/deployments", files=files)).status_code == 200
    done = await rest.post("/process-instances", json={"processDefinitionId": "instant", "awaitCompletion": True,
                                                       "variables": {"a": 1, "b": 2}, "fetchVariables": ["a"]})
    assert done.status_code == 200 and done.json()["variables"] == {"a": 1}

    await deploy_and_start(stub, "stuck")  # a service task nobody completes
    body = assert_problem(await rest.post("/process-instances", json={
        "processDefinitionId": "stuck", "awaitCompletion": True, "requestTimeout": 200}), 504)
    assert body["title"] == "DEADLINE_EXCEEDED"
    err = await rpc_error(stub.CreateProcessInstanceWithResult(pb.CreateProcessInstanceWithResultRequest(
        request=pb.CreateProcessInstanceRequest(bpmnProcessId="stuck", version=-1), requestTimeout=200)))
    assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
