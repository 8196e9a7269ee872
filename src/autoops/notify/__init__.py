"""Notifications for business processes: log, signed webhooks and e-mail, worded by template files.

A process step says *what* happened (a notification kind, a key, variables); configuration says *how*
people hear about it (which channels, which recipients) and template files say it in words. See
:class:`NotifyConfig` for the configuration and :class:`Notifier` for sending.
"""

from autoops.notify._email import EmailChannel, Security
from autoops.notify._log import LogChannel
from autoops.notify._retry import Backoff
from autoops.notify._webhook import ATTEMPT_HEADER, DELIVERY_HEADER, WebhookChannel
from autoops.notify.channel import Channel, Delivery
from autoops.notify.config import (
    ChannelConfig,
    EmailChannelConfig,
    LogChannelConfig,
    NotifyConfig,
    Route,
    WebhookChannelConfig,
)
from autoops.notify.errors import (
    ChannelConfigError,
    DeliveryError,
    NotifyError,
    TemplateError,
    UnknownNotificationKind,
)
from autoops.notify.message import Message, Notification
from autoops.notify.notifier import Notifier, build_channel
from autoops.notify.signing import SIGNATURE_HEADER, sign_body, verify_signature
from autoops.notify.templates import MessageTemplate, TemplateStore

__all__ = [
    "ATTEMPT_HEADER",
    "DELIVERY_HEADER",
    "SIGNATURE_HEADER",
    "Backoff",
    "Channel",
    "ChannelConfig",
    "ChannelConfigError",
    "Delivery",
    "DeliveryError",
    "EmailChannel",
    "EmailChannelConfig",
    "LogChannel",
    "LogChannelConfig",
    "Message",
    "MessageTemplate",
    "Notification",
    "Notifier",
    "NotifyConfig",
    "NotifyError",
    "Route",
    "Security",
    "TemplateError",
    "TemplateStore",
    "UnknownNotificationKind",
    "WebhookChannel",
    "WebhookChannelConfig",
    "build_channel",
    "sign_body",
    "verify_signature",
]
