from __future__ import annotations

import json
from pathlib import Path

import pytest
import structlog
from notify_sinks import Reply, SleepRecorder, SmtpSink, WebhookReceiver

from autoops.notify import (
    ChannelConfigError,
    DeliveryError,
    LogChannel,
    Message,
    Notifier,
    NotifyConfig,
    TemplateError,
    UnknownNotificationKind,
    verify_signature,
)

SHIPPED = {"order_id": "SO-7", "customer_name": "Ada", "total": 99.0, "tracking": "TRK-1"}


def write_config(folder: Path, receiver: WebhookReceiver, smtp_port: int) -> Path:
    path = folder / "notify.toml"
    path.write_text(
        f"""
templates = ["templates"]

[channels.log]
type = "log"

[channels.ops-hook]
type = "webhook"
url = "{receiver.url}"
secret_env = "TEST_HOOK_SECRET"
retry = {{ max_attempts = 2, initial = 0.1 }}

[channels.mail]
type = "email"
host = "127.0.0.1"
port = {smtp_port}
sender = "shop@example.com"
security = "none"
retry = {{ max_attempts = 1 }}

[routes.order-shipped]
channels = ["mail", "log"]

[routes.stock-plan]
channels = ["ops-hook", "mail"]
recipients = ["planners@example.com"]
""",
        encoding="utf-8",
    )
    return path


async def test_routes_by_kind_from_toml(
    tmp_path: Path, templates: Path, receiver: WebhookReceiver, smtp_sink: SmtpSink, sleeps: SleepRecorder
) -> None:
    config = NotifyConfig.from_file(write_config(tmp_path, receiver, smtp_sink.port))
    assert config.templates == [templates]
    async with Notifier(config, env={"TEST_HOOK_SECRET": "abc"}, sleep=sleeps) as notifier:
        shipped = await notifier.notify("order-shipped", key="shipped:SO-7", recipients=["ada@example.com"], **SHIPPED)
        plan = await notifier.notify("stock-plan", key="plan:2026-W48", week="2026-W48", changes=4)
    assert sorted(d.channel for d in shipped) == ["log", "mail"]
    assert sorted(d.channel for d in plan) == ["mail", "ops-hook"]
    assert [m.rcpt_to for m in smtp_sink.messages] == [["ada@example.com"], ["planners@example.com"]]
    assert smtp_sink.messages[0].message["Subject"] == "Order SO-7 is on its way"
    [hook] = receiver.requests
    assert hook.json()["subject"] == "Stock plan for week 2026-W48"
    assert hook.json()["recipients"] == ["planners@example.com"]
    assert verify_signature("abc", hook.body, hook.headers["x-autoops-signature-256"])


async def test_unrouted_kind_uses_default_route_or_fails(templates: Path) -> None:
    with structlog.testing.capture_logs() as logs:
        async with Notifier(NotifyConfig(templates=[templates])) as notifier:
            [delivery] = await notifier.notify("stock-plan", key="k", week=1, changes=0)
    assert delivery.channel == "log"
    assert any(entry.get("subject") == "Stock plan for week 1" for entry in logs)
    strict = NotifyConfig(templates=[templates], default_route=None)
    async with Notifier(strict) as notifier:
        with pytest.raises(UnknownNotificationKind, match=r"\[routes.stock-plan\]"):
            await notifier.notify("stock-plan", key="k", week=1, changes=0)


async def test_template_error_sends_nothing(
    tmp_path: Path, templates: Path, receiver: WebhookReceiver, smtp_sink: SmtpSink
) -> None:
    config = NotifyConfig.from_file(write_config(tmp_path, receiver, smtp_sink.port))
    async with Notifier(config, env={"TEST_HOOK_SECRET": "abc"}) as notifier:
        with pytest.raises(TemplateError, match="changes"):
            await notifier.notify("stock-plan", key="k", week=3)
    assert receiver.requests == []
    assert smtp_sink.messages == []


async def test_partial_failure_names_failed_and_delivered_channels(
    tmp_path: Path, templates: Path, receiver: WebhookReceiver, smtp_sink: SmtpSink, sleeps: SleepRecorder
) -> None:
    receiver.script.extend([Reply(503), Reply(503)])
    config = NotifyConfig.from_file(write_config(tmp_path, receiver, smtp_sink.port))
    async with Notifier(config, env={"TEST_HOOK_SECRET": "abc"}, sleep=sleeps) as notifier:
        with pytest.raises(DeliveryError) as info:
            await notifier.notify("stock-plan", key="plan:1", week=1, changes=2)
    assert info.value.channel == "ops-hook"
    assert info.value.retryable
    assert "delivered through: mail" in str(info.value)
    assert len(smtp_sink.messages) == 1


def test_route_to_unknown_channel_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "notify.json"
    path.write_text(json.dumps({"routes": {"order-shipped": {"channels": ["sms"]}}}), encoding="utf-8")
    with pytest.raises(ChannelConfigError) as info:
        NotifyConfig.from_file(path)
    assert "unknown channel(s) sms" in str(info.value)
    assert "notify.json" in str(info.value)


def test_missing_secret_env_is_reported(tmp_path: Path, templates: Path, receiver: WebhookReceiver) -> None:
    config = NotifyConfig.from_file(write_config(tmp_path, receiver, 25))
    with pytest.raises(ChannelConfigError, match="TEST_HOOK_SECRET is not set"):
        Notifier(config, env={})


def test_inline_secret_is_hidden(templates: Path) -> None:
    config = NotifyConfig.model_validate(
        {
            "templates": [str(templates)],
            "channels": {"hook": {"type": "webhook", "url": "https://example.com/h", "secret": "topsecret"}},
        }
    )
    assert "topsecret" not in repr(config)
    assert "topsecret" not in config.model_dump_json()


def test_bad_file_is_reported_with_its_name(tmp_path: Path) -> None:
    bad = tmp_path / "notify.toml"
    bad.write_text("channels = [", encoding="utf-8")
    with pytest.raises(ChannelConfigError, match=r"notify\.toml: not valid toml"):
        NotifyConfig.from_file(bad)
    with pytest.raises(ChannelConfigError, match="cannot read"):
        NotifyConfig.from_file(tmp_path / "missing.toml")


async def test_log_channel_logs_the_rendered_message() -> None:
    with structlog.testing.capture_logs() as logs:
        channel = LogChannel("audit", level="warning")
        delivery = await channel.send(
            Message(kind="order-shipped", key="k1", recipients=("a@x.io",), subject="S", body="B\n")
        )
    assert delivery.channel == "audit"
    [entry] = logs
    assert entry["log_level"] == "warning"
    assert entry["subject"] == "S"
    assert entry["recipients"] == ["a@x.io"]
