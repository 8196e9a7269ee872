"""The e-mail channel: plain-text mail over SMTP, with STARTTLS or implicit TLS when configured.

smtplib blocks, so each send runs in a worker thread (``asyncio.to_thread``) and the event loop that also
serves job activations never stalls on a slow mail server. With ``security="starttls"`` a server that does
not offer STARTTLS is an error: silently falling back to plaintext would send customer data and the
password in the clear. 4xx SMTP replies and dropped connections are retried; 5xx replies are permanent.
"""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Literal

from autoops.logging import get_logger
from autoops.notify._retry import Backoff, Sleep, default_sleep
from autoops.notify.channel import Delivery
from autoops.notify.errors import DeliveryError
from autoops.notify.message import Message

__all__ = ["EmailChannel", "Security"]

Security = Literal["none", "starttls", "tls"]


class _Transient(Exception):
    """Internal: a failure worth another attempt."""


class _Permanent(Exception):
    """Internal: a failure no retry can fix."""


class EmailChannel:
    def __init__(
        self,
        name: str,
        *,
        host: str,
        port: int,
        sender: str,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ca_file: Path | None = None,
        backoff: Backoff | None = None,
        sleep: Sleep = default_sleep,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.sender = sender
        self.security = security
        self._username = username
        self._password = password
        self._timeout = timeout
        self._ca_file = ca_file
        self._backoff = backoff or Backoff()
        self._sleep = sleep
        self._log = get_logger("autoops.notify").bind(channel=name, host=host, port=port)

    def build(self, message: Message) -> EmailMessage:
        """The MIME message for ``message``; the Message-ID derives from the key, so retries share it."""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = ", ".join(message.recipients)
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        domain = self.sender.rpartition("@")[2] or "localhost"
        digest = hashlib.sha256(message.key.encode("utf-8")).hexdigest()[:32]
        mail["Message-ID"] = f"<{digest}.{message.kind}@{domain}>"
        mail["X-Autoops-Kind"] = message.kind
        mail.set_content(message.body)
        return mail

    async def send(self, message: Message) -> Delivery:
        if not message.recipients:
            raise DeliveryError(
                f"e-mail channel {self.name!r}: notification {message.key!r} ({message.kind}) has no recipients; "
                "pass recipients with the notification or set default recipients on its route",
                channel=self.name,
                attempts=0,
                retryable=False,
            )
        mail = self.build(message)
        attempts = self._backoff.max_attempts
        problem = ""
        for attempt in range(1, attempts + 1):
            try:
                refused = await asyncio.to_thread(self._send_blocking, mail, list(message.recipients))
            except _Permanent as exc:
                raise DeliveryError(
                    f"e-mail channel {self.name!r} ({self.host}:{self.port}) could not send notification "
                    f"{message.key!r} ({message.kind}): {exc}",
                    channel=self.name,
                    attempts=attempt,
                    retryable=False,
                ) from exc
            except _Transient as exc:
                problem = str(exc)
                if attempt < attempts:
                    delay = self._backoff.delay(attempt)
                    self._log.warning(
                        "e-mail delivery failed, retrying", key=message.key, attempt=attempt, problem=problem,
                        retry_in=delay,
                    )
                    await self._sleep(delay)
                continue
            detail = "accepted"
            if refused:
                detail = "accepted; refused recipients: " + ", ".join(sorted(refused))
                self._log.warning("some recipients refused", key=message.key, refused=sorted(refused))
            return Delivery(channel=self.name, kind=message.kind, key=message.key, attempts=attempt, detail=detail)
        raise DeliveryError(
            f"e-mail channel {self.name!r} could not send notification {message.key!r} ({message.kind}) via "
            f"{self.host}:{self.port} after {attempts} attempt(s): {problem}",
            channel=self.name,
            attempts=attempts,
            retryable=True,
        )

    async def aclose(self) -> None:
        """Nothing to close: every send opens and closes its own SMTP session."""
        return None

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self._ca_file) if self._ca_file else None)

    def _send_blocking(self, mail: EmailMessage, recipients: list[str]) -> dict[str, tuple[int, bytes]]:
        """One SMTP session; translates smtplib's exceptions into transient or permanent failures."""
        try:
            smtp: smtplib.SMTP
            if self.security == "tls":
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self._timeout, context=self._tls_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
            with smtp:
                smtp.ehlo()
                if self.security == "starttls":
                    if not smtp.has_extn("starttls"):
                        raise _Permanent(
                            "the server does not offer STARTTLS, and security='starttls' forbids sending in "
                            "plaintext; enable STARTTLS on the server, use security='tls' for an implicit-TLS "
                            "port, or security='none' only for a local relay"
                        )
                    smtp.starttls(context=self._tls_context())
                    smtp.ehlo()
                if self._username is not None:
                    smtp.login(self._username, self._password or "")
                refused = smtp.send_message(mail, from_addr=self.sender, to_addrs=recipients)
                return dict(refused)
        except _Permanent:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            text = "; ".join(f"{rcpt}: {code} {msg.decode(errors='replace')}" for rcpt, (code, msg) in exc.recipients.items())
            if codes and all(400 <= code < 500 for code in codes):
                raise _Transient(f"recipients temporarily refused: {text}") from exc
            raise _Permanent(f"all recipients refused: {text}") from exc
        except smtplib.SMTPResponseException as exc:
            reply = f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}"
            if 400 <= exc.smtp_code < 500:
                raise _Transient(f"server replied {reply}") from exc
            raise _Permanent(f"server replied {reply}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise _Permanent(f"the server does not support a required command: {exc}") from exc
        except ssl.SSLCertVerificationError as exc:
            raise _Permanent(
                f"TLS certificate of {self.host} not trusted ({exc.verify_message}); set ca_file to the CA that "
                "signed it"
            ) from exc
        except ssl.SSLError as exc:
            raise _Permanent(f"TLS handshake failed: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
