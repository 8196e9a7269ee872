"""Typed handlers against the embedded engine: binding, validation incidents, BPMN errors, retries."""

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, Field, SecretStr

from autoops.worker import BpmnError, JobContext, PermanentError, RetryPolicy, Variable, Worker, WorkerConfig

from .conftest import Zeebe, settings_for


class Item(BaseModel):
    sku: str
    quantity: int = Field(gt=0)


class OrderIn(BaseModel):
    order_id: str = Field(alias="orderId")
    items: list[Item]
    api_token: SecretStr = Field(alias="apiToken")


class StockOut(BaseModel):
    in_stock: bool = Field(alias="inStock")
    reserved: int


def _worker(**config: Any) -> Worker:
    return Worker(WorkerConfig(name="test-worker", **config))


async def test_typed_handler_gets_validated_input_and_context_and_completes(zeebe: Zeebe) -> None:
    await zeebe.deploy("order", "order.check", headers={"warehouse": "north"})
    worker = _worker()
    seen: list[tuple[Any, ...]] = []
    contexts: list[JobContext] = []

    @worker.task("order.check")
    async def check(order: OrderIn, region: Annotated[str, Variable("salesRegion")], ctx: JobContext) -> StockOut:
        contexts.append(ctx)
        seen.append((order.order_id, region, ctx.header("warehouse"), ctx.element_id, ctx.bpmn_process_id,
                     ctx.attempt, ctx.retries, set(ctx.variables)))
        ctx.log.info("checked", items=len(order.items))
        return StockOut(inStock=True, reserved=sum(i.quantity for i in order.items))

    async with worker.running(settings_for(zeebe.server)):
        key = await zeebe.start("order", {
            "orderId": "A-1", "items": [{"sku": "x", "quantity": 2}, {"sku": "y", "quantity": 3}],
            "apiToken": "tok-123", "salesRegion": "emea", "unrelated": {"big": "document"},
        })
        await zeebe.completed(key)

    assert seen == [("A-1", "emea", "north", "Work", "order", 1, 3,
                     {"orderId", "items", "apiToken", "salesRegion"})]  # only declared variables fetched
    (job,) = zeebe.search("jobs", processInstanceKey=key)
    (ctx,) = contexts
    assert (ctx.job_key, ctx.process_instance_key, ctx.element_instance_key, ctx.worker) == (
        job["jobKey"], key, job["elementInstanceKey"], "test-worker")
    assert ctx.deadline.tzinfo is not None and ctx.deadline.timestamp() * 1000 == ctx.deadline_ms
    assert ctx.deadline_ms > datetime.fromisoformat(job["creationTime"]).timestamp() * 1000
    variables = zeebe.variables(key)
    assert variables["inStock"] is True and variables["reserved"] == 5
    assert worker.metrics.registry.get_sample_value(
        "autoops_worker_jobs_completed_total", {"task_type": "order.check"}) == 1.0


async def test_invalid_input_raises_an_incident_naming_the_fields_without_values(zeebe: Zeebe) -> None:
    await zeebe.deploy("order-bad", "order.check2")
    worker = _worker()
    calls: list[OrderIn] = []

    @worker.task("order.check2")
    async def check(order: OrderIn) -> None:
        calls.append(order)

    async with worker.running(settings_for(zeebe.server)):
        key = await zeebe.start("order-bad", {
            "orderId": "A-2", "items": [{"sku": "x", "quantity": -4}, {"quantity": "lots"}],
            "apiToken": 12345678,
        })
        incident = await zeebe.incident(key)

    assert calls == []
    assert incident["errorType"] == "JOB_NO_RETRIES"
    message = incident["errorMessage"]
    assert message.startswith("Invalid variables for job type 'order.check2' at element 'Work' of process 'order-bad': ")
    assert "'items[0].quantity': Input should be greater than 0" in message
    assert "'items[1].sku': required but missing" in message
    assert "'items[1].quantity': Input should be a valid integer" in message
    assert "'apiToken': Input should be a valid string" in message
    for value in ("-4", "lots", "12345678"):
        assert value not in message
    (job,) = zeebe.search("jobs", processInstanceKey=key)
    assert job["retries"] == 0 and job["state"] == "FAILED"
    assert worker.metrics.registry.get_sample_value(
        "autoops_worker_jobs_failed_total", {"task_type": "order.check2", "reason": "invalid_input"}) == 1.0


async def test_uncaught_bpmn_error_becomes_an_unhandled_error_incident(zeebe: Zeebe) -> None:
    await zeebe.deploy("stock", "stock.reserve")
    worker = _worker()

    @worker.task("stock.reserve")
    def reserve(quantity: int, api_key: Annotated[str, Variable("apiKey")]) -> None:  # runs in a thread
        raise BpmnError("OUT_OF_STOCK", f"only {quantity - 1} left (asked with key {api_key})", {"missing": 1})

    async with worker.running(settings_for(zeebe.server)):
        key = await zeebe.start("stock", {"quantity": 5, "apiKey": "k-abcdef"})
        incident = await zeebe.incident(key)

    assert incident["errorType"] == "UNHANDLED_ERROR_EVENT"
    message = incident["errorMessage"]
    assert "'OUT_OF_STOCK'" in message and "only 4 left (asked with key **********)" in message
    assert "k-abcdef" not in message
    (job,) = zeebe.search("jobs", processInstanceKey=key)
    assert job["errorCode"] == "OUT_OF_STOCK"
    assert worker.metrics.registry.get_sample_value(
        "autoops_worker_jobs_bpmn_errors_total", {"task_type": "stock.reserve", "error_code": "OUT_OF_STOCK"}) == 1.0


async def test_bpmn_error_is_caught_by_an_error_boundary_event(zeebe: Zeebe) -> None:
    await zeebe.deploy("stock-caught", "stock.reserve2", error_code="OUT_OF_STOCK")
    worker = _worker()

    @worker.task("stock.reserve2")
    async def reserve(quantity: int) -> None:
        raise BpmnError("OUT_OF_STOCK", "none left", {"missing": quantity})

    async with worker.running(settings_for(zeebe.server)):
        key = await zeebe.start("stock-caught", {"quantity": 5})
        await zeebe.completed(key)

    ended = {e["elementId"] for e in zeebe.search("element_instances", processInstanceKey=key)}
    assert "Caught" in ended and "Failed" in ended and "Done" not in ended
    assert zeebe.variables(key)["missing"] == 5  # the error's variables reached the process
    assert zeebe.search("incidents", processInstanceKey=key) == []
    assert worker.metrics.registry.get_sample_value(
        "autoops_worker_jobs_bpmn_errors_total", {"task_type": "stock.reserve2", "error_code": "OUT_OF_STOCK"}) == 1.0


async def test_failures_back_off_exponentially_then_raise_an_incident(zeebe: Zeebe) -> None:
    await zeebe.deploy("flaky", "flaky.call", retries=3)
    policy = RetryPolicy(initial_interval=timedelta(milliseconds=150), backoff_coefficient=2.0,
                         maximum_interval=timedelta(seconds=5), jitter=0.0)
    worker = _worker()
    attempts: list[tuple[int, int]] = []

    @worker.task("flaky.call", retries=policy)
    async def call(ctx: JobContext, password: str) -> None:
        attempts.append((ctx.attempt, ctx.retries))
        raise ConnectionError(f"remote refused login with {password}")

    async with worker.running(settings_for(zeebe.server)):
        key = await zeebe.start("flaky", {"password": "s3cr3t-pw"})
        incident = await zeebe.incident(key)

    assert attempts == [(1, 3), (2, 2), (3, 1)]
    failed = [r["value"] for r in zeebe.job_records(key) if r["intent"] == "FAILED"]
    # The engine recorded the client-chosen retries and back-off of each FailJob.
    assert [(v["retries"], v["retryBackoff"]) for v in failed] == [(2, 150), (1, 300), (0, 0)]
    assert incident["errorType"] == "JOB_NO_RETRIES"
    assert incident["errorMessage"] == "ConnectionError: remote refused login with **********"
    assert worker.metrics.registry.get_sample_value(
        "autoops_worker_jobs_failed_total", {"task_type": "flaky.call", "reason": "retryable"}) == 3.0


async def test_non_retryable_errors_raise_an_incident_at_once(zeebe: Zeebe) -> None:
    await zeebe.deploy("strict", "strict.call", retries=5)
    await zeebe.deploy("strict2", "strict.call2", retries=5)
    worker = _worker(retries=RetryPolicy(non_retryable=(LookupError,)))
    calls: list[str] = []

    @worker.task("strict.call")
    async def call(customer: str) -> None:
        calls.append(customer)
        raise KeyError(customer)

    @worker.task("strict.call2")
    async def call2(customer: str) -> None:
        calls.append(customer)
        raise PermanentError("the tax id is malformed")

    async with worker.running(settings_for(zeebe.server)):
        first = await zeebe.start("strict", {"customer": "c-1"})
        second = await zeebe.start("strict2", {"customer": "c-2"})
        incidents = [await zeebe.incident(first), await zeebe.incident(second)]

    assert sorted(calls) == ["c-1", "c-2"]
    assert [i["errorMessage"] for i in incidents] == [
        "KeyError: 'c-1' (not retryable)",
        "PermanentError: the tax id is malformed (not retryable)",
    ]
    for key in (first, second):
        assert [r["value"]["retries"] for r in zeebe.job_records(key) if r["intent"] == "FAILED"] == [0]


async def test_single_value_results_are_stored_under_result_variable(zeebe: Zeebe) -> None:
    await zeebe.deploy("sum", "math.sum")
    worker = _worker()

    @worker.task("math.sum", result_variable="total")
    def add(values: list[float]) -> float:
        return sum(values)

    async with worker.running(settings_for(zeebe.server)):
        key = await zeebe.start("sum", {"values": [1.5, 2.5, 3]})
        await zeebe.completed(key)

    assert zeebe.variables(key)["total"] == 7.0


async def test_invalid_results_fail_without_retries(zeebe: Zeebe) -> None:
    await zeebe.deploy("badresult", "bad.result")
    worker = _worker()

    @worker.task("bad.result")
    async def produce() -> Any:
        return ["not", "a", "dict"]

    async with worker.running(settings_for(zeebe.server)):
        key = await zeebe.start("badresult")
        incident = await zeebe.incident(key)

    assert incident["errorMessage"] == (
        "Invalid result of the handler for job type 'bad.result' at element 'Work': the handler returned list; "
        "return a pydantic model, a dict or None, or declare result_variable='name' on the task to store a "
        "single value"
    )


async def test_plain_pyzeebe_routers_run_alongside_typed_handlers(zeebe: Zeebe) -> None:
    from pyzeebe import ZeebeTaskRouter

    await zeebe.deploy("legacy", "legacy.step")
    await zeebe.deploy("typed", "typed.step")
    legacy = ZeebeTaskRouter()

    @legacy.task("legacy.step")  # type: ignore[arg-type]  # pyzeebe overloads
    async def old_style(x: int) -> dict[str, int]:
        return {"y": x * 10}

    worker = _worker()
    worker.include_router(legacy)

    @worker.task("typed.step")
    async def new_style(x: int) -> dict[str, int]:
        return {"z": x + 1}

    async with worker.running(settings_for(zeebe.server)):
        first = await zeebe.start("legacy", {"x": 4})
        second = await zeebe.start("typed", {"x": 4})
        await zeebe.completed(first)
        await zeebe.completed(second)

    assert zeebe.variables(first)["y"] == 40
    assert zeebe.variables(second)["z"] == 5


async def test_a_result_the_gateway_refuses_becomes_an_incident_instead_of_endless_redelivery(
    zeebe: Zeebe,
) -> None:
    await zeebe.deploy("huge", "huge.result")
    worker = _worker()
    calls: list[int] = []

    @worker.task("huge.result")
    async def produce() -> dict[str, str]:
        calls.append(1)
        return {"blob": "x" * 5_000_000}  # above the gateway's 4 MB message limit

    async with worker.running(settings_for(zeebe.server)):
        key = await zeebe.start("huge")
        incident = await zeebe.incident(key)

    assert calls == [1]
    assert incident["errorMessage"].startswith(
        "The gateway refused the completion of the job: RESOURCE_EXHAUSTED: ")
    assert "larger than max" in incident["errorMessage"]
