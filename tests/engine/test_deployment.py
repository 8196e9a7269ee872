"""Deployment: validation texts, versioning, duplicates, atomicity, unsupported constructs."""

from __future__ import annotations

import pytest

from autoops.engine import Engine, Rejection, RejectionType

from .bpmn_builder import linear, process, service

NO_START = process("kaputt", '<bpmn:endEvent id="end"/>')


async def test_versions_increment_and_identical_redeploy_is_a_duplicate(engine: Engine) -> None:
    a1 = linear("a", service("t1", "x"))
    first = await engine.deploy([("bpmn/a.bpmn", a1)])
    again = await engine.deploy([("bpmn/a.bpmn", a1)])
    assert again.key != first.key
    assert again.processes == first.processes  # same key and version
    changed = await engine.deploy([("bpmn/a.bpmn", linear("a", service("t1", "y")))])
    assert changed.processes[0].version == 2
    assert changed.processes[0].resource_name == "bpmn/a.bpmn"
    defs = engine.query.search("process_definitions", {"processDefinitionId": "a"}, [("version", "DESC")])
    assert [d["version"] for d in defs.items] == [2, 1]
    latest = engine.query.search("process_definitions", {"isLatestVersion": True}).items
    assert [(d["processDefinitionId"], d["version"]) for d in latest] == [("a", 2)]
    assert engine.query.definition_xml(first.processes[0].process_definition_key) == a1


async def test_invalid_resource_rejects_the_whole_deployment_with_zeebe_text(engine: Engine) -> None:
    with pytest.raises(Rejection) as err:
        await engine.deploy([("good.bpmn", linear("good", service("t1", "x"))), ("kaputt.bpmn", NO_START)])
    assert err.value.rejection_type is RejectionType.INVALID_ARGUMENT
    assert str(err.value).startswith(
        "Command 'CREATE' rejected with code 'INVALID_ARGUMENT': Expected to deploy new resources, but encountered "
        "the following errors:\n'kaputt.bpmn': - Element: kaputt\n    - ERROR: Must have at least one start event"
    )
    assert engine.query.search("process_definitions").total == 0


async def test_no_resources_and_duplicate_ids(engine: Engine) -> None:
    with pytest.raises(Rejection) as err:
        await engine.deploy([])
    assert err.value.reason == "Expected to deploy at least one resource, but none given"
    model = linear("dup", service("t1", "x"))
    with pytest.raises(Rejection) as err:
        await engine.deploy([("a.bpmn", model), ("b.bpmn", model)])
    assert err.value.reason == (
        "Expected resource IDs to be unique within a deployment, but encountered the following conflicting IDs:\n"
        "- Duplicated process id 'dup' in resources: a.bpmn, b.bpmn"
    )


async def test_feel_syntax_error_is_rejected(engine: Engine) -> None:
    task = service("t1", "x", '<zeebe:ioMapping><zeebe:input source="=a +* b" target="c"/></zeebe:ioMapping>')
    with pytest.raises(Rejection) as err:
        await engine.deploy([("f.bpmn", linear("f", task))])
    assert "- Element: t1" in err.value.reason


@pytest.mark.parametrize(
    ("snippet", "element"),
    [
        ('<bpmn:adHocSubProcess id="t1"><bpmn:task id="inner"/></bpmn:adHocSubProcess>', "t1"),
        ('<bpmn:task id="t1"/><bpmn:boundaryEvent id="comp" attachedToRef="t1">'
         "<bpmn:compensateEventDefinition/></bpmn:boundaryEvent>", "comp"),
    ],
)
async def test_constructs_of_the_events_issue_are_rejected_clearly(engine: Engine, snippet: str, element: str) -> None:
    with pytest.raises(Rejection) as err:
        await engine.deploy([("u.bpmn", linear("u", snippet))])
    assert f"- Element: {element}\n    - ERROR: " in err.value.reason
    assert "not supported" in err.value.reason or "not executed" in err.value.reason


async def test_non_bpmn_resource_and_foreign_tenant_are_rejected(engine: Engine) -> None:
    with pytest.raises(Rejection) as err:
        await engine.deploy([("rules.dmn", b"<definitions/>")])
    assert "'rules.dmn'" in err.value.reason
    with pytest.raises(Rejection) as err:
        await engine.deploy([("a.bpmn", linear("a", service("t1", "x")))], tenant_id="acme")
    assert err.value.rejection_type is RejectionType.INVALID_ARGUMENT
    ok = await engine.deploy([("a.bpmn", linear("a", service("t1", "x")))], tenant_id="")
    assert ok.tenant_id == "<default>"


async def test_delete_resource_retires_a_definition(engine: Engine) -> None:
    v1 = (await engine.deploy([("a.bpmn", linear("a", service("t1", "x")))])).processes[0]
    v2 = (await engine.deploy([("a.bpmn", linear("a", service("t1", "y")))])).processes[0]
    running = await engine.create_instance(bpmn_process_id="a")
    with pytest.raises(Rejection) as err:
        await engine.delete_resource(v2.process_definition_key)
    assert err.value.rejection_type is RejectionType.INVALID_STATE
    await engine.cancel_instance(running.process_instance_key)
    await engine.delete_resource(v2.process_definition_key)
    again = await engine.create_instance(bpmn_process_id="a")
    assert again.version == 1 and again.process_definition_key == v1.process_definition_key
    with pytest.raises(Rejection) as err:
        await engine.create_instance(process_definition_key=v2.process_definition_key)
    assert err.value.rejection_type is RejectionType.NOT_FOUND
    listed = engine.query.search("process_definitions", {"processDefinitionId": "a"}).items
    assert [d["version"] for d in listed] == [1]
    with pytest.raises(Rejection) as err:
        await engine.delete_resource(v2.process_definition_key)
    assert err.value.reason == f"Expected to delete resource but no resource found with key `{v2.process_definition_key}`"
    redeployed = (await engine.deploy([("a.bpmn", linear("a", service("t1", "y")))])).processes[0]
    assert redeployed.version == 3
