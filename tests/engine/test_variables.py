"""Variable scopes, propagation and io-mappings (spec §7.2, Camunda docs "Variables")."""

from __future__ import annotations

import pytest

from autoops.engine import Engine, Rejection

from .bpmn_builder import chain, linear, process, service
from .conftest import complete_all, instance_state


def io(inputs: list[tuple[str, str]] = (), outputs: list[tuple[str, str]] = ()) -> str:  # type: ignore[assignment]
    parts = [f'<zeebe:input source="{s}" target="{t}"/>' for s, t in inputs]
    parts += [f'<zeebe:output source="{s}" target="{t}"/>' for s, t in outputs]
    return "<zeebe:ioMapping>" + "".join(parts) + "</zeebe:ioMapping>"


async def test_input_mappings_are_local_ordered_nested_and_null_for_missing(engine: Engine) -> None:
    task = service("t1", "work", io([("=order.id", "orderId"), ("=orderId + 1", "next"),
                                      ("=customer.name", "sender.name"), ("=missing", "absent")]))
    await engine.deploy([("p.bpmn", linear("p", task))])
    created = await engine.create_instance(bpmn_process_id="p", variables={"order": {"id": 7}, "customer": {"name": "Ann"}})
    [job] = await engine.activate_jobs("work", "w", 1000, 1)
    local = engine.query.variables_of(job.element_instance_key)
    assert local == {"orderId": 7, "next": 8, "sender": {"name": "Ann"}, "absent": None}
    assert job.variables["orderId"] == 7 and job.variables["order"] == {"id": 7}
    # input variables stay local: they vanish with the task
    await engine.complete_job(job.key)
    assert set(engine.query.variables_of(created.process_instance_key)) == {"order", "customer"}


async def test_without_output_mappings_all_job_variables_propagate_to_nearest_scope(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", linear("p", service("t1", "work")))])
    created = await engine.create_instance(bpmn_process_id="p", variables={"total": 1})
    [job] = await engine.activate_jobs("work", "w", 1000, 1)
    await engine.complete_job(job.key, {"total": 2, "fresh": "x"})
    assert engine.query.variables_of(created.process_instance_key) == {"total": 2, "fresh": "x"}
    assert engine.query.variables_of(job.element_instance_key) == {}


async def test_with_output_mappings_only_targets_leave_the_element(engine: Engine) -> None:
    task = service("t1", "work", io(outputs=[("=status", "paymentStatus"), ("=result.code", "order.code")]))
    await engine.deploy([("p.bpmn", linear("p", task))])
    created = await engine.create_instance(bpmn_process_id="p", variables={"order": {"id": 1}})
    [job] = await engine.activate_jobs("work", "w", 1000, 1)
    await engine.complete_job(job.key, {"status": "PAID", "result": {"code": 200}, "noise": 1})
    root = engine.query.variables_of(created.process_instance_key)
    assert root == {"order": {"id": 1, "code": 200}, "paymentStatus": "PAID"}
    assert engine.query.variables_of(job.element_instance_key) == {"status": "PAID", "result": {"code": 200}, "noise": 1}


def subprocess_model(inner_io: str = "") -> bytes:
    inner = (
        '<bpmn:subProcess id="sub">'
        + (f"<bpmn:extensionElements>{inner_io}</bpmn:extensionElements>" if inner_io else "")
        + '<bpmn:startEvent id="s_start"/>' + service("s_task", "inner") + '<bpmn:endEvent id="s_end"/>'
        + chain("s_start", "s_task", "s_end") + "</bpmn:subProcess>"
    )
    body = '<bpmn:startEvent id="start"/>' + inner + service("after", "after") + '<bpmn:endEvent id="end"/>' + chain(
        "start", "sub", "after", "end")
    return process("sp", body)


async def test_propagation_updates_the_nearest_scope_holding_the_name(engine: Engine) -> None:
    await engine.deploy([("sp.bpmn", subprocess_model(io([("=1", "counter")])))])
    created = await engine.create_instance(bpmn_process_id="sp", variables={"counter": 100})
    [job] = await engine.activate_jobs("inner", "w", 1000, 1)
    sub = engine.query.search("element_instances", {"processInstanceKey": created.process_instance_key,
                                                     "elementId": "sub"}).items[0]
    await engine.complete_job(job.key, {"counter": 2, "created": True})
    # 'counter' exists in the subprocess scope (input mapping): updated there; 'created' goes to the root
    assert engine.query.variables_of(sub["elementInstanceKey"]) == {"counter": 2}
    assert engine.query.variables_of(created.process_instance_key) == {"counter": 100, "created": True}
    [after] = await engine.activate_jobs("after", "w", 1000, 1)
    assert after.variables == {"counter": 100, "created": True}


async def test_subprocess_output_mapping_carries_local_values_out(engine: Engine) -> None:
    await engine.deploy([("sp.bpmn", subprocess_model(io([("=0", "tmp")], [("=tmp", "fromSub")])))])
    created = await engine.create_instance(bpmn_process_id="sp")
    [job] = await engine.activate_jobs("inner", "w", 1000, 1)
    await engine.complete_job(job.key, {"tmp": 5})
    assert engine.query.variables_of(created.process_instance_key) == {"fromSub": 5}


async def test_set_variables_local_and_propagating(engine: Engine) -> None:
    await engine.deploy([("sp.bpmn", subprocess_model(io([("=1", "counter")])))])
    created = await engine.create_instance(bpmn_process_id="sp", variables={"a": 1})
    sub = engine.query.search("element_instances", {"processInstanceKey": created.process_instance_key,
                                                     "elementId": "sub"}).items[0]["elementInstanceKey"]
    await engine.set_variables(sub, {"a": 2, "counter": 9, "b": 3}, local=False)
    assert engine.query.variables_of(created.process_instance_key) == {"a": 2, "b": 3}
    assert engine.query.variables_of(sub) == {"counter": 9}
    await engine.set_variables(sub, {"a": "local"}, local=True)
    assert engine.query.variables_of(sub) == {"counter": 9, "a": "local"}
    with pytest.raises(Rejection) as err:
        await engine.set_variables(sub, [1, 2])
    assert err.value.reason == "Expected document to be a root level object, but was 'ARRAY'"
    with pytest.raises(Rejection) as err:
        await engine.set_variables(123, {})
    assert err.value.reason == "Expected to update variables for element with key '123', but no such element was found"
    assert await complete_all(engine, "inner") == 1
    assert await complete_all(engine, "after") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_failing_output_mapping_is_incident_and_resolve_retries_completion(engine: Engine) -> None:
    task = service("t1", "work", io(outputs=[('=assert(ok, ok = true)', "checked")]))
    await engine.deploy([("p.bpmn", linear("p", task))])
    created = await engine.create_instance(bpmn_process_id="p")
    [job] = await engine.activate_jobs("work", "w", 1000, 1)
    await engine.complete_job(job.key, {"ok": False})
    [incident] = engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items
    assert incident["errorType"] == "IO_MAPPING_ERROR"
    assert incident["errorMessage"].startswith("Failed to evaluate expression 'assert(ok, ok = true)'")
    elem = engine.query.get("element_instances", job.element_instance_key)
    assert elem is not None and elem["elementState"] == "COMPLETING"
    await engine.set_variables(job.element_instance_key, {"ok": True}, local=True)
    await engine.resolve_incident(incident["incidentKey"])
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert engine.query.variables_of(created.process_instance_key) == {"checked": True}
