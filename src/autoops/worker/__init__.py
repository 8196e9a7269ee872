"""Typed Zeebe job workers on pyzeebe, with the reliability a production worker needs.

Declare handlers on a :class:`Worker` (or on :class:`Router` objects in other modules)::

    from pydantic import BaseModel
    from autoops.worker import BpmnError, JobContext, RetryPolicy, Worker

    class Order(BaseModel):
        order_id: str
        quantity: int

    worker = Worker()

    @worker.task("order.check-stock", retries=RetryPolicy(non_retryable=(KeyError,)))
    async def check_stock(order: Order, ctx: JobContext) -> dict[str, bool]:
        ctx.log.info("checking stock", order_id=order.order_id)
        if order.quantity > 100:
            raise BpmnError("OUT_OF_STOCK", "not enough stock", {"missing": order.quantity - 100})
        return {"inStock": True}

and run them with ``autoops worker mymodule`` or ``await worker.run(settings)``. See docs/workers.md.
"""

from autoops.worker._binding import Variable
from autoops.worker._config import TaskConfig, WorkerConfig
from autoops.worker._context import JobContext
from autoops.worker._errors import (
    BpmnError,
    HandlerSignatureError,
    PermanentError,
    WorkerConfigError,
    WorkerError,
    WorkerLoadError,
)
from autoops.worker._idempotency import Idempotency, IdempotencyStore, SqliteIdempotencyStore
from autoops.worker._loading import load_worker
from autoops.worker._retry import RetryPolicy
from autoops.worker._worker import Router, TaskDefinition, Worker

__all__ = [
    "BpmnError",
    "HandlerSignatureError",
    "Idempotency",
    "IdempotencyStore",
    "JobContext",
    "PermanentError",
    "RetryPolicy",
    "Router",
    "SqliteIdempotencyStore",
    "TaskConfig",
    "TaskDefinition",
    "Variable",
    "Worker",
    "WorkerConfig",
    "WorkerConfigError",
    "WorkerError",
    "WorkerLoadError",
    "load_worker",
]
