"""coderadar's test runs of a commit (issue 6, linking): ``GET /api/projects/{id}/commits/{hash}/testRuns``
on a real git repository imported as a project, with runs published through Projektor and Testery for
its commits and for an unrelated sha. The commit is resolved like the history endpoints resolve it;
access is the project's rule (401, 404, 403)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.api import Api, User
from tests.support.databases import server_env
from tests.support.gitrepo import GitRepo
from tests.testing.reports import grouped_body, junit_xml, publish, published_id

UNRELATED_SHA = "0123456789abcdef0123456789abcdef01234567"
FIELDS = ["id", "publicId", "source", "name", "status", "totalCount", "passedCount", "failedCount", "skippedCount",
          "startTime", "endTime", "commitHash", "repo", "projectName", "branch", "isMainBranch", "pullRequestNumber",
          "buildKey", "links"]


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repos")
    repo = GitRepo(root / "shop")
    repo.commit("Initial import", {"README.md": "# Shop\n", "src/Main.java": "class Main {}\n"})
    repo.commit("Main runs", {"src/Main.java": "class Main { void run() {} }\n"}, author="bob")
    repo.commit("Tests", {"src/MainTest.java": "class MainTest {}\n"})
    return root


@pytest.fixture
def env(data_dir: Path, database_url: str | None, repos: Path) -> dict[str, str]:
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(repos),
                      CODEANNALS_POLL_SECONDS="3600")


def _url(project_id: int, commit: str) -> str:
    return f"/api/projects/{project_id}/commits/{commit}/testRuns"


def _upload(client: FlaskClient, token: str, project_id: int, report: bytes, **fields: str) -> int:
    data: dict[str, Any] = {"file": (io.BytesIO(report), "results.xml", "application/xml"),
                            "projectId": str(project_id), "environmentId": "7", **fields}
    r = client.post("/api/test-runs-upload", data=data, headers={"Authorization": f"Bearer {token}"},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    run_id: int = r.get_json()["id"]
    return run_id


def _runs(client: FlaskClient, user: User, project_id: int, commit: str) -> list[dict[str, Any]]:
    r = client.get(_url(project_id, commit), headers=user.headers)
    assert r.status_code == 200, r.get_json()
    runs: list[dict[str, Any]] = r.get_json()
    return runs


def test_a_commit_lists_exactly_its_runs(client: FlaskClient, api: Api, repos: Path) -> None:
    repo = GitRepo.existing(repos / "shop")
    first, second, third = (e.hash for e in reversed(repo.log("main")))
    owner = api.register("owner")
    project_id = api.create_project(owner, name="shop", vcs_url=str(repo.path))
    api.wait_for_import(owner, project_id)
    member, outsider = api.register("member"), api.register("outsider")
    api.set_role(owner, project_id, member, "MEMBER")
    owner_token, outsider_token = api.api_token(owner), api.api_token(outsider)

    # Runs of the second commit: through Projektor, through Testery (with a build key), and one
    # published by someone outside the project; one of the third commit; one of an unrelated sha.
    projektor_id = published_id(publish(client, owner_token, grouped_body(
        [junit_xml(suites=2, per_suite=3, failing={"com.acme.Suite0.test1"}, skipped={"com.acme.Suite1.test2"})],
        sha=second, branch="feature/x", main=False, wall_clock=3.5)))
    testery_id = _upload(client, owner_token, project_id, junit_xml(suites=1, per_suite=4), branch="main",
                         ref=second.upper(), buildKey="build-7")
    foreign_id = published_id(publish(client, outsider_token, grouped_body([junit_xml(1, 1)], repo="other/fork",
                                                                           sha=second)))
    third_id = published_id(publish(client, owner_token, grouped_body([junit_xml(1, 2)], sha=third)))
    published_id(publish(client, owner_token, grouped_body([junit_xml(1, 2)], sha=UNRELATED_SHA)))

    runs = _runs(client, owner, project_id, second)
    assert len(runs) == 3
    p, t, f = runs  # oldest first
    assert (p["publicId"], t["id"], f["publicId"]) == (projektor_id, testery_id, foreign_id)
    assert p["id"] < t["id"] < f["id"]
    assert [r["source"] for r in runs] == ["projektor", "testery", "projektor"]
    assert all(list(r) == FIELDS for r in runs)
    assert all(r["commitHash"] == second for r in runs)
    assert len(t["publicId"]) == 12 and t["publicId"].isalnum() and t["publicId"].upper() == t["publicId"]
    assert (p["status"], p["totalCount"], p["passedCount"], p["failedCount"], p["skippedCount"]) == ("FAIL", 6, 4, 1, 1)
    assert (t["status"], t["totalCount"], t["passedCount"], t["failedCount"], t["skippedCount"]) == ("PASS", 4, 4, 0, 0)
    assert (p["repo"], p["branch"], p["isMainBranch"], p["buildKey"]) == ("acme/shop", "feature/x", False, None)
    assert (t["branch"], t["buildKey"], t["name"]) == ("main", "build-7", "results.xml")
    assert f["repo"] == "other/fork"
    for run in runs:
        assert isinstance(run["startTime"], int) and run["startTime"] <= run["endTime"]
        assert abs(run["startTime"] - runs[0]["startTime"]) < 600_000  # epoch milliseconds, all just now
        assert run["links"] == {"testery": f"/api/test-runs/{run['id']}", "projektor": f"/run/{run['publicId']}"}

    # The links lead to the run's Testery and Projektor views (here for its publisher).
    testery = client.get(t["links"]["testery"], headers={"Authorization": f"Bearer {owner_token}"})
    assert testery.status_code == 200 and testery.get_json()["key"] == t["publicId"]
    projektor = client.get(p["links"]["projektor"], headers={"X-PROJEKTOR-TOKEN": owner_token})
    assert projektor.status_code == 200 and projektor.get_json()["id"] == projektor_id
    # The outsider's run is on a commit of the project: its views open for the project's members too
    # (and the Testery list shows it to them), and not for a user without a role in the project.
    member_token, stranger_token = api.api_token(member), api.api_token(api.register("stranger"))
    r = client.get(f["links"]["testery"], headers={"Authorization": f"Bearer {member_token}"})
    assert r.status_code == 200 and r.get_json()["key"] == foreign_id
    r = client.get(f["links"]["projektor"], headers={"X-PROJEKTOR-TOKEN": member_token})
    assert r.status_code == 200 and r.get_json()["id"] == foreign_id
    listed = client.get("/api/test-runs?limit=50", headers={"Authorization": f"Bearer {member_token}"}).get_json()
    assert foreign_id in {run["key"] for run in listed} and third_id in {run["key"] for run in listed}
    assert client.get(f["links"]["testery"], headers={"Authorization": f"Bearer {stranger_token}"}).status_code == 404
    # Testery is token-only and private; Projektor's reads are public (CODEANNALS_PUBLIC_TEST_RESULTS)
    assert client.get(f["links"]["projektor"], headers={"X-PROJEKTOR-TOKEN": stranger_token}).status_code == 200
    listed = client.get("/api/test-runs?limit=50", headers={"Authorization": f"Bearer {stranger_token}"}).get_json()
    assert listed == []

    # By a unique prefix of 7 characters, in any case; a member who published nothing sees the same.
    assert _runs(client, owner, project_id, second[:7]) == runs
    assert _runs(client, owner, project_id, second[:12].upper()) == runs
    assert _runs(client, member, project_id, second) == runs
    assert [r["publicId"] for r in _runs(client, member, project_id, third[:7])] == [third_id]
    # A commit of the project without runs lists none; the unrelated sha is no commit of the project.
    assert _runs(client, owner, project_id, first) == []
    r = client.get(_url(project_id, UNRELATED_SHA), headers=owner.headers)
    assert r.status_code == 404 and UNRELATED_SHA in r.get_json()["errorMessage"]
    r = client.get(_url(project_id, UNRELATED_SHA[:7]), headers=owner.headers)
    assert r.status_code == 404 and "not found" in r.get_json()["errorMessage"]
    for malformed in ("xyz1234", "abc12", "g" * 40, "a" * 41):
        r = client.get(_url(project_id, malformed), headers=owner.headers)
        assert r.status_code == 400 and "commitHash" in r.get_json()["errorMessage"], malformed


def test_access_is_the_projects_rule(client: FlaskClient, api: Api, repos: Path) -> None:
    repo = GitRepo.existing(repos / "shop")
    head = repo.head("main")
    owner = api.register("owner")
    project_id = api.create_project(owner, name="shop", vcs_url=str(repo.path))
    api.wait_for_import(owner, project_id)
    outsider = api.register("outsider")
    published_id(publish(client, api.api_token(owner), grouped_body([junit_xml(1, 1)], sha=head)))

    assert client.get(_url(project_id, head)).status_code == 401
    r = client.get(_url(project_id, head), headers={"Authorization": "not-a-token"})
    assert r.status_code == 401
    assert client.get(_url(project_id + 1000, head)).status_code == 401  # credentials come first
    r = client.get(_url(project_id + 1000, head), headers=outsider.headers)
    assert r.status_code == 404 and "errorMessage" in r.get_json()
    r = client.get(_url(project_id, head), headers=outsider.headers)
    assert r.status_code == 403 and "errorMessage" in r.get_json()
    # the answer does not depend on whether the commit exists: no probing of a project's history
    assert client.get(_url(project_id, UNRELATED_SHA), headers=outsider.headers).status_code == 403
    # any role may read
    api.set_role(owner, project_id, outsider, "MEMBER")
    assert len(_runs(client, outsider, project_id, head)) == 1
    assert len(_runs(client, outsider, project_id, head[:7])) == 1
