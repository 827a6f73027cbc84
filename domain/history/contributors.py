"""Contributors of a project: people, found in the commits, grouped by lower-cased e-mail address.

Who a contributor is comes from the imported commits (the read model assigns each new e-mail a
contributor id fixed by the event log). What people decide about them is recorded here, one
aggregate per project: merging contributors (the first id survives, the others become invalid)
and changing a display name. These events stay valid across re-imports.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import Invalid, NotFound
from domain.shared.ids import index_id

MAX_DISPLAY_NAME_LENGTH = 255


def check_display_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("displayName must not be empty")
    name = value.strip()
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        raise Invalid(f"displayName must be at most {MAX_DISPLAY_NAME_LENGTH} characters long")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise Invalid("displayName must not contain control characters")
    return name


def contributors_id(project_id: UUID) -> UUID:
    return index_id("history-contributors", str(project_id))


class ProjectContributors(Aggregate):
    class Created(Aggregate.Created):
        project_id: UUID
        project_num: int
        actor: str

    class Merged(Aggregate.Event):
        contributor_ids: list[int]  # the first survives
        display_name: str
        actor: str

    class DisplayNameChanged(Aggregate.Event):
        contributor_id: int
        display_name: str
        actor: str

    @staticmethod
    def create_id(project_id: UUID) -> UUID:
        return contributors_id(project_id)

    @event(Created)
    def __init__(self, project_id: UUID, project_num: int, actor: str) -> None:
        self.project_id = project_id
        self.project_num = project_num
        self.merged_away: list[int] = []

    def _alive(self, contributor_id: int) -> None:
        if contributor_id in self.merged_away:
            raise NotFound(f"Contributor with id {contributor_id} not found (it was merged into another).")

    def merge(self, contributor_ids: list[int], display_name: str, actor: str) -> None:
        ids = list(dict.fromkeys(int(i) for i in contributor_ids))
        if len(ids) < 2:
            raise Invalid("contributorIds must name at least two different contributors")
        for contributor_id in ids:
            self._alive(contributor_id)
        self._merged(contributor_ids=ids, display_name=check_display_name(display_name), actor=actor)

    @event(Merged)
    def _merged(self, contributor_ids: list[int], display_name: str, actor: str) -> None:
        self.merged_away.extend(contributor_ids[1:])

    def change_display_name(self, contributor_id: int, display_name: str, actor: str) -> None:
        self._alive(contributor_id)
        self._display_name_changed(contributor_id=int(contributor_id), display_name=check_display_name(display_name),
                                   actor=actor)

    @event(DisplayNameChanged)
    def _display_name_changed(self, contributor_id: int, display_name: str, actor: str) -> None:
        pass
