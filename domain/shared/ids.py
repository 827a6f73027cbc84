"""Deterministic aggregate ids for index aggregates (uniqueness guards)."""

from __future__ import annotations

from uuid import UUID, uuid5

NAMESPACE = UUID("6f1b7f3e-3a52-4c8e-9d5e-0c0de0a11a15")


def index_id(kind: str, key: str) -> UUID:
    """The id of the index aggregate that reserves ``key`` among things of ``kind``."""
    return uuid5(NAMESPACE, f"{kind}:{key}")
