"""Job endpoints: activation (with long polling, as gRPC ActivateJobs), completion, failure, error, update."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from autoops.engine.grpc_gateway import DEFAULT_LONG_POLL_MS, long_poll_activate, wait_ms_for
from autoops.engine.rest_api._context import RestContext
from autoops.engine.rest_api._models import (
    ActivateJobsBody,
    CompleteJobBody,
    FailJobBody,
    JobErrorBody,
    UpdateJobBody,
    parse_body,
    parse_key,
)
from autoops.engine.rest_api._problems import Problem
from autoops.engine.rest_api._render import activated_job

__all__ = ["routes"]


def routes(ctx: RestContext) -> list[Route]:
    engine = ctx.engine

    async def activate(request: Request) -> Response:
        body = await parse_body(request, ActivateJobsBody)
        jobs = await long_poll_activate(
            engine, body.type, body.worker or "default", body.timeout, body.maxJobsToActivate,
            wait_ms_for(body.requestTimeout, DEFAULT_LONG_POLL_MS),
            fetch_variables=body.fetchVariable or None, tenant_ids=body.tenantIds)
        return JSONResponse({"jobs": [activated_job(j) for j in jobs]})

    async def complete(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "job key")
        body = await parse_body(request, CompleteJobBody)
        if body.result:
            raise Problem(501, "Job results (task-listener corrections, ad-hoc sub-process instructions) are not "
                               "supported by the embedded autoops engine", "NOT_IMPLEMENTED")
        await engine.complete_job(key, body.variables)
        return Response(status_code=204)

    async def fail(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "job key")
        body = await parse_body(request, FailJobBody)
        await engine.fail_job(key, body.retries, body.errorMessage or "", backoff_ms=body.retryBackOff,
                              variables=body.variables)
        return Response(status_code=204)

    async def error(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "job key")
        body = await parse_body(request, JobErrorBody)
        await engine.throw_error(key, body.errorCode, body.errorMessage or "", variables=body.variables)
        return Response(status_code=204)

    async def update(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "job key")
        body = await parse_body(request, UpdateJobBody)
        changes = body.changeset
        if changes.retries is None and changes.timeout is None:
            raise Problem(400, "Expected the changeset to contain 'retries' or 'timeout', but it was empty")
        if changes.retries is not None:
            await engine.update_job_retries(key, changes.retries)
        if changes.timeout is not None:
            await engine.update_job_timeout(key, changes.timeout)
        return Response(status_code=204)

    return [
        Route("/v2/jobs/activation", activate, methods=["POST"]),
        Route("/v2/jobs/{key}/completion", complete, methods=["POST"]),
        Route("/v2/jobs/{key}/failure", fail, methods=["POST"]),
        Route("/v2/jobs/{key}/error", error, methods=["POST"]),
        Route("/v2/jobs/{key}", update, methods=["PATCH"]),
    ]
