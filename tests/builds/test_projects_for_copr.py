"""What Copr needs from the projects context: a project without a repository, and a group field."""

from __future__ import annotations

from uuid import uuid4

import pytest

from application.projects.service import NewProject, ProjectsApplication
from domain.projects.project import Project
from domain.projects.team import UserRef
from domain.shared.errors import Invalid


def test_a_project_may_have_no_repository_but_an_empty_vcs_url_is_still_refused() -> None:
    project = Project.create(name="copr", vcs_url=None, creator=uuid4(), creator_id=1, actor="user:1")
    assert project.vcs_url == "" and project.group is None
    for bad in ("", "  ", "ftp://host/repo"):
        with pytest.raises(Invalid, match="vcsUrl"):
            Project.create(name="p", vcs_url=bad, creator=uuid4(), creator_id=1, actor="user:1")


def test_the_group_is_trimmed_checked_and_kept() -> None:
    project = Project.create(name="p", vcs_url=None, creator=uuid4(), creator_id=1, actor="user:1", group="  qa ")
    assert project.group == "qa"
    assert Project.create(name="p", vcs_url=None, creator=uuid4(), creator_id=1, actor="u", group="").group is None
    for bad in ("a\x01b", "x" * 101, 5):
        with pytest.raises(Invalid, match="group"):
            Project.create(name="p", vcs_url=None, creator=uuid4(), creator_id=1, actor="user:1", group=bad)


def test_the_application_creates_it_and_it_replays_from_its_events() -> None:
    app = ProjectsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    creator = UserRef(uuid4(), 7)
    created = app.create_project(NewProject(name="p", vcs_url=None, group="qa", details={"description": "d"}),
                                 creator, actor="user:7")
    project = app.project(created.uuid)
    assert (project.vcs_url, project.group, project.description) == ("", "qa", "d")
    with pytest.raises(Invalid, match="vcsUrl"):
        app.create_project(NewProject(name="p", vcs_url=""), creator, actor="user:7")
