from __future__ import annotations

import socket

import pytest
from notify_sinks import Reply, SleepRecorder, WebhookReceiver

from autoops.notify import (
    ATTEMPT_HEADER,
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    Backoff,
    Delivery,
    DeliveryError,
    Message,
    WebhookChannel,
    sign_body,
    verify_signature,
)

SECRET = "s3cret-shared-with-receiver"


def message(key: str = "order-shipped:SO-1") -> Message:
    return Message(
        kind="order-shipped",
        key=key,
        recipients=("ada@example.com",),
        subject="Order SO-1 is on its way",
        body="Hello Ada\n",
        variables={"order_id": "SO-1", "total": 12.5},
    )


async def deliver(url: str, sleeps: SleepRecorder, **kwargs: object) -> Delivery:
    """Send ``message()`` through a fresh channel (shared secret, 4 attempts from 0.5 s) and close it."""
    options: dict[str, object] = {"secret": SECRET, "backoff": Backoff(max_attempts=4, initial=0.5), "sleep": sleeps}
    options.update(kwargs)
    hook = WebhookChannel("ops-hook", url=url, **options)  # type: ignore[arg-type]
    try:
        return await hook.send(message())
    finally:
        await hook.aclose()


async def test_posts_signed_json(receiver: WebhookReceiver, sleeps: SleepRecorder) -> None:
    delivery = await deliver(receiver.url, sleeps)
    assert delivery.attempts == 1
    assert delivery.detail == "HTTP 200"
    [request] = receiver.requests
    assert request.path == "/hooks/orders"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "kind": "order-shipped",
        "key": "order-shipped:SO-1",
        "recipients": ["ada@example.com"],
        "subject": "Order SO-1 is on its way",
        "body": "Hello Ada\n",
        "variables": {"order_id": "SO-1", "total": 12.5},
    }
    signature = request.headers[SIGNATURE_HEADER.lower()]
    assert verify_signature(SECRET, request.body, signature)
    assert not verify_signature("wrong-secret", request.body, signature)
    assert not verify_signature(SECRET, request.body + b" ", signature)
    assert request.headers[DELIVERY_HEADER.lower()] == "order-shipped:SO-1"
    assert sleeps.delays == []


async def test_retries_5xx_with_backoff_and_stable_delivery_id(
    receiver: WebhookReceiver, sleeps: SleepRecorder
) -> None:
    receiver.script.extend([Reply(503), Reply(500)])
    delivery = await deliver(receiver.url, sleeps)
    assert delivery.attempts == 3
    assert sleeps.delays == [0.5, 1.0]
    assert [r.headers[ATTEMPT_HEADER.lower()] for r in receiver.requests] == ["1", "2", "3"]
    assert len({r.headers[DELIVERY_HEADER.lower()] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1


async def test_gives_up_after_max_attempts(receiver: WebhookReceiver, sleeps: SleepRecorder) -> None:
    receiver.script.extend([Reply(502)] * 10)
    with pytest.raises(DeliveryError) as info:
        await deliver(receiver.url, sleeps, backoff=Backoff(max_attempts=3, initial=1, multiplier=3, max_delay=2))
    assert info.value.retryable
    assert info.value.attempts == 3
    assert "HTTP 502" in str(info.value)
    assert len(receiver.requests) == 3
    assert sleeps.delays == [1.0, 2.0]  # 3.0 capped at max_delay


async def test_client_error_is_not_retried(receiver: WebhookReceiver, sleeps: SleepRecorder) -> None:
    receiver.script.append(Reply(401))
    with pytest.raises(DeliveryError) as info:
        await deliver(receiver.url, sleeps)
    assert not info.value.retryable
    assert "HTTP 401" in str(info.value)
    assert len(receiver.requests) == 1
    assert sleeps.delays == []


async def test_429_honours_retry_after(receiver: WebhookReceiver, sleeps: SleepRecorder) -> None:
    receiver.script.append(Reply(429, headers={"Retry-After": "3"}))
    delivery = await deliver(receiver.url, sleeps)
    assert delivery.attempts == 2
    assert sleeps.delays == [3.0]


async def test_timeout_is_retried(receiver: WebhookReceiver, sleeps: SleepRecorder) -> None:
    receiver.script.append(Reply(200, delay=1.0))
    delivery = await deliver(receiver.url, sleeps, timeout=0.2)
    assert delivery.attempts == 2
    assert len(receiver.requests) == 2


async def test_connection_refused_is_retried_then_reported(sleeps: SleepRecorder) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeliveryError) as info:
        await deliver(f"http://127.0.0.1:{port}/hook", sleeps, backoff=Backoff(max_attempts=2, initial=0.25))
    assert info.value.retryable
    assert "ConnectError" in str(info.value)
    assert sleeps.delays == [0.25]


async def test_unsigned_when_no_secret(receiver: WebhookReceiver, sleeps: SleepRecorder) -> None:
    await deliver(receiver.url, sleeps, secret=None)
    assert SIGNATURE_HEADER.lower() not in receiver.requests[0].headers


def test_signature_is_hmac_sha256_hex() -> None:
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
    assert sign_body("Jefe", b"what do ya want for nothing?") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
    assert not verify_signature("Jefe", b"x", None)
    assert not verify_signature("Jefe", b"x", "md5=abc")
