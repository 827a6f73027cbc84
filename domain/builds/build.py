"""A build: one source (an SRPM URL or a commit of the project) built in several chroots, one task each.

The build's public id is the position of its ``Submitted`` event. Agents report task progress
(:meth:`Build.report_task`), checked against the task state machine (``states.py``); a user cancels
an unfinished build (every unfinished task becomes canceled) and deletes a finished one. The build's
state is never stored: it follows from its tasks (:func:`domain.builds.states.build_state`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.builds import states
from domain.shared.errors import Invalid, NotFound

MAX_URL_LENGTH = 2048
MAX_TIMESTAMP = 2**53
SOURCE_LINK, SOURCE_SCM = "link", "scm"
TASK_FIELDS = ("state", "started_on", "ended_on", "git_hash", "result_dir_url")
_GIT_HASH = re.compile(r"^[0-9a-f]{7,64}$")
_SRPM = re.compile(r"^(?P<name>.+)-(?P<version>[^-]+)-(?P<release>[^-]+)\.src\.rpm$")
SOURCE_UPLOAD = "upload"
MAX_PACKAGES = 1000
_RPM_PART = re.compile(r"^[A-Za-z0-9._+~^:-]{1,255}$")
_SRPM_FILE = re.compile(r"^[A-Za-z0-9._+~^-]{1,255}\.src\.rpm$")
PACKAGE_FIELDS = ("name", "version", "release", "arch")


def check_packages(value: object) -> list[dict[str, str]]:
    """Built packages as an agent reports them: ``[{"name", "version", "release", "arch"}]``."""
    if not isinstance(value, list):
        raise Invalid("built_packages must be a list of {name, version, release, arch}")
    if len(value) > MAX_PACKAGES:
        raise Invalid(f"at most {MAX_PACKAGES} built packages per task")
    out: list[dict[str, str]] = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != set(PACKAGE_FIELDS):
            raise Invalid(f"built_packages[{i}] must have exactly name, version, release and arch")
        for key in PACKAGE_FIELDS:
            text = item[key]
            if not isinstance(text, str) or not _RPM_PART.match(text):
                raise Invalid(f"built_packages[{i}].{key} must be an RPM {key} (letters, digits, . _ + ~ ^ : -)")
        out.append({key: str(item[key]) for key in PACKAGE_FIELDS})
    return out


def check_http_url(field_name: str, value: object) -> str:
    """An absolute http(s) URL, else ``Invalid``."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{field_name} must not be empty")
    text = value.strip()
    if len(text) > MAX_URL_LENGTH:
        raise Invalid(f"{field_name} must be at most {MAX_URL_LENGTH} characters long")
    if any(ord(c) < 0x20 or ord(c) == 0x7F or c.isspace() for c in text):
        raise Invalid(f"{field_name} must not contain spaces or control characters")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise Invalid(f"{field_name} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Invalid(f"{field_name} must be an http or https URL")
    return text


def check_git_hash(value: object) -> str:
    """A commit id: 7 to 64 hexadecimal digits (stored in lower case)."""
    if not isinstance(value, str) or not _GIT_HASH.match(value.strip().lower()):
        raise Invalid("git_hash must be a commit id (7 to 64 hexadecimal digits)")
    return value.strip().lower()


def check_timestamp(field_name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_TIMESTAMP:
        raise Invalid(f"{field_name} must be a time in seconds since 1970 (a whole number), or null")
    return value


def package_of(srpm_url: str) -> tuple[str | None, str | None]:
    """Name and version-release from an SRPM's file name (``foo-1.2-3.fc40.src.rpm`` -> foo, 1.2-3.fc40)."""
    filename = unquote(urlsplit(srpm_url).path.rsplit("/", 1)[-1])
    match = _SRPM.match(filename)
    if not match:
        return None, None
    return match.group("name"), f"{match.group('version')}-{match.group('release')}"


@dataclass(frozen=True)
class BuildSource:
    """Where a build's sources come from, as Copr shows it (``source_type``, ``source_metadata``)."""

    source_type: str
    metadata: dict[str, Any] = field(default_factory=dict)
    git_hash: str | None = None
    package_name: str | None = None
    package_version: str | None = None

    @staticmethod
    def from_url(srpm_url: object) -> BuildSource:
        url = check_http_url("srpm_url", srpm_url)
        name, version = package_of(url)
        return BuildSource(SOURCE_LINK, {"url": url}, None, name, version)

    @staticmethod
    def from_upload(file_name: object, blob: str, size: int, sha256: str) -> BuildSource:
        """An uploaded SRPM (Copr's ``create_from_file``): its bytes are in the blob store under ``blob``."""
        if not isinstance(file_name, str) or not _SRPM_FILE.match(file_name):
            raise Invalid("the uploaded file must be an SRPM named like name-version-release.src.rpm")
        name, version = package_of(f"https://upload.invalid/{file_name}")
        return BuildSource(SOURCE_UPLOAD, {"pkg": file_name, "blob": blob, "size": size, "sha256": sha256},
                           None, name, version)

    @staticmethod
    def from_commit(git_hash: object, clone_url: str) -> BuildSource:
        """A commit of the project's repository (``clone_url``, its vcsUrl): a project without one has none."""
        commit = check_git_hash(git_hash)
        if not clone_url:
            raise Invalid("the project has no repository (vcsUrl) to build a commit of: build an srpm_url, or "
                          "set the project's vcsUrl")
        return BuildSource(SOURCE_SCM, {"type": "git", "clone_url": clone_url, "committish": commit}, commit)


class Build(Aggregate):
    class Submitted(Aggregate.Created):
        project_uuid: UUID
        project_id: int
        submitter: str
        submitter_id: int
        source_type: str
        source_metadata: dict[str, Any]
        git_hash: str | None
        package_name: str | None
        package_version: str | None
        chroots: list[str]
        enable_net: bool
        repos: list[str]
        submitted_on: int
        actor: str

    class TaskReported(Aggregate.Event):
        chroot: str
        state: str
        started_on: int | None
        ended_on: int | None
        git_hash: str | None
        result_dir_url: str | None
        actor: str

    class PackagesReported(Aggregate.Event):
        """The packages a task built (name, version, release, arch each)."""

        chroot: str
        packages: list[dict[str, str]]
        actor: str

    class Canceled(Aggregate.Event):
        chroots: list[str]
        ended_on: int
        actor: str

    class Deleted(Aggregate.Event):
        actor: str

    @event(Submitted)
    def __init__(
        self,
        project_uuid: UUID,
        project_id: int,
        submitter: str,
        submitter_id: int,
        source_type: str,
        source_metadata: dict[str, Any],
        git_hash: str | None,
        package_name: str | None,
        package_version: str | None,
        chroots: list[str],
        enable_net: bool,
        repos: list[str],
        submitted_on: int,
        actor: str,
    ) -> None:
        self.project_uuid = project_uuid
        self.project_id = project_id
        self.submitter = submitter
        self.submitter_id = submitter_id
        self.source_type = source_type
        self.git_hash = git_hash
        self.enable_net = enable_net
        self.submitted_on = submitted_on
        self.canceled = False
        self.deleted = False
        self.tasks: dict[str, dict[str, Any]] = {
            name: {"state": states.PENDING, "started_on": None, "ended_on": None, "git_hash": git_hash,
                   "result_dir_url": None}
            for name in chroots
        }

    @classmethod
    def submit(
        cls,
        project_uuid: UUID,
        project_id: int,
        submitter: str,
        submitter_id: int,
        source: BuildSource,
        chroots: list[str],
        enable_net: bool,
        repos: list[str],
        submitted_on: int,
        actor: str,
    ) -> Build:
        names = list(dict.fromkeys(chroots))
        if not names:
            raise Invalid("a build needs at least one chroot")
        return cls(
            project_uuid=project_uuid, project_id=project_id, submitter=submitter, submitter_id=submitter_id,
            source_type=source.source_type, source_metadata=dict(source.metadata), git_hash=source.git_hash,
            package_name=source.package_name, package_version=source.package_version, chroots=names,
            enable_net=bool(enable_net), repos=list(repos), submitted_on=submitted_on, actor=actor,
        )

    # --- state ----------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return states.build_state((t["state"] for t in self.tasks.values()), self.canceled)

    def _alive(self) -> None:
        if self.deleted:
            raise NotFound("build not found")

    # --- task progress --------------------------------------------------------------------------
    def report_task(self, chroot: str, report: Mapping[str, Any], now: int, actor: str) -> bool:
        """Apply an agent's report on one task: ``state`` (required) and any of ``started_on``,
        ``ended_on``, ``git_hash``, ``result_dir_url``. Times left out are filled in (``started_on``
        when the task starts, ``ended_on`` when it finishes). Answers whether anything changed."""
        self._alive()
        task = self.tasks.get(chroot)
        if task is None:
            raise NotFound(f"no task in chroot {chroot}", chroot_name=chroot)
        if "built_packages" in report:
            packages = check_packages(report["built_packages"])
            report = {k: v for k, v in report.items() if k != "built_packages"}
            changed = self.report_task(chroot, report, now, actor) if "state" in report else False
            if packages != self.packages.get(chroot, []):
                self._packages_reported(chroot=chroot, packages=packages, actor=actor)
                changed = True
            return changed
        unknown = set(report) - set(TASK_FIELDS)
        if unknown:
            raise Invalid(f"unknown build task fields: {', '.join(sorted(unknown))}")
        new_state = states.check_state(report.get("state"), states.REPORTABLE)
        current = task["state"]
        if current in states.FINISHED and new_state != current:
            raise Invalid(f"the task is {current}: a finished task cannot become {new_state}", state=current)
        states.check_transition(current, new_state)
        values = dict(task, state=new_state)
        for key in ("started_on", "ended_on"):
            if key in report:
                values[key] = check_timestamp(key, report[key])
        if "git_hash" in report:
            values["git_hash"] = None if report["git_hash"] in (None, "") else check_git_hash(report["git_hash"])
        if "result_dir_url" in report:
            url = report["result_dir_url"]
            values["result_dir_url"] = None if url in (None, "") else check_http_url("result_dir_url", url)
        if new_state not in states.QUEUED and values["started_on"] is None and "started_on" not in report:
            values["started_on"] = now
        if new_state in states.FINISHED and values["ended_on"] is None and "ended_on" not in report:
            values["ended_on"] = now
        if values["started_on"] is not None and values["ended_on"] is not None \
                and values["ended_on"] < values["started_on"]:
            raise Invalid("ended_on must not be before started_on")
        if values == task:
            return False
        if current in states.FINISHED:
            raise Invalid(f"the task is {current}: a finished task cannot change", state=current)
        self._task_reported(chroot=chroot, actor=actor, **values)
        return True

    @event(TaskReported)
    def _task_reported(self, chroot: str, state: str, started_on: int | None, ended_on: int | None,
                       git_hash: str | None, result_dir_url: str | None, actor: str) -> None:
        self.tasks[chroot] = {"state": state, "started_on": started_on, "ended_on": ended_on,
                              "git_hash": git_hash, "result_dir_url": result_dir_url}

    @property
    def packages(self) -> dict[str, list[dict[str, str]]]:
        """chroot -> the packages its task built (builds snapshotted before packages have none)."""
        found: dict[str, list[dict[str, str]]] | None = getattr(self, "_packages", None)
        if found is None:
            found = {}
            self._packages = found
        return found

    @event(PackagesReported)
    def _packages_reported(self, chroot: str, packages: list[dict[str, str]], actor: str) -> None:
        self.packages[chroot] = packages

    # --- cancel and delete ----------------------------------------------------------------------
    def cancel(self, now: int, actor: str) -> bool:
        """Cancel every unfinished task. A canceled build stays canceled (no change); a finished one
        cannot be canceled. Answers whether anything changed."""
        self._alive()
        if self.canceled:
            return False
        state = self.state
        if states.is_finished(state):
            raise Invalid(f"it is {state}: a finished build cannot be canceled", state=state)
        unfinished = [name for name, t in self.tasks.items() if t["state"] not in states.FINISHED]
        self._canceled(chroots=unfinished, ended_on=now, actor=actor)
        return True

    @event(Canceled)
    def _canceled(self, chroots: list[str], ended_on: int, actor: str) -> None:
        self.canceled = True
        for name in chroots:
            self.tasks[name] = dict(self.tasks[name], state=states.CANCELED, ended_on=ended_on)

    def delete(self, actor: str) -> None:
        """Delete a finished (or canceled) build; an unfinished one must be canceled first."""
        self._alive()
        state = self.state
        if not states.is_finished(state):
            raise Invalid(f"it is {state}: cancel it first (only a finished build can be deleted)", state=state)
        self._deleted(actor=actor)

    @event(Deleted)
    def _deleted(self, actor: str) -> None:
        self.deleted = True
