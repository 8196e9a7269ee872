"""Job endpoints: activation (with long polling, as gRPC ActivateJobs), completion, failure, error, update."""

from __future__ import annotations

import asyncio
import contextlib

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from autoops.engine.grpc_gateway import DEFAULT_LONG_POLL_MS, wait_ms_for
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
        poll = asyncio.ensure_future(engine.activate_jobs_or_wait(
            body.type, body.worker or "default", body.timeout, body.maxJobsToActivate,
            wait_ms_for(body.requestTimeout, DEFAULT_LONG_POLL_MS),
            fetch_variables=body.fetchVariable or None, tenant_ids=body.tenantIds))
        gone = asyncio.ensure_future(_disconnected(request))
        try:
            await asyncio.wait((poll, gone), return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
        if not poll.done():
            # The client hung up while waiting: leave the pending set now, as gRPC cancellation does.
            poll.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poll
            return Response(status_code=499)
        jobs = poll.result()
        if gone.done() and not gone.cancelled() and jobs:
            await engine.yield_jobs([j.key for j in jobs])  # nobody to hand them to
        roots = {pi: engine.query.root_process_instance_key(pi) for pi in {j.process_instance_key for j in jobs}}
        return JSONResponse({"jobs": [activated_job(j, roots[j.process_instance_key]) for j in jobs]})

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


async def _disconnected(request: Request) -> None:
    """Return when the client disconnects. The body is already read, so the server's next message
    on this request can only be ``http.disconnect``: one pending receive, no polling."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
