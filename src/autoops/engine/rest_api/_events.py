"""Messages (publication, correlation) and signals (broadcast)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from autoops.engine.rest_api._context import RestContext
from autoops.engine.rest_api._models import CorrelateMessageBody, PublishMessageBody, SignalBody, parse_body

__all__ = ["routes"]


def routes(ctx: RestContext) -> list[Route]:
    engine = ctx.engine

    async def publish(request: Request) -> Response:
        body = await parse_body(request, PublishMessageBody)
        published = await engine.publish_message(
            body.name, body.correlationKey, time_to_live_ms=body.timeToLive, message_id=body.messageId,
            variables=body.variables, tenant_id=body.tenantId)
        return JSONResponse({"tenantId": published.tenant_id, "messageKey": str(published.key)})

    async def correlate(request: Request) -> Response:
        body = await parse_body(request, CorrelateMessageBody)
        correlated = await engine.correlate_message(body.name, body.correlationKey, variables=body.variables,
                                                    tenant_id=body.tenantId)
        return JSONResponse({"tenantId": correlated.tenant_id, "messageKey": str(correlated.message_key),
                             "processInstanceKey": str(correlated.process_instance_key)})

    async def broadcast(request: Request) -> Response:
        body = await parse_body(request, SignalBody)
        signal = await engine.broadcast_signal(body.signalName, variables=body.variables, tenant_id=body.tenantId)
        return JSONResponse({"tenantId": signal.tenant_id, "signalKey": str(signal.key)})

    return [
        Route("/v2/messages/publication", publish, methods=["POST"]),
        Route("/v2/messages/correlation", correlate, methods=["POST"]),
        Route("/v2/signals/broadcast", broadcast, methods=["POST"]),
    ]
