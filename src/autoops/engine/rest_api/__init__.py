"""The Camunda 8.8 REST API (``/v2``) subset served for the embedded engine, as a Starlette app."""

from autoops.engine.rest_api._app import create_app
from autoops.engine.rest_api._context import RestContext
from autoops.engine.rest_api._problems import PROBLEM_JSON, Problem

__all__ = ["PROBLEM_JSON", "Problem", "RestContext", "create_app"]
