"""Reading the event log (the audit trail) straight from the event store."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from typing import Any

from application.shared.base import ContextApplication
from projections.audit.events import audit_row


def iter_application(app: ContextApplication, batch: int = 1000) -> Iterator[dict[str, Any]]:
    position = 0
    while True:
        notifications = app.recorder.select_notifications(start=position + 1, limit=batch)
        if not notifications:
            return
        for n in notifications:
            yield audit_row(app.name, n.id, app.mapper.to_domain_event(n))
        position = notifications[-1].id


def iter_events(
    applications: Mapping[str, ContextApplication],
    aggregate: str | None = None,
    type_name: str | None = None,
    since: str | None = None,
    application: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Every event of every application, in time order, filtered."""
    streams = [iter_application(app) for name, app in applications.items() if application in (None, name)]
    for row in heapq.merge(*streams, key=lambda r: (r["occurred_at"], r["application"], r["position"])):
        if aggregate and row["aggregate_id"] != aggregate:
            continue
        if type_name and row["event_type"] != type_name and not row["event_type"].endswith("." + type_name):
            continue
        if since and row["occurred_at"] < since:
            continue
        yield row
