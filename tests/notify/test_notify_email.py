from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from notify_sinks import SleepRecorder, SmtpSink

from autoops.notify import Backoff, DeliveryError, EmailChannel, Message


def message(*recipients: str, body: str = "Hello Ada,\n.leading dot line\nbye\n") -> Message:
    return Message(
        kind="order-shipped",
        key="order-shipped:SO-1",
        recipients=recipients,
        subject="Order SO-1 is on its way",
        body=body,
    )


def mailer(port: int, sleeps: SleepRecorder, **kwargs: object) -> EmailChannel:
    options: dict[str, object] = {
        "security": "none",
        "backoff": Backoff(max_attempts=3, initial=0.5),
        "sleep": sleeps,
        "timeout": 5.0,
    }
    options.update(kwargs)
    return EmailChannel("mail", host="127.0.0.1", port=port, sender="shop@example.com", **options)  # type: ignore[arg-type]


async def test_plain_delivery(smtp_sink: SmtpSink, sleeps: SleepRecorder) -> None:
    delivery = await mailer(smtp_sink.port, sleeps).send(message("ada@example.com", "bob@example.com"))
    assert delivery.attempts == 1
    [mail] = smtp_sink.messages
    assert mail.mail_from == "shop@example.com"
    assert mail.rcpt_to == ["ada@example.com", "bob@example.com"]
    assert not mail.tls
    parsed = mail.message
    assert parsed["Subject"] == "Order SO-1 is on its way"
    assert parsed["To"] == "ada@example.com, bob@example.com"
    assert parsed["Message-ID"].endswith(".order-shipped@example.com>")
    assert parsed.get_payload(decode=True).decode().replace("\r\n", "\n") == "Hello Ada,\n.leading dot line\nbye\n"


async def test_message_id_is_stable_per_key(smtp_sink: SmtpSink, sleeps: SleepRecorder) -> None:
    channel = mailer(smtp_sink.port, sleeps)
    await channel.send(message("ada@example.com"))
    await channel.send(message("ada@example.com"))
    ids = {m.message["Message-ID"] for m in smtp_sink.messages}
    assert len(smtp_sink.messages) == 2
    assert len(ids) == 1


async def test_starttls_required_but_not_offered_sends_nothing(
    smtp_sink: SmtpSink, sleeps: SleepRecorder
) -> None:
    with pytest.raises(DeliveryError) as info:
        await mailer(smtp_sink.port, sleeps, security="starttls").send(message("ada@example.com"))
    assert "does not offer STARTTLS" in str(info.value)
    assert not info.value.retryable
    assert smtp_sink.messages == []
    assert "MAIL" not in smtp_sink.commands
    assert sleeps.delays == []


async def test_starttls_and_login(
    server_tls: ssl.SSLContext, tls_files: tuple[Path, Path], sleeps: SleepRecorder
) -> None:
    sink = await SmtpSink(tls_context=server_tls, users={"shop": "pw-123"}).start()
    try:
        channel = mailer(
            sink.port, sleeps, security="starttls", ca_file=tls_files[0], username="shop", password="pw-123"
        )
        await channel.send(message("ada@example.com"))
    finally:
        await sink.stop()
    [mail] = sink.messages
    assert mail.tls
    assert mail.auth == "shop"
    assert sink.commands[:3] == ["EHLO", "STARTTLS", "EHLO"]


async def test_untrusted_certificate_is_permanent(server_tls: ssl.SSLContext, sleeps: SleepRecorder) -> None:
    sink = await SmtpSink(tls_context=server_tls).start()
    try:
        with pytest.raises(DeliveryError) as info:
            await mailer(sink.port, sleeps, security="starttls").send(message("ada@example.com"))
    finally:
        await sink.stop()
    assert "not trusted" in str(info.value)
    assert not info.value.retryable
    assert sink.messages == []


async def test_wrong_password_is_permanent(sleeps: SleepRecorder) -> None:
    sink = await SmtpSink(users={"shop": "right"}).start()
    try:
        with pytest.raises(DeliveryError) as info:
            await mailer(sink.port, sleeps, username="shop", password="wrong").send(message("ada@example.com"))
    finally:
        await sink.stop()
    assert "535" in str(info.value)
    assert not info.value.retryable


async def test_busy_server_is_retried(sleeps: SleepRecorder) -> None:
    sink = await SmtpSink(busy_sessions=2).start()
    try:
        delivery = await mailer(sink.port, sleeps).send(message("ada@example.com"))
    finally:
        await sink.stop()
    assert delivery.attempts == 3
    assert sleeps.delays == [0.5, 1.0]
    assert sink.sessions == 3
    assert len(sink.messages) == 1


async def test_rejected_recipient_is_permanent_partial_is_reported(
    smtp_sink: SmtpSink, sleeps: SleepRecorder
) -> None:
    channel = mailer(smtp_sink.port, sleeps)
    with pytest.raises(DeliveryError) as info:
        await channel.send(message("reject@example.com"))
    assert "550" in str(info.value)
    assert not info.value.retryable
    delivery = await channel.send(message("ada@example.com", "reject@example.com"))
    assert "reject@example.com" in delivery.detail
    assert smtp_sink.messages[-1].rcpt_to == ["ada@example.com"]


async def test_temporarily_refused_recipient_is_retried(smtp_sink: SmtpSink, sleeps: SleepRecorder) -> None:
    with pytest.raises(DeliveryError) as info:
        await mailer(smtp_sink.port, sleeps).send(message("later@example.com"))
    assert info.value.retryable
    assert info.value.attempts == 3
    assert sleeps.delays == [0.5, 1.0]


async def test_no_recipients_is_refused_before_connecting(smtp_sink: SmtpSink, sleeps: SleepRecorder) -> None:
    with pytest.raises(DeliveryError) as info:
        await mailer(smtp_sink.port, sleeps).send(message())
    assert "no recipients" in str(info.value)
    assert smtp_sink.sessions == 0
