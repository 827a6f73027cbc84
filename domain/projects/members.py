"""Who may do what in a project: users and teams with a role (ADMIN or MEMBER).

One aggregate per project, its id derived from the project's id, created with the project with the
creator as ADMIN. Events carry both the user's (or team's) UUID and its public numeric id."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.projects.roles import Role, parse_role
from domain.shared.errors import NotFound
from domain.shared.ids import index_id


class ProjectMembers(Aggregate):
    class Created(Aggregate.Created):
        project_id: UUID
        creator: UUID
        creator_id: int
        actor: str

    class UserRoleSet(Aggregate.Event):
        user: UUID
        user_id: int
        role: str
        actor: str

    class UserRoleRemoved(Aggregate.Event):
        user: UUID
        user_id: int
        actor: str

    class TeamRoleSet(Aggregate.Event):
        team: UUID
        team_id: int
        role: str
        actor: str

    class TeamRoleRemoved(Aggregate.Event):
        team: UUID
        team_id: int
        actor: str

    @staticmethod
    def create_id(project_id: UUID) -> UUID:
        return index_id("project-members", str(project_id))

    @event(Created)
    def __init__(self, project_id: UUID, creator: UUID, creator_id: int, actor: str) -> None:
        self.project_id = project_id
        self.users: dict[UUID, str] = {creator: Role.ADMIN.value}
        self.teams: dict[UUID, str] = {}

    def set_user_role(self, user: UUID, user_id: int, role: str, actor: str) -> None:
        checked = parse_role(role).value
        if self.users.get(user) != checked:
            self._user_role_set(user=user, user_id=user_id, role=checked, actor=actor)

    @event(UserRoleSet)
    def _user_role_set(self, user: UUID, user_id: int, role: str, actor: str) -> None:
        self.users[user] = role

    def remove_user(self, user: UUID, user_id: int, actor: str) -> None:
        if user not in self.users:
            raise NotFound(f"User with id {user_id} has no role in this project.")
        self._user_role_removed(user=user, user_id=user_id, actor=actor)

    @event(UserRoleRemoved)
    def _user_role_removed(self, user: UUID, user_id: int, actor: str) -> None:
        del self.users[user]

    def set_team_role(self, team: UUID, team_id: int, role: str, actor: str) -> None:
        checked = parse_role(role).value
        if self.teams.get(team) != checked:
            self._team_role_set(team=team, team_id=team_id, role=checked, actor=actor)

    @event(TeamRoleSet)
    def _team_role_set(self, team: UUID, team_id: int, role: str, actor: str) -> None:
        self.teams[team] = role

    def remove_team(self, team: UUID, team_id: int, actor: str) -> None:
        if team not in self.teams:
            raise NotFound(f"Team with id {team_id} is not assigned to this project.")
        self._team_role_removed(team=team, team_id=team_id, actor=actor)

    @event(TeamRoleRemoved)
    def _team_role_removed(self, team: UUID, team_id: int, actor: str) -> None:
        del self.teams[team]
