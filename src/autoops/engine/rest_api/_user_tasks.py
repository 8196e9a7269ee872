"""Camunda user task commands (the Tasklist-facing part): assign, unassign, complete, update, variables, form."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from autoops.engine.rest_api import _render
from autoops.engine.rest_api._context import RestContext
from autoops.engine.rest_api._models import (
    AssignBody,
    CompleteUserTaskBody,
    UpdateUserTaskBody,
    parse_body,
    parse_key,
)
from autoops.engine.rest_api._problems import Problem
from autoops.engine.rest_api._search import get_or_404, run_search

__all__ = ["routes"]


def routes(ctx: RestContext) -> list[Route]:
    engine = ctx.engine

    async def assign(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "user task key")
        body = await parse_body(request, AssignBody)
        await engine.assign_user_task(key, body.assignee,
                                      allow_override=True if body.allowOverride is None else body.allowOverride,
                                      action=body.action or "assign")
        return Response(status_code=204)

    async def unassign(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "user task key")
        await engine.unassign_user_task(key)
        return Response(status_code=204)

    async def complete(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "user task key")
        body = await parse_body(request, CompleteUserTaskBody)
        await engine.complete_user_task(key, body.variables, action=body.action or "complete")
        return Response(status_code=204)

    async def update(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "user task key")
        body = await parse_body(request, UpdateUserTaskBody)
        await engine.update_user_task(key, body.changeset or {}, action=body.action or "update")
        return Response(status_code=204)

    async def variables(request: Request) -> Response:
        task = get_or_404(ctx, "user_tasks", request.path_params["key"], "user task")
        scopes: list[int] = []
        scope: Any = task["elementInstanceKey"]
        while scope is not None:
            scopes.append(int(scope))
            element = ctx.engine.query.get("element_instances", int(scope))
            scope = element.get("flowScopeKey") if element is not None else None
        if task["processInstanceKey"] not in scopes:
            scopes.append(int(task["processInstanceKey"]))
        return await run_search(ctx, request, "variables", lambda item: _render.variable(item),
                                fixed={"scopeKey": {"$in": scopes}})

    async def form(request: Request) -> Response:
        task = get_or_404(ctx, "user_tasks", request.path_params["key"], "user task")
        if task.get("formKey") is None:
            return Response(status_code=204)
        form = ctx.engine.query.form(int(task["formKey"]))
        if form is None:
            raise Problem(404, f"Form with key '{task['formKey']}' linked by user task {task['userTaskKey']} not found")
        return JSONResponse(_render.keys_as_strings(form))

    return [
        Route("/v2/user-tasks/{key}/assignment", assign, methods=["POST"]),
        Route("/v2/user-tasks/{key}/assignee", unassign, methods=["DELETE"]),
        Route("/v2/user-tasks/{key}/completion", complete, methods=["POST"]),
        Route("/v2/user-tasks/{key}", update, methods=["PATCH"]),
        Route("/v2/user-tasks/{key}/variables/search", variables, methods=["POST"]),
        Route("/v2/user-tasks/{key}/form", form, methods=["GET"]),
    ]
