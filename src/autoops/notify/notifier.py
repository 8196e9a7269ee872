"""Render a notification once and hand it to every channel its route names, concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from autoops.logging import get_logger
from autoops.notify._email import EmailChannel
from autoops.notify._log import LogChannel
from autoops.notify._retry import Sleep, default_sleep
from autoops.notify._webhook import WebhookChannel
from autoops.notify.channel import Channel, Delivery
from autoops.notify.config import (
    ChannelConfig,
    EmailChannelConfig,
    LogChannelConfig,
    NotifyConfig,
    WebhookChannelConfig,
    environ,
)
from autoops.notify.errors import DeliveryError, UnknownNotificationKind
from autoops.notify.message import Notification
from autoops.notify.templates import TemplateStore

__all__ = ["Notifier", "build_channel"]


def build_channel(
    name: str, config: ChannelConfig, *, env: Mapping[str, str] | None = None, sleep: Sleep = default_sleep
) -> Channel:
    """A live channel from its configuration (secrets resolved from ``env``, default ``os.environ``)."""
    variables = environ() if env is None else env
    if isinstance(config, LogChannelConfig):
        return LogChannel(name, level=config.level)
    if isinstance(config, WebhookChannelConfig):
        return WebhookChannel(
            name,
            url=config.url,
            secret=config.resolve_secret(name, variables),
            timeout=config.timeout,
            backoff=config.retry,
            headers=config.headers,
            sleep=sleep,
        )
    if isinstance(config, EmailChannelConfig):
        return EmailChannel(
            name,
            host=config.host,
            port=config.port,
            sender=config.sender,
            security=config.security,
            username=config.username,
            password=config.resolve_password(name, variables),
            timeout=config.timeout,
            ca_file=config.ca_file,
            backoff=config.retry,
            sleep=sleep,
        )
    raise TypeError(f"unsupported channel configuration {type(config).__name__}")  # pragma: no cover


class Notifier:
    """Sends notifications as configured. Use as ``async with Notifier(config) as notifier: ...``.

    The template is rendered before anything is sent, so a wording mistake never leaves one channel
    notified and another not. Channels run concurrently; if any fails, :class:`DeliveryError` says
    which failed and which already delivered (a retry of the job will deliver to those again, which is
    why every message carries its stable key).
    """

    def __init__(
        self,
        config: NotifyConfig,
        *,
        env: Mapping[str, str] | None = None,
        sleep: Sleep = default_sleep,
        channels: Mapping[str, Channel] | None = None,
    ) -> None:
        self.config = config
        self.templates = TemplateStore(config.templates)
        built = {name: build_channel(name, cfg, env=env, sleep=sleep) for name, cfg in config.channels.items()}
        built.update(channels or {})
        self._channels: dict[str, Channel] = built
        self._log = get_logger("autoops.notify")

    @property
    def channels(self) -> Mapping[str, Channel]:
        return dict(self._channels)

    async def notify(
        self, kind: str, *, key: str, recipients: tuple[str, ...] | list[str] = (), **variables: Any
    ) -> list[Delivery]:
        """Shorthand for :meth:`send` with a :class:`Notification` built from the arguments."""
        return await self.send(Notification(kind=kind, key=key, recipients=tuple(recipients), variables=variables))

    async def send(self, notification: Notification) -> list[Delivery]:
        route = self.config.route_for(notification.kind)
        if route is None:
            raise UnknownNotificationKind(
                f"no route for notification kind {notification.kind!r} and no default_route; add "
                f"[routes.{notification.kind}] to the notification config"
            )
        if not notification.recipients and route.recipients:
            notification = notification.model_copy(update={"recipients": tuple(route.recipients)})
        message = self.templates.render(notification)
        results = await asyncio.gather(
            *(self._channels[name].send(message) for name in route.channels), return_exceptions=True
        )
        delivered = [r for r in results if isinstance(r, Delivery)]
        failures = [r for r in results if isinstance(r, BaseException)]
        for failure in failures:
            if not isinstance(failure, DeliveryError):
                raise failure
        errors = [f for f in failures if isinstance(f, DeliveryError)]
        if not errors:
            self._log.debug("notification sent", kind=notification.kind, key=notification.key,
                            channels=[d.channel for d in delivered])
            return delivered
        if len(errors) == 1 and not delivered:
            raise errors[0]
        done = ", ".join(d.channel for d in delivered) or "none"
        raise DeliveryError(
            "; ".join(str(e) for e in errors) + f" (delivered through: {done})",
            channel=",".join(e.channel for e in errors),
            attempts=max(e.attempts for e in errors),
            retryable=any(e.retryable for e in errors),
        )

    async def aclose(self) -> None:
        await asyncio.gather(*(channel.aclose() for channel in self._channels.values()))

    async def __aenter__(self) -> Notifier:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
