"""Exceptions raised while reading a BPMN file.

Reading fails as a whole (there is no model to validate), so it raises; validation problems on a
readable file are :class:`~autoops.bpmn.diagnostics.Diagnostic` values instead.
"""

from __future__ import annotations

__all__ = ["BpmnParseError"]


class BpmnParseError(ValueError):
    """The bytes are not a BPMN document we are willing to read.

    ``source`` is the file or resource name, ``line`` the 1-based line where the problem was found
    (``None`` when the problem concerns the file as a whole, e.g. its size), ``message`` what was
    wrong and how to fix it.
    """

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source = source
        self.line = line
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"

    def __reduce__(self) -> tuple[type[BpmnParseError], tuple[str, int | None, str]]:
        return (type(self), (self.source, self.line, self.message))
