"""Assembles the Starlette application from the route modules beside this one."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute

from autoops.engine.rest_api import _cluster, _events, _instances, _jobs, _resources, _search, _user_tasks
from autoops.engine.rest_api._context import RestContext
from autoops.engine.rest_api._problems import handle_error

__all__ = ["create_app"]


def create_app(ctx: RestContext) -> Starlette:
    """The REST v2 API for one engine; every error is answered as problem+json."""
    routes: list[BaseRoute] = []
    for module in (_cluster, _resources, _instances, _jobs, _user_tasks, _search, _events):
        routes.extend(module.routes(ctx))
    return Starlette(routes=routes, exception_handlers={HTTPException: handle_error, Exception: handle_error})
