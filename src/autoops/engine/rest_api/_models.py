"""Request bodies of the REST v2 API as pydantic models, written from the documented field names.

Unknown fields are ignored (newer clients send fields an 8.8 server does not know); wrong types
or missing required fields answer 400 with the field named. Keys are accepted as strings or
numbers and handed to the engine as ints.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from starlette.requests import Request

from autoops.engine.rest_api._problems import Problem, json_body

__all__ = [
    "MAX_BODY_BYTES",
    "ActivateJobsBody",
    "AssignBody",
    "Body",
    "CancelBody",
    "ClockPin",
    "CompleteJobBody",
    "CompleteUserTaskBody",
    "CorrelateMessageBody",
    "CreateInstanceBody",
    "ElementVariablesBody",
    "FailJobBody",
    "JobErrorBody",
    "Key",
    "PublishMessageBody",
    "SearchBody",
    "SignalBody",
    "UpdateJobBody",
    "UpdateUserTaskBody",
    "parse_body",
    "parse_key",
]

MAX_BODY_BYTES = 4 * 1024 * 1024
M = TypeVar("M", bound="Body")


def _key(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("a key must be a decimal string, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ValueError(f"a key must be a decimal string such as \"2251799813685249\", not {value!r}")


Key = Annotated[int, BeforeValidator(_key)]


def parse_key(text: str, what: str) -> int:
    """A key from the URL path; anything but a decimal number is 400."""
    try:
        key = _key(text)
    except ValueError:
        raise Problem(400, f"Expected {what} to be a decimal key such as '2251799813685249', but was '{text}'") from None
    if key < 0 or key >= 1 << 63:
        raise Problem(400, f"Expected {what} to be a positive 64-bit key, but was '{text}'")
    return key


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


async def parse_body(request: Request, model: type[M]) -> M:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise Problem(413, f"Request body of {len(raw)} bytes exceeds the limit of {MAX_BODY_BYTES} bytes")
    data = json_body(raw)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise Problem(400, f"Expected the request body to be a JSON object, but was {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise exc from None


Variables = dict[str, Any] | None


class ClockPin(Body):
    timestamp: int


class CancelBody(Body):
    operationReference: int | None = None


class StartInstruction(Body):
    elementId: str = Field(min_length=1)


class CreateInstanceBody(Body):
    processDefinitionId: str | None = None
    processDefinitionVersion: int = -1
    processDefinitionKey: Key | None = None
    variables: Variables = None
    tenantId: str | None = None
    operationReference: int | None = None
    startInstructions: list[StartInstruction] | None = None
    runtimeInstructions: list[dict[str, Any]] | None = None
    tags: list[str] | None = None
    awaitCompletion: bool = False
    fetchVariables: list[str] | None = None
    requestTimeout: int | None = None


class ElementVariablesBody(Body):
    variables: dict[str, Any]
    local: bool = False
    operationReference: int | None = None


class AssignBody(Body):
    assignee: str = Field(min_length=1)
    allowOverride: bool | None = None
    action: str | None = None


class CompleteUserTaskBody(Body):
    variables: Variables = None
    action: str | None = None


class UpdateUserTaskBody(Body):
    changeset: dict[str, Any] | None = None
    action: str | None = None


class ActivateJobsBody(Body):
    type: str
    worker: str | None = None
    timeout: int
    maxJobsToActivate: int
    fetchVariable: list[str] | None = None
    requestTimeout: int | None = None
    tenantIds: list[str] | None = None


class CompleteJobBody(Body):
    variables: Variables = None
    result: dict[str, Any] | None = None


class FailJobBody(Body):
    retries: int = 0
    errorMessage: str | None = None
    retryBackOff: int = 0
    variables: Variables = None


class JobErrorBody(Body):
    errorCode: str = Field(min_length=1)
    errorMessage: str | None = None
    variables: Variables = None


class JobChangeset(Body):
    retries: int | None = None
    timeout: int | None = None


class UpdateJobBody(Body):
    changeset: JobChangeset
    operationReference: int | None = None


class PublishMessageBody(Body):
    name: str = Field(min_length=1)
    correlationKey: str = ""
    timeToLive: int = 0
    messageId: str | None = None
    variables: Variables = None
    tenantId: str | None = None


class CorrelateMessageBody(Body):
    name: str = Field(min_length=1)
    correlationKey: str = ""
    variables: Variables = None
    tenantId: str | None = None


class SignalBody(Body):
    signalName: str = Field(min_length=1)
    variables: Variables = None
    tenantId: str | None = None


class SortEntry(Body):
    field: str
    order: Literal["ASC", "DESC", "asc", "desc"] = "ASC"


class Page(Body):
    from_: int | None = Field(default=None, alias="from")
    limit: int = 100
    after: str | None = None
    before: str | None = None


class SearchBody(Body):
    filter: dict[str, Any] | None = None
    sort: list[SortEntry] | None = None
    page: Page | None = None
