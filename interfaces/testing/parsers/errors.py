"""The one exception every report parser raises for bad input."""

from __future__ import annotations


class ReportError(ValueError):
    """An uploaded report cannot be read: malformed, unsafe, empty or of an unknown format.

    ``message`` is readable by a person and includes the position when known; ``line`` (1-based)
    and ``column`` (0-based, as expat counts) are also given separately when known.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return self.message
