"""Client operations over real sockets: what is sent on the wire, and how answers and failures map."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from client_fakes import GrpcFake, HttpFake, free_port
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from autoops.client import (
    CamundaClient,
    EngineUnreachable,
    InvalidModel,
    NotFound,
    Rejected,
    Settings,
    SyncCamundaClient,
    check_resources,
)
from autoops.client.errors import UNREACHABLE_HINT

ORDER_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="http://example.com/order">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="charge" name="Charge">
      {ext}
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="charge" />
    <bpmn:sequenceFlow id="f2" sourceRef="charge" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
TASK_DEFINITION = '<bpmn:extensionElements><zeebe:taskDefinition type="charge" /></bpmn:extensionElements>'


def write_model(folder: Path, name: str, *, valid: bool = True) -> Path:
    path = folder / f"{name}.bpmn"
    path.write_text(ORDER_BPMN.format(pid=name, ext=TASK_DEFINITION if valid else ""), encoding="utf-8")
    return path


def settings_for(grpc_fake: GrpcFake | None = None, http_fake: HttpFake | None = None) -> Settings:
    return Settings.load(
        grpc_address=grpc_fake.address if grpc_fake else f"127.0.0.1:{free_port()}",
        rest_address=http_fake.rest_url if http_fake else f"http://127.0.0.1:{free_port()}/v2",
        request_timeout=5,
    )


# ----------------------------------------------------------------------------------------- deploy


async def test_deploy_sends_the_validated_bytes_under_their_basename(
    tmp_path: Path, grpc_fake: GrpcFake
) -> None:
    model = write_model(tmp_path, "order")
    async with CamundaClient(settings_for(grpc_fake)) as client:
        result = await client.deploy(
            model, ("inline.bpmn", ORDER_BPMN.format(pid="inline", ext=TASK_DEFINITION).encode())
        )

    name, request = grpc_fake.gateway.requests[-1]
    assert name == "DeployResource"
    assert [(r.name, r.content) for r in request.resources] == [
        ("order.bpmn", model.read_bytes()),
        ("inline.bpmn", ORDER_BPMN.format(pid="inline", ext=TASK_DEFINITION).encode()),
    ]
    assert [(d.kind, d.id, d.version, d.resource_name) for d in result.deployments] == [
        ("process", "order", 1, "order.bpmn"),
        ("process", "inline", 1, "inline.bpmn"),
    ]
    assert all(d.definition_key.isdigit() for d in result.deployments)
    assert result.deployment_key.isdigit()


async def test_invalid_model_is_refused_before_any_network_call(tmp_path: Path) -> None:
    good = write_model(tmp_path, "good")
    bad = write_model(tmp_path, "bad", valid=False)
    # Nothing listens on these ports: reaching the network would raise EngineUnreachable instead.
    async with CamundaClient(settings_for()) as client:
        with pytest.raises(InvalidModel) as info:
            await client.deploy(good, bad)
    error = info.value
    assert error.code == "INVALID_ARGUMENT"
    assert len(error.diagnostics) == 1
    diagnostic = error.diagnostics[0]
    assert (diagnostic.source, diagnostic.element_id) == ("bad.bpmn", "charge")
    assert diagnostic.line == 6
    assert "taskDefinition" in str(error) and "nothing was deployed" in str(error)


async def test_unreadable_and_non_bpmn_resources_are_reported_not_raised(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bpmn"
    junk.write_text("this is not XML")
    form = tmp_path / "broken.form"
    form.write_text("{not json")
    found = check_resources([junk, form, tmp_path / "missing.bpmn", ("notes.txt", b"x")])
    sources = sorted(str(getattr(d, "source", "")) for d in found)
    assert len(found) == 4
    assert any(s.endswith("missing.bpmn") for s in sources)
    assert "junk.bpmn" in sources and "broken.form" in sources and "notes.txt" in sources


# ----------------------------------------------------------------------------------------- gRPC commands


async def test_start_publish_cancel_send_what_zeebe_expects(grpc_fake: GrpcFake) -> None:
    async with CamundaClient(settings_for(grpc_fake)) as client:
        created = await client.start("order", {"amount": 12.5, "items": [1, 2]})
        pinned = await client.start("order", version=2)
        waited = await client.start("order", {"x": 1}, wait=True, wait_timeout=2.5, fetch_variables=["x"])
        published = await client.publish(
            "payment-received", "order-7", {"paid": True}, ttl=30, message_id="m-1"
        )
        await client.cancel(created.process_instance_key)

    name, first = grpc_fake.gateway.requests[0]
    assert name == "CreateProcessInstance"
    assert (first.bpmnProcessId, first.version) == ("order", -1)
    assert json.loads(first.variables) == {"amount": 12.5, "items": [1, 2]}
    assert grpc_fake.gateway.requests[1][1].version == 2
    assert (created.process_definition_id, created.process_definition_version) == ("order", 3)
    assert created.process_instance_key.isdigit() and created.variables is None
    assert pinned.process_definition_version == 2

    name, with_result = grpc_fake.gateway.requests[2]
    assert name == "CreateProcessInstanceWithResult"
    assert (with_result.requestTimeout, list(with_result.fetchVariables)) == (2500, ["x"])
    assert waited.variables == {"x": 1, "done": True}

    name, message = grpc_fake.gateway.requests[3]
    assert name == "PublishMessage"
    assert (message.name, message.correlationKey, message.timeToLive, message.messageId) == (
        "payment-received",
        "order-7",
        30000,
        "m-1",
    )
    assert json.loads(message.variables) == {"paid": True}
    assert published.message_key.isdigit()

    name, cancel = grpc_fake.gateway.requests[4]
    assert (name, str(cancel.processInstanceKey)) == ("CancelProcessInstance", created.process_instance_key)


async def test_grpc_rejections_keep_zeebe_text(grpc_fake: GrpcFake) -> None:
    async with CamundaClient(settings_for(grpc_fake)) as client:
        with pytest.raises(NotFound) as missing:
            await client.start("missing")
        with pytest.raises(Rejected) as duplicate:
            await client.publish("m", "k", message_id="dup")
        with pytest.raises(NotFound) as cancel:
            await client.cancel(42)
        with pytest.raises(Rejected, match="JSON"):
            await client.start("order", {"when": object()})
    assert "Expected to find process definition with process ID 'missing', but none found" in str(
        missing.value
    )
    assert missing.value.code == "NOT_FOUND"
    assert duplicate.value.code == "ALREADY_EXISTS"
    assert "already published" in str(duplicate.value)
    assert "'42'" in str(cancel.value)
    # the non-JSON variables never left the process
    assert [n for n, _ in grpc_fake.gateway.requests] == [
        "CreateProcessInstance",
        "PublishMessage",
        "CancelProcessInstance",
    ]


async def test_engine_down_is_unreachable_with_the_hint() -> None:
    async with CamundaClient(settings_for()) as client:
        with pytest.raises(EngineUnreachable) as grpc_down:
            await client.start("order")
        with pytest.raises(EngineUnreachable) as rest_down:
            await client.search_incidents()
        status = await client.status()
    for error in (grpc_down.value, rest_down.value):
        assert isinstance(error, ConnectionError)  # generic network handling catches it too
        assert UNREACHABLE_HINT in str(error)
        assert error.hint == UNREACHABLE_HINT
    assert str(client.settings.grpc_address) in str(grpc_down.value)
    assert str(client.settings.rest_address) in str(rest_down.value)
    assert not status.healthy
    assert (status.grpc_error_type, status.rest_error_type) == ("EngineUnreachable", "EngineUnreachable")


def test_sync_facade_runs_the_same_operations(grpc_fake: GrpcFake, http_fake: HttpFake) -> None:
    http_fake.on("GET", "/topology", {"brokers": [], "clusterSize": 1, "gatewayVersion": "8.8.0"})
    with SyncCamundaClient(settings_for(grpc_fake, http_fake)) as client:
        first = client.start("order")
        second = client.start("order")  # same loop, same channel: a second call must work too
        status = client.status()
    assert int(second.process_instance_key) == int(first.process_instance_key) + 1
    assert status.healthy
    assert status.grpc_topology is not None and status.grpc_topology.brokers[0].partitions[0].role == "leader"
    assert status.rest_topology is not None and status.rest_topology.gateway_version == "8.8.0"


# ----------------------------------------------------------------------------------------- REST


def _problem(status: int, title: str, detail: str) -> Response:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": "/x"},
        status_code=status,
        media_type="application/problem+json",
    )


async def test_user_task_operations(http_fake: HttpFake) -> None:
    http_fake.on(
        "POST",
        "/user-tasks/search",
        {
            "items": [
                {
                    "userTaskKey": "2251799813685301",
                    "name": "Approve order",
                    "state": "CREATED",
                    "elementId": "approve",
                    "candidateGroups": ["sales"],
                    "processInstanceKey": "2251799813685290",
                    "creationDate": "2026-11-26T08:00:00.000Z",
                    "someFutureField": 1,
                }
            ],
            "page": {"totalItems": 1},
        },
    )
    http_fake.on("POST", "/user-tasks/2251799813685301/assignment", None, status=204)
    http_fake.on("DELETE", "/user-tasks/2251799813685301/assignee", None, status=204)
    http_fake.on("POST", "/user-tasks/2251799813685301/completion", None, status=204)
    http_fake.on(
        "POST",
        "/user-tasks/999/completion",
        lambda _r, _b: _problem(
            404, "NOT_FOUND", "Command 'COMPLETE' rejected with code 'NOT_FOUND': no task 999"
        ),
    )
    http_fake.on(
        "POST",
        "/user-tasks/777/completion",
        lambda _r, _b: _problem(
            409, "INVALID_STATE", "The user task with the given key is in the wrong state currently"
        ),
    )
    async with CamundaClient(settings_for(http_fake=http_fake)) as client:
        found = await client.search_user_tasks(
            state="created", candidate_group="sales", process_instance_key=2251799813685290
        )
        await client.assign_user_task(2251799813685301, "anna")
        await client.unassign_user_task("2251799813685301")
        await client.complete_user_task("2251799813685301", {"approved": True})
        with pytest.raises(NotFound) as unknown:
            await client.complete_user_task(999)
        with pytest.raises(Rejected) as wrong_state:
            await client.complete_user_task(777)
        with pytest.raises(Rejected, match="must be a number"):
            await client.complete_user_task("abc")

    task = found.items[0]
    assert (task.user_task_key, task.candidate_groups, found.page.total_items) == (
        "2251799813685301",
        ["sales"],
        1,
    )
    search, assign, unassign, complete = http_fake.rest_calls()[:4]
    assert search.body["filter"] == {
        "state": "CREATED",
        "candidateGroup": "sales",
        "processInstanceKey": "2251799813685290",
    }
    assert search.body["page"] == {"limit": 100}
    assert (assign.method, assign.body) == ("POST", {"assignee": "anna", "allowOverride": True})
    assert (unassign.method, unassign.path) == ("DELETE", "/v2/user-tasks/2251799813685301/assignee")
    assert complete.body == {"variables": {"approved": True}}
    assert unknown.value.code == "NOT_FOUND" and "no task 999" in str(unknown.value)
    assert wrong_state.value.code == "INVALID_STATE" and "wrong state" in str(wrong_state.value)
    assert len(http_fake.rest_calls()) == 6  # the non-numeric key never left the process


async def test_resolve_incident_with_retries_updates_the_job_first(http_fake: HttpFake) -> None:
    order: list[str] = []

    def record(label: str, response: Any) -> Any:
        def handler(_r: Request, body: Any) -> Response:
            order.append(label)
            return response if isinstance(response, Response) else JSONResponse(response)

        return handler

    http_fake.on(
        "GET",
        "/incidents/31",
        record(
            "get", {"incidentKey": "31", "jobKey": "77", "errorType": "JOB_NO_RETRIES", "state": "ACTIVE"}
        ),
    )
    http_fake.on("PATCH", "/jobs/77", record("retries", Response(status_code=204)))
    http_fake.on("POST", "/incidents/31/resolution", record("resolve", Response(status_code=204)))
    http_fake.on(
        "GET",
        "/incidents/32",
        record("get", {"incidentKey": "32", "errorType": "IO_MAPPING_ERROR", "state": "ACTIVE"}),
    )
    http_fake.on("POST", "/incidents/32/resolution", record("resolve", Response(status_code=204)))
    async with CamundaClient(settings_for(http_fake=http_fake)) as client:
        await client.resolve_incident(31, retries=3)
        with pytest.raises(Rejected, match="has no job"):
            await client.resolve_incident(32, retries=1)
        await client.resolve_incident(32)

    assert order == ["get", "retries", "resolve", "get", "resolve"]
    patch = next(c for c in http_fake.rest_calls() if c.method == "PATCH")
    assert patch.body == {"changeset": {"retries": 3}}


async def test_instance_details_gathers_elements_incidents_and_variables(http_fake: HttpFake) -> None:
    key = "2251799813685290"
    http_fake.on(
        "GET",
        f"/process-instances/{key}",
        {"processInstanceKey": key, "processDefinitionId": "order", "state": "ACTIVE", "hasIncident": True},
    )
    http_fake.on(
        "POST",
        "/element-instances/search",
        {
            "items": [
                {"elementInstanceKey": "5", "elementId": "charge", "type": "SERVICE_TASK", "state": "ACTIVE"}
            ],
            "page": {"totalItems": 1},
        },
    )
    http_fake.on(
        "POST",
        "/incidents/search",
        {
            "items": [{"incidentKey": "6", "errorType": "JOB_NO_RETRIES", "jobKey": "7"}],
            "page": {"totalItems": 1},
        },
    )
    http_fake.on(
        "POST",
        "/variables/search",
        {
            "items": [{"variableKey": "8", "name": "amount", "value": "12.5", "scopeKey": key}],
            "page": {"totalItems": 1},
        },
    )
    http_fake.on("POST", "/process-instances/search", {"items": [], "page": {"totalItems": 0}})
    async with CamundaClient(settings_for(http_fake=http_fake)) as client:
        details = await client.process_instance_details(int(key))
        listed = await client.search_process_instances(
            state="active", process_definition_id="order", has_incident=True
        )

    assert details.instance.has_incident is True
    assert [e.element_id for e in details.element_instances] == ["charge"]
    assert [i.job_key for i in details.incidents] == ["7"]
    assert [(v.name, v.value) for v in details.variables] == [("amount", "12.5")]
    searches = [c for c in http_fake.rest_calls() if c.path.endswith("/search")]
    assert all(c.body["filter"] == {"processInstanceKey": key} for c in searches[:3])
    assert searches[3].body["filter"] == {
        "state": "ACTIVE",
        "processDefinitionId": "order",
        "hasIncident": True,
    }
    assert searches[3].body["sort"] == [{"field": "startDate", "order": "DESC"}]
    assert listed.items == []


async def test_set_variables_and_definition_xml(http_fake: HttpFake) -> None:
    xml = ORDER_BPMN.format(pid="order", ext=TASK_DEFINITION)
    http_fake.on("PUT", "/element-instances/5/variables", None, status=204)
    http_fake.on("GET", "/process-definitions/9/xml", lambda _r, _b: Response(xml, media_type="text/xml"))
    http_fake.on(
        "POST",
        "/process-definitions/search",
        {
            "items": [{"processDefinitionKey": "9", "processDefinitionId": "order", "version": 1}],
            "page": {"totalItems": 1},
        },
    )
    async with CamundaClient(settings_for(http_fake=http_fake)) as client:
        await client.set_variables(5, {"amount": 3}, local=True)
        definitions = await client.search_process_definitions(process_definition_id="order")
        text = await client.process_definition_xml(definitions.items[0].process_definition_key)
    assert http_fake.rest_calls()[0].body == {"variables": {"amount": 3}, "local": True}
    assert text == xml


async def test_a_malformed_answer_is_a_server_error_not_a_crash(http_fake: HttpFake) -> None:
    from autoops.client import ServerError

    http_fake.on("POST", "/incidents/search", {"items": [{"no": "key"}], "page": {"totalItems": 1}})
    http_fake.on("GET", "/incidents/1", lambda _r, _b: Response("boom", status_code=500))
    async with CamundaClient(settings_for(http_fake=http_fake)) as client:
        with pytest.raises(ServerError, match="documented shape"):
            await client.search_incidents()
        with pytest.raises(ServerError, match="HTTP 500"):
            await client.get_incident(1)


async def test_a_gateway_that_never_answers_is_unreachable_not_slow() -> None:
    import socket

    # A socket that completes TCP handshakes (kernel backlog) but never speaks HTTP/2.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        settings = Settings.load(grpc_address=f"127.0.0.1:{port}", request_timeout=0.5)
        async with CamundaClient(settings) as client:
            with pytest.raises(EngineUnreachable) as info:
                await client.topology()
    assert info.value.hint == UNREACHABLE_HINT


async def test_waiting_for_a_result_is_bounded_by_the_wait_plus_the_request_timeout(
    grpc_fake: GrpcFake,
) -> None:
    from autoops.client import RequestTimeout

    settings = Settings.load(grpc_address=grpc_fake.address, request_timeout=1.0)
    async with CamundaClient(settings) as client:
        await client.topology()  # connected: a timeout now means a slow answer, not a dead gateway
        with pytest.raises(RequestTimeout) as info:
            await client.start("never-ends", wait=True, wait_timeout=0.2)
    assert info.value.code == "DEADLINE_EXCEEDED"
    assert isinstance(info.value, TimeoutError)
    _, request = grpc_fake.gateway.requests[-1]
    assert request.requestTimeout == 200
