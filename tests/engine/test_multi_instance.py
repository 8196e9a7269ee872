"""Multi-instance activities (Camunda docs, "Multi-instance")."""

from __future__ import annotations

from autoops.engine import ControlledClock, Engine

from .bpmn_builder import chain
from .conftest import complete_all, element_states, instance_state
from .event_models import boundary, definitions, end, start, timer_def


def _mi(sequential: bool, *, condition: str | None = None, extra: str = "") -> bytes:
    seq = ' isSequential="true"' if sequential else ""
    cond = (
        f'<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">{condition}</bpmn:completionCondition>'
        if condition else ""
    )
    task = (
        '<bpmn:serviceTask id="each"><bpmn:extensionElements><zeebe:taskDefinition type="each"/>'
        '</bpmn:extensionElements>'
        f"<bpmn:multiInstanceLoopCharacteristics{seq}><bpmn:extensionElements>"
        '<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="results"'
        ' outputElement="=result"/></bpmn:extensionElements>'
        f"{cond}</bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>"
    )
    return definitions("mi", start() + task + end() + chain("start", "each", "end") + extra)


async def test_parallel_output_follows_input_order_when_completed_in_reverse(engine: Engine) -> None:
    await engine.deploy([("mi.bpmn", _mi(False))])
    created = await engine.create_instance(bpmn_process_id="mi", variables={"items": ["a", "b", "c"]})
    jobs = await engine.activate_jobs("each", "w", 10_000, 10)
    assert sorted(j.variables["item"] for j in jobs) == ["a", "b", "c"]
    assert sorted(j.variables["loopCounter"] for j in jobs) == [1, 2, 3]
    for job in sorted(jobs, key=lambda j: j.variables["loopCounter"], reverse=True):
        await engine.complete_job(job.key, {"result": job.variables["item"].upper()})
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert engine.query.variables_of(created.process_instance_key)["results"] == ["A", "B", "C"]
    assert element_states(engine, created.process_instance_key)["each"].count("COMPLETED") == 4  # body + 3


async def test_sequential_runs_one_at_a_time(engine: Engine) -> None:
    await engine.deploy([("mi.bpmn", _mi(True))])
    created = await engine.create_instance(bpmn_process_id="mi", variables={"items": [1, 2, 3]})
    seen = []
    for _ in range(3):
        [job] = await engine.activate_jobs("each", "w", 10_000, 10)
        seen.append(job.variables["item"])
        await engine.complete_job(job.key, {"result": job.variables["item"] * 10})
    assert seen == [1, 2, 3]
    assert engine.query.variables_of(created.process_instance_key)["results"] == [10, 20, 30]


async def test_empty_collection_completes_at_once(engine: Engine) -> None:
    await engine.deploy([("mi.bpmn", _mi(False))])
    created = await engine.create_instance(bpmn_process_id="mi", variables={"items": []})
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert engine.query.variables_of(created.process_instance_key)["results"] == []


async def test_completion_condition_terminates_the_rest(engine: Engine) -> None:
    await engine.deploy([("mi.bpmn", _mi(False, condition="= numberOfCompletedInstances >= 2"))])
    created = await engine.create_instance(bpmn_process_id="mi", variables={"items": [1, 2, 3, 4]})
    jobs = await engine.activate_jobs("each", "w", 10_000, 10)
    await engine.complete_job(jobs[3].key, {"result": "d"})
    await engine.complete_job(jobs[0].key, {"result": "a"})
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert engine.query.variables_of(created.process_instance_key)["results"] == ["a", None, None, "d"]
    assert element_states(engine, created.process_instance_key)["each"].count("TERMINATED") == 2


async def test_input_collection_that_is_not_a_list_is_an_incident(engine: Engine) -> None:
    await engine.deploy([("mi.bpmn", _mi(False))])
    created = await engine.create_instance(bpmn_process_id="mi", variables={"items": "nope"})
    [incident] = engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items
    assert incident["errorType"] == "EXTRACT_VALUE_ERROR"
    await engine.set_variables(created.process_instance_key, {"items": [5]})
    await engine.resolve_incident(incident["incidentKey"])
    assert await complete_all(engine, "each", {"result": 1}) == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_interrupting_boundary_on_the_body_terminates_all_inner_instances(
    engine: Engine, clock: ControlledClock
) -> None:
    extra = boundary("late", "each", timer_def("timeDuration", "PT1M")) + end("late_end") + chain("late", "late_end")
    await engine.deploy([("mi.bpmn", _mi(False, extra=extra))])
    created = await engine.create_instance(bpmn_process_id="mi", variables={"items": [1, 2]})
    clock.advance(60_000)
    await engine.fire_due_now()
    assert await complete_all(engine, "each") == 0
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert "results" not in engine.query.variables_of(created.process_instance_key)
