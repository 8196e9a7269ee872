"""Errors of the notification package; each message says which notification, channel or file is at fault."""

from __future__ import annotations

__all__ = [
    "ChannelConfigError",
    "DeliveryError",
    "NotifyError",
    "TemplateError",
    "UnknownNotificationKind",
]


class NotifyError(Exception):
    """Base class of every error raised by :mod:`autoops.notify`."""


class TemplateError(NotifyError):
    """A template file is missing, malformed, or needs a variable the notification did not supply."""


class ChannelConfigError(NotifyError):
    """The notification configuration is inconsistent (unknown channel, missing secret, bad route)."""


class UnknownNotificationKind(NotifyError):
    """No route and no default route exists for a notification kind."""


class DeliveryError(NotifyError):
    """A channel gave up on a message: a permanent refusal, or every retry failed.

    ``retryable`` tells a caller (a job worker) whether trying again later may help, so that it can fail
    the job with retries left rather than raise an incident straight away.
    """

    def __init__(self, message: str, *, channel: str, attempts: int, retryable: bool) -> None:
        super().__init__(message)
        self.channel = channel
        self.attempts = attempts
        self.retryable = retryable
