"""Camunda user tasks and job-worker user tasks (spec §7.12, Camunda docs "User tasks")."""

from __future__ import annotations

import json

import pytest

from autoops.engine import USER_TASK_JOB_TYPE, Engine, Rejection, RejectionType

from .bpmn_builder import linear
from .conftest import element_states, instance_state

CAMUNDA_TASK = (
    '<bpmn:userTask id="t1" name="Review order"><bpmn:extensionElements>'
    "<zeebe:userTask/>"
    '<zeebe:assignmentDefinition assignee="=initiator" candidateGroups="ops, sales" candidateUsers="=[&quot;ann&quot;]"/>'
    '<zeebe:taskSchedule dueDate="=&quot;2030-01-01T10:00:00Z&quot;" followUpDate="2029-12-31T10:00:00Z"/>'
    '<zeebe:priorityDefinition priority="=prio"/>'
    '<zeebe:formDefinition externalReference="https://forms.example/review"/>'
    '<zeebe:ioMapping><zeebe:output source="=decision" target="approved"/></zeebe:ioMapping>'
    "</bpmn:extensionElements></bpmn:userTask>"
)


async def test_camunda_user_task_lifecycle(engine: Engine) -> None:
    await engine.deploy([("u.bpmn", linear("u", CAMUNDA_TASK))])
    created = await engine.create_instance(bpmn_process_id="u", variables={"initiator": "bob", "prio": 80})
    [task] = engine.query.search("user_tasks", {"processInstanceKey": created.process_instance_key}).items
    assert task["state"] == "CREATED"
    assert task["assignee"] == "bob"
    assert task["candidateGroups"] == ["ops", "sales"]
    assert task["candidateUsers"] == ["ann"]
    assert (task["dueDate"], task["followUpDate"]) == ("2030-01-01T10:00:00Z", "2029-12-31T10:00:00Z")
    assert task["priority"] == 80 and task["name"] == "Review order"
    assert task["externalFormReference"] == "https://forms.example/review"
    key = task["userTaskKey"]
    assert engine.query.search("user_tasks", {"candidateGroup": "sales"}).total == 1
    assert engine.query.search("user_tasks", {"candidateGroup": "hr"}).total == 0
    # no job is created for a Camunda user task
    assert engine.query.search("jobs", {"processInstanceKey": created.process_instance_key}).total == 0

    with pytest.raises(Rejection) as err:
        await engine.assign_user_task(key, "carol", allow_override=False)
    assert err.value.rejection_type is RejectionType.INVALID_STATE
    await engine.assign_user_task(key, "carol")
    await engine.unassign_user_task(key)
    await engine.update_user_task(key, {"priority": 10, "candidateUsers": ["dave"]})
    updated = engine.query.get("user_tasks", key)
    assert updated is not None
    assert (updated["assignee"], updated["priority"], updated["candidateUsers"]) == (None, 10, ["dave"])
    with pytest.raises(Rejection):
        await engine.update_user_task(key, {"priority": 101})

    await engine.complete_user_task(key, {"decision": True, "comment": "fine"})
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    root = engine.query.variables_of(created.process_instance_key)
    assert root == {"initiator": "bob", "prio": 80, "approved": True}  # output mapping: only 'approved' leaves
    with pytest.raises(Rejection) as err:
        await engine.complete_user_task(key)
    assert err.value.reason == f"Expected to complete user task with key '{key}', but no such user task was found"
    intents = [r["intent"] for r in engine.query.search("records", {"key": key, "valueType": "USER_TASK"}).items]
    assert intents == ["CREATED", "ASSIGNED", "ASSIGNED", "ASSIGNED", "UPDATED", "COMPLETED"]


async def test_user_task_cancelled_with_instance(engine: Engine) -> None:
    await engine.deploy([("u.bpmn", linear("u", CAMUNDA_TASK))])
    created = await engine.create_instance(bpmn_process_id="u", variables={"initiator": "bob", "prio": 1})
    await engine.cancel_instance(created.process_instance_key)
    [task] = engine.query.search("user_tasks", {"processInstanceKey": created.process_instance_key}).items
    assert task["state"] == "CANCELED"


async def test_bad_assignee_expression_is_incident(engine: Engine) -> None:
    await engine.deploy([("u.bpmn", linear("u", CAMUNDA_TASK))])
    created = await engine.create_instance(bpmn_process_id="u", variables={"initiator": 5, "prio": 1})
    [incident] = engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items
    assert incident["errorType"] == "EXTRACT_VALUE_ERROR"
    assert incident["errorMessage"].startswith("Expected result of the expression 'initiator' to be 'STRING', but was 'NUMBER'.")
    assert element_states(engine, created.process_instance_key)["t1"] == ["ACTIVATING"]


async def test_job_worker_user_task_has_zeebe_headers(engine: Engine) -> None:
    task = (
        '<bpmn:userTask id="t1"><bpmn:extensionElements>'
        '<zeebe:formDefinition formKey="camunda-forms:bpmn:userTaskForm_1"/>'
        '<zeebe:assignmentDefinition assignee="ann" candidateGroups="=[&quot;a&quot;, &quot;b&quot;]"/>'
        '<zeebe:taskHeaders><zeebe:header key="channel" value="web"/></zeebe:taskHeaders>'
        "</bpmn:extensionElements></bpmn:userTask>"
    )
    await engine.deploy([("j.bpmn", linear("j", task))])
    created = await engine.create_instance(bpmn_process_id="j")
    [job] = await engine.activate_jobs(USER_TASK_JOB_TYPE, "tasklist", 1000, 5)
    assert job.custom_headers == {
        "channel": "web",
        "io.camunda.zeebe:formKey": "camunda-forms:bpmn:userTaskForm_1",
        "io.camunda.zeebe:assignee": "ann",
        "io.camunda.zeebe:candidateGroups": json.dumps(["a", "b"]),
    }
    await engine.complete_job(job.key, {"done": 1})
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert engine.query.search("user_tasks", {}).total == 0


FORM = b'{"id": "review-form", "type": "default", "components": [{"key": "approved", "type": "checkbox"}]}'
LINKED_TASK = (
    '<bpmn:userTask id="t1"><bpmn:extensionElements><zeebe:userTask/>'
    '<zeebe:formDefinition formId="review-form"/></bpmn:extensionElements></bpmn:userTask>'
)


async def test_linked_form_is_resolved_and_missing_form_is_an_incident(engine: Engine) -> None:
    await engine.deploy([("u.bpmn", linear("u", LINKED_TASK))])
    missing = await engine.create_instance(bpmn_process_id="u")
    [incident] = engine.query.search("incidents", {"processInstanceKey": missing.process_instance_key}).items
    assert incident["errorType"] == "FORM_NOT_FOUND"
    assert incident["errorMessage"].startswith("Expected to find a form with id 'review-form', but no form")
    result = await engine.deploy([("forms/review.form", FORM)])
    [form] = result.forms
    assert (form.form_id, form.version, form.resource_name) == ("review-form", 1, "forms/review.form")
    assert (await engine.deploy([("forms/review.form", FORM)])).forms == result.forms  # duplicate: same version
    await engine.resolve_incident(incident["incidentKey"])
    [task] = engine.query.search("user_tasks", {"processInstanceKey": missing.process_instance_key}).items
    assert task["formKey"] == form.form_key
    stored = engine.query.form(form.form_key)
    assert stored is not None and stored["schema"] == FORM.decode() and stored["formId"] == "review-form"


async def test_invalid_form_resource_is_rejected(engine: Engine) -> None:
    with pytest.raises(Rejection) as err:
        await engine.deploy([("bad.form", b'{"components": []}')])
    assert "'bad.form'" in err.value.reason and "'id'" in err.value.reason
