"""Exception types of the forecasting package.

Every error names what was wrong, where it was found and how to fix it, so that a planner reading a
failed job's incident message (or a CLI user) can act without reading the code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autoops.forecast.validation import ValidationReport

__all__ = [
    "ForecastConfigError",
    "ForecastError",
    "InputSourceError",
    "InsufficientHistoryError",
    "OrderDataError",
]


class ForecastError(Exception):
    """Base class of every error raised by :mod:`autoops.forecast`."""


class InputSourceError(ForecastError):
    """The order history could not be read (missing file, unknown format, unsupported SQL URL)."""


class OrderDataError(ForecastError):
    """The order lines failed validation; ``report`` holds every finding with counts and examples."""

    def __init__(self, message: str, report: ValidationReport | None = None) -> None:
        super().__init__(message)
        self.report = report


class ForecastConfigError(ForecastError):
    """A parameter combination cannot work (for example a lead time longer than the horizon)."""


class InsufficientHistoryError(ForecastError):
    """The history is too short for the requested horizon and validation origins."""
