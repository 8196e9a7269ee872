"""Deployments (multipart upload), resource deletion, and process-definition XML and start form."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from autoops.engine.rest_api._context import RestContext
from autoops.engine.rest_api._models import MAX_BODY_BYTES, parse_key
from autoops.engine.rest_api._problems import Problem
from autoops.engine.rest_api._render import keys_as_strings
from autoops.engine.rest_api._search import get_or_404

__all__ = ["routes"]


def routes(ctx: RestContext) -> list[Route]:
    engine = ctx.engine

    async def deploy(request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            raise Problem(415, f"Expected a multipart/form-data body with 'resources' parts, but got '{content_type}'")
        length = int(request.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            raise Problem(413, f"Deployment of {length} bytes exceeds the limit of {MAX_BODY_BYTES} bytes")
        try:
            form = await request.form(max_files=1000, max_fields=100, max_part_size=MAX_BODY_BYTES)
        except Exception as exc:  # malformed multipart: python-multipart raises several types
            raise Problem(400, f"Could not read the multipart body: {exc}") from None
        try:
            resources: list[tuple[str, bytes]] = []
            for part in form.getlist("resources"):
                if not isinstance(part, UploadFile):
                    raise Problem(400, "Expected each 'resources' part to be a file with a filename")
                resources.append((part.filename or "resource.bpmn", await part.read()))
            tenant = form.get("tenantId")
        finally:
            await form.close()
        if not resources:
            raise Problem(400, "Expected to deploy at least one resource, but none given "
                               "(send files in multipart parts named 'resources')")
        result = await engine.deploy(resources, tenant_id=tenant if isinstance(tenant, str) else None)
        deployments: list[dict[str, Any]] = [
            {"processDefinition": keys_as_strings({
                "processDefinitionId": p.bpmn_process_id, "processDefinitionVersion": p.version,
                "resourceName": p.resource_name, "tenantId": p.tenant_id,
                "processDefinitionKey": p.process_definition_key})}
            for p in result.processes
        ]
        deployments.extend(
            {"form": keys_as_strings({"formId": f.form_id, "version": f.version, "resourceName": f.resource_name,
                                      "tenantId": f.tenant_id, "formKey": f.form_key})}
            for f in result.forms
        )
        return JSONResponse({"deploymentKey": str(result.key), "tenantId": result.tenant_id,
                             "deployments": deployments})

    async def delete(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "resource key")
        await engine.delete_resource(key)
        return JSONResponse({})

    async def xml(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "process definition key")
        content = engine.query.definition_xml(key)
        if content is None:
            raise Problem(404, f"Process definition with key '{key}' not found")
        return Response(content, media_type="text/xml")

    async def start_form(request: Request) -> Response:
        item = get_or_404(ctx, "process_definitions", request.path_params["key"], "process definition")
        form = engine.query.start_form(int(item["processDefinitionKey"]))
        if form is None:
            return Response(status_code=204)
        return JSONResponse(keys_as_strings(form))

    return [
        Route("/v2/deployments", deploy, methods=["POST"]),
        Route("/v2/resources/{key}/deletion", delete, methods=["POST"]),
        Route("/v2/process-definitions/{key}/xml", xml, methods=["GET"]),
        Route("/v2/process-definitions/{key}/form", start_form, methods=["GET"]),
    ]
