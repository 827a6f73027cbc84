"""Positions written during one unit of work (an HTTP request, a CLI command).

Applications record the notification id of every event they save here, so the caller can wait
until the read models have caught up with exactly what it wrote (read-your-writes)."""

from __future__ import annotations

from contextvars import ContextVar

_written: ContextVar[dict[str, int] | None] = ContextVar("codeannals_written_positions", default=None)


def begin() -> None:
    """Start collecting positions for a new unit of work."""
    _written.set({})


def record(application: str, position: int) -> None:
    written = _written.get()
    if written is None:
        return
    if position > written.get(application, 0):
        written[application] = position


def collected() -> dict[str, int]:
    return dict(_written.get() or {})
