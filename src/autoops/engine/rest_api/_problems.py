"""RFC 7807 problem details: every error the REST API answers is ``application/problem+json``.

Engine rejections keep Zeebe's text in ``detail`` and the rejection type in ``title``; request
validation errors say which field was wrong. Nothing escapes as a bare 500 page.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from autoops.engine import EngineClosedError, QueryError, Rejection, ResultTimeoutError
from autoops.engine.grpc_gateway import INVALID_JSON, InvalidJsonError
from autoops.logging import get_logger

__all__ = ["PROBLEM_JSON", "Problem", "handle_error", "problem_response"]

PROBLEM_JSON = "application/problem+json"
_log = get_logger(__name__)
_TITLES = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 409: "INVALID_STATE",
           413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 500: "INTERNAL", 501: "NOT_IMPLEMENTED",
           503: "SERVICE_UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


class Problem(Exception):
    """Raise from a handler to answer a problem detail."""

    def __init__(self, status: int, detail: str, title: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "ERROR")


def problem_response(status: int, title: str, detail: str, instance: str) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": instance}
    return Response(json.dumps(body), status_code=status, media_type=PROBLEM_JSON)


def _validation_detail(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ())) or "body"
        parts.append(f"'{where}': {err.get('msg', 'invalid')}")
    return "Request body is invalid: " + "; ".join(parts)


async def handle_error(request: Request, exc: Exception) -> Response:
    """Map any exception raised by a route to a problem detail (registered for ``Exception``)."""
    path = request.url.path
    if isinstance(exc, Problem):
        return problem_response(exc.status, exc.title, exc.detail, path)
    if isinstance(exc, Rejection):
        return problem_response(exc.http_status, str(exc.rejection_type), str(exc), path)
    if isinstance(exc, InvalidJsonError):
        return problem_response(400, "INVALID_ARGUMENT", INVALID_JSON, path)
    if isinstance(exc, ValidationError):
        return problem_response(400, "INVALID_ARGUMENT", _validation_detail(exc), path)
    if isinstance(exc, QueryError):
        return problem_response(400, "INVALID_ARGUMENT", str(exc), path)
    if isinstance(exc, ResultTimeoutError):
        return problem_response(504, "DEADLINE_EXCEEDED", str(exc), path)
    if isinstance(exc, EngineClosedError):
        return problem_response(503, "SERVICE_UNAVAILABLE", str(exc), path)
    if isinstance(exc, HTTPException):
        detail = exc.detail if exc.status_code != 404 else f"No REST API endpoint at '{request.method} {path}'"
        return problem_response(exc.status_code, _TITLES.get(exc.status_code, "ERROR"), str(detail), path)
    _log.exception("REST request failed unexpectedly", path=path, method=request.method)
    return problem_response(500, "INTERNAL", f"Unexpected error while handling the request: {exc}", path)


def json_body(raw: bytes) -> Any:
    """Parse a request body as JSON; an empty body is ``{}``."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise Problem(400, INVALID_JSON) from None
