"""Job handlers that tell people what happened, through :mod:`autoops.notify`.

The notification kind comes from the task header ``kind`` (so an analyst picks the message in the
model), the wording from ``workers/templates/<kind>.txt`` and the channel from ``workers/notify.toml``.
Each message carries the key ``<kind>:<order or run id>``, so a redelivered job produces a duplicate a
receiver can recognise. A channel that is down fails the job with retries and backoff; a channel that
refuses the message for good (or a template that needs a missing variable) raises an incident.
"""

from __future__ import annotations

from typing import Any

from autoops.notify import DeliveryError, Notifier, NotifyError
from autoops.worker import JobContext, PermanentError, Router
from workers._app import app

__all__ = ["router", "template_variables"]

router = Router()


def _kind(ctx: JobContext) -> str:
    kind = ctx.custom_headers.get("kind")
    if not kind:
        raise PermanentError(
            f"the task {ctx.element_id!r} has no 'kind' header; add a zeebe:header kind=<template name> to it"
        )
    return kind


def template_variables(variables: dict[str, Any]) -> dict[str, Any]:
    """Job variables plus the derived values the templates use (customer, reasons, percentages)."""
    out: dict[str, Any] = {k: v for k, v in variables.items() if not k.startswith("_")}
    raw_order = variables.get("order")
    order: dict[str, Any] = raw_order if isinstance(raw_order, dict) else {}
    raw_customer = order.get("customer")
    customer: dict[str, Any] = raw_customer if isinstance(raw_customer, dict) else {}
    out.setdefault("orderId", order.get("orderId", ""))
    out.setdefault("customerName", customer.get("name") or "customer")
    out.setdefault("customerEmail", customer.get("email", ""))
    reasons = variables.get("rejectionReasons") or []
    out["reasons"] = "\n".join(f"- {r}" for r in reasons) if reasons else "- the order could not be processed"
    out.setdefault("reason", variables.get("cancelReason") or "the order was not approved")
    out.setdefault("declineReason", "declined")
    out.setdefault("stockPlanComment", "")
    change = variables.get("maxReorderPointChange")
    out["maxReorderPointChangePercent"] = f"{float(change) * 100:.1f}" if isinstance(change, int | float) else "n/a"
    return out


async def _send(kind: str, key: str, recipients: list[str], variables: dict[str, Any]) -> dict[str, Any]:
    try:
        async with Notifier(app().notify) as notifier:
            deliveries = await notifier.notify(kind, key=key, recipients=recipients, **variables)
    except DeliveryError as exc:
        if exc.retryable:
            raise  # transient: the worker fails the job with a retry and backoff
        raise PermanentError(str(exc)) from None
    except NotifyError as exc:
        raise PermanentError(str(exc)) from None
    return {"notified": sorted(d.channel for d in deliveries)}


@router.task("notify.customer")
async def notify_customer(ctx: JobContext, **variables: Any) -> dict[str, Any]:
    """Order news for the customer, at the e-mail address of the order."""
    kind = _kind(ctx)
    values = template_variables(variables)
    email = str(values.get("customerEmail") or "")
    recipients = [email] if "@" in email else []
    return await _send(kind, f"{kind}:{values['orderId']}", recipients, values)


@router.task("notify.logistics")
async def notify_logistics(ctx: JobContext, **variables: Any) -> dict[str, Any]:
    """Shipment problems for the logistics team (recipients come from the route)."""
    kind = _kind(ctx)
    values = template_variables(variables)
    return await _send(kind, f"{kind}:{values['orderId']}", [], values)


@router.task("notify.planners")
async def notify_planners(ctx: JobContext, **variables: Any) -> dict[str, Any]:
    """Stock plan news for the supply planners (recipients come from the route)."""
    kind = _kind(ctx)
    values = template_variables(variables)
    return await _send(kind, f"{kind}:{values.get('runId', ctx.process_instance_key)}", [], values)
