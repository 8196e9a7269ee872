"""Camunda user tasks (``zeebe:userTask``): a user-task entity instead of a job."""

from __future__ import annotations

from autoops.bpmn.model import Activity, FlowNode
from autoops.engine.context import ElementInstance, ProcessingContext
from autoops.engine.processors.base import ElementProcessor

__all__ = ["UserTaskProcessor"]


class UserTaskProcessor(ElementProcessor):
    bpmn_element_type = "USER_TASK"

    def on_activate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import forms, lifecycle, user_tasks, variables

        assert isinstance(node, Activity) and node.user_task is not None
        variables.apply_input_mappings(ctx, inst, node)
        props = user_tasks.evaluate_properties(ctx, node.user_task, variables.ScopeView(ctx, inst.key))
        form = node.user_task.form
        if form is not None and form.form_id:
            props.form_key = forms.find_form_key(
                ctx, form.form_id, form.binding_type, form.version_tag, inst.definition_key
            )
        lifecycle.to_activated(ctx, inst)
        user_tasks.create(ctx, inst, node, props)

    def on_terminate(self, ctx: ProcessingContext, inst: ElementInstance, node: FlowNode | None) -> None:
        from autoops.engine import lifecycle, user_tasks

        user_tasks.cancel_for_element(ctx, inst)
        lifecycle.to_terminated(ctx, inst)
