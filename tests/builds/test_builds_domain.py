"""The builds domain: states, the task state machine, a build's state, chroot names and the Build rules."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.builds import states
from domain.builds.build import Build, BuildSource, package_of
from domain.builds.chroots import (
    DEFAULT_CATALOGUE,
    ProjectChroots,
    check_buildroot_pkgs,
    chroot_name_of,
    parse_chroot_name,
)
from domain.shared.errors import Conflict, Invalid, NotFound


@pytest.mark.parametrize(("tasks", "canceled", "expected"), [
    ([], False, "unknown"),
    (["pending"], False, "pending"),
    (["succeeded", "running", "failed"], False, "running"),
    (["succeeded", "starting", "pending"], False, "starting"),
    (["importing", "pending"], False, "importing"),
    (["pending", "failed"], False, "pending"),
    (["waiting", "succeeded"], False, "waiting"),
    (["failed", "succeeded"], False, "failed"),
    (["failed", "canceled"], False, "failed"),
    (["succeeded", "succeeded"], False, "succeeded"),
    (["succeeded", "skipped"], False, "succeeded"),
    (["skipped", "forked"], False, "skipped"),
    (["forked"], False, "forked"),
    (["canceled"], False, "canceled"),
    (["running", "succeeded"], True, "canceled"),
])
def test_a_builds_state_follows_from_its_tasks_as_in_copr(tasks: list[str], canceled: bool, expected: str) -> None:
    assert states.build_state(tasks, canceled) == expected


def test_tasks_move_forward_only_and_finished_tasks_are_final() -> None:
    allowed = [("pending", "running"), ("pending", "starting"), ("importing", "pending"), ("waiting", "pending"),
               ("pending", "waiting"), ("starting", "running"), ("running", "succeeded"), ("running", "failed"),
               ("pending", "canceled"), ("pending", "skipped"), ("running", "running"), ("succeeded", "succeeded")]
    for current, new in allowed:
        states.check_transition(current, new)
    refused = [("succeeded", "running"), ("failed", "pending"), ("canceled", "succeeded"), ("running", "pending"),
               ("starting", "importing"), ("running", "starting"), ("skipped", "failed")]
    for current, new in refused:
        with pytest.raises(Invalid, match=current):
            states.check_transition(current, new)
    for bad in ("unknown", "done", "", None, 3):
        with pytest.raises(Invalid, match="state must be one of"):
            states.check_transition("pending", bad)  # type: ignore[arg-type]
    assert set(states.STATES) == states.FINISHED | states.QUEUED | {"starting", "running", "unknown"}


def test_chroot_names_and_the_default_catalogue() -> None:
    name = parse_chroot_name("opensuse-leap-15.5-x86_64")
    assert (name.os_release, name.os_version, name.arch) == ("opensuse-leap", "15.5", "x86_64")
    assert chroot_name_of("fedora", "rawhide", "aarch64").name == "fedora-rawhide-aarch64"
    for bad in ("", "fedora", "fedora-40", "Fedora-40-x86_64", "fedora-40-x86 64", "-40-x86_64", "a" * 101, None):
        with pytest.raises(Invalid):
            parse_chroot_name(bad)
    with pytest.raises(Invalid, match="must not contain '-'"):
        chroot_name_of("fedora", "40-1", "x86_64")
    assert {"fedora-39-x86_64", "fedora-rawhide-aarch64", "epel-8-x86_64", "epel-9-aarch64"} <= set(DEFAULT_CATALOGUE)
    assert all(parse_chroot_name(n).name == n for n in DEFAULT_CATALOGUE)


def test_buildroot_packages_and_project_chroots() -> None:
    assert check_buildroot_pkgs("make gcc  make") == ["make", "gcc"]
    assert check_buildroot_pkgs(None) == [] and check_buildroot_pkgs(["python3-devel"]) == ["python3-devel"]
    for bad in (["a b"], [1], "x;rm -rf /", {"a": 1}):
        with pytest.raises(Invalid):
            check_buildroot_pkgs(bad)
    chroots = ProjectChroots(project_uuid=uuid4(), project_id=3, actor="user:1")
    chroots.enable("fedora-40-x86_64", ["make"], None, None, actor="user:1")
    with pytest.raises(Conflict, match="already has chroot"):
        chroots.enable("fedora-40-x86_64", [], None, None, actor="user:1")
    chroots.change("fedora-40-x86_64", ["make"], "<comps/>", None, actor="user:1")
    assert chroots.chroots["fedora-40-x86_64"] == {"buildroot_pkgs": ["make"], "comps": "<comps/>",
                                                   "comps_name": "comps.xml"}
    version = chroots.version
    chroots.change("fedora-40-x86_64", ["make"], "<comps/>", "comps.xml", actor="user:1")
    assert chroots.version == version  # nothing changed, no event
    chroots.disable("fedora-40-x86_64", actor="user:1")
    with pytest.raises(NotFound):
        chroots.disable("fedora-40-x86_64", actor="user:1")


def test_sources_and_package_names() -> None:
    assert package_of("https://h/p/foo-bar-1.2-3.fc40.src.rpm") == ("foo-bar", "1.2-3.fc40")
    assert package_of("https://h/p/foo%2Bx-1-1.src.rpm") == ("foo+x", "1-1")
    assert package_of("https://h/download?id=7") == (None, None)
    link = BuildSource.from_url(" https://example.org/x-1-1.src.rpm ")
    assert (link.source_type, link.metadata) == ("link", {"url": "https://example.org/x-1-1.src.rpm"})
    scm = BuildSource.from_commit("ABCDEF1234567", "https://git/repo.git")
    assert scm.source_type == "scm" and scm.git_hash == "abcdef1234567"
    assert scm.metadata == {"type": "git", "clone_url": "https://git/repo.git", "committish": "abcdef1234567"}
    for bad in ("ftp://h/x.src.rpm", "file:///etc/passwd", "https://", "not a url", "", None):
        with pytest.raises(Invalid, match="srpm_url"):
            BuildSource.from_url(bad)
    for bad_hash in ("xyz1234", "abc", "g" * 40, None):
        with pytest.raises(Invalid, match="git_hash"):
            BuildSource.from_commit(bad_hash, "https://git/repo.git")
    with pytest.raises(Invalid, match="no repository"):
        BuildSource.from_commit("abcdef1", "")


def _build(*chroots: str) -> Build:
    return Build.submit(uuid4(), 1, "alice", 2, BuildSource.from_url("https://h/a-1-1.src.rpm"), list(chroots),
                        True, [], 1000, actor="user:2")


def test_a_build_lives_through_its_tasks() -> None:
    build = _build("fedora-40-x86_64", "epel-9-x86_64", "fedora-40-x86_64")
    assert list(build.tasks) == ["fedora-40-x86_64", "epel-9-x86_64"] and build.state == "pending"
    assert build.report_task("fedora-40-x86_64", {"state": "running"}, 1010, actor="token:5")
    assert build.tasks["fedora-40-x86_64"]["started_on"] == 1010 and build.state == "running"
    assert not build.report_task("fedora-40-x86_64", {"state": "running"}, 1020, actor="token:5")  # no change
    build.report_task("fedora-40-x86_64", {"state": "failed", "result_dir_url": "https://r/1/"}, 1030, actor="t")
    assert build.tasks["fedora-40-x86_64"]["ended_on"] == 1030 and build.state == "pending"
    build.report_task("epel-9-x86_64", {"state": "succeeded", "started_on": 1001, "ended_on": 1002,
                                        "git_hash": "a" * 40}, 1040, actor="t")
    assert build.state == "failed"
    assert not build.report_task("epel-9-x86_64", {"state": "succeeded"}, 1050, actor="t")  # an agent's retry
    with pytest.raises(Invalid, match="a finished task cannot become running"):
        build.report_task("epel-9-x86_64", {"state": "running"}, 1060, actor="t")
    with pytest.raises(Invalid, match="a finished task cannot change"):
        build.report_task("epel-9-x86_64", {"state": "succeeded", "ended_on": 1003}, 1060, actor="t")
    with pytest.raises(Invalid, match="finished build cannot be canceled"):
        build.cancel(1070, actor="user:2")
    build.delete(actor="user:2")
    with pytest.raises(NotFound):
        build.report_task("epel-9-x86_64", {"state": "succeeded"}, 1080, actor="t")


def test_reports_are_checked() -> None:
    build = _build("fedora-40-x86_64")
    cases = [
        ({"state": "unknown"}, "state must be one of"),
        ({"state": "done"}, "state must be one of"),
        ({"state": "running", "started_on": -1}, "started_on"),
        ({"state": "running", "started_on": True}, "started_on"),
        ({"state": "running", "started_on": "1"}, "started_on"),
        ({"state": "succeeded", "started_on": 20, "ended_on": 10}, "ended_on must not be before started_on"),
        ({"state": "running", "git_hash": "nothex!"}, "git_hash"),
        ({"state": "running", "result_dir_url": "javascript:alert(1)"}, "result_dir_url"),
        ({"state": "running", "colour": "red"}, "unknown build task fields"),
    ]
    for report, message in cases:
        with pytest.raises(Invalid, match=message):
            build.report_task("fedora-40-x86_64", report, 100, actor="t")
    with pytest.raises(NotFound):
        build.report_task("epel-9-x86_64", {"state": "running"}, 100, actor="t")
    assert build.version == 1  # nothing was recorded


def test_cancel_and_delete_rules() -> None:
    build = _build("fedora-40-x86_64", "epel-9-x86_64")
    with pytest.raises(Invalid, match="cancel it first"):
        build.delete(actor="user:2")
    build.report_task("fedora-40-x86_64", {"state": "succeeded"}, 100, actor="t")
    assert build.cancel(110, actor="user:2") and build.state == "canceled"
    assert build.tasks["fedora-40-x86_64"]["state"] == "succeeded"
    assert build.tasks["epel-9-x86_64"] == {"state": "canceled", "started_on": None, "ended_on": 110,
                                            "git_hash": None, "result_dir_url": None}
    assert not build.cancel(120, actor="user:2")  # canceling again changes nothing
    with pytest.raises(Invalid, match="a finished task cannot become running"):
        build.report_task("epel-9-x86_64", {"state": "running"}, 130, actor="t")
    build.delete(actor="user:2")
    with pytest.raises(Invalid, match="at least one chroot"):
        _build()
