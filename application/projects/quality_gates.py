"""Quality gate use cases, recorded in the projects event log (a gate is part of a project's set-up)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from application.projects.service import ProjectsApplication
from domain.quality.gate import Condition, QualityGate, badge_key_hash, new_badge_key
from domain.shared.errors import Conflict


def _gate(app: ProjectsApplication, project_uuid: UUID, project_id: int, actor: str) -> QualityGate:
    found: QualityGate | None = app.find_aggregate(QualityGate.create_id(project_uuid))
    return found or QualityGate(project_uuid=project_uuid, project_id=project_id, actor=actor)


def set_conditions(app: ProjectsApplication, project_uuid: UUID, project_id: int, conditions: list[Condition],
                   actor: str) -> None:
    for _ in range(4):
        gate = _gate(app, project_uuid, project_id, actor)
        gate.set_conditions(conditions, actor=actor)
        try:
            app.save(gate)
            return
        except Conflict:
            continue
    raise Conflict("the quality gate was changed concurrently; try again")


def regenerate_badge_key(app: ProjectsApplication, project_uuid: UUID, project_id: int, actor: str) -> str:
    """A new badge key (the old one stops opening the badge)."""
    key = new_badge_key()
    sealed = app.secrets.seal(key)
    assert sealed is not None
    for _ in range(4):
        gate = _gate(app, project_uuid, project_id, actor)
        gate.set_badge_key(badge_key_hash(key), sealed, actor=actor)
        try:
            app.save(gate)
            return key
        except Conflict:
            continue
    raise Conflict("the badge key was changed concurrently; try again")


def badge_key(app: ProjectsApplication, project_uuid: UUID) -> str | None:
    gate: QualityGate | None = app.find_aggregate(QualityGate.create_id(project_uuid))
    return None if gate is None or gate.sealed_key is None else app.secrets.open(gate.sealed_key)


def gate_as_of(app: ProjectsApplication, project_uuid: UUID, moment: datetime | None) -> QualityGate | None:
    """The gate as it stood at ``moment`` (now when None); None when it did not exist then."""
    gate_id = QualityGate.create_id(project_uuid)
    if moment is None:
        found: QualityGate | None = app.find_aggregate(gate_id)
        return found
    version = None
    for stored in app.repository.event_store.get(gate_id):
        if getattr(stored, "timestamp") <= moment:  # noqa: B009 (the protocol does not declare it)
            version = stored.originator_version
    if version is None:
        return None
    gate: QualityGate = app.repository.get(gate_id, version=version)
    return gate
