"""The official Python SDK (camunda-orchestration-sdk, strict response validation) against the REST API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from camunda_orchestration_sdk import CamundaAsyncClient
from camunda_orchestration_sdk import models as m

from autoops.engine.server import EngineServer

from . import models


@pytest_asyncio.fixture
async def sdk(autoops_server: EngineServer) -> AsyncIterator[Any]:
    config: Any = {"CAMUNDA_REST_ADDRESS": autoops_server.addresses.rest_root, "CAMUNDA_AUTH_STRATEGY": "NONE"}
    async with CamundaAsyncClient(configuration=config) as client:
        yield client


async def deploy(sdk: Any, tmp_path: Path, name: str, content: bytes) -> Any:
    path = tmp_path / name
    path.write_bytes(content)
    return await sdk.deploy_resources_from_files([str(path)])


async def test_deploy_create_and_search_instances(sdk: Any, tmp_path: Path) -> None:
    topology = await sdk.get_topology()
    assert topology.cluster_size == 1 and topology.brokers[0].partitions[0].partition_id == 1

    deployment = await deploy(sdk, tmp_path, "order.bpmn", models.service_chain("order", "pay"))
    assert [p.process_definition_id for p in deployment.processes] == ["order"]
    definition_key = deployment.processes[0].process_definition_key

    first = await sdk.create_process_instance(data=m.ProcessCreationById.from_dict(
        {"processDefinitionId": "order", "variables": {"customer": "ada"}}))
    second = await sdk.create_process_instance(data=m.ProcessCreationByKey(process_definition_key=definition_key))
    assert first.process_definition_key == definition_key and first.process_instance_key.isdigit()

    found = await sdk.search_process_instances(data=m.ProcessInstanceSearchQuery.from_dict(
        {"filter": {"processDefinitionId": "order"}, "sort": [{"field": "processInstanceKey", "order": "DESC"}]}))
    assert found.page.total_items == 2
    assert [i.process_instance_key for i in found.items] == [second.process_instance_key, first.process_instance_key]
    assert all(i.state.value == "ACTIVE" for i in found.items)

    paged = await sdk.search_process_instances(data=m.ProcessInstanceSearchQuery.from_dict({"page": {"limit": 1}}))
    assert len(paged.items) == 1 and paged.page.total_items == 2
    after = await sdk.search_process_instances(data=m.ProcessInstanceSearchQuery.from_dict(
        {"page": {"limit": 1, "after": paged.page.end_cursor}}))
    assert after.items[0].process_instance_key != paged.items[0].process_instance_key

    one = await sdk.get_process_instance(first.process_instance_key)
    assert one.process_definition_id == "order" and one.has_incident is False

    variables = await sdk.search_variables(data=m.VariableSearchQuery.from_dict(
        {"filter": {"processInstanceKey": first.process_instance_key}}))
    assert [(v.name, v.value) for v in variables.items] == [("customer", '"ada"')]
    full = await sdk.get_variable(variables.items[0].variable_key)
    assert full.value == '"ada"'

    xml = await sdk.get_process_definition_xml(definition_key)
    assert "order" in str(xml)

    await sdk.cancel_process_instance(second.process_instance_key, data=m.CancelProcessInstanceRequest())
    cancelled = await sdk.get_process_instance(second.process_instance_key)
    assert cancelled.state.value == "TERMINATED"


async def test_user_task_search_assign_complete(sdk: Any, tmp_path: Path, autoops_server: EngineServer) -> None:
    await deploy(sdk, tmp_path, "review.bpmn", models.user_task("review-process"))
    created = await sdk.create_process_instance(data=m.ProcessCreationById.from_dict(
        {"processDefinitionId": "review-process", "variables": {"order": 7}}))

    tasks = await sdk.search_user_tasks(data=m.UserTaskSearchQuery.from_dict(
        {"filter": {"processInstanceKey": created.process_instance_key, "state": "CREATED"}}))
    assert len(tasks.items) == 1
    task = tasks.items[0]
    assert task.name == "Review order" and task.element_id == "review" and task.assignee is None

    await sdk.assign_user_task(task.user_task_key, data=m.UserTaskAssignmentRequest(assignee="demo"))
    assigned = await sdk.get_user_task(task.user_task_key)
    assert assigned.assignee == "demo"
    mine = await sdk.search_user_tasks(data=m.UserTaskSearchQuery.from_dict({"filter": {"assignee": "demo"}}))
    assert [t.user_task_key for t in mine.items] == [task.user_task_key]

    visible = await sdk.search_user_task_variables(task.user_task_key,
                                                   data=m.UserTaskVariableSearchQueryRequest())
    assert {v.name: v.value for v in visible.items} == {"order": "7"}

    await sdk.complete_user_task(task.user_task_key, data=m.UserTaskCompletionRequest.from_dict(
        {"variables": {"approved": True}}))
    done = await sdk.get_process_instance(created.process_instance_key)
    assert done.state.value == "COMPLETED"
    assert autoops_server.engine.query.variables_of(int(created.process_instance_key)) == {"order": 7, "approved": True}


async def test_jobs_incident_and_resolution(sdk: Any, tmp_path: Path) -> None:
    await deploy(sdk, tmp_path, "pay.bpmn", models.service_chain("pay", "charge", retries=1))
    created = await sdk.create_process_instance(data=m.ProcessCreationById.from_dict({"processDefinitionId": "pay"}))

    activated = await sdk.activate_jobs(data=m.JobActivationRequest(
        type_="charge", timeout=60_000, max_jobs_to_activate=5, worker="sdk", request_timeout=-1))
    assert len(activated.jobs) == 1
    job = activated.jobs[0]
    assert job.process_instance_key == created.process_instance_key and job.retries == 1

    await sdk.fail_job(job.job_key, data=m.JobFailRequest(retries=0, error_message="card declined"))
    incidents = await sdk.search_incidents(data=m.IncidentSearchQuery.from_dict(
        {"filter": {"processInstanceKey": created.process_instance_key}}))
    assert len(incidents.items) == 1
    incident = incidents.items[0]
    assert incident.error_type.value == "JOB_NO_RETRIES" and incident.error_message == "card declined"
    assert incident.job_key == job.job_key

    jobs = await sdk.search_jobs(data=m.JobSearchQuery.from_dict({"filter": {"jobKey": job.job_key}}))
    assert jobs.items[0].state.value == "FAILED" and jobs.items[0].retries == 0

    await sdk.update_job(job.job_key, data=m.JobUpdateRequest(changeset=m.JobChangeset(retries=2)))
    await sdk.resolve_incident(incident.incident_key, data=m.IncidentResolutionRequest())
    resolved = await sdk.get_incident(incident.incident_key)
    assert resolved.state.value == "RESOLVED"

    again = await sdk.activate_jobs(data=m.JobActivationRequest(
        type_="charge", timeout=60_000, max_jobs_to_activate=5, worker="sdk", request_timeout=5_000))
    assert [j.job_key for j in again.jobs] == [job.job_key]
    await sdk.complete_job(job.job_key, data=m.JobCompletionRequest.from_dict({"variables": {"paid": True}}))
    finished = await sdk.get_process_instance(created.process_instance_key)
    assert finished.state.value == "COMPLETED"


async def test_clock_pin_fires_job_timeouts(sdk: Any, tmp_path: Path, autoops_server: EngineServer) -> None:
    await deploy(sdk, tmp_path, "slow.bpmn", models.service_chain("slow", "slow-work"))
    await sdk.create_process_instance(data=m.ProcessCreationById.from_dict({"processDefinitionId": "slow"}))
    first = await sdk.activate_jobs(data=m.JobActivationRequest(
        type_="slow-work", timeout=60_000, max_jobs_to_activate=1, worker="a", request_timeout=-1))
    assert len(first.jobs) == 1
    none_yet = await sdk.activate_jobs(data=m.JobActivationRequest(
        type_="slow-work", timeout=60_000, max_jobs_to_activate=1, worker="b", request_timeout=-1))
    assert none_yet.jobs == []

    now = autoops_server.clock.now_ms()
    await sdk.pin_clock(data=m.ClockPinRequest(timestamp=now + 120_000))
    assert autoops_server.clock.now_ms() == now + 120_000
    retaken = await sdk.activate_jobs(data=m.JobActivationRequest(
        type_="slow-work", timeout=60_000, max_jobs_to_activate=1, worker="b", request_timeout=-1))
    assert [j.job_key for j in retaken.jobs] == [first.jobs[0].job_key]  # the lock expired at the pinned time
    assert retaken.jobs[0].worker == "b"

    await sdk.reset_clock()
    assert abs(autoops_server.clock.now_ms() - now) < 60_000


@pytest.mark.parametrize("missing", ["process-instances", "user-tasks", "incidents", "jobs", "variables"])
async def test_get_unknown_key_is_404(sdk: Any, autoops_server: EngineServer, missing: str) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=autoops_server.addresses.rest) as client:
        response = await client.get(f"/{missing}/2251799813699999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "NOT_FOUND" and "2251799813699999" in body["detail"]


async def test_deploy_form_and_fetch_it_for_a_user_task(sdk: Any, tmp_path: Path) -> None:
    (tmp_path / "amount.form").write_bytes(models.form("amount-form"))
    (tmp_path / "fill.bpmn").write_bytes(models.user_task_with_form("fill-process", "amount-form"))
    deployment = await sdk.deploy_resources_from_files([str(tmp_path / "amount.form"), str(tmp_path / "fill.bpmn")])
    assert [f.form_id for f in deployment.forms] == ["amount-form"]
    created = await sdk.create_process_instance(data=m.ProcessCreationById.from_dict({"processDefinitionId": "fill-process"}))
    tasks = await sdk.search_user_tasks(data=m.UserTaskSearchQuery.from_dict(
        {"filter": {"processInstanceKey": created.process_instance_key}}))
    form = await sdk.get_user_task_form(tasks.items[0].user_task_key)
    assert form.form_id == "amount-form" and form.form_key == deployment.forms[0].form_key
    assert '"amount"' in form.schema
