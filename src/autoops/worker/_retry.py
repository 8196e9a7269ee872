"""Backoff schedules: retrying failed jobs and reconnecting to the gateway use the same policy type.

Zeebe keeps the retry *count* on the job (``zeebe:taskDefinition retries``) and lets the worker choose
the pause before the next attempt (FailJob ``retryBackOff``). The policy therefore only answers two
questions: how long to wait before attempt ``n``, and whether an exception is worth retrying at all.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from autoops.worker._errors import PermanentError, WorkerConfigError

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter and a cap, plus the exception types that are never retried.

    The pause before attempt ``n`` (``n >= 2``; attempt 1 is the first delivery) is
    ``initial_interval * backoff_coefficient ** (n - 2)``, capped at ``maximum_interval``, then spread
    by ``± jitter`` (a fraction) so that many jobs failing together do not come back together. The cap
    holds after jitter too. ``non_retryable`` exception types (and :class:`PermanentError`) fail the job
    with no retries left, which raises an incident at once. ``rng`` (uniform in [0, 1)) exists so that
    tests and simulations can make the jitter reproducible.
    """

    initial_interval: timedelta = timedelta(seconds=1)
    backoff_coefficient: float = 2.0
    maximum_interval: timedelta = timedelta(minutes=5)
    jitter: float = 0.2
    non_retryable: tuple[type[BaseException], ...] = ()
    rng: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.initial_interval < timedelta(0):
            raise WorkerConfigError(
                f"RetryPolicy.initial_interval must be zero or positive, got {self.initial_interval}"
            )
        if not math.isfinite(self.backoff_coefficient) or self.backoff_coefficient < 1.0:
            raise WorkerConfigError(
                f"RetryPolicy.backoff_coefficient must be a finite number >= 1.0, got {self.backoff_coefficient}"
            )
        if self.maximum_interval < self.initial_interval:
            raise WorkerConfigError(
                f"RetryPolicy.maximum_interval ({self.maximum_interval}) must be at least "
                f"initial_interval ({self.initial_interval})"
            )
        if not 0.0 <= self.jitter <= 1.0:
            raise WorkerConfigError(f"RetryPolicy.jitter must be a fraction in [0, 1], got {self.jitter}")
        for kind in self.non_retryable:
            if not (isinstance(kind, type) and issubclass(kind, BaseException)):
                raise WorkerConfigError(
                    f"RetryPolicy.non_retryable must hold exception classes, got {kind!r}"
                )

    def base_delay(self, attempt: int) -> float:
        """Seconds before ``attempt`` without jitter (0 for the first attempt)."""
        if attempt <= 1:
            return 0.0
        initial = self.initial_interval.total_seconds()
        cap = self.maximum_interval.total_seconds()
        if initial == 0.0:
            return 0.0
        exponent = attempt - 2
        if self.backoff_coefficient > 1.0 and exponent > math.log(cap / initial, self.backoff_coefficient):
            return cap
        return min(cap, initial * self.backoff_coefficient**exponent)

    def delay(self, attempt: int) -> timedelta:
        """The jittered pause before ``attempt``; never above ``maximum_interval``, never negative."""
        base = self.base_delay(attempt)
        if base == 0.0 or self.jitter == 0.0:
            return timedelta(seconds=base)
        spread = 1.0 + self.jitter * (2.0 * self.rng() - 1.0)
        seconds = min(self.maximum_interval.total_seconds(), max(0.0, base * spread))
        return timedelta(seconds=seconds)

    def delay_ms(self, attempt: int) -> int:
        """:meth:`delay` in whole milliseconds, as FailJob's ``retryBackOff`` wants it."""
        return round(self.delay(attempt).total_seconds() * 1000)

    def is_retryable(self, error: BaseException) -> bool:
        """False for :class:`PermanentError` and for instances of the ``non_retryable`` types."""
        if isinstance(error, PermanentError):
            return False
        return not (self.non_retryable and isinstance(error, self.non_retryable))
