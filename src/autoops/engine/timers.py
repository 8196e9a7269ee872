"""Timers (spec §6.4, §7.10): evaluate a timer definition, schedule it, fire it when due.

A timer row remembers its owner (or none for a start event), the catch event it triggers, the
next due time and, for cycles, the evaluated cycle text and the ticks still to fire. Its due item
(kind ``timer``) lives in ``due_items`` in the same transaction, so timers survive restarts and a
moved clock fires every tick that became due, in due-time order. A cycle's next tick is computed
from the previous due time, never from the firing time, so ticks are neither lost nor early.
"""

from __future__ import annotations

import datetime as dt

from autoops.bpmn import timers as bpmn_timers
from autoops.bpmn.model import Event, TimerKind
from autoops.engine import scheduler, variables
from autoops.engine.catch_events import CatchPlan, trigger
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.deployment import DeployedProcess
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.records import ValueType

__all__ = ["cancel_owned", "cancel_start_timers", "schedule", "schedule_start"]

DUE_TIMER = "timer"
_REPEATING_ROLES = ("start", "boundary", "esp")


def _moment(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _parse_date(text: str) -> dt.datetime:
    try:
        return bpmn_timers.parse_date(text)
    except bpmn_timers.TimerValueError:
        parsed = dt.datetime.fromisoformat(text.strip())  # a FEEL local date-time: read as UTC
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def evaluate(
    ctx: ProcessingContext, node: Event, scope_key: int | None
) -> tuple[int, int, str | None]:
    """(first due time, ticks to fire (-1 unbounded), cycle text) of a timer event, evaluated now."""
    from autoops.engine import expressions

    definition = node.definition
    timer = None if definition is None else definition.timer
    if timer is None:
        raise ProcessingFailure(ErrorType.EXTRACT_VALUE_ERROR, f"Timer event '{node.id}' has no timer value")
    view = variables.ScopeView(ctx, scope_key) if scope_key is not None else {}
    value = expressions.static_or_expected(ctx, timer.value, view, ("STRING", "DURATION", "PERIOD", "DATE_TIME"))
    text = str(value)
    now = _moment(ctx.now)
    try:
        if timer.kind is TimerKind.DATE:
            return _ms(_parse_date(text)), 1, None
        if timer.kind is TimerKind.DURATION:
            return _ms(bpmn_timers.parse_duration(text).add_to(now)), 1, None
        cycle = bpmn_timers.parse_cycle(text)
    except (bpmn_timers.TimerValueError, ValueError, OverflowError) as exc:
        raise ProcessingFailure(
            ErrorType.EXTRACT_VALUE_ERROR,
            f"Expected a valid {timer.kind} for timer event '{node.id}', but '{text}' is not: {exc}",
        ) from exc
    if isinstance(cycle, bpmn_timers.RepeatingInterval):
        repetitions = -1 if cycle.repetitions is None else cycle.repetitions
        first = cycle.start if cycle.start is not None and cycle.start >= now else cycle.next_after(now)
        return _ms(first), repetitions, text
    nxt = cycle.next_after(now)
    if nxt is None:
        raise ProcessingFailure(ErrorType.EXTRACT_VALUE_ERROR,
                                f"The cron expression '{text}' of timer event '{node.id}' never fires")
    return _ms(nxt), -1, text


def _next_tick(cycle_text: str, previous_due: int) -> int | None:
    cycle = bpmn_timers.parse_cycle(cycle_text)
    nxt = cycle.next_after(_moment(previous_due))
    return None if nxt is None else _ms(nxt)


def _insert(
    ctx: ProcessingContext,
    owner: ElementInstance | None,
    plan: CatchPlan,
    deployed_key: int,
    bpmn_process_id: str,
    tenant_id: str,
    due: tuple[int, int, str | None],
) -> None:
    due_at, repetitions, cycle = due
    if repetitions == 0:
        return
    key = ctx.keys.next()
    ctx.conn.execute(
        "INSERT INTO timers(key, owner_key, element_id, role, interrupting, due_at, repetitions, cycle,"
        " process_instance_key, bpmn_process_id, definition_key, tenant_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (key, None if owner is None else owner.key, plan.node.id, plan.role, int(plan.interrupting), due_at,
         repetitions, cycle, None if owner is None else owner.process_instance_key, bpmn_process_id, deployed_key,
         tenant_id),
    )
    scheduler.set_due(ctx, DUE_TIMER, key, due_at)
    ctx.record(ValueType.TIMER, "CREATED", key,
               {"elementInstanceKey": -1 if owner is None else owner.key, "targetElementId": plan.node.id,
                "dueDate": due_at, "repetitions": repetitions, "processDefinitionKey": deployed_key,
                "processInstanceKey": -1 if owner is None else owner.process_instance_key, "tenantId": tenant_id},
               process_instance_key=None if owner is None else owner.process_instance_key)


def schedule(ctx: ProcessingContext, owner: ElementInstance, plan: CatchPlan) -> None:
    """Arm the timer of a catch event, boundary event or event-subprocess start for ``owner``."""
    assert isinstance(plan.node, Event)
    due = evaluate(ctx, plan.node, owner.key)
    if plan.role not in _REPEATING_ROLES or plan.interrupting:
        due = (due[0], 1, None)  # only non-interrupting boundaries and event subprocesses repeat
    _insert(ctx, owner, plan, owner.definition_key, owner.bpmn_process_id, owner.tenant_id, due)


def schedule_start(ctx: ProcessingContext, deployed: DeployedProcess, plan: CatchPlan) -> None:
    assert isinstance(plan.node, Event)
    _insert(ctx, None, plan, deployed.key, deployed.bpmn_process_id, deployed.tenant_id,
            evaluate(ctx, plan.node, None))


def _delete(ctx: ProcessingContext, keys: list[int]) -> None:
    for key in keys:
        scheduler.clear_due(ctx, DUE_TIMER, key)
        ctx.conn.execute("DELETE FROM timers WHERE key = ?", (key,))
        ctx.record(ValueType.TIMER, "CANCELED", key, {"timerKey": key})


def cancel_owned(ctx: ProcessingContext, owner_key: int, role: str | None = None) -> None:
    if role is None:
        rows = ctx.conn.execute("SELECT key FROM timers WHERE owner_key = ?", (owner_key,)).fetchall()
    else:
        rows = ctx.conn.execute("SELECT key FROM timers WHERE owner_key = ? AND role = ?", (owner_key, role)).fetchall()
    _delete(ctx, [r[0] for r in rows])


def cancel_start_timers(ctx: ProcessingContext, bpmn_process_id: str) -> None:
    rows = ctx.conn.execute(
        "SELECT key FROM timers WHERE owner_key IS NULL AND bpmn_process_id = ?", (bpmn_process_id,)
    ).fetchall()
    _delete(ctx, [r[0] for r in rows])


def fire(ctx: ProcessingContext, key: int) -> None:
    """The due handler: trigger the catch event (or start an instance), re-arm a cycle."""
    from autoops.engine import start_events

    row = ctx.conn.execute("SELECT * FROM timers WHERE key = ?", (key,)).fetchone()
    if row is None or row["due_at"] > ctx.now:
        return
    repetitions = row["repetitions"]
    following = None
    if row["cycle"] is not None and (repetitions < 0 or repetitions > 1):
        following = _next_tick(row["cycle"], row["due_at"])
    if following is not None:
        ctx.conn.execute("UPDATE timers SET due_at = ?, repetitions = ? WHERE key = ?",
                         (following, repetitions - 1 if repetitions > 0 else -1, key))
        scheduler.set_due(ctx, DUE_TIMER, key, following)
    else:
        ctx.conn.execute("DELETE FROM timers WHERE key = ?", (key,))
    ctx.record(ValueType.TIMER, "TRIGGERED", key,
               {"elementInstanceKey": row["owner_key"] or -1, "targetElementId": row["element_id"],
                "dueDate": row["due_at"], "repetitions": repetitions, "processDefinitionKey": row["definition_key"],
                "processInstanceKey": row["process_instance_key"] or -1, "tenantId": row["tenant_id"]},
               process_instance_key=row["process_instance_key"])
    if row["owner_key"] is None:
        start_events.create_at(ctx, row["definition_key"], row["element_id"], {})
        return
    owner = ctx.instance(row["owner_key"])
    if owner is None or not trigger(ctx, owner, row["element_id"], row["role"], bool(row["interrupting"]), {}):
        _delete(ctx, [key] if following is not None else [])


scheduler.register_due_handler(DUE_TIMER, fire)
