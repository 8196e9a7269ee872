"""The webhook channel: a signed JSON POST, retried on server errors and broken connections.

The body is JSON with the kind, key, recipients, subject, text body and variables. Headers carry the
HMAC-SHA256 signature of the raw body (see :mod:`autoops.notify.signing`), the notification key as a
delivery id (the same on every retry, for de-duplication) and the attempt number. 5xx, 408, 429 and
transport errors (refused connection, timeout) are retried with exponential backoff; any other 4xx is a
permanent refusal and is not retried, since sending the same request again cannot fix it.
"""

from __future__ import annotations

import httpx
from pydantic_core import to_json

from autoops.logging import get_logger
from autoops.notify._retry import Backoff, Sleep, default_sleep
from autoops.notify.channel import Delivery
from autoops.notify.errors import DeliveryError
from autoops.notify.message import Message
from autoops.notify.signing import SIGNATURE_HEADER, sign_body

__all__ = ["ATTEMPT_HEADER", "DELIVERY_HEADER", "WebhookChannel"]

DELIVERY_HEADER = "X-Autoops-Delivery"
ATTEMPT_HEADER = "X-Autoops-Attempt"
KIND_HEADER = "X-Autoops-Kind"
_RETRY_STATUS = {408, 425, 429}


class WebhookChannel:
    def __init__(
        self,
        name: str,
        *,
        url: str,
        secret: str | None,
        timeout: float = 10.0,
        backoff: Backoff | None = None,
        headers: dict[str, str] | None = None,
        sleep: Sleep = default_sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.url = url
        self._secret = secret
        self._backoff = backoff or Backoff()
        self._sleep = sleep
        self._headers = dict(headers or {})
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout), transport=transport)
        self._log = get_logger("autoops.notify").bind(channel=name, url=url)

    def payload(self, message: Message) -> bytes:
        """The exact bytes POSTed (and signed) for ``message``."""
        return to_json(
            {
                "kind": message.kind,
                "key": message.key,
                "recipients": list(message.recipients),
                "subject": message.subject,
                "body": message.body,
                "variables": message.variables,
            },
            fallback=str,
        )

    async def send(self, message: Message) -> Delivery:
        body = self.payload(message)
        headers = {
            **self._headers,
            "Content-Type": "application/json",
            DELIVERY_HEADER: message.key,
            KIND_HEADER: message.kind,
        }
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign_body(self._secret, body)
        attempts = self._backoff.max_attempts
        last_problem = ""
        for attempt in range(1, attempts + 1):
            headers[ATTEMPT_HEADER] = str(attempt)
            retry_after: float | None = None
            try:
                response = await self._client.post(self.url, content=body, headers=headers)
            except httpx.TransportError as exc:
                last_problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                if response.is_success:
                    return Delivery(
                        channel=self.name,
                        kind=message.kind,
                        key=message.key,
                        attempts=attempt,
                        detail=f"HTTP {response.status_code}",
                    )
                last_problem = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
                if response.status_code < 500 and response.status_code not in _RETRY_STATUS:
                    raise DeliveryError(
                        f"webhook {self.name!r} refused notification {message.key!r} ({message.kind}) at "
                        f"{self.url}: {last_problem}; a 4xx answer is not retried, check the URL, the "
                        "shared secret and what the receiver expects",
                        channel=self.name,
                        attempts=attempt,
                        retryable=False,
                    )
                retry_after = _retry_after(response)
            if attempt < attempts:
                delay = self._backoff.delay(attempt)
                if retry_after is not None:
                    delay = min(max(delay, retry_after), self._backoff.max_delay)
                self._log.warning(
                    "webhook delivery failed, retrying", key=message.key, attempt=attempt, problem=last_problem,
                    retry_in=delay,
                )
                await self._sleep(delay)
        raise DeliveryError(
            f"webhook {self.name!r} could not deliver notification {message.key!r} ({message.kind}) to "
            f"{self.url} after {attempts} attempt(s): {last_problem}",
            channel=self.name,
            attempts=attempts,
            retryable=True,
        )

    async def aclose(self) -> None:
        await self._client.aclose()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
