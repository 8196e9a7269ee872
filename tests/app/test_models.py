"""The process models, forms, templates and job handlers of the application fit together."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autoops.bpmn import Activity, Event, EventKind, Process, SubProcess, has_errors, parse_file, validate
from autoops.worker import load_worker

ROOT = Path(__file__).resolve().parents[2]
MODELS = sorted((ROOT / "bpmn").glob("*.bpmn"))
FORMS = {json.loads(p.read_text(encoding="utf-8"))["id"]: p for p in (ROOT / "bpmn" / "forms").glob("*.form")}
TEMPLATES = ROOT / "workers" / "templates"


def processes() -> dict[str, Process]:
    out = {}
    for path in MODELS:
        for process in parse_file(path).processes:
            out[process.id] = process
    return out


def job_types(node: Activity) -> set[str]:
    found = set()
    if node.task_definition is not None and node.task_definition.type:
        found.add(node.task_definition.type)
    if isinstance(node, SubProcess):
        for child in node.body.nodes:
            if isinstance(child, Activity):
                found |= job_types(child)
    return found


@pytest.fixture(scope="module")
def models() -> dict[str, Process]:
    return processes()


def test_both_processes_exist_and_validate(models: dict[str, Process]) -> None:
    assert {"order-fulfillment", "demand-forecast"} <= set(models)
    for path in MODELS:
        definitions = parse_file(path)
        assert definitions.has_diagram, f"{path.name} has no diagram"
        assert definitions.execution_platform_version == "8.8.0"
        diagnostics = validate(definitions)
        assert not has_errors(diagnostics), [str(d) for d in diagnostics]


def test_every_job_type_has_exactly_one_handler(models: dict[str, Process]) -> None:
    modelled = set()
    for process in models.values():
        for node in process.walk():
            if isinstance(node, Activity | Event) and node.task_definition is not None:
                assert node.task_definition.type, f"{process.id}/{node.id} has no job type"
                modelled.add(node.task_definition.type)
    handled = {task.type for task in load_worker("workers").tasks}
    assert modelled - handled == set(), "job types without a handler"
    assert handled - modelled == set(), "handlers no model uses"


def test_business_errors_are_caught_where_they_are_thrown(models: dict[str, Process]) -> None:
    thrown_by = {"INVALID_ORDER": "order.validate", "PAYMENT_DECLINED": "payment.authorize", "OUT_OF_STOCK": "stock.reserve"}
    process = models["order-fulfillment"]
    caught: dict[str, set[str]] = {}
    for node in process.walk():
        if isinstance(node, Event) and node.attached_to and node.event_kind is EventKind.ERROR:
            assert node.definition is not None and node.definition.error is not None
            code = node.definition.error.error_code
            attached = process.node(node.attached_to)
            assert isinstance(attached, Activity) and code is not None
            caught[code] = job_types(attached)
    for code, job_type in thrown_by.items():
        assert job_type in caught.get(code, set()), f"{code} from {job_type} is not caught"


def test_user_tasks_have_forms_groups_and_due_dates(models: dict[str, Process]) -> None:
    expected = {
        "Task_ReviewOrder": ("order-review", "review-order", "approved"),
        "Task_InvestigateShipment": ("logistics", "investigate-shipment", "shipmentDelivered"),
        "Task_ApproveStockPlan": ("supply-planning", "approve-stock-plan", "stockPlanApproved"),
    }
    seen = {}
    for process in models.values():
        for node in process.walk():
            if isinstance(node, Activity) and node.user_task is not None:
                spec = node.user_task
                assert spec.camunda_user_task, f"{node.id} is not a Camunda user task"
                assert spec.assignment is not None and spec.form is not None and spec.schedule is not None
                assert spec.schedule.due_date and spec.schedule.due_date.startswith("=")
                seen[node.id] = (spec.assignment.candidate_groups, spec.form.form_id, process)
    assert set(seen) == set(expected)
    for task_id, (group, form_id, variable) in expected.items():
        assert seen[task_id][:2] == (group, form_id)
        form = json.loads(FORMS[form_id].read_text(encoding="utf-8"))
        keys = {c.get("key") for c in form["components"]}
        assert variable in keys, f"form {form_id} does not set {variable}"
        # the gateway after the task decides on that variable
        process = seen[task_id][2]
        task = process.node(task_id)
        gateway = process.node(process.flow(task.outgoing[0]).target)
        conditions = [process.flow(f).condition or "" for f in gateway.outgoing]
        assert any(re.search(rf"\b{variable}\b", c) for c in conditions)


def test_notification_kinds_have_templates(models: dict[str, Process]) -> None:
    kinds = set()
    for process in models.values():
        for node in process.walk():
            if isinstance(node, Activity) and node.task_definition and (node.task_definition.type or "").startswith("notify."):
                headers = {h.key: h.value for h in node.task_headers}
                assert headers.get("kind"), f"{node.id} has no kind header"
                kinds.add(headers["kind"])
    assert kinds == {p.stem for p in TEMPLATES.glob("*.txt")}


def test_events_and_messages(models: dict[str, Process]) -> None:
    order = models["order-fulfillment"]
    starts = {s.id: s for s in order.body.start_events()}
    placed = starts["StartEvent_OrderPlaced"].definition
    assert placed is not None and placed.message is not None and placed.message.name == "order-placed"
    wait = order.node("Task_AwaitDelivery")
    assert isinstance(wait, Activity) and wait.message is not None
    assert (wait.message.name, wait.message.correlation_key) == ("shipment-delivered", "=orderId")
    timers = {
        order.node(b).id: (order.node(b).interrupting, order.node(b).definition.timer.value)  # type: ignore[union-attr]
        for b in wait.boundary_events
    }
    assert timers == {"Boundary_Overdue": (False, "P7D"), "Boundary_Lost": (True, "P14D")}
    forecast = models["demand-forecast"]
    weekly = {s.id: s for s in forecast.body.start_events()}["StartEvent_Weekly"].definition
    assert weekly is not None and weekly.timer is not None and weekly.timer.value == "0 0 6 * * MON"
    run = forecast.node("Task_RunForecast")
    assert isinstance(run, Activity)
    assert {h.key: h.value for h in run.task_headers} == {"horizon": "13", "serviceLevel": "0.95"}


def test_forms_are_camunda_forms() -> None:
    assert set(FORMS) == {"review-order", "investigate-shipment", "approve-stock-plan"}
    for form_id, path in FORMS.items():
        form = json.loads(path.read_text(encoding="utf-8"))
        assert path.stem == form_id
        assert form["type"] == "default" and form["executionPlatform"] == "Camunda Cloud"
        ids = [c["id"] for c in form["components"]]
        assert len(ids) == len(set(ids))
