"""Exceptions and warnings of the FEEL package.

FEEL-Scala does not fail an evaluation for a missing variable, a type mismatch or a bad function
argument: it returns ``null`` and records a warning. Only syntax errors (and the result type check
that Zeebe performs on top of an evaluation) are exceptions here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FeelError", "FeelEvaluationError", "FeelSyntaxError", "Warning"]


class FeelError(Exception):
    """Base class of every exception raised by :mod:`autoops.feel`."""


class FeelSyntaxError(FeelError):
    """The expression text is not valid FEEL.

    ``position`` is the 0-based character offset of the offending token in ``text``; ``str()`` shows
    the message, the line/column and a caret excerpt so that a model author can find the mistake.
    """

    def __init__(self, message: str, text: str, position: int) -> None:
        self.message = message
        self.text = text
        self.position = max(0, min(position, len(text)))
        super().__init__(self._render())

    @property
    def line(self) -> int:
        """1-based line of the error position."""
        return self.text.count("\n", 0, self.position) + 1

    @property
    def column(self) -> int:
        """1-based column of the error position."""
        return self.position - (self.text.rfind("\n", 0, self.position) + 1) + 1

    @property
    def summary(self) -> str:
        """The message and line/column on one line, for reports that list many problems."""
        return f"{self.message} (line {self.line}, column {self.column})"

    def _render(self) -> str:
        start = self.text.rfind("\n", 0, self.position) + 1
        end = self.text.find("\n", self.position)
        if end < 0:
            end = len(self.text)
        line_text = self.text[start:end]
        col = self.position - start
        # Keep the excerpt readable for very long single-line expressions.
        if len(line_text) > 100:
            lo = max(0, col - 50)
            hi = min(len(line_text), lo + 100)
            prefix = "..." if lo > 0 else ""
            suffix = "..." if hi < len(line_text) else ""
            line_text = prefix + line_text[lo:hi] + suffix
            col = col - lo + len(prefix)
        return f"{self.summary}\n  {line_text}\n  {' ' * col}^"


class FeelEvaluationError(FeelError):
    """The result of an evaluation does not have the type the engine expects.

    ``str()`` is Zeebe's incident text (error type ``EXTRACT_VALUE_ERROR``) so the engine can use it
    verbatim as the incident message.
    """

    def __init__(self, message: str, *, warnings: tuple[Warning, ...] = ()) -> None:
        self.message = message
        self.warnings = warnings
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Warning:
    """A suppressed failure recorded during evaluation (FEEL-Scala's ``EvaluationFailure``).

    ``kind`` is FEEL-Scala's failure type (``NO_VARIABLE_FOUND``, ``NO_CONTEXT_ENTRY_FOUND``,
    ``NO_PROPERTY_FOUND``, ``NOT_COMPARABLE``, ``INVALID_TYPE``, ``NO_FUNCTION_FOUND``,
    ``FUNCTION_INVOCATION_FAILURE``, ``ASSERT_FAILURE``); ``str()`` is the ``[KIND] message`` line
    that Zeebe appends to incident messages.
    """

    kind: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"
