"""coderadar history endpoints on a real git repository, each checked against what git itself says:
branches, commits (per branch, per contributor), commit log, file tree, file content and diff,
contributors (list, per path, one, merge, rename) and critical files (seed 3.3, 5.2, 5.3.2, 5.3.3, 5.5,
6 and 7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from interfaces.container import Container
from tests.support.api import Api, User
from tests.support.databases import server_env
from tests.support.gitrepo import GitRepo

LONG_SUBJECT = "Refactor the main class so that it " + "reads much better and " * 5 + "is done"


@pytest.fixture(scope="module")
def shared_repos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo repository is only read by these tests: build it once."""
    root = tmp_path_factory.mktemp("repos")
    build_demo(root / "demo")
    return root


@pytest.fixture
def repos(shared_repos: Path) -> Path:
    return shared_repos


@pytest.fixture
def env(data_dir: Path, database_url: str | None, repos: Path) -> dict[str, str]:
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(repos),
                      CODEANNALS_POLL_SECONDS="3600")


def build_demo(path: Path) -> GitRepo:
    """main: c1 (alice) c2 (bob, tag light) c3 (alice, other name and e-mail case) c4 (bob) merge
    (alice, tag v1.0) c5 (alice); feature from c3: f1 (carol renames Helper.java) f2 (carol)."""
    repo = GitRepo(path)
    repo.commit("Initial import\n\nWith a body line.\n", {
        "README.md": "# Demo\n",
        "src/Main.java": "class Main {\n  void run() {\n  }\n}\n",
        "src/util/Helper.java": "class Helper {\n" + "".join(f"  int f{i};\n" for i in range(20)) + "}\n",
        "docs/guide.md": "guide\n",
        "img/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00binary",
    }, author="alice")
    repo.commit("Main runs", {"src/Main.java": "class Main {\n  void run() {\n    go();\n  }\n}\n"}, author="bob")
    repo.tag("light")
    repo.commit("Helper grows", {"src/util/Helper.java": "class Helper {\n" + "".join(
        f"  int f{i};\n" for i in range(21)) + "}\n"}, author="alice2")
    repo.checkout("feature", create=True)
    repo.move("src/util/Helper.java", "src/util/Helpers.java")
    repo.commit("Rename Helper", {"src/util/Helpers.java": "class Helpers {\n" + "".join(
        f"  int f{i};\n" for i in range(21)) + "}\n"}, author="carol")
    repo.commit("Feature", {"src/Feature.java": "class Feature {}\n"}, author="carol")
    repo.checkout("main")
    repo.commit("Drop the guide", {"docs/guide.md": None, "README.md": "# Demo\n\nMore.\n"}, author="bob")
    repo.merge("feature", "Merge feature")
    repo.tag("v1.0", annotated=True)
    repo.commit(LONG_SUBJECT + "\n\nDetails.\n", {"src/Main.java": "class Main {\n  void run() {\n    go();\n"
                                                                     "    stop();\n  }\n}\n"}, author="alice")
    return repo


@pytest.fixture
def demo(repos: Path) -> GitRepo:
    return GitRepo.existing(repos / "demo")


def imported(api: Api, repo: GitRepo, name: str = "demo", **fields: Any) -> tuple[User, int]:
    owner = api.register("owner")
    project_id = api.create_project(owner, name=name, vcs_url=str(repo.path), **fields)
    api.wait_for_import(owner, project_id)
    return owner, project_id


def get(client: FlaskClient, user: User, url: str, body: dict[str, Any] | None = None) -> Any:
    r = client.get(url, headers=user.headers, json=body) if body is not None else client.get(url, headers=user.headers)
    assert r.status_code == 200, (url, r.status_code, r.get_json())
    return r.get_json()


def test_import_status_and_branches(client: FlaskClient, api: Api, demo: GitRepo) -> None:
    owner, project_id = imported(api, demo)
    status = api.import_status(owner, project_id)
    commits = demo.log()
    assert status["status"] == "DONE" and status["commits"] == status["total"] == len(commits) == 8
    assert status["failureReason"] is None and status["defaultBranch"] == "main" and status["runs"] == 1
    heads = demo.ref_heads()
    assert get(client, owner, f"/api/projects/{project_id}/branches") == [
        {"name": "feature", "commitHash": heads["refs/heads/feature"], "isTag": False},
        {"name": "main", "commitHash": heads["refs/heads/main"], "isTag": False},
        {"name": "light", "commitHash": heads["refs/tags/light"], "isTag": True},
        {"name": "v1.0", "commitHash": heads["refs/tags/v1.0"], "isTag": True},
    ]


def commit_json(e: Any) -> dict[str, Any]:
    return {"hash": e.hash[:16], "timestamp": e.author_time * 1000, "analyzed": False, "author": e.author_name,
            "authorEmail": e.author_email, "comment": e.body.rstrip()}


def test_commits_of_a_branch_and_of_a_contributor(client: FlaskClient, api: Api, demo: GitRepo) -> None:
    owner, project_id = imported(api, demo)
    base = f"/api/projects/{project_id}/commits"
    main = get(client, owner, f"{base}?branchName=main")
    assert main == [commit_json(e) for e in demo.log("main")]
    assert list(main[0]) == ["hash", "timestamp", "analyzed", "author", "authorEmail", "comment"]
    assert get(client, owner, f"{base}?branchName=feature") == [commit_json(e) for e in demo.log("feature")]
    assert get(client, owner, f"{base}?branchName=light") == [commit_json(e) for e in demo.log("light")]
    assert get(client, owner, base) == main  # the repository's default branch
    # By contributor: every address of the contributor, in any case.
    alice = [commit_json(e) for e in demo.log("main") if e.author_email.lower() == "alice@example.org"]
    assert len(alice) == 4
    assert get(client, owner, f"{base}?branchName=main&email=ALICE@example.org") == alice
    assert get(client, owner, f"{base}?branchName=main&email=carol@example.org") == [
        commit_json(e) for e in demo.log("main") if e.author_email == "carol@example.org"]
    assert get(client, owner, f"{base}?branchName=main&email=nobody@example.org") == []
    r = client.get(f"{base}?branchName=nope", headers=owner.headers)
    assert r.status_code == 404 and "nope" in r.get_json()["errorMessage"]


def test_commit_log_lists_every_branch_like_git_log(client: FlaskClient, api: Api, demo: GitRepo) -> None:
    owner, project_id = imported(api, demo)
    log = get(client, owner, f"/api/projects/{project_id}/commitLog")
    heads = demo.ref_heads()
    refs_at: dict[str, list[str]] = {}
    for ref, sha in sorted(heads.items(), key=lambda item: (item[0].startswith("refs/tags/"), item[0])):
        name = ref.split("/", 2)[2]
        refs_at.setdefault(sha, []).append(f"tag: {name}" if ref.startswith("refs/tags/") else name)
    expected = [{
        "refs": refs_at.get(e.hash, []),
        "hash": e.hash[:16],
        "parents": [p[:16] for p in e.parents],
        "author": {"name": e.author_name, "email": e.author_email, "timestamp": e.author_time * 1000},
        "subject": e.subject[:100],
        "analyzed": False,
    } for e in demo.log()]
    assert log == expected
    assert any(len(c["parents"]) == 2 for c in log)
    assert log[0]["subject"] == LONG_SUBJECT[:100] and len(LONG_SUBJECT) > 100


def flatten(tree: dict[str, Any], prefix: str = "") -> list[str]:
    if tree["children"] is None:
        return [prefix + tree["path"]]
    base = "" if tree["path"] == "/" else prefix + tree["path"] + "/"
    return [p for child in tree["children"] for p in flatten(child, base)]


def test_file_tree_of_a_commit_and_its_changed_files(client: FlaskClient, api: Api, demo: GitRepo) -> None:
    owner, project_id = imported(api, demo)
    for entry in demo.log():
        for rev in (entry.hash, entry.hash[:7], entry.hash[:16].upper()):
            tree = get(client, owner, f"/api/projects/{project_id}/files/tree/{rev}?changedOnly=false")
            assert tree["path"] == "/" and sorted(flatten(tree)) == demo.files(entry.hash)
        changed = get(client, owner, f"/api/projects/{project_id}/files/tree/{entry.hash}?changedOnly=true")
        if len(entry.parents) > 1:
            continue  # a merge: its changes against the first parent, checked below
        assert sorted(flatten(changed)) == sorted(s[-1] for s in demo.name_status(entry.hash))
    # coderadar's shape: directories first, one-child directories merged into their child.
    head = demo.head("main")
    tree = get(client, owner, f"/api/projects/{project_id}/files/tree/{head}")
    assert tree == {"path": "/", "children": [
        {"path": "src", "children": [
            {"path": "Feature.java", "children": None},
            {"path": "Main.java", "children": None},
            {"path": "util/Helpers.java", "children": None},
        ]},
        {"path": "img/logo.png", "children": None},
        {"path": "README.md", "children": None},
    ]}
    merge = demo.head("main~1")
    changed = get(client, owner, f"/api/projects/{project_id}/files/tree/{merge}?changedOnly=true")
    assert sorted(flatten(changed)) == sorted(s[-1] for s in demo.name_status(merge))
    assert get(client, owner, f"/api/projects/{project_id}/files/tree/{head}?changedOnly=true") == {
        "path": "/", "children": [{"path": "src/Main.java", "children": None}]}


def test_file_content_and_diff_by_get_with_a_body_or_post(client: FlaskClient, api: Api, demo: GitRepo) -> None:
    owner, project_id = imported(api, demo)
    base = f"/api/projects/{project_id}/files"
    for entry in demo.log():
        for path in demo.files(entry.hash):
            body = {"commitHash": entry.hash, "filepath": path}
            content = get(client, owner, f"{base}/content", body)
            assert content == {"content": demo.show(entry.hash, path).decode("utf-8", "replace"), "metrics": []}
            diff = get(client, owner, f"{base}/diff", body)
            assert diff["metrics"] is None
            if len(entry.parents) <= 1 and not path.endswith(".png"):
                assert diff["content"] == demo.diff(entry.hash, path), (entry.subject, path)
    rename = next(e for e in demo.log() if e.subject == "Rename Helper")
    body = {"commitHash": rename.hash[:10], "filepath": "src/util/Helpers.java"}
    r = client.post(f"{base}/diff", headers=owner.headers, json=body)
    assert r.status_code == 200
    assert r.get_json()["content"].startswith("@@ -1,4 +1,4 @@\n-class Helper {\n+class Helpers {\n")
    assert client.post(f"{base}/content", headers=owner.headers, json=body).get_json()["content"].startswith(
        "class Helpers {")
    dropped = next(e for e in demo.log() if e.subject == "Drop the guide")
    r = client.post(f"{base}/diff", headers=owner.headers, json={"commitHash": dropped.hash,
                                                                 "filepath": "docs/guide.md"})
    assert r.status_code == 200 and r.get_json()["content"] == "@@ -1 +0,0 @@\n-guide\n"
    # The seed's own request shape: GET with a JSON body and its content type.
    r = client.open(f"{base}/content", method="GET", headers={**owner.headers, "Content-Type": "application/json"},
                    data=f'{{"commitHash": "{dropped.hash}", "filepath": "README.md"}}')
    assert r.status_code == 200 and r.get_json()["content"] == "# Demo\n\nMore.\n"


def test_bad_commits_and_paths_are_400_or_404(client: FlaskClient, api: Api, demo: GitRepo,
                                              container: Container) -> None:
    owner, project_id = imported(api, demo)
    head = demo.head("main")
    base = f"/api/projects/{project_id}"
    cases = [
        ({"commitHash": head, "filepath": "nope.txt"}, 404),
        ({"commitHash": head, "filepath": "docs/guide.md"}, 404),  # deleted before head
        ({"commitHash": head, "filepath": "src"}, 404),  # a directory is not a file
        ({"commitHash": head, "filepath": "../secret"}, 400),
        ({"commitHash": head, "filepath": "src/../../etc/passwd"}, 400),
        ({"commitHash": head, "filepath": ""}, 400),
        ({"commitHash": "0000000", "filepath": "README.md"}, 404),
        ({"commitHash": "0" * 40, "filepath": "README.md"}, 404),
        ({"commitHash": head[:6], "filepath": "README.md"}, 400),
        ({"commitHash": "not-a-hash", "filepath": "README.md"}, 400),
        ({"filepath": "README.md"}, 400),
        ({"commitHash": head}, 400),
    ]
    for body, status in cases:
        for endpoint in ("content", "diff"):
            r = client.post(f"{base}/files/{endpoint}", headers=owner.headers, json=body)
            assert r.status_code == status, (endpoint, body, r.get_json())
            assert r.get_json()["errorMessage"]
    assert client.get(f"{base}/files/tree/zzzzzzz", headers=owner.headers).status_code == 400
    assert client.get(f"{base}/files/tree/{'1' * 40}", headers=owner.headers).status_code == 404
    assert client.get(f"{base}/files/tree/{head}?changedOnly=maybe", headers=owner.headers).status_code == 400
    # An ambiguous prefix (two commits made up in the read model share 7 digits) is a 400.
    with container.store.transaction() as tx:
        for idx, sha in ((1000, "abcdef1" + "0" * 33), (1001, "abcdef1" + "1" * 33)):
            tx.execute(
                "INSERT INTO history_commits (project_id, idx, hash, author_name, author_email, email_key, "
                "author_time, author_tz, committer_time, message, parent_count, batch_seq, reachable, analyzed) "
                "VALUES (%s, %s, %s, 'x', 'x@x', 'x@x', 0, 0, 0, 'x', 0, 0, TRUE, FALSE)", (project_id, idx, sha))
    r = client.get(f"{base}/files/tree/abcdef1", headers=owner.headers)
    assert r.status_code == 400 and "ambiguous" in r.get_json()["errorMessage"]
    assert client.get(f"{base}/files/tree/abcdef10", headers=owner.headers).status_code == 404  # not in git
    # Access: members only.
    stranger = api.register("stranger")
    assert client.get(f"{base}/branches", headers=stranger.headers).status_code == 403
    assert client.get(f"{base}/commitLog").status_code == 401
    assert client.get("/api/projects/999999/branches", headers=owner.headers).status_code == 404
    api.set_role(owner, project_id, stranger, "MEMBER")
    assert client.get(f"{base}/branches", headers=stranger.headers).status_code == 200


def contributor(c: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    return c["displayName"], c["names"], c["emailAddresses"]


def test_contributors_grouped_by_email_per_path_merge_and_rename(client: FlaskClient, api: Api,
                                                                 demo: GitRepo) -> None:
    owner, project_id = imported(api, demo)
    listed = get(client, owner, f"/api/projects/{project_id}/contributors")
    assert [contributor(c) for c in listed] == [
        ("Alice Liddell", ["Alice Liddell", "alice"], ["alice@example.org"]),
        ("Bob Builder", ["Bob Builder"], ["bob@example.org"]),
        ("Carol", ["Carol"], ["carol@example.org"]),
    ]
    assert list(listed[0]) == ["id", "displayName", "names", "emailAddresses"]
    alice, bob, carol = (c["id"] for c in listed)
    assert get(client, owner, f"/api/contributors/{bob}") == listed[1]
    head = demo.head("main")

    def for_path(path: str, rev: str = head) -> list[str]:
        return [c["displayName"] for c in get(client, owner, f"/api/projects/{project_id}/contributors/path",
                                              {"path": path, "commitHash": rev})]

    # Renames are followed back: Helpers.java was Helper.java (alice), renamed by carol.
    assert for_path("src/util/Helpers.java") == ["Alice Liddell", "Carol"]
    assert for_path("src") == ["Alice Liddell", "Bob Builder", "Carol"]
    assert for_path("src/util") == ["Alice Liddell", "Carol"]
    assert for_path("README.md") == ["Alice Liddell", "Bob Builder"]
    assert for_path("docs") == []  # gone at head
    assert for_path("docs/guide.md", demo.head("main~3")) == ["Alice Liddell"]
    r = client.post(f"/api/projects/{project_id}/contributors/path", headers=owner.headers,
                    json={"path": "src", "commitHash": head[:12]})
    assert r.status_code == 200 and [c["id"] for c in r.get_json()] == [alice, bob, carol]

    # Merge: the first id survives with every name and address; the others are gone.
    r = client.post("/api/contributors/merge", headers=owner.headers,
                    json={"contributorIds": [carol, bob], "displayName": "Team B"})
    assert r.status_code == 200
    listed = get(client, owner, f"/api/projects/{project_id}/contributors")
    assert [contributor(c) for c in listed] == [
        ("Alice Liddell", ["Alice Liddell", "alice"], ["alice@example.org"]),
        ("Team B", ["Bob Builder", "Carol"], ["bob@example.org", "carol@example.org"]),
    ]
    assert listed[1]["id"] == carol
    assert client.get(f"/api/contributors/{bob}", headers=owner.headers).status_code == 404
    commits = get(client, owner, f"/api/projects/{project_id}/commits?branchName=main&email=BOB@example.org")
    assert {c["authorEmail"] for c in commits} == {"bob@example.org", "carol@example.org"}
    r = client.post("/api/contributors/merge", headers=owner.headers,
                    json={"contributorIds": [alice, bob], "displayName": "X"})
    assert r.status_code == 404
    assert client.post("/api/contributors/merge", headers=owner.headers,
                       json={"contributorIds": [alice], "displayName": "X"}).status_code == 400
    assert client.post("/api/contributors/merge", headers=owner.headers,
                       json={"contributorIds": [alice, carol], "displayName": " "}).status_code == 400
    # Rename.
    assert client.post(f"/api/contributors/{alice}", headers=owner.headers,
                       json={"displayName": "New DisplayName"}).status_code == 200
    assert get(client, owner, f"/api/contributors/{alice}")["displayName"] == "New DisplayName"
    assert client.post(f"/api/contributors/{alice}", headers=owner.headers, json={}).status_code == 400
    assert client.post(f"/api/contributors/{bob}", headers=owner.headers,
                       json={"displayName": "Y"}).status_code == 404
    # Merges and names survive a re-import (a new startDate starts a new generation).
    generation = api.import_status(owner, project_id)["generation"]
    assert client.post(f"/api/projects/{project_id}", headers=owner.headers,
                       json={"startDate": 0}).status_code == 200
    status = api.wait_for_import(owner, project_id, generation=generation)
    assert status["commits"] == 8
    again = get(client, owner, f"/api/projects/{project_id}/contributors")
    assert [(c["id"], *contributor(c)) for c in again] == [
        (alice, "New DisplayName", ["Alice Liddell", "alice"], ["alice@example.org"]),
        (carol, "Team B", ["Bob Builder", "Carol"], ["bob@example.org", "carol@example.org"]),
    ]
    stranger = api.register("stranger")
    assert client.get(f"/api/contributors/{alice}", headers=stranger.headers).status_code == 403
    assert client.post("/api/contributors/merge", headers=stranger.headers,
                       json={"contributorIds": [alice, carol], "displayName": "X"}).status_code == 403


def git_file_history(repo: GitRepo, rev: str, path: str) -> list[tuple[str, str, int]]:
    """(hash, lower-cased e-mail, author time) of the non-merge commits that changed a file, renames
    followed, as ``git log --follow`` says."""
    out = repo.git("log", "--no-merges", "--follow", "--format=%H%x09%ae%x09%at", rev, "--", path)
    return [(h, e.lower(), int(t)) for h, e, t in (line.split("\t") for line in out.splitlines())]


def test_critical_files_against_git_log_follow(client: FlaskClient, api: Api, demo: GitRepo) -> None:
    owner, project_id = imported(api, demo)
    names = {"alice@example.org": "Alice Liddell", "bob@example.org": "Bob Builder", "carol@example.org": "Carol"}
    base = f"/api/projects/{project_id}/files"
    for rev in (demo.head("main"), demo.head("feature"), demo.head("main~1")):
        histories = {p: git_file_history(demo, rev, p) for p in demo.files(rev)}
        for wanted in (1, 2, 3):
            expected = []
            for path, history in sorted(histories.items()):
                firsts: dict[str, int] = {}
                for _, email, t in history:
                    firsts[email] = min(t, firsts.get(email, t))
                if len(firsts) == wanted:
                    expected.append({"path": path, "contributors": [names[e] for e in sorted(firsts, key=firsts.get)]})
            got = get(client, owner, f"{base}/critical?numOfContr={wanted}",
                      {"commitHash": rev, "numberOfContributors": wanted})
            assert got == expected, (rev, wanted)
        for start, frequency in ((0, 1), (0, 2), (demo.log()[-1].author_time * 1000 + 1, 2)):
            expected = []
            for path, history in sorted(histories.items()):
                recent = [h for h in history if h[2] * 1000 >= start]
                if len(recent) >= frequency:
                    expected.append({"path": path, "commits": [h[:16] for h, _, _ in recent]})
            got = get(client, owner, f"{base}/modification/frequency",
                      {"commitHash": rev, "startDate": start, "frequency": frequency})
            assert [{"path": g["path"], "commits": [c["hash"] for c in g["commits"]]} for g in got] == expected
    helpers = get(client, owner, f"{base}/modification/frequency",
                  {"commitHash": demo.head("main"), "startDate": 0, "frequency": 3})
    assert [g["path"] for g in helpers] == ["src/Main.java", "src/util/Helpers.java"]
    assert list(helpers[0]["commits"][0]) == ["hash", "timestamp", "analyzed", "author", "authorEmail", "comment"]
    # POST works too; bad input is a 400.
    r = client.post(f"{base}/critical", headers=owner.headers,
                    json={"commitHash": demo.head(), "numberOfContributors": 2})
    assert r.status_code == 200 and len(r.get_json()) == 3
    assert client.post(f"{base}/critical", headers=owner.headers, json={"commitHash": demo.head()}).status_code == 400
    assert client.post(f"{base}/modification/frequency", headers=owner.headers,
                       json={"commitHash": demo.head(), "startDate": "soon", "frequency": 1}).status_code == 400


def test_critical_files_only_match_the_projects_file_patterns(client: FlaskClient, api: Api, demo: GitRepo) -> None:
    owner, project_id = imported(api, demo)
    for pattern, kind in (("src/**/*.java", "INCLUDE"), ("src/util/**", "EXCLUDE")):
        r = client.post(f"/api/projects/{project_id}/filePatterns", headers=owner.headers,
                        json={"pattern": pattern, "inclusionType": kind})
        assert r.status_code == 201, r.get_json()
    got = get(client, owner, f"/api/projects/{project_id}/files/modification/frequency",
              {"commitHash": demo.head(), "startDate": 0, "frequency": 1})
    assert [g["path"] for g in got] == ["src/Feature.java", "src/Main.java"]
