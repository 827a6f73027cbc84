"""The Project aggregate: what a project is and where its code lives.

Its configuration collections (modules, file patterns, analyzer configurations) and its members are
separate aggregates (``configuration.py``, ``members.py``) with ids derived from the project's id, so
changing one never conflicts with changing another, and each can be rebuilt as of any moment.

Events a history-import worker reacts to: ``Project.Created``, ``Project.VcsUrlChanged``,
``Project.VcsCredentialsChanged``, ``Project.StartDateChanged`` and ``Project.Deleted``. A project
created through Copr API 2 may have no repository: its ``vcs_url`` is then the empty text (there is
nothing to import until a ``vcsUrl`` is set through coderadar).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.projects.vcs import parse_vcs_url
from domain.shared.errors import Invalid, InvalidField, NotFound

MAX_NAME_LENGTH = 255
MAX_TEXT_LENGTH = 1000
MAX_GROUP_LENGTH = 100

# Copr project fields (API 2): kept on every project, not shown by the coderadar API.
COPR_TEXT_FIELDS = ("description", "instructions", "homepage", "contact")
COPR_FLAG_FIELDS = ("disable_createrepo", "build_enable_net")
COPR_DEFAULTS: dict[str, Any] = {
    "description": "",
    "instructions": "",
    "homepage": "",
    "contact": "",
    "disable_createrepo": False,
    "build_enable_net": False,
    "repos": [],
}


def check_project_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidField("name", "must not be empty")
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidField("name", f"must be at most {MAX_NAME_LENGTH} characters long")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise InvalidField("name", "must not contain control characters")
    return name


def check_optional_text(field: str, value: object, limit: int = MAX_TEXT_LENGTH) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidField(field, "must be text")
    if len(value) > limit:
        raise InvalidField(field, f"must be at most {limit} characters long")
    if "\x00" in value:
        raise InvalidField(field, "must not contain NUL characters")
    return value


def check_group(value: object) -> str | None:
    """A Copr group (the name of the group that manages the project), or None for a personal project."""
    group = check_optional_text("group", value, MAX_GROUP_LENGTH)
    if group is None or not group.strip():
        return None
    group = group.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in group):
        raise InvalidField("group", "must not contain control characters")
    return group


def check_branch(value: object) -> str | None:
    branch = check_optional_text("default_branch", value, 255)
    if branch is None or not branch.strip():
        return None
    branch = branch.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F or c.isspace() for c in branch) or branch.startswith("-"):
        raise InvalidField("default_branch", "must be a branch name without spaces or control characters")
    return branch


def check_details(changes: dict[str, Any]) -> dict[str, Any]:
    """Copr project fields, checked: text fields, two flags and a list of repository URLs."""
    checked: dict[str, Any] = {}
    for key, value in changes.items():
        if key in COPR_TEXT_FIELDS:
            checked[key] = check_optional_text(key, value, 10000) or ""
        elif key in COPR_FLAG_FIELDS:
            if not isinstance(value, bool):
                raise InvalidField(key, "must be true or false")
            checked[key] = value
        elif key == "repos":
            if not isinstance(value, list | tuple) or not all(isinstance(r, str) for r in value):
                raise InvalidField("repos", "must be a list of URLs")
            checked[key] = [str(r) for r in value]
        else:
            raise Invalid(f"unknown project field {key!r}")
    return checked


class Project(Aggregate):
    """A code base the server follows: its name, repository, analysis start and default branch."""

    class Created(Aggregate.Created):
        name: str
        vcs_url: str
        vcs_username: str | None
        vcs_password: str | None
        vcs_online: bool
        default_branch: str | None
        start_date: int | None
        creator: UUID
        creator_id: int
        description: str
        instructions: str
        homepage: str
        contact: str
        disable_createrepo: bool
        build_enable_net: bool
        repos: list[str]
        actor: str
        group: str | None = None

    class Renamed(Aggregate.Event):
        name: str
        actor: str

    class VcsUrlChanged(Aggregate.Event):
        vcs_url: str
        actor: str

    class VcsCredentialsChanged(Aggregate.Event):
        vcs_username: str | None
        vcs_password: str | None
        actor: str

    class VcsOnlineChanged(Aggregate.Event):
        vcs_online: bool
        actor: str

    class StartDateChanged(Aggregate.Event):
        start_date: int | None
        actor: str

    class DefaultBranchChanged(Aggregate.Event):
        default_branch: str | None
        actor: str

    class DetailsChanged(Aggregate.Event):
        changes: dict[str, Any]
        actor: str

    class Deleted(Aggregate.Event):
        actor: str

    @event(Created)
    def __init__(
        self,
        name: str,
        vcs_url: str,
        vcs_username: str | None,
        vcs_password: str | None,
        vcs_online: bool,
        default_branch: str | None,
        start_date: int | None,
        creator: UUID,
        creator_id: int,
        description: str,
        instructions: str,
        homepage: str,
        contact: str,
        disable_createrepo: bool,
        build_enable_net: bool,
        repos: list[str],
        actor: str,
        group: str | None = None,
    ) -> None:
        self.name = name
        self.vcs_url = vcs_url
        self.vcs_username = vcs_username
        self.vcs_password = vcs_password
        self.vcs_online = vcs_online
        self.default_branch = default_branch
        self.start_date = start_date
        self.creator = creator
        self.creator_id = creator_id
        self.description = description
        self.instructions = instructions
        self.homepage = homepage
        self.contact = contact
        self.disable_createrepo = disable_createrepo
        self.build_enable_net = build_enable_net
        self.repos = list(repos)
        self.group = group
        self.deleted = False

    @classmethod
    def create(
        cls,
        name: str,
        vcs_url: str | None,
        creator: UUID,
        creator_id: int,
        actor: str,
        vcs_username: str | None = None,
        vcs_password: str | None = None,
        vcs_online: bool = True,
        default_branch: str | None = None,
        start_date: int | None = None,
        group: str | None = None,
        **details: Any,
    ) -> Project:
        """A new project, every field checked. ``details`` are Copr fields (defaults: empty / false).

        ``vcs_url`` None: a project without a repository (Copr projects); stored as an empty text.
        ``group``: the Copr group managing the project (None: a personal project); it never changes."""
        copr = {**COPR_DEFAULTS, **check_details(details)}
        return cls(
            name=check_project_name(name),
            vcs_url="" if vcs_url is None else parse_vcs_url(vcs_url).url,
            vcs_username=check_optional_text("vcs_username", vcs_username),
            vcs_password=check_optional_text("vcs_password", vcs_password),
            vcs_online=bool(vcs_online),
            default_branch=check_branch(default_branch),
            start_date=start_date,
            creator=creator,
            creator_id=creator_id,
            actor=actor,
            group=check_group(group),
            **copr,
        )

    def details(self) -> dict[str, Any]:
        """The Copr fields."""
        return {key: getattr(self, key) for key in COPR_DEFAULTS}

    def _alive(self) -> None:
        if self.deleted:
            raise NotFound("project not found")

    # --- changes ------------------------------------------------------------------------------
    def rename(self, name: str, actor: str) -> None:
        self._alive()
        name = check_project_name(name)
        if name != self.name:
            self._renamed(name=name, actor=actor)

    @event(Renamed)
    def _renamed(self, name: str, actor: str) -> None:
        self.name = name

    def change_vcs_url(self, vcs_url: str, actor: str) -> None:
        self._alive()
        url = parse_vcs_url(vcs_url).url
        if url != self.vcs_url:
            self._vcs_url_changed(vcs_url=url, actor=actor)

    @event(VcsUrlChanged)
    def _vcs_url_changed(self, vcs_url: str, actor: str) -> None:
        self.vcs_url = vcs_url

    def change_vcs_credentials(self, vcs_username: str | None, vcs_password: str | None, actor: str) -> None:
        self._alive()
        username = check_optional_text("vcs_username", vcs_username)
        password = check_optional_text("vcs_password", vcs_password)
        if (username, password) != (self.vcs_username, self.vcs_password):
            self._vcs_credentials_changed(vcs_username=username, vcs_password=password, actor=actor)

    @event(VcsCredentialsChanged)
    def _vcs_credentials_changed(self, vcs_username: str | None, vcs_password: str | None, actor: str) -> None:
        self.vcs_username = vcs_username
        self.vcs_password = vcs_password

    def set_vcs_online(self, vcs_online: bool, actor: str) -> None:
        self._alive()
        if bool(vcs_online) != self.vcs_online:
            self._vcs_online_changed(vcs_online=bool(vcs_online), actor=actor)

    @event(VcsOnlineChanged)
    def _vcs_online_changed(self, vcs_online: bool, actor: str) -> None:
        self.vcs_online = vcs_online

    def change_start_date(self, start_date: int | None, actor: str) -> None:
        self._alive()
        if start_date != self.start_date:
            self._start_date_changed(start_date=start_date, actor=actor)

    @event(StartDateChanged)
    def _start_date_changed(self, start_date: int | None, actor: str) -> None:
        self.start_date = start_date

    def change_default_branch(self, default_branch: str | None, actor: str) -> None:
        self._alive()
        branch = check_branch(default_branch)
        if branch != self.default_branch:
            self._default_branch_changed(default_branch=branch, actor=actor)

    @event(DefaultBranchChanged)
    def _default_branch_changed(self, default_branch: str | None, actor: str) -> None:
        self.default_branch = default_branch

    def change_details(self, actor: str, **changes: Any) -> None:
        """Change Copr fields (``description``, ``instructions``, ``homepage``, ``contact``,
        ``disable_createrepo``, ``build_enable_net``, ``repos``); unchanged ones are left out."""
        self._alive()
        checked = check_details(changes)
        changed = {k: v for k, v in checked.items() if getattr(self, k) != v}
        if changed:
            self._details_changed(changes=changed, actor=actor)

    @event(DetailsChanged)
    def _details_changed(self, changes: dict[str, Any], actor: str) -> None:
        for key, value in changes.items():
            setattr(self, key, list(value) if key == "repos" else value)

    def delete(self, actor: str) -> None:
        self._alive()
        self._deleted(actor=actor)

    @event(Deleted)
    def _deleted(self, actor: str) -> None:
        self.deleted = True
