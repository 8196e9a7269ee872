"""Process-instance commands (create, cancel), element-instance variables, incident resolution."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from autoops.engine.rest_api._context import RestContext
from autoops.engine.rest_api._models import (
    CancelBody,
    CreateInstanceBody,
    ElementVariablesBody,
    parse_body,
    parse_key,
)
from autoops.engine.rest_api._problems import Problem
from autoops.engine.rest_api._render import keys_as_strings

__all__ = ["routes"]


def routes(ctx: RestContext) -> list[Route]:
    engine = ctx.engine

    async def create(request: Request) -> Response:
        body = await parse_body(request, CreateInstanceBody)
        if body.runtimeInstructions:
            raise Problem(501, "runtimeInstructions are not supported by the embedded autoops engine yet; "
                               "create the instance without them", "NOT_IMPLEMENTED")
        if not body.processDefinitionId and body.processDefinitionKey is None:
            raise Problem(400, "Expected at least a processDefinitionId or a processDefinitionKey, but none given")
        created = await engine.create_instance(
            bpmn_process_id=body.processDefinitionId or None,
            version=body.processDefinitionVersion,
            process_definition_key=body.processDefinitionKey,
            variables=body.variables,
            tenant_id=body.tenantId,
            await_result=body.awaitCompletion,
            fetch_variables=body.fetchVariables,
            request_timeout_ms=body.requestTimeout,
            start_instructions=[i.elementId for i in body.startInstructions or ()],
        )
        return JSONResponse(keys_as_strings({
            "processDefinitionId": created.bpmn_process_id, "processDefinitionVersion": created.version,
            "tenantId": created.tenant_id, "variables": created.variables or {},
            "processDefinitionKey": created.process_definition_key,
            "processInstanceKey": created.process_instance_key, "tags": body.tags or [], "businessId": None,
        }))

    async def cancel(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "process instance key")
        await parse_body(request, CancelBody)
        await engine.cancel_instance(key)
        return Response(status_code=204)

    async def element_variables(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "element instance key")
        body = await parse_body(request, ElementVariablesBody)
        await engine.set_variables(key, body.variables, local=body.local)
        return Response(status_code=204)

    async def resolve(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "incident key")
        await engine.resolve_incident(key)
        return Response(status_code=204)

    return [
        Route("/v2/process-instances", create, methods=["POST"]),
        Route("/v2/process-instances/{key}/cancellation", cancel, methods=["POST"]),
        Route("/v2/element-instances/{key}/variables", element_variables, methods=["PUT"]),
        Route("/v2/incidents/{key}/resolution", resolve, methods=["POST"]),
    ]
