"""Comparing read models row for row."""

from __future__ import annotations

from typing import Any

from projections.runner import ProjectionRunner


def dump(runner: ProjectionRunner, names: list[str] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the (selected) projections, in a canonical order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for p in runner.projections:
        if names is not None and p.name not in names:
            continue
        for table in p.tables:
            rows = runner.store.fetchall(f"SELECT * FROM {table}")
            out[table] = sorted(
                (tuple((k, _norm(v)) for k, v in sorted(r.items())) for r in rows), key=repr
            )
    return out


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    return value
