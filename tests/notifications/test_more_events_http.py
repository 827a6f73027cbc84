"""``analysis.completed`` and ``build.finished`` deliveries, from the workers inside the test server
to a local receiver allowed by CODEANNALS_WEBHOOK_ALLOWED_HOSTS; a deleted webhook gets nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.analysis.flow import Flow, wait
from tests.notifications.receiver import Receiver
from tests.support.api import Api
from tests.support.copr import Copr
from tests.support.databases import server_env
from tests.support.gitrepo import GitRepo

LOC_ANALYZER = "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def env(data_dir: Path, database_url: str | None, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "repos").mkdir(exist_ok=True)
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(tmp_path / "repos"),
                      CODEANNALS_POLL_SECONDS="3600", CODEANNALS_ANALYSIS_POLL_SECONDS="0.1",
                      CODEANNALS_WEBHOOK_ALLOWED_HOSTS="127.0.0.1", CODEANNALS_WEBHOOK_POLL_SECONDS="0.1",
                      CODEANNALS_WEBHOOK_RETRY_BASE_SECONDS="0.2")


def test_analysis_completed_and_build_finished(client: FlaskClient, api: Api, receiver: Receiver,
                                               tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repos" / "analysed")
    repo.commit("one", {"A.java": "class A {}\n"})
    owner = api.register("owner")
    flow = Flow(client, api)
    project = flow.project(owner, str(repo.path), patterns=[["**/*.java", "INCLUDE"]], modules=[],
                           analyzers=[(LOC_ANALYZER, {})])
    r = client.post(f"/api/projects/{project}/webhooks", headers=owner.headers, json={
        "url": f"{receiver.url}/a", "secret": "s", "events": ["analysis.completed", "build.finished"]})
    assert r.status_code == 201, r.get_json()
    hook = r.get_json()["id"]
    flow.analyse(owner, project)
    (done,) = receiver.wait_for(lambda x: x.headers.get("X-CodeAnnals-Event") == "analysis.completed")
    assert done.signed_with("s") and done.json["project"]["id"] == project
    assert done.json["facts"]["commits"] == 1

    # a Copr build of another project, finished when its only task is
    copr = Copr(client, api)
    builder = copr.user("builder")
    copr_project = copr.create_project(builder, name="pkgs")
    r = client.post(f"/api/projects/{copr_project}/webhooks", headers=builder.user.headers, json={
        "url": f"{receiver.url}/b", "secret": "t", "events": ["build.finished"]})
    assert r.status_code == 201, r.get_json()
    build = copr.create_build(builder, copr_project)
    copr.report(builder, build, "fedora-40-x86_64", state="running")
    copr.report(builder, build, "fedora-40-x86_64", state="succeeded")
    (finished,) = receiver.wait_for(lambda x: x.headers.get("X-CodeAnnals-Event") == "build.finished")
    assert finished.path == "/b" and finished.signed_with("t")
    assert finished.json["facts"] == {"id": build, "state": "succeeded"}
    assert finished.json["project"]["id"] == copr_project

    # deleted: nothing more is sent to it
    assert client.delete(f"/api/projects/{project}/webhooks/{hook}", headers=owner.headers).status_code == 204
    repo.commit("two", {"B.java": "class B {}\n"})
    client.post(f"/api/projects/{project}/refresh", headers=owner.headers)
    flow.imported(owner, project, runs=2)
    wait(lambda: flow.status(owner, project)["job"] >= 2 and not flow.status(owner, project)["status"],
         what="the automatic analysis of the new commit")
    assert len(receiver.of(lambda x: x.path == "/a")) == 1
