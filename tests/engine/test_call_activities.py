"""Call activities (Camunda docs, "Call activities"): child instances, variables, cancel, errors."""

from __future__ import annotations

from autoops.engine import Engine

from .bpmn_builder import chain, service
from .conftest import complete_all, element_states, instance_state
from .event_models import boundary, definitions, end, start

CHILD = definitions(
    "child", start() + service("work", "child-work") + end() + chain("start", "work", "end"),
)


def _parent(extra_attrs: str = "", mappings: str = "", process_id: str = "child", extra: str = "") -> bytes:
    call = (
        f'<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="{process_id}"'
        f"{extra_attrs}/>{mappings}</bpmn:extensionElements></bpmn:callActivity>"
    )
    return definitions("parent", start() + call + end() + chain("start", "call", "end") + extra,
                       '<bpmn:error id="err" name="err" errorCode="CHILD_FAILED"/>')


async def _child_of(engine: Engine, parent_key: int) -> dict[str, object]:
    [child] = engine.query.search("process_instances", {"parentProcessInstanceKey": parent_key}).items
    return dict(child)


async def test_child_gets_parent_variables_and_returns_its_own(engine: Engine) -> None:
    await engine.deploy([("c.bpmn", CHILD), ("p.bpmn", _parent())])
    parent = await engine.create_instance(bpmn_process_id="parent", variables={"order": 7})
    child = await _child_of(engine, parent.process_instance_key)
    assert child["parentElementInstanceKey"] is not None
    [job] = await engine.activate_jobs("child-work", "w", 1000, 1)
    assert job.variables["order"] == 7
    assert job.process_instance_key == child["processInstanceKey"]
    await engine.complete_job(job.key, {"shipped": True})
    assert instance_state(engine, parent.process_instance_key) == "COMPLETED"
    assert engine.query.variables_of(parent.process_instance_key)["shipped"] is True


async def test_propagation_flags_and_mappings(engine: Engine) -> None:
    mappings = (
        '<zeebe:ioMapping><zeebe:input source="=order * 2" target="doubled"/>'
        '<zeebe:output source="=shipped" target="wasShipped"/></zeebe:ioMapping>'
    )
    model = _parent(' propagateAllParentVariables="false" propagateAllChildVariables="false"', mappings)
    await engine.deploy([("c.bpmn", CHILD), ("p.bpmn", model)])
    parent = await engine.create_instance(bpmn_process_id="parent", variables={"order": 4})
    [job] = await engine.activate_jobs("child-work", "w", 1000, 1)
    assert job.variables == {"doubled": 8}
    await engine.complete_job(job.key, {"shipped": "yes", "internal": 1})
    root = engine.query.variables_of(parent.process_instance_key)
    assert root["wasShipped"] == "yes"
    assert "internal" not in root and "shipped" not in root


async def test_process_id_from_feel_and_missing_process_incident(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", _parent(process_id="=target"))])
    parent = await engine.create_instance(bpmn_process_id="parent", variables={"target": "child"})
    [incident] = engine.query.search("incidents", {"processInstanceKey": parent.process_instance_key}).items
    assert incident["errorType"] == "CALLED_ELEMENT_ERROR"
    assert incident["errorMessage"] == "Expected process with BPMN process id 'child' to be deployed, but not found."
    await engine.deploy([("c.bpmn", CHILD)])
    await engine.resolve_incident(incident["incidentKey"])
    assert await complete_all(engine, "child-work") == 1
    assert instance_state(engine, parent.process_instance_key) == "COMPLETED"


async def test_cancelling_the_parent_cancels_the_child(engine: Engine) -> None:
    await engine.deploy([("c.bpmn", CHILD), ("p.bpmn", _parent())])
    parent = await engine.create_instance(bpmn_process_id="parent")
    child = await _child_of(engine, parent.process_instance_key)
    await engine.cancel_instance(parent.process_instance_key)
    assert instance_state(engine, int(str(child["processInstanceKey"]))) == "TERMINATED"
    assert await complete_all(engine, "child-work") == 0


async def test_error_thrown_in_the_child_is_caught_in_the_parent(engine: Engine) -> None:
    extra = (
        boundary("failed", "call", '<bpmn:errorEventDefinition errorRef="err"/>') + service("compensate", "fix")
        + end("e2") + chain("failed", "compensate", "e2")
    )
    await engine.deploy([("c.bpmn", CHILD), ("p.bpmn", _parent(extra=extra))])
    parent = await engine.create_instance(bpmn_process_id="parent")
    child = await _child_of(engine, parent.process_instance_key)
    [job] = await engine.activate_jobs("child-work", "w", 1000, 1)
    await engine.throw_error(job.key, "CHILD_FAILED", variables={"detail": "x"})
    assert instance_state(engine, int(str(child["processInstanceKey"]))) == "TERMINATED"
    assert element_states(engine, parent.process_instance_key)["call"] == ["TERMINATED"]
    assert await complete_all(engine, "fix") == 1
    assert instance_state(engine, parent.process_instance_key) == "COMPLETED"
    assert engine.query.variables_of(parent.process_instance_key)["detail"] == "x"


async def test_binding_type_deployment_and_version_tag(engine: Engine) -> None:
    tagged = CHILD.replace(b'isExecutable="true">', b'isExecutable="true"><bpmn:extensionElements>'
                           b'<zeebe:versionTag value="v1"/></bpmn:extensionElements>')
    await engine.deploy([("c.bpmn", tagged), ("p.bpmn", _parent(' bindingType="deployment"'))])
    later = CHILD.replace(b'type="child-work"', b'type="child-work-2"')
    await engine.deploy([("c.bpmn", later)])  # a newer child version, deployed on its own
    await engine.create_instance(bpmn_process_id="parent")
    assert await complete_all(engine, "child-work") == 1  # bound to the version deployed with the parent
    by_tag = _parent(' bindingType="versionTag" versionTag="v1"').replace(b'id="parent"', b'id="parent_tag"')
    await engine.deploy([("t.bpmn", by_tag)])
    await engine.create_instance(bpmn_process_id="parent_tag")
    assert await complete_all(engine, "child-work") == 1
    await engine.create_instance(bpmn_process_id="parent", version=1)
    assert await complete_all(engine, "child-work-2") == 0


async def test_escalation_from_the_child_reaches_the_parent(engine: Engine) -> None:
    child = definitions(
        "esc_child",
        start() + '<bpmn:endEvent id="end"><bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:endEvent>'
        + chain("start", "end"),
        '<bpmn:escalation id="esc" name="esc" escalationCode="LATE"/>',
    )
    extra = (
        boundary("late", "call", '<bpmn:escalationEventDefinition escalationRef="pesc"/>', interrupting=False)
        + service("notify", "notify") + end("e2") + chain("late", "notify", "e2")
    )
    parent = _parent(process_id="esc_child", extra=extra).replace(
        b"</bpmn:definitions>", b'<bpmn:escalation id="pesc" name="pesc" escalationCode="LATE"/></bpmn:definitions>'
    )
    await engine.deploy([("c.bpmn", child), ("p.bpmn", parent)])
    created = await engine.create_instance(bpmn_process_id="parent")
    assert await complete_all(engine, "notify") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_root_process_instance_key_through_nested_call_activities(engine: Engine) -> None:
    """grandparent -> parent -> child: every row of every level names the grandparent as its root."""
    grandparent = definitions(
        "grandparent",
        start() + '<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="parent"/>'
        "</bpmn:extensionElements></bpmn:callActivity>" + end() + chain("start", "call", "end"),
    )
    await engine.deploy([("c.bpmn", CHILD), ("p.bpmn", _parent()), ("g.bpmn", grandparent)])
    top = (await engine.create_instance(bpmn_process_id="grandparent", variables={"v": 1})).process_instance_key
    middle = (await _child_of(engine, top))["processInstanceKey"]
    bottom = (await _child_of(engine, int(str(middle))))["processInstanceKey"]
    assert len({top, middle, bottom}) == 3
    for pi in (top, middle, bottom):
        [row] = engine.query.search("process_instances", {"processInstanceKey": pi}).items
        assert row["rootProcessInstanceKey"] == top
        assert engine.query.root_process_instance_key(int(str(pi))) == top
    [job] = engine.query.search("jobs", {"processInstanceKey": bottom}).items
    assert job["rootProcessInstanceKey"] == top
    for entity in ("element_instances", "variables"):
        rows = engine.query.search(entity, {"rootProcessInstanceKey": top}, limit=1000).items
        assert {r["processInstanceKey"] for r in rows} == {top, middle, bottom}
        assert {r["rootProcessInstanceKey"] for r in rows} == {top}
    [activated] = await engine.activate_jobs("child-work", "w", 1000, 1)
    await engine.fail_job(activated.key, 0, "boom")
    [incident] = engine.query.search("incidents", {"processInstanceKey": bottom}).items
    assert incident["rootProcessInstanceKey"] == top
