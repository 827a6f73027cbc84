"""Read model of the builds context: build environments, the chroots of each project, builds and tasks.

Follows only the builds log, so a rebuild equals the live model row for row. Projects are not copied:
queries join the projects read model, so the builds and chroots of a deleted project disappear with it.
A build's state is derived here from its tasks with the domain's rule and kept for filtering.
"""

from __future__ import annotations

import json

from domain.builds import states
from domain.builds.build import Build
from domain.builds.chroots import MockChroot, ProjectChroots
from projections.projection import Envelope, Projection, handles
from projections.store import Tx


class BuildsProjection(Projection):
    name = "builds"
    version = 1
    follows = ("builds",)
    tables = {
        "mock_chroots": """CREATE TABLE mock_chroots (
            name TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, os_release TEXT NOT NULL, os_version TEXT NOT NULL,
            arch TEXT NOT NULL, is_active BOOLEAN NOT NULL, added_at TEXT NOT NULL)""",
        "project_chroot_sets": """CREATE TABLE project_chroot_sets (
            aggregate_uuid TEXT PRIMARY KEY, project_id BIGINT NOT NULL)""",
        "project_chroots": """CREATE TABLE project_chroots (
            project_id BIGINT NOT NULL, name TEXT NOT NULL, buildroot_pkgs TEXT NOT NULL, comps TEXT,
            comps_name TEXT, PRIMARY KEY (project_id, name))""",
        "builds": """CREATE TABLE builds (
            id BIGINT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, project_id BIGINT NOT NULL, submitter TEXT NOT NULL,
            submitter_id BIGINT NOT NULL, state TEXT NOT NULL, canceled BOOLEAN NOT NULL,
            is_finished BOOLEAN NOT NULL, package_name TEXT, package_version TEXT, repos TEXT NOT NULL,
            submitted_on BIGINT NOT NULL, enable_net BOOLEAN NOT NULL, source_type TEXT NOT NULL,
            source_metadata TEXT NOT NULL)""",
        "build_tasks": """CREATE TABLE build_tasks (
            build_id BIGINT NOT NULL, chroot_name TEXT NOT NULL, state TEXT NOT NULL, started_on BIGINT,
            ended_on BIGINT, git_hash TEXT, result_dir_url TEXT, PRIMARY KEY (build_id, chroot_name))""",
        "build_packages": """CREATE TABLE build_packages (
            build_id BIGINT NOT NULL, chroot_name TEXT NOT NULL, idx BIGINT NOT NULL, name TEXT NOT NULL,
            version TEXT NOT NULL, release TEXT NOT NULL, arch TEXT NOT NULL,
            PRIMARY KEY (build_id, chroot_name, idx))""",
    }
    indexes = [
        "CREATE INDEX builds_project ON builds (project_id, id)",
        "CREATE INDEX build_tasks_state ON build_tasks (state)",
    ]

    # --- build environments -----------------------------------------------------------------------
    @handles(MockChroot.Added)
    def mock_chroot_added(self, tx: Tx, e: Envelope[MockChroot.Added]) -> None:
        ev = e.event
        tx.write(
            "INSERT INTO mock_chroots (name, uuid, os_release, os_version, arch, is_active, added_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (ev.name, str(ev.originator_id), ev.os_release, ev.os_version, ev.arch, True, e.occurred_at),
        )

    @handles(MockChroot.Disabled, MockChroot.Enabled)
    def mock_chroot_switched(self, tx: Tx, e: Envelope[MockChroot.Disabled | MockChroot.Enabled]) -> None:
        tx.write(
            "UPDATE mock_chroots SET is_active=%s WHERE uuid=%s",
            (isinstance(e.event, MockChroot.Enabled), str(e.event.originator_id)),
        )

    # --- project chroots --------------------------------------------------------------------------
    @handles(ProjectChroots.Created)
    def project_chroots_created(self, tx: Tx, e: Envelope[ProjectChroots.Created]) -> None:
        tx.write(
            "INSERT INTO project_chroot_sets (aggregate_uuid, project_id) VALUES (%s, %s)",
            (str(e.event.originator_id), int(e.event.project_id)),
        )

    def _project_of(self, tx: Tx, e: Envelope) -> int | None:
        value = tx.scalar(
            "SELECT project_id FROM project_chroot_sets WHERE aggregate_uuid=%s", (str(e.event.originator_id),)
        )
        return None if value is None else int(value)

    @handles(ProjectChroots.ChrootEnabled)
    def project_chroot_enabled(self, tx: Tx, e: Envelope[ProjectChroots.ChrootEnabled]) -> None:
        project_id = self._project_of(tx, e)
        ev = e.event
        tx.write(
            "INSERT INTO project_chroots (project_id, name, buildroot_pkgs, comps, comps_name) "
            "VALUES (%s, %s, %s, %s, %s)",
            (project_id, ev.name, json.dumps(list(ev.buildroot_pkgs)), ev.comps, ev.comps_name),
        )

    @handles(ProjectChroots.ChrootChanged)
    def project_chroot_changed(self, tx: Tx, e: Envelope[ProjectChroots.ChrootChanged]) -> None:
        project_id = self._project_of(tx, e)
        ev = e.event
        tx.write(
            "UPDATE project_chroots SET buildroot_pkgs=%s, comps=%s, comps_name=%s WHERE project_id=%s AND name=%s",
            (json.dumps(list(ev.buildroot_pkgs)), ev.comps, ev.comps_name, project_id, ev.name),
        )

    @handles(ProjectChroots.ChrootDisabled)
    def project_chroot_disabled(self, tx: Tx, e: Envelope[ProjectChroots.ChrootDisabled]) -> None:
        project_id = self._project_of(tx, e)
        tx.write("DELETE FROM project_chroots WHERE project_id=%s AND name=%s", (project_id, e.event.name))

    # --- builds -----------------------------------------------------------------------------------
    @handles(Build.Submitted)
    def build_submitted(self, tx: Tx, e: Envelope[Build.Submitted]) -> None:
        ev = e.event
        tx.write(
            "INSERT INTO builds (id, uuid, project_id, submitter, submitter_id, state, canceled, is_finished, "
            "package_name, package_version, repos, submitted_on, enable_net, source_type, source_metadata) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (e.position, str(ev.originator_id), int(ev.project_id), ev.submitter, int(ev.submitter_id),
             states.build_state([states.PENDING] * len(ev.chroots)), False, False, ev.package_name,
             ev.package_version, json.dumps(list(ev.repos)), int(ev.submitted_on), bool(ev.enable_net),
             ev.source_type, json.dumps(ev.source_metadata, sort_keys=True)),
        )
        for name in ev.chroots:
            tx.write(
                "INSERT INTO build_tasks (build_id, chroot_name, state, started_on, ended_on, git_hash, "
                "result_dir_url) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (e.position, name, states.PENDING, None, None, ev.git_hash, None),
            )

    @staticmethod
    def _build_id(tx: Tx, e: Envelope) -> int | None:
        value = tx.scalar("SELECT id FROM builds WHERE uuid=%s", (str(e.event.originator_id),))
        return None if value is None else int(value)

    @staticmethod
    def _derive_state(tx: Tx, build_id: int, canceled: bool) -> None:
        rows = tx.fetchall("SELECT state FROM build_tasks WHERE build_id=%s", (build_id,))
        state = states.build_state((str(r["state"]) for r in rows), canceled)
        tx.write(
            "UPDATE builds SET state=%s, canceled=%s, is_finished=%s WHERE id=%s",
            (state, canceled, states.is_finished(state), build_id),
        )

    @handles(Build.TaskReported)
    def task_reported(self, tx: Tx, e: Envelope[Build.TaskReported]) -> None:
        build_id = self._build_id(tx, e)
        if build_id is None:
            return
        ev = e.event
        tx.write(
            "UPDATE build_tasks SET state=%s, started_on=%s, ended_on=%s, git_hash=%s, result_dir_url=%s "
            "WHERE build_id=%s AND chroot_name=%s",
            (ev.state, ev.started_on, ev.ended_on, ev.git_hash, ev.result_dir_url, build_id, ev.chroot),
        )
        canceled = bool(tx.scalar("SELECT canceled FROM builds WHERE id=%s", (build_id,)))
        self._derive_state(tx, build_id, canceled)

    @handles(Build.PackagesReported)
    def packages_reported(self, tx: Tx, e: Envelope[Build.PackagesReported]) -> None:
        build_id = self._build_id(tx, e)
        if build_id is None:
            return
        ev = e.event
        tx.write("DELETE FROM build_packages WHERE build_id=%s AND chroot_name=%s", (build_id, ev.chroot))
        for idx, p in enumerate(ev.packages, start=1):
            tx.write("INSERT INTO build_packages (build_id, chroot_name, idx, name, version, release, arch) "
                     "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                     (build_id, ev.chroot, idx, p["name"], p["version"], p["release"], p["arch"]))

    @handles(Build.Canceled)
    def build_canceled(self, tx: Tx, e: Envelope[Build.Canceled]) -> None:
        build_id = self._build_id(tx, e)
        if build_id is None:
            return
        for name in e.event.chroots:
            tx.write(
                "UPDATE build_tasks SET state=%s, ended_on=%s WHERE build_id=%s AND chroot_name=%s",
                (states.CANCELED, int(e.event.ended_on), build_id, name),
            )
        self._derive_state(tx, build_id, True)

    @handles(Build.Deleted)
    def build_deleted(self, tx: Tx, e: Envelope[Build.Deleted]) -> None:
        build_id = self._build_id(tx, e)
        tx.write("DELETE FROM build_tasks WHERE build_id=%s", (build_id,))
        tx.write("DELETE FROM build_packages WHERE build_id=%s", (build_id,))
        tx.write("DELETE FROM builds WHERE id=%s", (build_id,))
