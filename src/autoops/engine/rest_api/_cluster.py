"""Cluster endpoints (topology, status) and the engine clock (``PUT /v2/clock``, reset)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from autoops.engine.grpc_gateway import GATEWAY_VERSION
from autoops.engine.rest_api._context import RestContext
from autoops.engine.rest_api._models import ClockPin, parse_body
from autoops.engine.rest_api._problems import Problem

__all__ = ["routes"]


def routes(ctx: RestContext) -> list[Route]:
    async def topology(request: Request) -> Response:
        partition = {"partitionId": 1, "role": "leader", "health": "healthy", "state": "active"}
        broker: dict[str, Any] = {"nodeId": 0, "brokerId": 0, "host": ctx.host, "port": ctx.grpc_port,
                                  "partitions": [partition], "version": GATEWAY_VERSION}
        return JSONResponse({"brokers": [broker], "clusterId": "autoops-embedded", "clusterSize": 1,
                             "partitionsCount": 1, "replicationFactor": 1, "gatewayVersion": GATEWAY_VERSION,
                             "lastCompletedChangeId": "-1"})

    async def status(request: Request) -> Response:
        return Response(status_code=204)

    async def pin_clock(request: Request) -> Response:
        body = await parse_body(request, ClockPin)
        if body.timestamp < 0:
            raise Problem(400, f"Expected the clock timestamp to be epoch milliseconds >= 0, but was {body.timestamp}")
        ctx.clock.pin(body.timestamp)
        await ctx.engine.fire_due_now()
        return Response(status_code=204)

    async def reset_clock(request: Request) -> Response:
        ctx.clock.reset()
        await ctx.engine.fire_due_now()
        return Response(status_code=204)

    return [
        Route("/v2/topology", topology, methods=["GET"]),
        Route("/v2/status", status, methods=["GET"]),
        Route("/v2/clock", pin_clock, methods=["PUT"]),
        Route("/v2/clock/reset", reset_clock, methods=["POST"]),
    ]
