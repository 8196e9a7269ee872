"""Task kinds: FEEL job type and retries, headers, script tasks, send/business-rule tasks, merges."""

from __future__ import annotations

from autoops.engine import Engine

from .bpmn_builder import chain, flow, linear, process, service
from .conftest import complete_all, element_states, instance_state


async def test_job_type_and_retries_may_be_feel(engine: Engine) -> None:
    task = service("t1", '=&quot;pay-&quot; + provider', retries="=maxTries * 2",
                   extra='<zeebe:taskHeaders><zeebe:header key="channel" value="shop"/></zeebe:taskHeaders>')
    await engine.deploy([("p.bpmn", linear("p", task))])
    await engine.create_instance(bpmn_process_id="p", variables={"provider": "stripe", "maxTries": 2})
    [job] = await engine.activate_jobs("pay-stripe", "w", 1000, 1)
    assert job.retries == 4
    assert job.custom_headers == {"channel": "shop"}


async def test_non_string_job_type_is_an_incident(engine: Engine) -> None:
    await engine.deploy([("p.bpmn", linear("p", service("t1", "=provider")))])
    created = await engine.create_instance(bpmn_process_id="p", variables={"provider": 12})
    [incident] = engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items
    assert incident["errorMessage"] == "Expected result of the expression 'provider' to be 'STRING', but was 'NUMBER'."
    await engine.set_variables(created.process_instance_key, {"provider": "twelve"})
    await engine.resolve_incident(incident["incidentKey"])
    assert await complete_all(engine, "twelve") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_script_task_writes_its_result_variable(engine: Engine) -> None:
    script = (
        '<bpmn:scriptTask id="t1"><bpmn:extensionElements>'
        '<zeebe:script expression="=sum(items.price)" resultVariable="total"/>'
        "</bpmn:extensionElements></bpmn:scriptTask>"
    )
    await engine.deploy([("s.bpmn", linear("s", script))])
    result = await engine.create_instance(
        bpmn_process_id="s", variables={"items": [{"price": 2}, {"price": 3.5}]}, await_result=True)
    assert result.variables == {"items": [{"price": 2}, {"price": 3.5}], "total": 5.5}


async def test_job_based_send_business_rule_and_script_tasks(engine: Engine) -> None:
    def job(kind: str, tid: str, job_type: str) -> str:
        return (f'<bpmn:{kind} id="{tid}"><bpmn:extensionElements><zeebe:taskDefinition type="{job_type}"/>'
                f"</bpmn:extensionElements></bpmn:{kind}>")

    msg_end = ('<bpmn:endEvent id="end"><bpmn:extensionElements><zeebe:taskDefinition type="notify"/>'
               '</bpmn:extensionElements><bpmn:messageEventDefinition/></bpmn:endEvent>')
    body = ('<bpmn:startEvent id="start"/>' + job("sendTask", "t1", "send") + job("businessRuleTask", "t2", "rule")
            + job("scriptTask", "t3", "script") + msg_end + chain("start", "t1", "t2", "t3", "end"))
    await engine.deploy([("j.bpmn", process("j", body))])
    created = await engine.create_instance(bpmn_process_id="j")
    for job_type in ("send", "rule", "script", "notify"):
        assert await complete_all(engine, job_type) == 1, job_type
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    types = {i["elementId"]: i["type"] for i in engine.query.search(
        "element_instances", {"processInstanceKey": created.process_instance_key}).items}
    assert types == {"start": "START_EVENT", "t1": "SEND_TASK", "t2": "BUSINESS_RULE_TASK", "t3": "SCRIPT_TASK",
                     "end": "END_EVENT"}


async def test_implicit_merge_activates_the_task_once_per_token(engine: Engine) -> None:
    body = ('<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/>' + service("merge", "merge")
            + '<bpmn:endEvent id="end"/>' + chain("start", "fork") + flow("a", "fork", "merge")
            + flow("b", "fork", "merge") + chain("merge", "end"))
    await engine.deploy([("m.bpmn", process("m", body))])
    created = await engine.create_instance(bpmn_process_id="m")
    assert await complete_all(engine, "merge") == 2
    assert element_states(engine, created.process_instance_key)["end"] == ["COMPLETED", "COMPLETED"]
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
