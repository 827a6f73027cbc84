"""Read model of quality gates: each project's conditions, and which badge key opens whose badge."""

from __future__ import annotations

import json
from typing import Any

from domain.quality.gate import QualityGate
from projections.projection import Envelope, Projection, handles
from projections.store import ReadStore, Tx


class QualityGatesProjection(Projection):
    name = "quality_gates"
    version = 1
    follows = ("projects",)
    tables = {
        "quality_gates": """CREATE TABLE quality_gates (
            project_id BIGINT PRIMARY KEY, conditions TEXT NOT NULL, badge_key_hash TEXT,
            updated_at TEXT NOT NULL, changes BIGINT NOT NULL)""",
    }
    indexes = ["CREATE INDEX quality_gates_badge ON quality_gates (badge_key_hash)"]

    @handles(QualityGate.Opened)
    def opened(self, tx: Tx, e: Envelope[QualityGate.Opened]) -> None:
        tx.execute("INSERT INTO quality_gates (project_id, conditions, badge_key_hash, updated_at, changes) "
                   "VALUES (%s, %s, %s, %s, %s)", (int(e.event.project_id), "[]", None, e.occurred_at, 0))

    @handles(QualityGate.ConditionsSet)
    def conditions_set(self, tx: Tx, e: Envelope[QualityGate.ConditionsSet]) -> None:
        tx.execute("UPDATE quality_gates SET conditions=%s, updated_at=%s, changes=changes+1 WHERE project_id=%s",
                   (json.dumps(e.event.conditions), e.occurred_at, int(e.event.project_id)))

    @handles(QualityGate.BadgeKeySet)
    def badge_key_set(self, tx: Tx, e: Envelope[QualityGate.BadgeKeySet]) -> None:
        tx.execute("UPDATE quality_gates SET badge_key_hash=%s WHERE project_id=%s",
                   (e.event.key_hash, int(e.event.project_id)))


def gate_of(store: ReadStore, project_id: int) -> dict[str, Any] | None:
    row = store.fetchone("SELECT project_id, conditions, updated_at, changes FROM quality_gates WHERE project_id=%s",
                         (project_id,))
    return None if row is None else {**row, "conditions": json.loads(row["conditions"])}


def project_of_badge_key(store: ReadStore, key_hash: str) -> int | None:
    value = store.scalar("SELECT project_id FROM quality_gates WHERE badge_key_hash=%s", (key_hash,))
    return None if value is None else int(value)
