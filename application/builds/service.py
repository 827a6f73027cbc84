"""Builds use cases: the build-environment catalogue, the chroots of a project, builds and their tasks.

Commands take UUIDs and facts the interface layer read from the read models (a :class:`ProjectRef`);
they answer the public id of what they created (the position of its first event). The catalogue and a
project's chroots are checked here against their aggregates, in the same event store as the builds.

Concurrency: additions and state changes (enable a chroot, submit, report, cancel) run again on the
newest state when a concurrent change won the race, so their checks see it; replacing a chroot's
settings is not retried (409), like every replacing update in this server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.shared.base import ContextApplication, is_race
from domain.builds.build import Build, BuildSource
from domain.builds.chroots import (
    DEFAULT_CATALOGUE,
    Catalogue,
    MockChroot,
    ProjectChroots,
    chroot_name_of,
    parse_chroot_name,
)
from domain.shared.actor import SYSTEM
from domain.shared.errors import Conflict, Invalid, NotFound


@dataclass(frozen=True)
class ProjectRef:
    """A project as the builds context needs it (read from the projects read model)."""

    uuid: UUID
    id: int
    repos: tuple[str, ...] = ()
    build_enable_net: bool = False
    vcs_url: str = ""


@dataclass(frozen=True)
class Submitter:
    user_id: int
    username: str



class BuildsApplication(ContextApplication):
    name = "builds"
    snapshotting_intervals = {Build: 50, ProjectChroots: 50}

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._catalogue_ready = False

    # --- the catalogue of build environments ------------------------------------------------------
    def mock_chroot(self, name: str) -> MockChroot:
        chroot: MockChroot | None = self.find_aggregate(MockChroot.create_id(name))
        if chroot is None:
            raise NotFound(f"Mock chroot `{name}` not found", name=name)
        return chroot

    def active_chroot(self, name: object) -> str:
        """The name of an active build environment, else 400 (unknown or disabled)."""
        checked = parse_chroot_name(name).name
        chroot: MockChroot | None = self.find_aggregate(MockChroot.create_id(checked))
        if chroot is None:
            raise Invalid(f"Mock chroot `{checked}` doesn't exist", name=checked)
        if not chroot.is_active:
            raise Invalid(f"Mock chroot `{checked}` is disabled: it takes no new builds", name=checked)
        return checked

    def add_mock_chroot(self, name: object, actor: str, os_release: object = None, os_version: object = None,
                        arch: object = None) -> str:
        """Add a build environment, by name (``fedora-40-x86_64``) or by its parts. 409 when it exists."""
        checked = parse_chroot_name(name) if name else chroot_name_of(os_release, os_version, arch)
        duplicate = Conflict(f"Mock chroot `{checked.name}` already exists", name=checked.name)
        if self.find_aggregate(MockChroot.create_id(checked.name)) is not None:
            raise duplicate
        try:
            self.save(MockChroot.add(checked, actor=actor))
        except Conflict as exc:
            raise duplicate from exc
        return checked.name

    def set_mock_chroot_active(self, name: str, active: bool, actor: str) -> bool:
        """Enable or disable a build environment; answers whether it changed."""

        def command() -> bool:
            chroot = self.mock_chroot(parse_chroot_name(name).name)
            if active:
                chroot.enable(actor=actor)
            else:
                chroot.disable(actor=actor)
            return bool(self.save(chroot))

        return self.retry_on_race(command)

    def seed_catalogue(self, actor: str, names: Iterable[str] = DEFAULT_CATALOGUE) -> list[str]:
        """Add the default build environments once per server (idempotent; safe to run concurrently).
        Names that already exist are left as they are. Answers the names added (empty when seeded before)."""
        for _ in range(4):
            if self.find_aggregate(Catalogue.ID) is not None:
                return []
            added = [
                MockChroot.add(parse_chroot_name(name), actor=actor)
                for name in names
                if self.find_aggregate(MockChroot.create_id(name)) is None
            ]
            try:
                self.save(Catalogue(names=[c.name for c in added], actor=actor), *added)
            except Conflict as exc:
                if not is_race(exc):
                    raise
                continue  # another process seeded (or added one of them) first: look again
            return [c.name for c in added]
        return []

    def ensure_catalogue(self) -> bool:
        """Seed the default catalogue unless this server has been seeded before (checked once per process).
        Answers whether this call seeded it."""
        if self._catalogue_ready:
            return False
        seeded = bool(self.seed_catalogue(actor=SYSTEM))
        self._catalogue_ready = True
        return seeded

    # --- the chroots of a project -----------------------------------------------------------------
    def project_chroots(self, project: ProjectRef) -> ProjectChroots | None:
        found: ProjectChroots | None = self.find_aggregate(ProjectChroots.create_id(project.uuid))
        return found

    def _project_chroots_or_new(self, project: ProjectRef, actor: str) -> ProjectChroots:
        return self.project_chroots(project) or ProjectChroots(
            project_uuid=project.uuid, project_id=project.id, actor=actor
        )

    def enable_project_chroots(self, project: ProjectRef, names: Iterable[object], actor: str) -> None:
        """Enable several chroots (without buildroot packages) for a project; already enabled ones stay."""
        checked = [self.active_chroot(name) for name in names]

        def command() -> None:
            chroots = self._project_chroots_or_new(project, actor)
            for name in dict.fromkeys(checked):
                if name not in chroots.chroots:
                    chroots.enable(name, [], None, None, actor=actor)
            self.save(chroots)

        if checked:
            self.retry_on_race(command)

    def enable_project_chroot(self, project: ProjectRef, name: object, buildroot_pkgs: object, comps: object,
                              comps_name: object, actor: str) -> str:
        checked = self.active_chroot(name)

        def command() -> str:
            chroots = self._project_chroots_or_new(project, actor)
            chroots.enable(checked, buildroot_pkgs, comps, comps_name, actor=actor)
            self.save(chroots)
            return checked

        return self.retry_on_race(command)

    def change_project_chroot(self, project: ProjectRef, name: str, buildroot_pkgs: object, comps: object,
                              comps_name: object, actor: str) -> None:
        chroots = self._existing_chroots(project, name)
        chroots.change(name, buildroot_pkgs, comps, comps_name, actor=actor)
        self.save(chroots)

    def disable_project_chroot(self, project: ProjectRef, name: str, actor: str) -> None:
        def command() -> None:
            chroots = self._existing_chroots(project, name)
            chroots.disable(name, actor=actor)
            self.save(chroots)

        self.retry_on_race(command)

    def _existing_chroots(self, project: ProjectRef, name: str) -> ProjectChroots:
        chroots = self.project_chroots(project)
        if chroots is None:
            raise NotFound(f"Chroot {name} is not enabled in project {project.id}", project_id=project.id, name=name)
        return chroots

    # --- builds -----------------------------------------------------------------------------------
    def build(self, build_uuid: UUID) -> Build:
        build = self.get_aggregate(build_uuid, Build, "build")
        if build.deleted:
            raise NotFound("build not found")
        return build

    def submit_build(self, project: ProjectRef, source: BuildSource, chroots: list[object], enable_net: bool | None,
                     submitter: Submitter, now: int, actor: str) -> int:
        """Submit a build of ``source`` in the given chroots (none: every chroot enabled for the project);
        each must be enabled for the project and active. Answers the build's id."""
        enabled = self.project_chroots(project)
        enabled_names = enabled.names() if enabled is not None else []
        if chroots:
            names = [parse_chroot_name(name).name for name in chroots]
            missing = [n for n in names if n not in enabled_names]
            if missing:
                raise Invalid(
                    f"Chroot {missing[0]} is not enabled in project {project.id}; enable it first",
                    project_id=project.id, chroots=missing,
                )
        else:
            names = enabled_names
            if not names:
                raise Invalid(f"Project {project.id} has no chroots enabled: enable one or name the chroots",
                              project_id=project.id)
        for name in names:
            self.active_chroot(name)
        build = Build.submit(
            project_uuid=project.uuid, project_id=project.id, submitter=submitter.username,
            submitter_id=submitter.user_id, source=source, chroots=names,
            enable_net=project.build_enable_net if enable_net is None else enable_net,
            repos=list(project.repos), submitted_on=now, actor=actor,
        )
        return self.save_position(build)

    def report_task(self, build_uuid: UUID, chroot: str, report: Mapping[str, Any], now: int, actor: str) -> bool:
        def command() -> bool:
            build = self.build(build_uuid)
            changed = build.report_task(chroot, report, now, actor=actor)
            if changed:
                self.save(build)
            return changed

        return self.retry_on_race(command)

    def cancel_build(self, build_uuid: UUID, now: int, actor: str) -> bool:
        def command() -> bool:
            build = self.build(build_uuid)
            changed = build.cancel(now, actor=actor)
            if changed:
                self.save(build)
            return changed

        return self.retry_on_race(command)

    def delete_build(self, build_uuid: UUID, actor: str) -> None:
        def command() -> None:
            build = self.build(build_uuid)
            build.delete(actor=actor)
            self.save(build)

        self.retry_on_race(command)
