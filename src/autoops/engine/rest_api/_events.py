"""Messages (publication, correlation) and signals (broadcast): mapped to engine commands when the
engine provides them, otherwise 501 naming the missing command (never a pretended success)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from autoops.engine.rest_api._context import RestContext
from autoops.engine.rest_api._models import CorrelateMessageBody, PublishMessageBody, SignalBody, parse_body
from autoops.engine.rest_api._problems import Problem

__all__ = ["routes"]

_DEFAULT_TENANT = "<default>"


def _command(ctx: RestContext, name: str, what: str) -> Any:
    method = getattr(ctx.engine, name, None)
    if method is None:
        raise Problem(501, f"{what} is not supported by the embedded autoops engine yet "
                           f"(the engine has no '{name}' command)", "NOT_IMPLEMENTED")
    return method


def _attr(result: Any, *names: str) -> Any:
    if isinstance(result, int):
        return result
    for name in names:
        value = getattr(result, name, None)
        if value is None and isinstance(result, dict):
            value = result.get(name)
        if value is not None:
            return value
    return None


def _str(value: Any) -> Any:
    return str(value) if isinstance(value, int) else value


def routes(ctx: RestContext) -> list[Route]:
    async def publish(request: Request) -> Response:
        body = await parse_body(request, PublishMessageBody)
        method = _command(ctx, "publish_message", "Message publication")
        result = await method(body.name, body.correlationKey, time_to_live_ms=body.timeToLive,
                              message_id=body.messageId, variables=body.variables, tenant_id=body.tenantId)
        return JSONResponse({"tenantId": _DEFAULT_TENANT, "messageKey": _str(_attr(result, "key", "message_key"))})

    async def correlate(request: Request) -> Response:
        body = await parse_body(request, CorrelateMessageBody)
        method = _command(ctx, "correlate_message", "Message correlation")
        result = await method(body.name, body.correlationKey, variables=body.variables, tenant_id=body.tenantId)
        return JSONResponse({"tenantId": _DEFAULT_TENANT, "messageKey": _str(_attr(result, "key", "message_key")),
                             "processInstanceKey": _str(_attr(result, "process_instance_key"))})

    async def broadcast(request: Request) -> Response:
        body = await parse_body(request, SignalBody)
        method = _command(ctx, "broadcast_signal", "Signal broadcast")
        result = await method(body.signalName, variables=body.variables, tenant_id=body.tenantId)
        return JSONResponse({"tenantId": _DEFAULT_TENANT, "signalKey": _str(_attr(result, "key", "signal_key"))})

    return [
        Route("/v2/messages/publication", publish, methods=["POST"]),
        Route("/v2/messages/correlation", correlate, methods=["POST"]),
        Route("/v2/signals/broadcast", broadcast, methods=["POST"]),
    ]
