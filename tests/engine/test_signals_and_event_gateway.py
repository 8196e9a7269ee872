"""Signals, the event-based gateway, link events and terminate end events in subprocesses."""

from __future__ import annotations

from autoops.engine import ControlledClock, Engine

from .bpmn_builder import chain, flow, service
from .conftest import complete_all, element_states, instance_state
from .event_models import boundary, definitions, end, message, start, timer_def

SIGNAL = '<bpmn:signal id="sig" name="stock-updated"/>'
SIGNAL_DEF = '<bpmn:signalEventDefinition signalRef="sig"/>'


async def _count(engine: Engine, pid: str) -> int:
    return len(engine.query.search("process_instances", {"processDefinitionId": pid}, limit=1000).items)


async def test_signal_starts_instances_and_triggers_catch_events(engine: Engine) -> None:
    starter = definitions("on_signal", start("start", SIGNAL_DEF) + service("react", "react") + end()
                          + chain("start", "react", "end"), SIGNAL)
    catcher = definitions(
        "waiter",
        start() + f'<bpmn:intermediateCatchEvent id="c">{SIGNAL_DEF}</bpmn:intermediateCatchEvent>' + end()
        + chain("start", "c", "end"),
        SIGNAL,
    )
    await engine.deploy([("a.bpmn", starter), ("b.bpmn", catcher)])
    w1 = await engine.create_instance(bpmn_process_id="waiter")
    w2 = await engine.create_instance(bpmn_process_id="waiter")
    result = await engine.broadcast_signal("stock-updated", variables={"sku": "A-1"})
    assert result.key > 0
    assert instance_state(engine, w1.process_instance_key) == "COMPLETED"
    assert instance_state(engine, w2.process_instance_key) == "COMPLETED"  # every catch event, not just one
    jobs = await engine.activate_jobs("react", "w", 1000, 10)
    assert [j.variables["sku"] for j in jobs] == ["A-1"]


async def test_signal_is_not_buffered(engine: Engine) -> None:
    catcher = definitions(
        "waiter",
        start() + f'<bpmn:intermediateCatchEvent id="c">{SIGNAL_DEF}</bpmn:intermediateCatchEvent>' + end()
        + chain("start", "c", "end"),
        SIGNAL,
    )
    await engine.deploy([("b.bpmn", catcher)])
    await engine.broadcast_signal("stock-updated")
    created = await engine.create_instance(bpmn_process_id="waiter")
    assert instance_state(engine, created.process_instance_key) == "ACTIVE"


async def test_signal_throw_event_reaches_a_boundary(engine: Engine) -> None:
    body = (
        start() + service("work", "work") + boundary("stop", "work", SIGNAL_DEF) + end() + end("stopped")
        + chain("start", "work", "end") + chain("stop", "stopped")
    )
    thrower = definitions("thrower", start() + f'<bpmn:endEvent id="end">{SIGNAL_DEF}</bpmn:endEvent>'
                          + chain("start", "end"), SIGNAL)
    await engine.deploy([("a.bpmn", definitions("guarded", body, SIGNAL)), ("t.bpmn", thrower)])
    guarded = await engine.create_instance(bpmn_process_id="guarded")
    await engine.create_instance(bpmn_process_id="thrower")
    assert element_states(engine, guarded.process_instance_key)["work"] == ["TERMINATED"]
    assert instance_state(engine, guarded.process_instance_key) == "COMPLETED"


def _race() -> bytes:
    body = (
        start() + '<bpmn:eventBasedGateway id="gw"/>'
        + '<bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="m"/>'
        "</bpmn:intermediateCatchEvent>"
        + f'<bpmn:intermediateCatchEvent id="timeout">{timer_def("timeDuration", "PT1H")}</bpmn:intermediateCatchEvent>'
        + service("ship", "ship") + service("cancel", "cancel") + end("e1") + end("e2")
        + chain("start", "gw") + flow("to_paid", "gw", "paid") + flow("to_timeout", "gw", "timeout")
        + chain("paid", "ship", "e1") + chain("timeout", "cancel", "e2")
    )
    return definitions("race", body, message("m", "paid", "=orderId"))


async def test_event_based_gateway_first_event_wins(engine: Engine, clock: ControlledClock) -> None:
    await engine.deploy([("r.bpmn", _race())])
    by_message = await engine.create_instance(bpmn_process_id="race", variables={"orderId": "a"})
    by_timer = await engine.create_instance(bpmn_process_id="race", variables={"orderId": "b"})
    await engine.publish_message("paid", "a", variables={"paid": True})
    clock.advance(3_600_000)
    await engine.fire_due_now()
    await engine.publish_message("paid", "b", time_to_live_ms=0)  # too late: the timer won
    ship = await engine.activate_jobs("ship", "w", 1000, 10)
    cancel = await engine.activate_jobs("cancel", "w", 1000, 10)
    assert [j.process_instance_key for j in ship] == [by_message.process_instance_key]
    assert [j.process_instance_key for j in cancel] == [by_timer.process_instance_key]
    assert ship[0].variables["paid"] is True
    assert "timeout" not in element_states(engine, by_message.process_instance_key)


async def test_link_events_jump_within_the_scope(engine: Engine) -> None:
    body = (
        start() + '<bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition name="next"/></bpmn:intermediateThrowEvent>'
        + '<bpmn:intermediateCatchEvent id="land"><bpmn:linkEventDefinition name="next"/></bpmn:intermediateCatchEvent>'
        + service("after", "after") + end() + chain("start", "go") + chain("land", "after", "end")
    )
    await engine.deploy([("l.bpmn", definitions("linked", body))])
    created = await engine.create_instance(bpmn_process_id="linked")
    assert await complete_all(engine, "after") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_terminate_end_event_inside_a_subprocess_ends_only_the_subprocess(engine: Engine) -> None:
    inner = (
        start("s") + '<bpmn:parallelGateway id="fork"/>' + service("slow", "slow")
        + '<bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>'
        + chain("s", "fork") + flow("f1", "fork", "slow") + flow("f2", "fork", "stop")
    )
    body = (
        start() + f'<bpmn:subProcess id="sub">{inner}</bpmn:subProcess>' + service("next", "next") + end()
        + chain("start", "sub", "next", "end")
    )
    await engine.deploy([("t.bpmn", definitions("term", body))])
    created = await engine.create_instance(bpmn_process_id="term")
    states = element_states(engine, created.process_instance_key)
    assert states["slow"] == ["TERMINATED"] and states["sub"] == ["COMPLETED"]
    assert await complete_all(engine, "next") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_signal_event_subprocess_and_gateway(engine: Engine) -> None:
    esp = (
        '<bpmn:subProcess id="on_sig" triggeredByEvent="true">'
        + start("ss", SIGNAL_DEF, interrupting=False) + service("audit", "audit") + end("se")
        + chain("ss", "audit", "se") + "</bpmn:subProcess>"
    )
    body = (
        start() + '<bpmn:eventBasedGateway id="gw"/>'
        + f'<bpmn:intermediateCatchEvent id="sig_catch">{SIGNAL_DEF}</bpmn:intermediateCatchEvent>'
        + f'<bpmn:intermediateCatchEvent id="t">{timer_def("timeDuration", "PT1H")}</bpmn:intermediateCatchEvent>'
        + end() + end("e2") + chain("start", "gw") + flow("g1", "gw", "sig_catch") + flow("g2", "gw", "t")
        + chain("sig_catch", "end") + chain("t", "e2") + esp
    )
    await engine.deploy([("s.bpmn", definitions("sig_proc", body, SIGNAL))])
    created = await engine.create_instance(bpmn_process_id="sig_proc")
    await engine.broadcast_signal("stock-updated")
    assert element_states(engine, created.process_instance_key)["sig_catch"] == ["COMPLETED"]
    assert await complete_all(engine, "audit") == 1  # the event subprocess caught the same broadcast
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
