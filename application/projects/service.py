"""Projects use cases: projects, their configuration (modules, file patterns, analyzers), roles and teams.

Commands take UUIDs (the HTTP layer resolves public numeric ids through the read models) and answer
the public numeric id of what they created: the position of the event that created it.

Concurrency: every save is checked against the aggregate's version. Additions and removals are
retried on the newest state when a concurrent change won the race (their checks run again, so a
duplicate is still refused); updates that replace values (project settings, an item's values, a
team's name and members) are not retried: the loser gets a 409 and nothing is overwritten silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from application.projects.ports import AnalyzerOffer, StaticAnalyzerOffer
from application.projects.vcs import check_vcs_url
from application.shared.base import ContextApplication
from application.shared.secrets import SecretBox
from domain.projects.configuration import ProjectAnalyzers, ProjectFilePatterns, ProjectModules
from domain.projects.members import ProjectMembers
from domain.projects.project import COPR_DEFAULTS, Project
from domain.projects.team import Team, UserRef
from domain.shared.errors import Conflict, Invalid, NotFound
from domain.shared.name_index import TEAM_NAME, NameIndex, NameTaken, reserve

PROJECT_FIELDS = ("name", "vcs_url", "vcs_username", "vcs_password", "vcs_online", "default_branch", "start_date")


@dataclass(frozen=True)
class NewProject:
    """A project to create. ``vcs_url`` None: no repository (Copr projects; coderadar always gives one).
    ``group``: the Copr group that manages it."""

    name: str
    vcs_url: str | None
    vcs_username: str | None = None
    vcs_password: str | None = None
    vcs_online: bool = True
    default_branch: str | None = None
    start_date: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    group: str | None = None


@dataclass(frozen=True)
class Created:
    uuid: UUID
    id: int


@dataclass(frozen=True)
class AddedItem:
    key: str
    id: int



class ProjectsApplication(ContextApplication):
    name = "projects"
    snapshotting_intervals = {
        Project: 50,
        ProjectModules: 50,
        ProjectFilePatterns: 50,
        ProjectAnalyzers: 50,
        ProjectMembers: 50,
        Team: 50,
    }

    def __init__(
        self,
        env: dict[str, str] | None = None,
        local_repo_roots: Iterable[Path] = (),
        analyzers: AnalyzerOffer | None = None,
        secrets: SecretBox | None = None,
    ) -> None:
        super().__init__(env)
        self.secrets = secrets or SecretBox.from_secret("codeannals-development-only")
        self.local_repo_roots = tuple(local_repo_roots)
        self.analyzers: AnalyzerOffer = analyzers or StaticAnalyzerOffer(())

    # --- helpers ------------------------------------------------------------------------------
    def project(self, project_uuid: UUID) -> Project:
        project = self.get_aggregate(project_uuid, Project, "project")
        if project.deleted:
            raise NotFound("project not found")
        return project

    def modules(self, project_uuid: UUID) -> ProjectModules:
        modules = self.get_aggregate(ProjectModules.create_id(project_uuid), ProjectModules, "project")
        return modules

    def file_patterns(self, project_uuid: UUID) -> ProjectFilePatterns:
        patterns = self.get_aggregate(ProjectFilePatterns.create_id(project_uuid), ProjectFilePatterns, "project")
        return patterns

    def analyzer_configurations(self, project_uuid: UUID) -> ProjectAnalyzers:
        analyzers = self.get_aggregate(ProjectAnalyzers.create_id(project_uuid), ProjectAnalyzers, "project")
        return analyzers

    def members(self, project_uuid: UUID) -> ProjectMembers:
        members = self.get_aggregate(ProjectMembers.create_id(project_uuid), ProjectMembers, "project")
        return members

    def team(self, team_uuid: UUID) -> Team:
        team = self.get_aggregate(team_uuid, Team, "team")
        if team.deleted:
            raise NotFound("team not found")
        return team

    def at_version(self, aggregate_id: UUID, version: int) -> Any:
        """An aggregate rebuilt from its events up to ``version`` (as it stood after that event)."""
        return self.repository.get(aggregate_id, version=version)

    # --- projects -----------------------------------------------------------------------------
    def check_vcs_url(self, url: object) -> str:
        return check_vcs_url(url, self.local_repo_roots)

    def vcs_password(self, project: Project) -> str | None:
        """The project's repository password in clear text (it is sealed in the events)."""
        return self.secrets.open(project.vcs_password)

    def create_project(self, new: NewProject, creator: UserRef, actor: str) -> Created:
        """Create a project with empty configuration; its creator becomes its ADMIN."""
        project = Project.create(
            name=new.name,
            vcs_url=None if new.vcs_url is None else self.check_vcs_url(new.vcs_url),
            creator=creator.uuid,
            creator_id=creator.id,
            actor=actor,
            vcs_username=new.vcs_username,
            vcs_password=self.secrets.seal(new.vcs_password),
            vcs_online=new.vcs_online,
            default_branch=new.default_branch,
            start_date=new.start_date,
            group=new.group,
            **dict(new.details),
        )
        position = self.save_position(
            project,
            ProjectModules(project_id=project.id, actor=actor),
            ProjectFilePatterns(project_id=project.id, actor=actor),
            ProjectAnalyzers(project_id=project.id, actor=actor),
            ProjectMembers(project_id=project.id, creator=creator.uuid, creator_id=creator.id, actor=actor),
        )
        return Created(project.id, position)

    def update_project(self, project_uuid: UUID, changes: Mapping[str, Any], actor: str) -> None:
        """Change the given fields (``name``, ``vcs_url``, ``vcs_username``, ``vcs_password``,
        ``vcs_online``, ``default_branch``, ``start_date`` and the Copr fields); others stay as they are.
        Not retried on a concurrent change (409)."""
        unknown = set(changes) - set(PROJECT_FIELDS) - set(COPR_DEFAULTS)
        if unknown:
            raise Invalid(f"unknown project fields: {', '.join(sorted(unknown))}")
        project = self.project(project_uuid)
        if "name" in changes:
            project.rename(changes["name"], actor=actor)
        if "vcs_url" in changes:
            project.change_vcs_url(self.check_vcs_url(changes["vcs_url"]), actor=actor)
        if "vcs_username" in changes or "vcs_password" in changes:
            project.change_vcs_credentials(
                changes.get("vcs_username", project.vcs_username),
                self.secrets.seal(changes["vcs_password"]) if "vcs_password" in changes else project.vcs_password,
                actor=actor,
            )
        if "vcs_online" in changes:
            project.set_vcs_online(bool(changes["vcs_online"]), actor=actor)
        if "start_date" in changes:
            project.change_start_date(changes["start_date"], actor=actor)
        if "default_branch" in changes:
            project.change_default_branch(changes["default_branch"], actor=actor)
        details = {k: v for k, v in changes.items() if k in COPR_DEFAULTS}
        if details:
            project.change_details(actor=actor, **details)
        self.save(project)

    def delete_project(self, project_uuid: UUID, actor: str) -> None:
        """Delete a project: it leaves every read model; its events stay."""

        def command() -> None:
            project = self.project(project_uuid)
            project.delete(actor=actor)
            self.save(project)

        self.retry_on_race(command)

    def delete_projects(self, project_uuids: Iterable[UUID], actor: str) -> int:
        """Delete several projects (those a deleted user created); answers how many were deleted."""
        deleted = 0
        for project_uuid in project_uuids:
            try:
                self.delete_project(project_uuid, actor)
            except NotFound:
                continue
            deleted += 1
        return deleted

    # --- modules ------------------------------------------------------------------------------
    def add_module(self, project_uuid: UUID, path: str, actor: str) -> AddedItem:
        def command() -> AddedItem:
            self.project(project_uuid)
            modules = self.modules(project_uuid)
            key = modules.add(path, actor=actor)
            return AddedItem(key, self.save_position(modules))

        return self.retry_on_race(command)

    def change_module(self, project_uuid: UUID, key: str, path: str, actor: str) -> None:
        self.project(project_uuid)
        modules = self.modules(project_uuid)
        modules.change(key, path, actor=actor)
        self.save(modules)

    def remove_module(self, project_uuid: UUID, key: str, actor: str) -> None:
        def command() -> None:
            self.project(project_uuid)
            modules = self.modules(project_uuid)
            modules.remove(key, actor=actor)
            self.save(modules)

        self.retry_on_race(command)

    # --- file patterns ------------------------------------------------------------------------
    def add_file_pattern(self, project_uuid: UUID, pattern: str, inclusion_type: str, actor: str) -> AddedItem:
        def command() -> AddedItem:
            self.project(project_uuid)
            patterns = self.file_patterns(project_uuid)
            key = patterns.add(pattern, inclusion_type, actor=actor)
            return AddedItem(key, self.save_position(patterns))

        return self.retry_on_race(command)

    def change_file_pattern(self, project_uuid: UUID, key: str, pattern: str, inclusion_type: str,
                            actor: str) -> None:
        self.project(project_uuid)
        patterns = self.file_patterns(project_uuid)
        patterns.change(key, pattern, inclusion_type, actor=actor)
        self.save(patterns)

    def remove_file_pattern(self, project_uuid: UUID, key: str, actor: str) -> None:
        def command() -> None:
            self.project(project_uuid)
            patterns = self.file_patterns(project_uuid)
            patterns.remove(key, actor=actor)
            self.save(patterns)

        self.retry_on_race(command)

    # --- analyzer configurations --------------------------------------------------------------
    def offered_analyzers(self) -> list[str]:
        return self.analyzers.names()

    def _checked_analyzer(self, name: object, parameters: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
        if not isinstance(name, str) or not name.strip():
            raise Invalid("analyzerName must not be empty")
        name = name.strip()
        if name not in self.analyzers.names():
            raise Invalid(f"Analyzer with name {name} is not available on this server (see GET /api/analyzers).")
        given = dict(parameters or {})
        checked = self.analyzers.validate_parameters(name, given)
        # Keep what was given (checked and coerced); defaults are the catalog's to fill in when it runs.
        return name, {key: checked[key] for key in given if key in checked}

    def add_analyzer(self, project_uuid: UUID, analyzer_name: str, enabled: bool,
                     parameters: Mapping[str, Any] | None, actor: str) -> AddedItem:
        name, checked = self._checked_analyzer(analyzer_name, parameters)

        def command() -> AddedItem:
            self.project(project_uuid)
            analyzers = self.analyzer_configurations(project_uuid)
            key = analyzers.add(name, enabled, checked, actor=actor)
            return AddedItem(key, self.save_position(analyzers))

        return self.retry_on_race(command)

    def change_analyzer(self, project_uuid: UUID, key: str, analyzer_name: str, enabled: bool,
                        parameters: Mapping[str, Any] | None, actor: str) -> None:
        name, checked = self._checked_analyzer(analyzer_name, parameters)
        self.project(project_uuid)
        analyzers = self.analyzer_configurations(project_uuid)
        analyzers.change(key, name, enabled, checked, actor=actor)
        self.save(analyzers)

    def remove_analyzer(self, project_uuid: UUID, key: str, actor: str) -> None:
        def command() -> None:
            self.project(project_uuid)
            analyzers = self.analyzer_configurations(project_uuid)
            analyzers.remove(key, actor=actor)
            self.save(analyzers)

        self.retry_on_race(command)

    # --- roles --------------------------------------------------------------------------------
    def set_user_role(self, project_uuid: UUID, user: UserRef, role: str, actor: str) -> None:
        def command() -> None:
            self.project(project_uuid)
            members = self.members(project_uuid)
            members.set_user_role(user.uuid, user.id, role, actor=actor)
            self.save(members)

        self.retry_on_race(command)

    def remove_user_role(self, project_uuid: UUID, user: UserRef, actor: str) -> None:
        def command() -> None:
            self.project(project_uuid)
            members = self.members(project_uuid)
            members.remove_user(user.uuid, user.id, actor=actor)
            self.save(members)

        self.retry_on_race(command)

    def set_team_role(self, project_uuid: UUID, team_uuid: UUID, team_id: int, role: str, actor: str) -> None:
        def command() -> None:
            self.project(project_uuid)
            self.team(team_uuid)
            members = self.members(project_uuid)
            members.set_team_role(team_uuid, team_id, role, actor=actor)
            self.save(members)

        self.retry_on_race(command)

    def remove_team_role(self, project_uuid: UUID, team_uuid: UUID, team_id: int, actor: str) -> None:
        def command() -> None:
            self.project(project_uuid)
            members = self.members(project_uuid)
            members.remove_team(team_uuid, team_id, actor=actor)
            self.save(members)

        self.retry_on_race(command)

    # --- teams --------------------------------------------------------------------------------
    def _team_name_index(self, name: str) -> NameIndex | None:
        return self.find_aggregate(NameIndex.create_id(TEAM_NAME, name), NameIndex)

    def _claim_name(self, name: str, team: UUID, actor: str) -> NameIndex:
        try:
            return reserve(self._team_name_index(name), TEAM_NAME, name, team, actor)
        except NameTaken as exc:
            raise Conflict(f"Team with name {exc.name} already exists.") from None

    def create_team(self, name: str, creator: UserRef, members: list[UserRef], actor: str) -> Created:
        def command() -> Created:
            team = Team.create(name, creator, members, actor=actor)
            index = self._claim_name(team.name, team.id, actor)
            return Created(team.id, self.save_position(team, index))

        return self.retry_on_race(command)

    def update_team(self, team_uuid: UUID, name: str, members: list[UserRef] | None, actor: str) -> None:
        """Rename a team and, when ``members`` is given, make them its members. Not retried."""
        team = self.team(team_uuid)
        old_name = team.name
        team.rename(name, actor=actor)
        changed: list[Any] = [team]
        if team.name.lower() != old_name.lower():
            changed.append(self._claim_name(team.name, team.id, actor))
            old_index = self._team_name_index(old_name)
            if old_index is not None and old_index.held_by(team.id):
                old_index.release(actor=actor)
                changed.append(old_index)
        if members is not None:
            team.replace_members(members, actor=actor)
        self.save(*changed)

    def delete_team(self, team_uuid: UUID, actor: str) -> None:
        def command() -> None:
            team = self.team(team_uuid)
            team.delete(actor=actor)
            index = self._team_name_index(team.name)
            if index is not None and index.held_by(team.id):
                index.release(actor=actor)
            self.save(team, index)

        self.retry_on_race(command)

    def add_team_members(self, team_uuid: UUID, users: list[UserRef], actor: str) -> None:
        def command() -> None:
            team = self.team(team_uuid)
            team.add_members(users, actor=actor)
            self.save(team)

        self.retry_on_race(command)

    def remove_team_members(self, team_uuid: UUID, users: list[UserRef], actor: str) -> None:
        def command() -> None:
            team = self.team(team_uuid)
            team.remove_members(users, actor=actor)
            self.save(team)

        self.retry_on_race(command)
