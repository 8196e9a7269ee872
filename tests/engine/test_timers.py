"""Timers (Camunda docs, "Timer events"): dates, durations, cycles, cron, static or FEEL."""

from __future__ import annotations

from pathlib import Path

from autoops.engine import ControlledClock, Engine

from .bpmn_builder import chain, service
from .conftest import T0, complete_all, element_states, instance_state
from .event_models import boundary, definitions, end, event_subprocess, start, timer_catch, timer_def


async def _count(engine: Engine, pid: str) -> int:
    return len(engine.query.search("process_instances", {"processDefinitionId": pid}, limit=1000).items)


def _wait(value: str, kind: str = "timeDuration") -> bytes:
    return definitions("wait", start() + timer_catch("t", kind, value) + end() + chain("start", "t", "end"))


async def test_duration_timer_never_fires_early(engine: Engine, clock: ControlledClock) -> None:
    await engine.deploy([("w.bpmn", _wait("PT10S"))])
    created = await engine.create_instance(bpmn_process_id="wait")
    clock.advance(9_999)
    await engine.fire_due_now()
    assert instance_state(engine, created.process_instance_key) == "ACTIVE"
    clock.advance(1)
    await engine.fire_due_now()
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_feel_duration_and_date_timers(engine: Engine, clock: ControlledClock) -> None:
    await engine.deploy([("w.bpmn", _wait("=duration(wait)"))])
    created = await engine.create_instance(bpmn_process_id="wait", variables={"wait": "PT1M"})
    date_model = _wait("=date and time(at)", "timeDate").replace(b'id="wait"', b'id="wait_date"')
    await engine.deploy([("d.bpmn", date_model)])
    dated = await engine.create_instance(bpmn_process_id="wait_date", variables={"at": "2023-11-14T22:15:00Z"})
    clock.advance(59_000)
    await engine.fire_due_now()
    assert instance_state(engine, created.process_instance_key) == "ACTIVE"
    assert instance_state(engine, dated.process_instance_key) == "ACTIVE"
    clock.pin(T0 + 3_600_000)  # 2023-11-14T23:13:20Z
    await engine.fire_due_now()
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert instance_state(engine, dated.process_instance_key) == "COMPLETED"


async def test_zero_duration_fires_at_once(engine: Engine) -> None:
    await engine.deploy([("w.bpmn", _wait("PT0S"))])
    created = await engine.create_instance(bpmn_process_id="wait")
    await engine.fire_due_now()
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


def _guarded(definition: str, interrupting: bool) -> bytes:
    body = (
        start() + service("work", "work") + boundary("late", "work", definition, interrupting=interrupting)
        + service("remind", "remind") + end() + end("end2")
        + chain("start", "work", "end") + chain("late", "remind", "end2")
    )
    return definitions("guarded", body)


async def test_interrupting_timer_boundary_terminates_the_task(engine: Engine, clock: ControlledClock) -> None:
    await engine.deploy([("g.bpmn", _guarded(timer_def("timeDuration", "PT1H"), True))])
    created = await engine.create_instance(bpmn_process_id="guarded")
    clock.advance(3_600_000)
    await engine.fire_due_now()
    assert element_states(engine, created.process_instance_key)["work"] == ["TERMINATED"]
    assert await complete_all(engine, "work") == 0
    assert await complete_all(engine, "remind") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_timer_boundary_is_cancelled_when_the_task_completes(engine: Engine, clock: ControlledClock) -> None:
    await engine.deploy([("g.bpmn", _guarded(timer_def("timeDuration", "PT1H"), True))])
    created = await engine.create_instance(bpmn_process_id="guarded")
    assert await complete_all(engine, "work") == 1
    clock.advance(7_200_000)
    assert await engine.fire_due_now() == 0
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_non_interrupting_cycle_repeats_under_a_moved_clock(engine: Engine, clock: ControlledClock) -> None:
    await engine.deploy([("g.bpmn", _guarded(timer_def("timeCycle", "R3/PT10M"), False))])
    created = await engine.create_instance(bpmn_process_id="guarded")
    clock.advance(10 * 60_000)
    await engine.fire_due_now()
    assert await complete_all(engine, "remind") == 1
    clock.advance(5 * 3_600_000)  # far past the two remaining ticks: both fire, no more
    await engine.fire_due_now()
    assert await complete_all(engine, "remind") == 2
    clock.advance(5 * 3_600_000)
    assert await engine.fire_due_now() == 0
    assert await complete_all(engine, "work") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


def _timer_start(cycle: str, job: str = "tick") -> bytes:
    body = start("start", timer_def("timeCycle", cycle)) + service("job", job) + end() + chain("start", "job", "end")
    return definitions("ticker", body)


async def test_timer_start_event_creates_an_instance_per_tick(engine: Engine, clock: ControlledClock) -> None:
    await engine.deploy([("t.bpmn", _timer_start("R2/PT1M"))])
    clock.advance(60_000)
    await engine.fire_due_now()
    assert await _count(engine, "ticker") == 1
    clock.advance(10 * 60_000)
    await engine.fire_due_now()
    assert await _count(engine, "ticker") == 2


async def test_timer_start_events_are_replaced_on_redeploy(engine: Engine, clock: ControlledClock) -> None:
    await engine.deploy([("t.bpmn", _timer_start("R/PT1M"))])
    await engine.deploy([("t.bpmn", _timer_start("R/PT1M", job="tock"))])
    clock.advance(60_000)
    await engine.fire_due_now()
    assert await complete_all(engine, "tick") == 0
    assert await complete_all(engine, "tock") == 1


async def test_cron_timer_start_event(engine: Engine, clock: ControlledClock) -> None:
    await engine.deploy([("t.bpmn", _timer_start("0 0 * * * *"))])  # every full hour
    clock.advance(3_600_000 * 3)
    await engine.fire_due_now()
    assert await _count(engine, "ticker") == 3


async def test_timer_event_subprocess_interrupts(engine: Engine, clock: ControlledClock) -> None:
    esp = event_subprocess(
        "timeout", start("ts", timer_def("timeDuration", "PT5M")) + service("escalate", "escalate") + end("te")
        + chain("ts", "escalate", "te"),
    )
    body = start() + service("work", "work") + end() + chain("start", "work", "end") + esp
    await engine.deploy([("e.bpmn", definitions("timed", body))])
    created = await engine.create_instance(bpmn_process_id="timed")
    clock.advance(300_000)
    await engine.fire_due_now()
    assert await complete_all(engine, "work") == 0
    assert await complete_all(engine, "escalate") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_timers_resume_after_a_restart(tmp_path: Path, clock: ControlledClock) -> None:
    path = tmp_path / "timers.db"
    async with await Engine.open(path, clock=clock) as engine:
        await engine.deploy([("w.bpmn", _wait("PT1H"))])
        created = await engine.create_instance(bpmn_process_id="wait")
    clock.advance(3_600_000)
    async with await Engine.open(path, clock=clock) as engine:
        await engine.fire_due_now()
        assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_non_interrupting_timer_event_subprocess_in_a_subprocess_repeats(
    engine: Engine, clock: ControlledClock
) -> None:
    esp = event_subprocess(
        "reminder", start("rs", timer_def("timeCycle", "R/PT1H"), interrupting=False) + service("ping", "ping")
        + end("re") + chain("rs", "ping", "re"),
    )
    inner = start("s") + service("work", "work") + end("se") + chain("s", "work", "se") + esp
    body = start() + f'<bpmn:subProcess id="sub">{inner}</bpmn:subProcess>' + end() + chain("start", "sub", "end")
    await engine.deploy([("r.bpmn", definitions("reminding", body))])
    created = await engine.create_instance(bpmn_process_id="reminding")
    clock.advance(3 * 3_600_000)
    await engine.fire_due_now()
    assert await complete_all(engine, "ping") == 3
    assert await complete_all(engine, "work") == 1
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    clock.advance(3 * 3_600_000)
    assert await engine.fire_due_now() == 0  # the cycle ended with its scope


async def test_moved_clock_fires_due_timers_in_due_order(engine: Engine, clock: ControlledClock) -> None:
    """Ticks at 10 and 20 minutes fire, the interrupting timer at 25 ends the task, the tick at 30 never fires."""
    body = (
        start() + service("work", "work")
        + boundary("tick", "work", timer_def("timeCycle", "R5/PT10M"), interrupting=False)
        + boundary("stop", "work", timer_def("timeDuration", "PT25M"))
        + service("remind", "remind") + end() + end("e2") + end("e3")
        + chain("start", "work", "end") + chain("tick", "remind", "e2") + chain("stop", "e3")
    )
    await engine.deploy([("o.bpmn", definitions("ordered", body))])
    created = await engine.create_instance(bpmn_process_id="ordered")
    clock.advance(3_600_000)
    await engine.fire_due_now()
    assert element_states(engine, created.process_instance_key)["work"] == ["TERMINATED"]
    assert await complete_all(engine, "remind") == 2
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"


async def test_cycle_with_a_start_date_fires_at_the_start_then_every_interval(
    engine: Engine, clock: ControlledClock
) -> None:
    # T0 is 2023-11-14T22:13:20Z
    await engine.deploy([("t.bpmn", _timer_start("R2/2023-11-14T22:20:00Z/PT1H"))])
    clock.advance(6 * 60_000)
    await engine.fire_due_now()
    assert await _count(engine, "ticker") == 0
    clock.advance(60_000)
    await engine.fire_due_now()
    assert await _count(engine, "ticker") == 1
    clock.advance(10 * 3_600_000)
    await engine.fire_due_now()
    assert await _count(engine, "ticker") == 2
