"""Quality gates: conditions a commit must meet, and the verdict over a commit's figures.

A condition fails when ``actual op threshold`` holds (SonarQube's "error if"): ``coverage LT 80``
fails at 79.5. The verdict is PENDING while any condition's figure has not arrived (no analysis of
the commit yet, no test run), else FAILED when any condition fails, else PASSED.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import Invalid
from domain.shared.ids import index_id

OPERATORS = ("LT", "GT", "EQ", "NE")
BUILT_IN = ("coverage", "patchCoverage", "failedTests", "newFindings")
MAX_CONDITIONS = 50
_METRIC = re.compile(r"^[A-Za-z0-9_.:\-]{1,200}$")
PENDING, PASSED, FAILED = "PENDING", "PASSED", "FAILED"


@dataclass(frozen=True)
class Condition:
    metric: str
    op: str
    threshold: float

    def view(self) -> dict[str, Any]:
        threshold: float | int = int(self.threshold) if float(self.threshold).is_integer() else self.threshold
        return {"metric": self.metric, "op": self.op, "threshold": threshold}

    def fails(self, actual: float) -> bool:
        t = self.threshold
        return {"LT": actual < t, "GT": actual > t, "EQ": actual == t, "NE": actual != t}[self.op]


def check_conditions(raw: object) -> list[Condition]:
    if not isinstance(raw, list):
        raise Invalid("conditions must be a list")
    if len(raw) > MAX_CONDITIONS:
        raise Invalid(f"a gate holds at most {MAX_CONDITIONS} conditions")
    out: list[Condition] = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise Invalid(f"conditions[{index}] must be an object with metric, op and threshold")
        metric, op, threshold = item.get("metric"), item.get("op"), item.get("threshold")
        if not isinstance(metric, str) or not _METRIC.match(metric.strip()):
            raise Invalid(f"conditions[{index}].metric must be a metric name")
        if op not in OPERATORS:
            raise Invalid(f"conditions[{index}].op must be one of {', '.join(OPERATORS)}")
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold != threshold \
                or abs(threshold) > 1e15:
            raise Invalid(f"conditions[{index}].threshold must be a number")
        out.append(Condition(metric.strip(), str(op), float(threshold)))
    return out


def new_badge_key() -> str:
    return secrets.token_urlsafe(24)


def badge_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class QualityGate(Aggregate):
    """A project's gate: its conditions, and the key that opens its badge."""

    class Opened(Aggregate.Created):
        project_uuid: UUID
        project_id: int
        actor: str

    class ConditionsSet(Aggregate.Event):
        project_id: int
        conditions: list[dict[str, Any]]
        actor: str

    class BadgeKeySet(Aggregate.Event):
        project_id: int
        key_hash: str
        sealed_key: str
        actor: str

    @staticmethod
    def create_id(project_uuid: UUID) -> UUID:
        return index_id("quality-gate", str(project_uuid))

    @event(Opened)
    def __init__(self, project_uuid: UUID, project_id: int, actor: str) -> None:
        self.project_uuid = project_uuid
        self.project_id = project_id
        self.conditions: list[Condition] = []
        self.sealed_key: str | None = None

    def set_conditions(self, conditions: Sequence[Condition], actor: str) -> None:
        self._conditions_set(project_id=self.project_id, conditions=[c.view() for c in conditions], actor=actor)

    @event(ConditionsSet)
    def _conditions_set(self, project_id: int, conditions: list[dict[str, Any]], actor: str) -> None:
        self.conditions = [Condition(c["metric"], c["op"], float(c["threshold"])) for c in conditions]

    def set_badge_key(self, key_hash: str, sealed_key: str, actor: str) -> None:
        self._badge_key_set(project_id=self.project_id, key_hash=key_hash, sealed_key=sealed_key, actor=actor)

    @event(BadgeKeySet)
    def _badge_key_set(self, project_id: int, key_hash: str, sealed_key: str, actor: str) -> None:
        self.sealed_key = sealed_key


@dataclass(frozen=True)
class Figure:
    """A condition's figure at a commit: its value, or pending (not arrived yet)."""

    value: float | None
    pending: bool = False


def verdict(conditions: Sequence[Condition], figures: Mapping[str, Figure]) -> dict[str, Any]:
    """The gate's answer for a commit. A figure with value None that is not pending (a patch with no
    coverable line) passes its condition."""
    rows = []
    statuses = []
    for c in conditions:
        figure = figures.get(c.metric, Figure(None, pending=True))
        if figure.pending:
            status = PENDING
        elif figure.value is None:
            status = PASSED
        else:
            status = FAILED if c.fails(figure.value) else PASSED
        statuses.append(status)
        actual: float | int | None = figure.value
        if isinstance(actual, float) and actual.is_integer() and c.metric not in ("coverage", "patchCoverage"):
            actual = int(actual)
        rows.append({**c.view(), "actual": actual, "status": status})
    overall = PENDING if PENDING in statuses else FAILED if FAILED in statuses else PASSED
    return {"status": overall, "conditions": rows}
