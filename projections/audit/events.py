"""The audit trail as a read model: every event of every application, with its actor."""

from __future__ import annotations

import json
from typing import Any

from projections.projection import Envelope, Projection, iso
from projections.store import ReadStore, Row, Tx

SECRET_MARKERS = ("password", "token_hash", "secret", "cipher")
ENVELOPE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}
# Bulk facts (a batch of imported commits, an upload's test cases, measured contents) are shown by their
# size: they are megabytes each, kept in the event store (`codeannals events` prints them whole).
MAX_TEXT = 2048
MAX_ITEMS = 200


def _summarised(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return {"omitted": "bulk text, kept in the event store", "characters": len(value)}
    if isinstance(value, bytes | bytearray) and len(value) > MAX_TEXT:
        return {"omitted": "bulk data, kept in the event store", "bytes": len(value)}
    if isinstance(value, list | tuple | dict | set | frozenset) and len(value) > MAX_ITEMS:
        return {"omitted": "bulk items, kept in the event store", "items": len(value)}
    return value


def redacted_payload(event: Any) -> dict[str, Any]:
    """The event's facts, minus envelope fields, with secrets (hashes, encrypted values) masked."""
    payload: dict[str, Any] = {}
    for key, value in vars(event).items():
        if key in ENVELOPE_FIELDS:
            continue
        if any(marker in key.lower() for marker in SECRET_MARKERS):
            payload[key] = "***"
        else:
            payload[key] = _summarised(value)
    return payload


def event_type(event: Any) -> str:
    return type(event).__qualname__


def audit_row(application: str, position: int, event: Any) -> dict[str, Any]:
    payload = redacted_payload(event)
    return {
        "application": application,
        "position": position,
        "aggregate_id": str(event.originator_id),
        "aggregate_version": int(event.originator_version),
        "event_type": event_type(event),
        "actor": str(payload.get("actor", "system")),
        "occurred_at": iso(event.timestamp),
        "payload": payload,
    }


def _json(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


class AuditProjection(Projection):
    name = "audit"
    version = 2
    all_events = True
    tables = {
        "audit_events": """CREATE TABLE audit_events (
            application TEXT NOT NULL, position BIGINT NOT NULL, aggregate_id TEXT NOT NULL,
            aggregate_version BIGINT NOT NULL, event_type TEXT NOT NULL, actor TEXT NOT NULL,
            occurred_at TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (application, position))""",
    }
    indexes = [
        "CREATE INDEX audit_events_time ON audit_events (occurred_at)",
        "CREATE INDEX audit_events_aggregate ON audit_events (aggregate_id)",
        "CREATE INDEX audit_events_type ON audit_events (event_type)",
    ]

    def __init__(self, applications: tuple[str, ...]) -> None:
        self.follows = applications

    def apply_any(self, tx: Tx, envelope: Envelope) -> None:
        # a fact that names the aggregates whose streams were erased (retention) removes their rows
        for aggregate_id in getattr(envelope.event, "erased", None) or ():
            tx.write("DELETE FROM audit_events WHERE application=%s AND aggregate_id=%s",
                     (envelope.application, str(aggregate_id)))
        row = audit_row(envelope.application, envelope.position, envelope.event)
        tx.write(
            "INSERT INTO audit_events (application, position, aggregate_id, aggregate_version, event_type, "
            "actor, occurred_at, payload) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (row["application"], row["position"], row["aggregate_id"], row["aggregate_version"],
             row["event_type"], row["actor"], row["occurred_at"], _json(row["payload"])),
        )


def query_events(
    store: ReadStore,
    aggregate: str | None = None,
    type_name: str | None = None,
    since: str | None = None,
    application: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    where, params = _filters(aggregate, type_name, since, application)
    rows = store.fetchall(
        "SELECT application, position, aggregate_id, aggregate_version, event_type, actor, occurred_at, payload "
        f"FROM audit_events {where} ORDER BY occurred_at, application, position LIMIT %s OFFSET %s",
        (*params, limit, offset),
    )
    return [_decode(r) for r in rows]


def _filters(aggregate: str | None, type_name: str | None, since: str | None,
             application: str | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if aggregate:
        clauses.append("aggregate_id = %s")
        params.append(aggregate)
    if type_name:
        clauses.append("(event_type = %s OR event_type LIKE %s)")
        params += [type_name, f"%.{type_name}"]
    if since:
        clauses.append("occurred_at >= %s")
        params.append(since)
    if application:
        clauses.append("application = %s")
        params.append(application)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _decode(row: Row) -> dict[str, Any]:
    return {**row, "payload": json.loads(row["payload"])}
