"""Build environments (Copr "mock chroots") and the chroots a project builds in.

- :class:`MockChroot`: one build environment of the server's catalogue, named
  ``<os_release>-<os_version>-<arch>`` (``fedora-40-x86_64``, ``epel-9-aarch64``). Platform admins add,
  disable and enable them; a disabled one stays known but takes no new builds. Its id is derived from
  its name, so adding a name twice is a conflict in the event store.
- :class:`Catalogue`: the singleton that records that the default catalogue was seeded, so seeding
  happens once on a server (concurrent seeders conflict on it; the loser changes nothing).
- :class:`ProjectChroots`: the chroots enabled for one project, with their buildroot packages and comps
  file; its id is derived from the project's id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import Conflict, Invalid, NotFound
from domain.shared.ids import index_id

MAX_CHROOT_NAME_LENGTH = 100
MAX_COMPS_BYTES = 512 * 1024
MAX_BUILDROOT_PACKAGES = 1000
_SEGMENT = r"[a-z0-9][a-z0-9._+]*"
CHROOT_NAME_PATTERN = rf"^{_SEGMENT}(?:-{_SEGMENT}){{2,}}$"
CHROOT_PART_PATTERN = rf"^{_SEGMENT}$"
OS_RELEASE_PATTERN = rf"^{_SEGMENT}(?:-{_SEGMENT})*$"
PACKAGE_PATTERN = r"^[A-Za-z0-9@_+][A-Za-z0-9@_+.:()/-]*$"
_CHROOT_NAME = re.compile(CHROOT_NAME_PATTERN)
_PACKAGE = re.compile(PACKAGE_PATTERN)


@dataclass(frozen=True, slots=True)
class ChrootName:
    """A checked chroot name and its parts (``os_release`` may itself contain dashes)."""

    name: str
    os_release: str
    os_version: str
    arch: str


def parse_chroot_name(name: object) -> ChrootName:
    """``fedora-40-x86_64`` -> fedora / 40 / x86_64; ``Invalid`` when it is not such a name."""
    if not isinstance(name, str) or not name.strip():
        raise Invalid("chroot name must not be empty")
    text = name.strip()
    if len(text) > MAX_CHROOT_NAME_LENGTH or not _CHROOT_NAME.match(text):
        raise Invalid(
            f"Bad mock chroot name {text[:MAX_CHROOT_NAME_LENGTH]!r}: expected <os_release>-<os_version>-<arch> "
            "in lower case, e.g. fedora-40-x86_64", name=text[:MAX_CHROOT_NAME_LENGTH],
        )
    os_release, os_version, arch = text.rsplit("-", 2)
    return ChrootName(text, os_release, os_version, arch)


def chroot_name_of(os_release: object, os_version: object, arch: object) -> ChrootName:
    parts = [str(p).strip() if p is not None else "" for p in (os_release, os_version, arch)]
    if not all(parts):
        raise Invalid("os_release, os_version and arch must not be empty")
    checked = parse_chroot_name("-".join(parts))
    if (checked.os_release, checked.os_version, checked.arch) != tuple(parts):
        raise Invalid("os_version and arch must not contain '-'")
    return checked


DEFAULT_CATALOGUE: tuple[str, ...] = tuple(
    f"{release}-{arch}"
    for release in ("fedora-39", "fedora-40", "fedora-41", "fedora-rawhide", "epel-8", "epel-9")
    for arch in ("x86_64", "aarch64")
)


class MockChroot(Aggregate):
    class Added(Aggregate.Created):
        name: str
        os_release: str
        os_version: str
        arch: str
        actor: str

    class Disabled(Aggregate.Event):
        actor: str

    class Enabled(Aggregate.Event):
        actor: str

    @staticmethod
    def create_id(name: str) -> UUID:
        return index_id("mock-chroot", name)

    @event(Added)
    def __init__(self, name: str, os_release: str, os_version: str, arch: str, actor: str) -> None:
        self.name = name
        self.os_release = os_release
        self.os_version = os_version
        self.arch = arch
        self.is_active = True

    @classmethod
    def add(cls, name: ChrootName, actor: str) -> MockChroot:
        return cls(name=name.name, os_release=name.os_release, os_version=name.os_version, arch=name.arch,
                   actor=actor)

    def disable(self, actor: str) -> None:
        if self.is_active:
            self._disabled(actor=actor)

    @event(Disabled)
    def _disabled(self, actor: str) -> None:
        self.is_active = False

    def enable(self, actor: str) -> None:
        if not self.is_active:
            self._enabled(actor=actor)

    @event(Enabled)
    def _enabled(self, actor: str) -> None:
        self.is_active = True


class Catalogue(Aggregate):
    """Records that the default catalogue was seeded (once per server)."""

    ID = index_id("mock-chroot-catalogue", "default")

    class Seeded(Aggregate.Created):
        names: list[str]
        actor: str

    @staticmethod
    def create_id() -> UUID:
        return Catalogue.ID

    @event(Seeded)
    def __init__(self, names: list[str], actor: str) -> None:
        self.names = list(names)


def check_buildroot_pkgs(value: object) -> list[str]:
    """Packages installed into the buildroot: a list of package names (or a space-separated text)."""
    if value is None:
        return []
    items = value.split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(p, str) for p in items):
        raise Invalid("buildroot_pkgs must be a list of package names")
    packages = [p.strip() for p in items if p.strip()]
    if len(packages) > MAX_BUILDROOT_PACKAGES:
        raise Invalid(f"buildroot_pkgs must name at most {MAX_BUILDROOT_PACKAGES} packages")
    bad = [p for p in packages if len(p) > 255 or not _PACKAGE.match(p)]
    if bad:
        raise Invalid(f"buildroot_pkgs: {bad[0][:255]!r} is not a package name")
    return list(dict.fromkeys(packages))


def check_comps(comps: object, comps_name: object) -> tuple[str | None, str | None]:
    """A comps file (its content and file name), both or neither."""
    if comps is not None and not isinstance(comps, str):
        raise Invalid("comps must be the text of a comps.xml file")
    if comps_name is not None and not isinstance(comps_name, str):
        raise Invalid("comps_name must be a file name")
    if not comps:
        return None, None
    if len(comps.encode("utf-8", "surrogatepass")) > MAX_COMPS_BYTES:
        raise Invalid(f"comps must be at most {MAX_COMPS_BYTES} bytes")
    if "\x00" in comps:
        raise Invalid("comps must not contain NUL characters")
    name = (comps_name or "comps.xml").strip()
    if len(name) > 255 or "/" in name or "\x00" in name or not name:
        raise Invalid("comps_name must be a plain file name")
    return comps, name


class ProjectChroots(Aggregate):
    """The chroots enabled for one project: name -> buildroot packages and comps."""

    class Created(Aggregate.Created):
        project_uuid: UUID
        project_id: int
        actor: str

    class ChrootEnabled(Aggregate.Event):
        name: str
        buildroot_pkgs: list[str]
        comps: str | None
        comps_name: str | None
        actor: str

    class ChrootChanged(Aggregate.Event):
        name: str
        buildroot_pkgs: list[str]
        comps: str | None
        comps_name: str | None
        actor: str

    class ChrootDisabled(Aggregate.Event):
        name: str
        actor: str

    @staticmethod
    def create_id(project_uuid: UUID) -> UUID:
        return index_id("project-chroots", str(project_uuid))

    @event(Created)
    def __init__(self, project_uuid: UUID, project_id: int, actor: str) -> None:
        self.project_uuid = project_uuid
        self.project_id = project_id
        self.chroots: dict[str, dict[str, Any]] = {}

    def names(self) -> list[str]:
        return sorted(self.chroots)

    def enable(self, name: str, buildroot_pkgs: object, comps: object, comps_name: object, actor: str) -> None:
        if name in self.chroots:
            raise Conflict(f"Project {self.project_id} already has chroot {name} enabled", name=name)
        packages = check_buildroot_pkgs(buildroot_pkgs)
        checked_comps, checked_name = check_comps(comps, comps_name)
        self._enabled(name=name, buildroot_pkgs=packages, comps=checked_comps, comps_name=checked_name, actor=actor)

    @event(ChrootEnabled)
    def _enabled(self, name: str, buildroot_pkgs: list[str], comps: str | None, comps_name: str | None,
                 actor: str) -> None:
        self.chroots[name] = {"buildroot_pkgs": list(buildroot_pkgs), "comps": comps, "comps_name": comps_name}

    def change(self, name: str, buildroot_pkgs: object, comps: object, comps_name: object, actor: str) -> None:
        current = self._chroot(name)
        packages = check_buildroot_pkgs(buildroot_pkgs)
        checked_comps, checked_name = check_comps(comps, comps_name)
        if {"buildroot_pkgs": packages, "comps": checked_comps, "comps_name": checked_name} != current:
            self._changed(name=name, buildroot_pkgs=packages, comps=checked_comps, comps_name=checked_name,
                          actor=actor)

    @event(ChrootChanged)
    def _changed(self, name: str, buildroot_pkgs: list[str], comps: str | None, comps_name: str | None,
                 actor: str) -> None:
        self.chroots[name] = {"buildroot_pkgs": list(buildroot_pkgs), "comps": comps, "comps_name": comps_name}

    def disable(self, name: str, actor: str) -> None:
        self._chroot(name)
        self._disabled(name=name, actor=actor)

    @event(ChrootDisabled)
    def _disabled(self, name: str, actor: str) -> None:
        del self.chroots[name]

    def _chroot(self, name: str) -> dict[str, Any]:
        chroot = self.chroots.get(name)
        if chroot is None:
            raise NotFound(f"Chroot {name} is not enabled in project {self.project_id}",
                           project_id=self.project_id, name=name)
        return chroot
