"""Read model of projects, their configuration, roles, teams and change history.

One projection, so every table follows the projects log in one order: a project's deletion removes
all its rows, and an event that arrives for a deleted project (a race) finds no project and is
ignored. Public ids come from the events (the position of the event that created the thing).
``project_items`` keeps every item id a project ever had (until the project is deleted), so a
configuration rebuilt as of an earlier moment shows the same ids as it did then.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from domain.projects.configuration import ProjectAnalyzers, ProjectFilePatterns, ProjectModules
from domain.projects.members import ProjectMembers
from domain.projects.project import Project
from domain.projects.team import Team, UserRef
from projections.projection import Envelope, Projection, handles
from projections.store import Tx

ENVELOPE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}
SECRET_FIELDS = {"vcs_password"}

PROJECT_TABLES = (
    "project_modules", "project_file_patterns", "project_analyzers", "project_user_roles", "project_team_roles",
    "project_items", "project_history", "project_aggregates",
)

COLLECTION_KINDS: dict[type, str] = {
    ProjectModules: "modules",
    ProjectFilePatterns: "file_patterns",
    ProjectAnalyzers: "analyzers",
    ProjectMembers: "members",
}
ITEM_KINDS = {"modules": "module", "file_patterns": "file_pattern", "analyzers": "analyzer"}
_CollectionCreated = (
    ProjectModules.Created | ProjectFilePatterns.Created | ProjectAnalyzers.Created | ProjectMembers.Created
)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def event_type(event: Any) -> str:
    return type(event).__qualname__


class ProjectsProjection(Projection):
    name = "projects"
    version = 2  # 2: group_name (the Copr group of a project)
    follows = ("projects",)
    tables = {
        "projects": """CREATE TABLE projects (
            id BIGINT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, vcs_url TEXT NOT NULL,
            vcs_username TEXT, vcs_online BOOLEAN NOT NULL, default_branch TEXT, start_date BIGINT,
            creator_id BIGINT NOT NULL, creator_uuid TEXT NOT NULL, description TEXT NOT NULL,
            instructions TEXT NOT NULL, homepage TEXT NOT NULL, contact TEXT NOT NULL,
            disable_createrepo BOOLEAN NOT NULL, build_enable_net BOOLEAN NOT NULL, repos TEXT NOT NULL,
            created_at TEXT NOT NULL, group_name TEXT)""",
        "project_aggregates": """CREATE TABLE project_aggregates (
            aggregate_uuid TEXT PRIMARY KEY, project_id BIGINT NOT NULL, kind TEXT NOT NULL)""",
        "project_items": """CREATE TABLE project_items (
            id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL, kind TEXT NOT NULL, item_key TEXT NOT NULL)""",
        "project_modules": """CREATE TABLE project_modules (
            id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL, item_key TEXT NOT NULL, path TEXT NOT NULL)""",
        "project_file_patterns": """CREATE TABLE project_file_patterns (
            id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL, item_key TEXT NOT NULL, pattern TEXT NOT NULL,
            inclusion_type TEXT NOT NULL)""",
        "project_analyzers": """CREATE TABLE project_analyzers (
            id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL, item_key TEXT NOT NULL,
            analyzer_name TEXT NOT NULL, enabled BOOLEAN NOT NULL, parameters TEXT NOT NULL)""",
        "project_user_roles": """CREATE TABLE project_user_roles (
            project_id BIGINT NOT NULL, user_id BIGINT NOT NULL, user_uuid TEXT NOT NULL, role TEXT NOT NULL,
            PRIMARY KEY (project_id, user_id))""",
        "project_team_roles": """CREATE TABLE project_team_roles (
            project_id BIGINT NOT NULL, team_id BIGINT NOT NULL, role TEXT NOT NULL,
            PRIMARY KEY (project_id, team_id))""",
        "teams": """CREATE TABLE teams (
            id BIGINT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL, creator_id BIGINT NOT NULL,
            created_at TEXT NOT NULL)""",
        "team_members": """CREATE TABLE team_members (
            team_id BIGINT NOT NULL, user_id BIGINT NOT NULL, user_uuid TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id))""",
        "project_history": """CREATE TABLE project_history (
            position BIGINT PRIMARY KEY, project_id BIGINT NOT NULL, aggregate_uuid TEXT NOT NULL,
            aggregate_kind TEXT NOT NULL, aggregate_version BIGINT NOT NULL, event_type TEXT NOT NULL,
            actor TEXT NOT NULL, occurred_at TEXT NOT NULL, changes TEXT NOT NULL)""",
    }
    indexes = [
        "CREATE INDEX projects_creator ON projects (creator_id)",
        "CREATE INDEX project_aggregates_project ON project_aggregates (project_id)",
        "CREATE UNIQUE INDEX project_items_key ON project_items (project_id, kind, item_key)",
        "CREATE INDEX project_modules_project ON project_modules (project_id)",
        "CREATE INDEX project_file_patterns_project ON project_file_patterns (project_id)",
        "CREATE INDEX project_analyzers_project ON project_analyzers (project_id)",
        "CREATE INDEX project_user_roles_user ON project_user_roles (user_id)",
        "CREATE INDEX project_team_roles_team ON project_team_roles (team_id)",
        "CREATE INDEX team_members_user ON team_members (user_id)",
        "CREATE INDEX project_history_project ON project_history (project_id, position)",
        "CREATE INDEX project_history_aggregate ON project_history (aggregate_uuid, occurred_at)",
    ]

    # --- the history of every project event -------------------------------------------------------
    def apply(self, tx: Tx, envelope: Envelope) -> None:
        super().apply(tx, envelope)
        self._record_history(tx, envelope)

    def _record_history(self, tx: Tx, e: Envelope) -> None:
        owner = tx.fetchone(
            "SELECT project_id, kind FROM project_aggregates WHERE aggregate_uuid=%s", (str(e.event.originator_id),)
        )
        if owner is None:
            return  # not a project's event (teams), or its project was deleted
        project_id, kind = int(owner["project_id"]), str(owner["kind"])
        tx.write(
            "INSERT INTO project_history (position, project_id, aggregate_uuid, aggregate_kind, aggregate_version, "
            "event_type, actor, occurred_at, changes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (e.position, project_id, str(e.event.originator_id), kind, int(e.event.originator_version),
             event_type(e.event), str(getattr(e.event, "actor", "system")), e.occurred_at,
             json.dumps(self._changes(tx, e, project_id, kind), default=str, sort_keys=True)),
        )

    def _changes(self, tx: Tx, e: Envelope, project_id: int, kind: str) -> dict[str, Any]:
        """What an event changed, in the API's field names: secrets masked, UUIDs left out, item keys
        replaced by the item's public id."""
        changes: dict[str, Any] = {}
        for key, value in vars(e.event).items():
            if key in ENVELOPE_FIELDS or isinstance(value, UUID):
                continue
            if key in SECRET_FIELDS:
                changes[camel(key)] = None if value is None else "***"
            elif key == "changes" and isinstance(value, dict):
                changes.update({camel(k): v for k, v in value.items()})
            elif key == "key":
                changes["id"] = self._item_id(tx, project_id, ITEM_KINDS.get(kind, kind), str(value))
            else:
                changes[camel(key)] = value
        return changes

    @staticmethod
    def _item_id(tx: Tx, project_id: int, kind: str, key: str) -> int | None:
        value = tx.scalar(
            "SELECT id FROM project_items WHERE project_id=%s AND kind=%s AND item_key=%s", (project_id, kind, key)
        )
        return None if value is None else int(value)

    @staticmethod
    def _owner(tx: Tx, e: Envelope) -> int | None:
        value = tx.scalar(
            "SELECT project_id FROM project_aggregates WHERE aggregate_uuid=%s", (str(e.event.originator_id),)
        )
        return None if value is None else int(value)

    # --- projects ---------------------------------------------------------------------------------
    @handles(Project.Created)
    def project_created(self, tx: Tx, e: Envelope[Project.Created]) -> None:
        ev = e.event
        tx.write(
            "INSERT INTO projects (id, uuid, name, vcs_url, vcs_username, vcs_online, default_branch, start_date, "
            "creator_id, creator_uuid, description, instructions, homepage, contact, disable_createrepo, "
            "build_enable_net, repos, created_at, group_name) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (e.position, str(ev.originator_id), ev.name, ev.vcs_url, ev.vcs_username, bool(ev.vcs_online),
             ev.default_branch, ev.start_date, int(ev.creator_id), str(ev.creator), ev.description,
             ev.instructions, ev.homepage, ev.contact, bool(ev.disable_createrepo), bool(ev.build_enable_net),
             json.dumps(list(ev.repos)), e.occurred_at, getattr(ev, "group", None)),
        )
        tx.write(
            "INSERT INTO project_aggregates (aggregate_uuid, project_id, kind) VALUES (%s, %s, %s)",
            (str(ev.originator_id), e.position, "project"),
        )

    def _set_project(self, tx: Tx, e: Envelope, **values: Any) -> None:
        assignments = ", ".join(f"{column}=%s" for column in values)
        tx.write(f"UPDATE projects SET {assignments} WHERE uuid=%s", (*values.values(), str(e.event.originator_id)))

    @handles(Project.Renamed)
    def project_renamed(self, tx: Tx, e: Envelope[Project.Renamed]) -> None:
        self._set_project(tx, e, name=e.event.name)

    @handles(Project.VcsUrlChanged)
    def vcs_url_changed(self, tx: Tx, e: Envelope[Project.VcsUrlChanged]) -> None:
        self._set_project(tx, e, vcs_url=e.event.vcs_url)

    @handles(Project.VcsCredentialsChanged)
    def vcs_credentials_changed(self, tx: Tx, e: Envelope[Project.VcsCredentialsChanged]) -> None:
        self._set_project(tx, e, vcs_username=e.event.vcs_username)

    @handles(Project.VcsOnlineChanged)
    def vcs_online_changed(self, tx: Tx, e: Envelope[Project.VcsOnlineChanged]) -> None:
        self._set_project(tx, e, vcs_online=bool(e.event.vcs_online))

    @handles(Project.StartDateChanged)
    def start_date_changed(self, tx: Tx, e: Envelope[Project.StartDateChanged]) -> None:
        self._set_project(tx, e, start_date=e.event.start_date)

    @handles(Project.DefaultBranchChanged)
    def default_branch_changed(self, tx: Tx, e: Envelope[Project.DefaultBranchChanged]) -> None:
        self._set_project(tx, e, default_branch=e.event.default_branch)

    @handles(Project.DetailsChanged)
    def details_changed(self, tx: Tx, e: Envelope[Project.DetailsChanged]) -> None:
        values = {k: (json.dumps(list(v)) if k == "repos" else v) for k, v in e.event.changes.items()}
        if values:
            self._set_project(tx, e, **values)

    @handles(Project.Deleted)
    def project_deleted(self, tx: Tx, e: Envelope[Project.Deleted]) -> None:
        project_id = tx.scalar("SELECT id FROM projects WHERE uuid=%s", (str(e.event.originator_id),))
        if project_id is None:
            return
        for table in PROJECT_TABLES:
            tx.write(f"DELETE FROM {table} WHERE project_id=%s", (project_id,))
        tx.write("DELETE FROM projects WHERE id=%s", (project_id,))

    # --- configuration collections ----------------------------------------------------------------
    @handles(ProjectModules.Created, ProjectFilePatterns.Created, ProjectAnalyzers.Created, ProjectMembers.Created)
    def collection_created(self, tx: Tx, e: Envelope[_CollectionCreated]) -> None:
        ev = e.event
        project_id = tx.scalar("SELECT id FROM projects WHERE uuid=%s", (str(ev.project_id),))
        if project_id is None:
            return
        kind = next(k for cls, k in COLLECTION_KINDS.items() if type(ev).__qualname__ == f"{cls.__name__}.Created")
        tx.write(
            "INSERT INTO project_aggregates (aggregate_uuid, project_id, kind) VALUES (%s, %s, %s)",
            (str(ev.originator_id), project_id, kind),
        )
        if isinstance(ev, ProjectMembers.Created):
            self._set_user_role(tx, int(project_id), int(ev.creator_id), str(ev.creator), "ADMIN")

    def _add_item(self, tx: Tx, e: Envelope, kind: str) -> int | None:
        project_id = self._owner(tx, e)
        if project_id is not None:
            tx.write(
                "INSERT INTO project_items (id, project_id, kind, item_key) VALUES (%s, %s, %s, %s)",
                (e.position, project_id, kind, e.event.key),
            )
        return project_id

    @handles(ProjectModules.ModuleAdded)
    def module_added(self, tx: Tx, e: Envelope[ProjectModules.ModuleAdded]) -> None:
        project_id = self._add_item(tx, e, "module")
        if project_id is not None:
            tx.write(
                "INSERT INTO project_modules (id, project_id, item_key, path) VALUES (%s, %s, %s, %s)",
                (e.position, project_id, e.event.key, e.event.path),
            )

    @handles(ProjectModules.ModuleChanged)
    def module_changed(self, tx: Tx, e: Envelope[ProjectModules.ModuleChanged]) -> None:
        tx.write("UPDATE project_modules SET path=%s WHERE item_key=%s", (e.event.path, e.event.key))

    @handles(ProjectModules.ModuleRemoved)
    def module_removed(self, tx: Tx, e: Envelope[ProjectModules.ModuleRemoved]) -> None:
        tx.write("DELETE FROM project_modules WHERE item_key=%s", (e.event.key,))

    @handles(ProjectFilePatterns.PatternAdded)
    def pattern_added(self, tx: Tx, e: Envelope[ProjectFilePatterns.PatternAdded]) -> None:
        project_id = self._add_item(tx, e, "file_pattern")
        if project_id is not None:
            tx.write(
                "INSERT INTO project_file_patterns (id, project_id, item_key, pattern, inclusion_type) "
                "VALUES (%s, %s, %s, %s, %s)",
                (e.position, project_id, e.event.key, e.event.pattern, e.event.inclusion_type),
            )

    @handles(ProjectFilePatterns.PatternChanged)
    def pattern_changed(self, tx: Tx, e: Envelope[ProjectFilePatterns.PatternChanged]) -> None:
        tx.write(
            "UPDATE project_file_patterns SET pattern=%s, inclusion_type=%s WHERE item_key=%s",
            (e.event.pattern, e.event.inclusion_type, e.event.key),
        )

    @handles(ProjectFilePatterns.PatternRemoved)
    def pattern_removed(self, tx: Tx, e: Envelope[ProjectFilePatterns.PatternRemoved]) -> None:
        tx.write("DELETE FROM project_file_patterns WHERE item_key=%s", (e.event.key,))

    @handles(ProjectAnalyzers.AnalyzerAdded)
    def analyzer_added(self, tx: Tx, e: Envelope[ProjectAnalyzers.AnalyzerAdded]) -> None:
        project_id = self._add_item(tx, e, "analyzer")
        if project_id is not None:
            tx.write(
                "INSERT INTO project_analyzers (id, project_id, item_key, analyzer_name, enabled, parameters) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                (e.position, project_id, e.event.key, e.event.analyzer_name, bool(e.event.enabled),
                 json.dumps(e.event.parameters, sort_keys=True)),
            )

    @handles(ProjectAnalyzers.AnalyzerChanged)
    def analyzer_changed(self, tx: Tx, e: Envelope[ProjectAnalyzers.AnalyzerChanged]) -> None:
        tx.write(
            "UPDATE project_analyzers SET analyzer_name=%s, enabled=%s, parameters=%s WHERE item_key=%s",
            (e.event.analyzer_name, bool(e.event.enabled), json.dumps(e.event.parameters, sort_keys=True),
             e.event.key),
        )

    @handles(ProjectAnalyzers.AnalyzerRemoved)
    def analyzer_removed(self, tx: Tx, e: Envelope[ProjectAnalyzers.AnalyzerRemoved]) -> None:
        tx.write("DELETE FROM project_analyzers WHERE item_key=%s", (e.event.key,))

    # --- roles ------------------------------------------------------------------------------------
    @staticmethod
    def _set_user_role(tx: Tx, project_id: int, user_id: int, user_uuid: str, role: str) -> None:
        tx.write("DELETE FROM project_user_roles WHERE project_id=%s AND user_id=%s", (project_id, user_id))
        tx.write(
            "INSERT INTO project_user_roles (project_id, user_id, user_uuid, role) VALUES (%s, %s, %s, %s)",
            (project_id, user_id, user_uuid, role),
        )

    @handles(ProjectMembers.UserRoleSet)
    def user_role_set(self, tx: Tx, e: Envelope[ProjectMembers.UserRoleSet]) -> None:
        project_id = self._owner(tx, e)
        if project_id is not None:
            self._set_user_role(tx, project_id, int(e.event.user_id), str(e.event.user), e.event.role)

    @handles(ProjectMembers.UserRoleRemoved)
    def user_role_removed(self, tx: Tx, e: Envelope[ProjectMembers.UserRoleRemoved]) -> None:
        project_id = self._owner(tx, e)
        tx.write(
            "DELETE FROM project_user_roles WHERE project_id=%s AND user_id=%s", (project_id, int(e.event.user_id))
        )

    @handles(ProjectMembers.TeamRoleSet)
    def team_role_set(self, tx: Tx, e: Envelope[ProjectMembers.TeamRoleSet]) -> None:
        project_id = self._owner(tx, e)
        team_id = int(e.event.team_id)
        if project_id is None or tx.scalar("SELECT id FROM teams WHERE id=%s", (team_id,)) is None:
            return
        tx.write("DELETE FROM project_team_roles WHERE project_id=%s AND team_id=%s", (project_id, team_id))
        tx.write(
            "INSERT INTO project_team_roles (project_id, team_id, role) VALUES (%s, %s, %s)",
            (project_id, team_id, e.event.role),
        )

    @handles(ProjectMembers.TeamRoleRemoved)
    def team_role_removed(self, tx: Tx, e: Envelope[ProjectMembers.TeamRoleRemoved]) -> None:
        project_id = self._owner(tx, e)
        tx.write(
            "DELETE FROM project_team_roles WHERE project_id=%s AND team_id=%s", (project_id, int(e.event.team_id))
        )

    # --- teams ------------------------------------------------------------------------------------
    @staticmethod
    def _team_id(tx: Tx, e: Envelope) -> int | None:
        value = tx.scalar("SELECT id FROM teams WHERE uuid=%s", (str(e.event.originator_id),))
        return None if value is None else int(value)

    @staticmethod
    def _add_members(tx: Tx, team_id: int, members: list[dict[str, Any]]) -> None:
        for fact in members:
            ref = UserRef.of(fact)
            tx.write("DELETE FROM team_members WHERE team_id=%s AND user_id=%s", (team_id, ref.id))
            tx.write(
                "INSERT INTO team_members (team_id, user_id, user_uuid) VALUES (%s, %s, %s)",
                (team_id, ref.id, str(ref.uuid)),
            )

    @handles(Team.Created)
    def team_created(self, tx: Tx, e: Envelope[Team.Created]) -> None:
        ev = e.event
        tx.write(
            "INSERT INTO teams (id, uuid, name, creator_id, created_at) VALUES (%s, %s, %s, %s, %s)",
            (e.position, str(ev.originator_id), ev.name, int(ev.creator_id), e.occurred_at),
        )
        self._add_members(tx, e.position, ev.members)

    @handles(Team.Renamed)
    def team_renamed(self, tx: Tx, e: Envelope[Team.Renamed]) -> None:
        tx.write("UPDATE teams SET name=%s WHERE uuid=%s", (e.event.name, str(e.event.originator_id)))

    @handles(Team.MembersAdded)
    def team_members_added(self, tx: Tx, e: Envelope[Team.MembersAdded]) -> None:
        team_id = self._team_id(tx, e)
        if team_id is not None:
            self._add_members(tx, team_id, e.event.members)

    @handles(Team.MembersRemoved)
    def team_members_removed(self, tx: Tx, e: Envelope[Team.MembersRemoved]) -> None:
        team_id = self._team_id(tx, e)
        for fact in e.event.members:
            tx.write(
                "DELETE FROM team_members WHERE team_id=%s AND user_id=%s", (team_id, UserRef.of(fact).id)
            )

    @handles(Team.Deleted)
    def team_deleted(self, tx: Tx, e: Envelope[Team.Deleted]) -> None:
        team_id = self._team_id(tx, e)
        if team_id is None:
            return
        tx.write("DELETE FROM team_members WHERE team_id=%s", (team_id,))
        tx.write("DELETE FROM project_team_roles WHERE team_id=%s", (team_id,))
        tx.write("DELETE FROM teams WHERE id=%s", (team_id,))
