"""Job-based elements (service, send, business-rule, script-without-expression tasks, message throw
and end events, job-worker user tasks) and script tasks with ``zeebe:script``.

A job-based element creates its job once it is ACTIVATED and completes when the job completes; the
job type and retries may be FEEL, evaluated after the input mappings.
"""

from __future__ import annotations

import json
from typing import Any

from autoops.bpmn.model import Activity, Event, FlowNode, UserTaskSpec, is_expression
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.errors import ErrorType, ProcessingFailure
from autoops.engine.processors.base import ElementProcessor

__all__ = ["JobWorkerProcessor", "ScriptTaskProcessor"]


def _task_definition(node: FlowNode) -> tuple[str | None, str | None]:
    if isinstance(node, Activity | Event) and node.task_definition is not None:
        return node.task_definition.type, node.task_definition.retries
    return None, None


def _headers(node: FlowNode) -> dict[str, str]:
    headers: dict[str, str] = {}
    if isinstance(node, Activity | Event):
        for header in node.task_headers:
            if header.key is not None:
                headers[header.key] = header.value or ""
    return headers


class JobWorkerProcessor(ElementProcessor):
    def __init__(self, bpmn_element_type: str) -> None:
        self.bpmn_element_type = bpmn_element_type

    def activation_may_fail(self, node: FlowNode | None) -> bool:
        if node is None or node.io_mapping.inputs or node.kind == "userTask":
            return True
        job_type, retries = _task_definition(node)
        if not job_type or is_expression(job_type) or is_expression(retries):
            return True
        return retries is not None and not retries.strip().isdigit()

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import expressions, jobs, lifecycle, variables

        assert node is not None
        variables.apply_input_mappings(ctx, inst, node)
        view = variables.ScopeView(ctx, inst.key)
        if node.kind == "userTask" and isinstance(node, Activity):
            job_type = jobs.USER_TASK_JOB_TYPE
            retries_raw: str | None = None
            headers = _headers(node)
            if node.user_task is not None:
                headers.update(_user_task_headers(ctx, inst, node, node.user_task, view))
        else:
            type_raw, retries_raw = _task_definition(node)
            if not type_raw:
                raise ProcessingFailure(ErrorType.EXTRACT_VALUE_ERROR, f"Element '{node.id}' has no job type")
            job_type = str(expressions.static_or_expected(ctx, type_raw, view, "STRING"))
            headers = _headers(node)
        retries = _retries(ctx, retries_raw, view)
        lifecycle.to_activated(ctx, inst)
        jobs.create(ctx, inst, job_type, retries, headers)

    def on_terminate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import jobs, lifecycle

        jobs.cancel_for_element(ctx, inst)
        lifecycle.to_terminated(ctx, inst)


def _retries(ctx: ProcessingContext, raw: str | None, view: Any) -> int:
    from autoops.engine import expressions

    if raw is None or not raw.strip():
        return 3
    if is_expression(raw):
        return int(expressions.evaluate_expected(ctx, raw, view, "NUMBER"))
    try:
        return int(raw.strip())
    except ValueError as exc:
        raise ProcessingFailure(ErrorType.EXTRACT_VALUE_ERROR, f"Expected retries to be a number, but was '{raw}'") from exc


def _user_task_headers(
    ctx: ProcessingContext, inst: ElementInstance, node: Activity, spec: UserTaskSpec, view: Any
) -> dict[str, str]:
    """The ``io.camunda.zeebe:*`` headers Zeebe puts on a job-worker user task's job."""
    from autoops.engine import user_tasks

    props = user_tasks.evaluate_properties(ctx, spec, view)
    headers: dict[str, str] = {}
    form = spec.form
    if form is not None and form.form_key:
        headers["io.camunda.zeebe:formKey"] = form.form_key
    if props.assignee:
        headers["io.camunda.zeebe:assignee"] = props.assignee
    if props.candidate_groups:
        headers["io.camunda.zeebe:candidateGroups"] = json.dumps(props.candidate_groups)
    if props.candidate_users:
        headers["io.camunda.zeebe:candidateUsers"] = json.dumps(props.candidate_users)
    if props.due_date:
        headers["io.camunda.zeebe:dueDate"] = props.due_date
    if props.follow_up_date:
        headers["io.camunda.zeebe:followUpDate"] = props.follow_up_date
    return headers


class ScriptTaskProcessor(ElementProcessor):
    """``zeebe:script``: evaluate the expression and complete with ``{resultVariable: value}``."""

    bpmn_element_type = "SCRIPT_TASK"

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import expressions, lifecycle, variables

        assert isinstance(node, Activity) and node.script is not None
        variables.apply_input_mappings(ctx, inst, node)
        value = expressions.evaluate_any(ctx, node.script.expression or "null", variables.ScopeView(ctx, inst.key))
        lifecycle.to_activated(ctx, inst)
        result = {node.script.result_variable: value} if node.script.result_variable else {}
        lifecycle.complete(ctx, inst, result)
