"""Read endpoints: ``POST /v2/<entity>/search`` ({filter, sort, page} -> {items, page}) and gets by key.

Filters, sort fields and cursors are the engine's query layer; this module only translates names
that differ between REST and the engine's state (job states) and renders results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from autoops.engine.rest_api import _render
from autoops.engine.rest_api._context import RestContext
from autoops.engine.rest_api._models import SearchBody, parse_body, parse_key
from autoops.engine.rest_api._problems import Problem

__all__ = ["get_or_404", "routes", "run_search"]

Render = Callable[[Mapping[str, Any]], dict[str, Any]]
_JOB_STATE_FILTER = {"CREATED": ["ACTIVATABLE", "ACTIVATED"], "FAILED": ["FAILED"], "ERROR_THROWN": ["ERROR_THROWN"],
                     "COMPLETED": ["COMPLETED"], "CANCELED": ["CANCELED"]}


def _job_filter(filters: dict[str, Any]) -> dict[str, Any]:
    """REST job states are events (CREATED, FAILED, ...); the engine stores ACTIVATABLE/ACTIVATED."""
    spec = filters.get("state")
    if spec is None:
        return filters
    out = dict(filters)

    def states(value: Any) -> list[str]:
        return _JOB_STATE_FILTER.get(str(value), [str(value)])

    if isinstance(spec, Mapping):
        if "$eq" in spec:
            out["state"] = {"$in": states(spec["$eq"])}
        elif "$in" in spec and isinstance(spec["$in"], list):
            out["state"] = {"$in": [s for v in spec["$in"] for s in states(v)]}
        elif "$neq" in spec:
            out["state"] = {"$notIn": states(spec["$neq"])}
    else:
        out["state"] = {"$in": states(spec)}
    return out


async def run_search(ctx: RestContext, request: Request, entity: str, render: Render, *,
                     fixed: Mapping[str, Any] | None = None,
                     adapt: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> Response:
    body = await parse_body(request, SearchBody)
    filters: dict[str, Any] = dict(body.filter or {})
    if adapt is not None:
        filters = adapt(filters)
    if fixed:
        filters.update(fixed)
    sort = [(s.field, s.order.upper()) for s in body.sort or []]
    page = body.page
    offset, limit, after, before = 0, 100, None, None
    if page is not None:
        if page.from_ is not None and (page.after is not None or page.before is not None):
            raise Problem(400, "Page takes either 'from' (offset) or 'after'/'before' (cursor), not both")
        offset = page.from_ or 0
        limit = page.limit
        try:
            after = _render.decode_cursor(page.after) if page.after is not None else None
            before = _render.decode_cursor(page.before) if page.before is not None else None
        except ValueError as exc:
            raise Problem(400, str(exc)) from None
    if limit < 0 or limit > 10_000:
        raise Problem(400, f"Expected page limit between 0 and 10000, but was {limit}")
    result = ctx.engine.query.search(entity, filters, sort, offset=offset, limit=limit, after=after, before=before)
    return JSONResponse(_render.page(result, (render(item) for item in result.items)))


def get_or_404(ctx: RestContext, entity: str, key_text: str, what: str) -> dict[str, Any]:
    key = parse_key(key_text, f"{what} key")
    item = ctx.engine.query.get(entity, key)
    if item is None:
        raise Problem(404, f"{what[0].upper()}{what[1:]} with key '{key}' not found")
    return item


_ENTITIES: list[tuple[str, str, str, Render]] = [
    ("process-instances", "process_instances", "process instance", _render.process_instance),
    ("element-instances", "element_instances", "element instance", _render.element_instance),
    ("variables", "variables", "variable", lambda item: _render.variable(item, full=False)),
    ("incidents", "incidents", "incident", _render.incident),
    ("jobs", "jobs", "job", _render.job),
    ("user-tasks", "user_tasks", "user task", _render.user_task),
    ("process-definitions", "process_definitions", "process definition", _render.definition),
]


def routes(ctx: RestContext) -> list[Route]:
    out: list[Route] = []
    for path, entity, what, render in _ENTITIES:
        out.append(Route(f"/v2/{path}/search", _search_handler(ctx, entity, render), methods=["POST"]))
        get_render: Render = (lambda item: _render.variable(item, full=True)) if entity == "variables" else render
        out.append(Route(f"/v2/{path}/{{key}}", _get_handler(ctx, entity, what, get_render), methods=["GET"]))

    async def instance_incidents(request: Request) -> Response:
        key = parse_key(request.path_params["key"], "process instance key")
        return await run_search(ctx, request, "incidents", _render.incident, fixed={"processInstanceKey": key})

    out.append(Route("/v2/process-instances/{key}/incidents/search", instance_incidents, methods=["POST"]))
    return out


def _search_handler(ctx: RestContext, entity: str, render: Render) -> Callable[[Request], Any]:
    adapt = _job_filter if entity == "jobs" else None

    async def handler(request: Request) -> Response:
        return await run_search(ctx, request, entity, render, adapt=adapt)

    return handler


def _get_handler(ctx: RestContext, entity: str, what: str, render: Render) -> Callable[[Request], Any]:
    async def handler(request: Request) -> Response:
        return JSONResponse(render(get_or_404(ctx, entity, request.path_params["key"], what)))

    return handler
