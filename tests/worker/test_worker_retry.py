"""RetryPolicy: the backoff schedule and which errors are retried."""

from datetime import timedelta

import pytest

from autoops.worker import PermanentError, RetryPolicy, WorkerConfigError


def _policy(**kwargs: object) -> RetryPolicy:
    defaults: dict[str, object] = {
        "initial_interval": timedelta(seconds=1),
        "backoff_coefficient": 2.0,
        "maximum_interval": timedelta(seconds=10),
        "jitter": 0.0,
    }
    defaults.update(kwargs)
    return RetryPolicy(**defaults)  # type: ignore[arg-type]


def test_exponential_schedule_without_jitter_is_capped() -> None:
    policy = _policy()
    # attempt 1 is the first delivery: no pause; then 1, 2, 4, 8 s and the cap of 10 s.
    assert [policy.delay(n).total_seconds() for n in range(1, 8)] == [0.0, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert policy.delay_ms(4) == 4000


def test_huge_attempt_numbers_do_not_overflow() -> None:
    assert _policy().delay(10_000).total_seconds() == 10.0
    assert _policy(backoff_coefficient=1.0).delay(10_000).total_seconds() == 1.0


@pytest.mark.parametrize(("uniform", "expected"), [(0.0, 0.75), (0.5, 1.0), (0.999999, 1.25)])
def test_jitter_spreads_around_the_base_delay(uniform: float, expected: float) -> None:
    policy = _policy(jitter=0.25, rng=lambda: uniform)
    assert policy.delay(2).total_seconds() == pytest.approx(expected, rel=1e-5)


def test_cap_holds_after_jitter() -> None:
    policy = _policy(jitter=1.0, rng=lambda: 0.999999)
    assert policy.delay(20).total_seconds() == 10.0


def test_jitter_stays_within_bounds_with_the_real_random_source() -> None:
    policy = _policy(jitter=0.2)
    samples = [policy.delay(3).total_seconds() for _ in range(500)]
    assert min(samples) >= 1.6
    assert max(samples) <= 2.4
    assert len(set(samples)) > 100  # actually jittered


def test_non_retryable_types_and_permanent_error() -> None:
    class Flaky(Exception):
        pass

    policy = _policy(non_retryable=(KeyError, ValueError))
    assert policy.is_retryable(Flaky())
    assert not policy.is_retryable(KeyError("x"))
    assert not policy.is_retryable(UnicodeDecodeError("utf-8", b"", 0, 1, "bad"))  # a ValueError subclass
    assert not policy.is_retryable(PermanentError("never"))
    assert not _policy().is_retryable(PermanentError("never"))


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"initial_interval": timedelta(seconds=-1)}, "initial_interval"),
        ({"backoff_coefficient": 0.5}, "backoff_coefficient"),
        ({"backoff_coefficient": float("inf")}, "backoff_coefficient"),
        ({"maximum_interval": timedelta(milliseconds=10)}, "maximum_interval"),
        ({"jitter": 1.5}, "jitter"),
        ({"non_retryable": ("KeyError",)}, "exception classes"),
    ],
)
def test_invalid_policies_are_refused_with_the_setting_named(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(WorkerConfigError, match=fragment):
        _policy(**kwargs)
