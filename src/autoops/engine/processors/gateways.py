"""Exclusive, parallel and inclusive gateways, and the join bookkeeping for the latter two.

Joins count tokens per (flow scope, gateway, incoming flow) in ``taken_flows``. A parallel join
fires when every incoming flow holds a token; it consumes one token per flow, so a second token on
the same flow waits for the next round. An inclusive join also fires when no live element and no
token in flight of the scope can still reach one of its untaken incoming flows.
"""

from __future__ import annotations

from collections.abc import Sequence

from autoops.bpmn.model import FlowNode, Gateway, Process, SequenceFlow
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.processors.base import ElementProcessor

__all__ = [
    "ExclusiveGatewayProcessor",
    "InclusiveGatewayProcessor",
    "ParallelGatewayProcessor",
    "arrive_at_join",
    "drop_join_tokens",
    "recheck_inclusive_joins",
]

NO_FLOW_MESSAGE = "Expected at least one condition to evaluate to true, or to have a default flow"


def _condition(ctx: ProcessingContext, inst: ElementInstance, flow: SequenceFlow) -> bool:
    from autoops.engine import expressions, variables

    assert flow.condition is not None
    assert inst.flow_scope_key is not None
    view = variables.ScopeView(ctx, inst.flow_scope_key)
    return bool(expressions.evaluate_expected(ctx, flow.condition, view, "BOOLEAN"))


class ExclusiveGatewayProcessor(ElementProcessor):
    """Takes the first outgoing flow whose condition is true (document order), else the default."""

    bpmn_element_type = "EXCLUSIVE_GATEWAY"

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        assert isinstance(node, Gateway)
        model = ctx.model(inst.definition_key).process
        chosen: str | None = None
        flows = [model.flow(f) for f in node.outgoing]
        if len(flows) == 1 and flows[0].condition is None:
            chosen = flows[0].id
        else:
            for flow in flows:
                if flow.id == node.default_flow or flow.condition is None:
                    continue
                if _condition(ctx, inst, flow):
                    chosen = flow.id
                    break
            if chosen is None:
                chosen = node.default_flow
        if chosen is None and flows:
            raise ProcessingFailure(ErrorType.CONDITION_ERROR, NO_FLOW_MESSAGE)
        ctx.set_data(inst, {"flows": [] if chosen is None else [chosen]})
        lifecycle.to_activated(ctx, inst)
        lifecycle.complete(ctx, inst)

    def outgoing(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode) -> Sequence[SequenceFlow]:
        model = ctx.model(inst.definition_key).process
        return [model.flow(f) for f in (inst.data or {}).get("flows", [])]


class InclusiveGatewayProcessor(ExclusiveGatewayProcessor):
    """Takes every outgoing flow whose condition is true, else the default flow."""

    bpmn_element_type = "INCLUSIVE_GATEWAY"

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        assert isinstance(node, Gateway)
        model = ctx.model(inst.definition_key).process
        flows = [model.flow(f) for f in node.outgoing]
        chosen: list[str] = []
        if len(flows) == 1 and flows[0].condition is None:
            chosen = [flows[0].id]
        else:
            for flow in flows:
                if flow.id == node.default_flow:
                    continue
                if flow.condition is None or _condition(ctx, inst, flow):
                    chosen.append(flow.id)
            if not chosen and node.default_flow is not None:
                chosen = [node.default_flow]
        if not chosen and flows:
            raise ProcessingFailure(ErrorType.CONDITION_ERROR, NO_FLOW_MESSAGE)
        ctx.set_data(inst, {"flows": chosen})
        lifecycle.to_activated(ctx, inst)
        lifecycle.complete(ctx, inst)


class ParallelGatewayProcessor(ElementProcessor):
    """Forks to every outgoing flow; the join is decided before activation (see arrive_at_join)."""

    bpmn_element_type = "PARALLEL_GATEWAY"

    def activation_may_fail(self, node: FlowNode | None) -> bool:
        return False

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle

        lifecycle.to_activated(ctx, inst)
        lifecycle.complete(ctx, inst)


# ---------------------------------------------------------------------------- joins


def _counts(ctx: ProcessingContext, scope_key: int, gateway_id: str) -> dict[str, int]:
    return {
        row[0]: row[1]
        for row in ctx.conn.execute(
            "SELECT flow_id, count FROM taken_flows WHERE flow_scope_key = ? AND gateway_id = ?", (scope_key, gateway_id)
        )
    }


def _consume(ctx: ProcessingContext, scope: ElementInstance, gateway: Gateway, counts: dict[str, int]) -> None:
    """Fire the join: one token per taken incoming flow merges into the gateway's activation."""
    taken = [f for f in gateway.incoming if counts.get(f, 0) > 0]
    for flow_id in taken:
        if counts[flow_id] > 1:
            ctx.conn.execute(
                "UPDATE taken_flows SET count = count - 1 WHERE flow_scope_key = ? AND gateway_id = ? AND flow_id = ?",
                (scope.key, gateway.id, flow_id),
            )
        else:
            ctx.conn.execute(
                "DELETE FROM taken_flows WHERE flow_scope_key = ? AND gateway_id = ? AND flow_id = ?",
                (scope.key, gateway.id, flow_id),
            )
    # n waiting tokens become one activation
    if len(taken) > 1:
        ctx.add_children(scope, -(len(taken) - 1))


def arrive_at_join(ctx: ProcessingContext, scope: ElementInstance, gateway: Gateway, flow_id: str) -> bool:
    """Count a token arriving at a join; True when the gateway should activate now."""
    ctx.conn.execute(
        "INSERT INTO taken_flows(flow_scope_key, gateway_id, flow_id, count) VALUES (?, ?, ?, 1)"
        " ON CONFLICT(flow_scope_key, gateway_id, flow_id) DO UPDATE SET count = count + 1",
        (scope.key, gateway.id, flow_id),
    )
    counts = _counts(ctx, scope.key, gateway.id)
    if all(counts.get(f, 0) > 0 for f in gateway.incoming) or (
        gateway.kind == "inclusiveGateway" and not _inclusive_must_wait(ctx, scope, gateway, counts)
    ):
        _consume(ctx, scope, gateway, counts)
        return True
    return False


def _inclusive_must_wait(ctx: ProcessingContext, scope: ElementInstance, gateway: Gateway, counts: dict[str, int]) -> bool:
    model = ctx.model(scope.definition_key).process
    untaken = frozenset(f for f in gateway.incoming if counts.get(f, 0) == 0)
    if not untaken:
        return False
    memo = ctx.models.reaching  # per engine: definition keys repeat across engines
    cache_key = (scope.definition_key, gateway.id, untaken)
    reaching = memo.get(cache_key)
    if reaching is None:
        reaching = memo[cache_key] = _reaching(model, gateway.id, untaken)
    live = {c.element_id for c in ctx.live_children(scope.key)}
    pending = {
        s.args["element_id"] for s in ctx.steps if s.kind == "activate" and s.key == scope.key
    }
    if gateway.id in pending:
        return True  # a token is on its way to this join; its arrival decides
    return bool((live | pending) & reaching)


def _reaching(model: Process, gateway_id: str, untaken: frozenset[str]) -> frozenset[str]:
    """Nodes from which one of the untaken incoming flows can still be reached (not via the gateway)."""
    seen: set[str] = set()
    stack = [model.flow(f).source for f in untaken]
    while stack:
        node_id = stack.pop()
        if node_id in seen or node_id == gateway_id:
            continue
        seen.add(node_id)
        stack.extend(model.flow(f).source for f in model.node(node_id).incoming)
    return frozenset(seen)


def recheck_inclusive_joins(ctx: ProcessingContext, scope: ElementInstance) -> None:
    """After a token left the scope, an inclusive join waiting there may have become satisfiable."""
    waiting = ctx.conn.execute(
        "SELECT DISTINCT gateway_id FROM taken_flows WHERE flow_scope_key = ?", (scope.key,)
    ).fetchall()
    if not waiting:
        return
    from autoops.engine import lifecycle

    model = ctx.model(scope.definition_key).process
    for (gateway_id,) in waiting:
        gateway = model.node(gateway_id)
        if not isinstance(gateway, Gateway) or gateway.kind != "inclusiveGateway":
            continue
        counts = _counts(ctx, scope.key, gateway_id)
        if counts and not _inclusive_must_wait(ctx, scope, gateway, counts):
            _consume(ctx, scope, gateway, counts)
            lifecycle.create_and_activate(ctx, scope, gateway)


def drop_join_tokens(ctx: ProcessingContext, scope: ElementInstance) -> int:
    """Forget the tokens waiting at joins of a scope that is being left; returns how many."""
    row = ctx.conn.execute("SELECT COALESCE(SUM(count), 0) FROM taken_flows WHERE flow_scope_key = ?", (scope.key,)).fetchone()
    if row[0]:
        ctx.conn.execute("DELETE FROM taken_flows WHERE flow_scope_key = ?", (scope.key,))
    return int(row[0])
