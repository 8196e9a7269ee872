"""From a handler's signature to the variables it fetches, and from job variables to its arguments.

pyzeebe passes raw variables by parameter name and leaves checking to the handler. Here the signature
is read once, at decoration time, into a :class:`Binding`:

* a parameter annotated with a pydantic model stands for the variables document: the model's fields
  (by alias) are the variables fetched, and the document is validated into the model;
* any other annotated parameter is one variable of the parameter's name (or the name given with
  ``Annotated[T, Variable("orderId")]``), validated as ``T``; a default makes it optional;
* ``Annotated[SomeModel, Variable()]`` is one object-valued variable validated as the model;
* a :class:`~autoops.worker.JobContext` parameter receives the job context, a pyzeebe ``Job``
  parameter the raw job, and ``**variables`` every variable of the job.

Validation collects every problem of every parameter, so one incident lists all that is wrong.
Messages are built from pydantic's error types and locations, never from the offending values, and
values that are secret (``SecretStr`` fields, variables named like ``password`` or ``token``) are
scrubbed from any message the worker sends to the engine.
"""

from __future__ import annotations

import functools
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AliasChoices, AliasPath, BaseModel, SecretBytes, SecretStr, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError, to_jsonable_python

from autoops.worker._context import JobContext
from autoops.worker._errors import HandlerSignatureError

__all__ = [
    "ATTEMPT_VARIABLE",
    "Binding",
    "InputInvalid",
    "ResultInvalid",
    "Variable",
    "scrub",
    "to_variables",
]

# Set on the task scope with every FailJob (task-local in Zeebe, gone when the task completes) so that
# the attempt number, and with it the backoff, survives redelivery to another worker replica.
ATTEMPT_VARIABLE = "_autoops_attempt"

_SECRET_NAME = re.compile(r"pass(word|wd|phrase)?|secret|token|api[_-]?key|credential|private[_-]?key", re.I)
_MASK = "**********"
_MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Variable:
    """``Annotated`` marker: this parameter is one process variable (optionally under another name).

    ``order_id: Annotated[str, Variable("orderId")]`` reads the camelCase variable ``orderId`` into a
    snake_case parameter; ``order: Annotated[Order, Variable()]`` validates the object variable
    ``order`` as the model ``Order`` instead of treating the model as the whole variables document.
    """

    name: str | None = None


class _Kind(Enum):
    CONTEXT = "context"
    JOB = "job"
    DOCUMENT = "document"
    VARIABLE = "variable"
    ALL = "all"


_REQUIRED: Any = inspect.Parameter.empty


@dataclass(frozen=True)
class _Param:
    name: str
    kind: _Kind
    variable: str | None = None
    adapter: TypeAdapter[Any] | None = None
    model: type[BaseModel] | None = None
    default: Any = _REQUIRED
    only: frozenset[str] | None = None  # a model with extra="forbid" sees just its own variables


class InputInvalid(Exception):
    """The job's variables do not fit the handler's parameters; ``problems`` name each field."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)

    def describe(self, ctx: JobContext) -> str:
        """The incident text: where, what is wrong field by field, and how to get the job going again."""
        shown = self.problems[:_MAX_PROBLEMS]
        more = len(self.problems) - len(shown)
        listing = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        return (
            f"Invalid variables for job type '{ctx.type}' at element '{ctx.element_id}' of process "
            f"'{ctx.bpmn_process_id}': {listing}. Correct the variables, then increase the job's "
            "retries and resolve the incident."
        )


class ResultInvalid(Exception):
    """The handler returned something that cannot become job variables (a programming error)."""


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _split_annotated(annotation: Any) -> tuple[Any, Variable | None]:
    """The annotation without our marker (pydantic metadata such as ``Field(gt=0)`` kept), and the marker."""
    if get_origin(annotation) is not Annotated:
        return annotation, None
    base, *metadata = get_args(annotation)
    markers = [m for m in metadata if isinstance(m, Variable)]
    rest = [m for m in metadata if not isinstance(m, Variable)]
    stripped = Annotated[(base, *rest)] if rest else base
    return stripped, (markers[0] if markers else None)


def _model_variable_names(model: type[BaseModel]) -> list[str] | None:
    """Variable names a model reads (aliases first); None when it accepts extra fields (fetch all)."""
    if model.model_config.get("extra") == "allow":
        return None
    names: list[str] = []
    for field_name, info in model.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, str):
            names.append(alias)
        elif isinstance(alias, AliasChoices):
            for choice in alias.choices:
                first = choice if isinstance(choice, str) else choice.path[0]
                if isinstance(first, str):
                    names.append(first)
        elif isinstance(alias, AliasPath):
            if isinstance(alias.path[0], str):
                names.append(alias.path[0])
        elif info.alias:
            names.append(info.alias)
        else:
            names.append(field_name)
        if (info.alias or alias) and model.model_config.get("populate_by_name"):
            names.append(field_name)
    return names


def _return_is_acceptable(annotation: Any) -> bool:
    if annotation in (None, type(None), Any, inspect.Signature.empty, typing.NoReturn):
        return True
    annotation, _ = _split_annotated(annotation)
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return all(_return_is_acceptable(arg) for arg in get_args(annotation))
    target = origin if origin is not None else annotation
    if not isinstance(target, type):
        return True  # TypeVars, forward references and the like: checked at run time
    return issubclass(target, BaseModel | Mapping) or target is dict


def _format_loc(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _error_messages(error: ValidationError, prefix: Sequence[int | str] = ()) -> list[str]:
    problems = []
    for item in error.errors(include_url=False, include_input=True):
        loc = _format_loc([*prefix, *item["loc"]]) or "(document)"
        if item["type"] == "missing":
            message = "required but missing"
        else:
            message = item["msg"]
            value = item.get("input")
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                text = str(value)
                if len(text) >= 3 and text in message:
                    message = message.replace(text, _MASK)
        problems.append(f"'{loc}': {message}")
    return problems


def _collect_secrets(value: Any, found: set[str], depth: int = 0) -> None:
    if depth > 12:
        return
    if isinstance(value, SecretStr):
        found.add(value.get_secret_value())
    elif isinstance(value, SecretBytes):
        found.add(value.get_secret_value().decode("utf-8", "replace"))
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _collect_secrets(getattr(value, name, None), found, depth + 1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and _SECRET_NAME.search(key) and isinstance(item, str | int):
                found.add(str(item))
            _collect_secrets(item, found, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _collect_secrets(item, found, depth + 1)


def secrets_in(*values: Any) -> set[str]:
    """Secret strings among bound arguments and raw variables (SecretStr values, password-like names)."""
    found: set[str] = set()
    for value in values:
        _collect_secrets(value, found)
    return {s for s in found if len(s) >= 3}


def scrub(text: str, secrets: set[str]) -> str:
    """``text`` with every secret replaced by a mask (longest first, so overlaps are fully hidden)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, _MASK)
    return text


def to_variables(result: Any, result_variable: str | None) -> dict[str, Any]:
    """The handler's return value as the JSON-ready variables of CompleteJob."""
    try:
        if result_variable is not None:
            return {result_variable: to_jsonable_python(result, by_alias=True)}
        if result is None:
            return {}
        if isinstance(result, BaseModel):
            dumped = result.model_dump(mode="json", by_alias=True)
            return dict(dumped)
        if isinstance(result, Mapping):
            bad = [repr(k) for k in result if not isinstance(k, str)]
            if bad:
                raise ResultInvalid(
                    f"the handler returned a dict with non-string keys {', '.join(bad[:5])}; "
                    "variable names must be strings"
                )
            converted = to_jsonable_python(dict(result), by_alias=True)
            assert isinstance(converted, dict)
            return converted
    except PydanticSerializationError as exc:
        raise ResultInvalid(f"the handler's result cannot be converted to JSON: {exc}") from None
    raise ResultInvalid(
        f"the handler returned {type(result).__name__}; return a pydantic model, a dict or None, "
        "or declare result_variable='name' on the task to store a single value"
    )


@dataclass(frozen=True)
class Binding:
    """How one handler is called: parameters, the variables to fetch, sync or async."""

    params: tuple[_Param, ...]
    fetch: tuple[str, ...] | None
    is_async: bool
    wants_context: bool

    @classmethod
    def of(cls, handler: Callable[..., Any], *, task_type: str, result_variable: str | None = None) -> Binding:
        where = f"handler {getattr(handler, '__qualname__', handler)!r} of task type {task_type!r}"
        try:
            # eval_str resolves string annotations (``from __future__ import annotations``) in the
            # handler's module, and works for partials, bound methods and callable objects too.
            signature = inspect.signature(handler, eval_str=True)
        except Exception as exc:
            raise HandlerSignatureError(
                f"cannot resolve the type annotations of {where}: {exc}; define the models it uses at "
                "module level (annotations are resolved in the handler's module)"
            ) from None
        params: list[_Param] = []
        names: list[str] = []
        fetch_all = False
        # Arguments a functools.partial already binds are the caller's, not process variables.
        bound = set(handler.keywords) if isinstance(handler, functools.partial) else set()
        for parameter in signature.parameters.values():
            if parameter.name in bound:
                continue
            annotation = parameter.annotation
            if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
                raise HandlerSignatureError(
                    f"{where} takes *{parameter.name}; variables are passed by name, use **{parameter.name}"
                )
            if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
                raise HandlerSignatureError(
                    f"{where}: parameter {parameter.name!r} is positional-only; variables are passed by name"
                )
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                params.append(_Param(parameter.name, _Kind.ALL))
                fetch_all = True
                continue
            base, marker = _split_annotated(annotation)
            if base is JobContext:
                params.append(_Param(parameter.name, _Kind.CONTEXT))
                continue
            if _is_job_annotation(base):
                params.append(_Param(parameter.name, _Kind.JOB))
                continue
            if marker is None and _is_model(base):
                model_names = _model_variable_names(base)
                if model_names is None:
                    fetch_all = True
                else:
                    names.extend(model_names)
                only = None
                if model_names is not None and base.model_config.get("extra") == "forbid":
                    only = frozenset(model_names)
                params.append(_Param(parameter.name, _Kind.DOCUMENT, model=base, only=only))
                continue
            variable = (marker.name if marker else None) or parameter.name
            adapter: TypeAdapter[Any] | None = None
            if annotation is not _REQUIRED:
                try:
                    adapter = TypeAdapter(base)
                except Exception as exc:
                    raise HandlerSignatureError(
                        f"{where}: parameter {parameter.name!r} has a type pydantic cannot validate: {exc}"
                    ) from None
            names.append(variable)
            params.append(_Param(parameter.name, _Kind.VARIABLE, variable, adapter, default=parameter.default))
        if result_variable is None and not _return_is_acceptable(signature.return_annotation):
            raise HandlerSignatureError(
                f"{where} is annotated to return {signature.return_annotation!r}; return a pydantic model, a dict or "
                "None, or declare result_variable='name' on the task to store a single value"
            )
        fetch: tuple[str, ...] | None = None
        if not fetch_all:
            fetch = tuple(dict.fromkeys([*names, ATTEMPT_VARIABLE]))
        return cls(
            params=tuple(params),
            fetch=fetch,
            is_async=inspect.iscoroutinefunction(handler)
            or (not inspect.isroutine(handler) and inspect.iscoroutinefunction(type(handler).__call__)),
            wants_context=any(p.kind is _Kind.CONTEXT for p in params),
        )

    def bind(
        self, variables: Mapping[str, Any], context: Callable[[], JobContext], job: Any
    ) -> dict[str, Any]:
        """Keyword arguments for the handler; raises :class:`InputInvalid` listing every problem."""
        arguments: dict[str, Any] = {}
        problems: list[str] = []
        if ATTEMPT_VARIABLE in variables:
            variables = {k: v for k, v in variables.items() if k != ATTEMPT_VARIABLE}
        for param in self.params:
            kind = param.kind
            if kind is _Kind.VARIABLE:
                assert param.variable is not None
                if param.variable not in variables:
                    if param.default is _REQUIRED:
                        problems.append(f"'{param.variable}': required but missing")
                    else:
                        arguments[param.name] = param.default
                    continue
                value = variables[param.variable]
                if param.adapter is None:
                    arguments[param.name] = value
                    continue
                try:
                    arguments[param.name] = param.adapter.validate_python(value)
                except ValidationError as exc:
                    problems.extend(_error_messages(exc, (param.variable,)))
            elif kind is _Kind.DOCUMENT:
                assert param.model is not None
                document = variables
                if param.only is not None:
                    document = {k: v for k, v in variables.items() if k in param.only}
                try:
                    arguments[param.name] = param.model.model_validate(document)
                except ValidationError as exc:
                    problems.extend(_error_messages(exc))
            elif kind is _Kind.CONTEXT:
                arguments[param.name] = context()
            elif kind is _Kind.JOB:
                arguments[param.name] = job
            else:
                taken = {p.name for p in self.params}
                arguments.update({k: v for k, v in variables.items() if k not in taken})
        if problems:
            raise InputInvalid(list(dict.fromkeys(problems)))
        return arguments


def _is_job_annotation(annotation: Any) -> bool:
    if not isinstance(annotation, type):
        return False
    from pyzeebe import Job

    return issubclass(annotation, Job)
