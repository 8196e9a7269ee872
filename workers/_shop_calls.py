"""What the handlers that call the shop share: the order id variable, the retry policy and the rule
that a shop refusal is permanent.

A :class:`~workers.shop.ShopError` (an order that was never validated, a voided payment, a policy run
that does not exist) cannot be fixed by retrying the job, so it becomes a permanent failure whose
incident message starts with the shop's error code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from autoops.worker import PermanentError, RetryPolicy, Variable
from workers.shop import ShopError

__all__ = ["SHOP_RETRIES", "OrderId", "shop_errors_are_permanent"]

OrderId = Annotated[str, Variable("orderId")]

#: Anything but a shop refusal (a locked database, say) is retried with backoff.
SHOP_RETRIES = RetryPolicy(non_retryable=(ShopError,))


@contextmanager
def shop_errors_are_permanent() -> Iterator[None]:
    """Turn a ShopError raised inside the block into ``PermanentError("<code>: <message>")``."""
    try:
        yield
    except ShopError as exc:
        raise PermanentError(f"{exc.code}: {exc}") from None
