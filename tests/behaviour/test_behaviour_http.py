"""Behavioural code analysis over HTTP on a real repository whose answers are worked out by hand:
hotspots, coupling, ownership, truck factor and code age, with renames, a large commit, a merge, an
unmerged branch, a contributor under two names and one under two e-mails (merged), and a ``since``;
coupling and revisions also cross-checked against ``git log --no-merges --name-status -M``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from interfaces.container import Container
from projections.behaviour import queries as behaviour_queries
from projections.behaviour.stats import Stats
from projections.behaviour.window import window_stats
from tests.analysis.flow import Flow
from tests.support.api import Api, User
from tests.support.gitrepo import GitRepo
from tests.testing.reports import grouped_body, publish, published_id
from tests.testing.test_coverage_parsers import _jacoco_xml

T0 = 1_600_000_000
DAY = 86_400
MS = 1000
GEN = [f"gen/F{i:02}.java" for i in range(35)]


def java(name: str, lines: int) -> str:
    """A Java file of exactly ``lines`` lines of code (no blanks, no comments)."""
    return f"class {name} {{\n" + "".join(f"  int f{i};\n" for i in range(lines - 2)) + "}\n"


@pytest.fixture
def env(analysed_repos_env: dict[str, str]) -> dict[str, str]:
    return analysed_repos_env


BOB_AT_HOME = ("Bob B.", "bob@home.example")  # bob under another name and e-mail (merged by hand)


def commit_as(repo: GitRepo, message: str, files: dict[str, str], author: tuple[str, str], when: int) -> str:
    """A commit by an author the shared test authors do not have."""
    repo.write(files)
    repo.clock = when
    stamp = f"{when} +0000"
    repo.git("commit", "-q", "-m", message, env={"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
                                                 "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})
    return repo.head()


def build(path: Path) -> tuple[GitRepo, dict[str, str]]:
    """main: c1 c2 c3 c4 c5 (renames D.java to src/E.java) c6 (37 files) c7, merge of feature (f1,
    branched at c6), c8; side (unmerged, from c8): s1."""
    repo = GitRepo(path)
    at: dict[str, str] = {}
    at["c1"] = repo.commit("c1", {"A.java": java("A", 10), "B.java": java("B", 20), "C.java": java("C", 5),
                                  "D.java": java("D", 30), "README.md": "readme\n"}, author="alice", when=T0)
    at["c2"] = repo.commit("c2", {"A.java": java("A", 11), "B.java": java("B", 21)}, author="bob", when=T0 + DAY)
    at["c3"] = repo.commit("c3", {"A.java": java("A", 12), "B.java": java("B", 22)}, author="alice2",
                           when=T0 + 2 * DAY)
    at["c4"] = repo.commit("c4", {"A.java": java("A", 13), "C.java": java("C", 6)}, author="carol", when=T0 + 3 * DAY)
    repo.move("D.java", "src/E.java")
    at["c5"] = commit_as(repo, "c5", {"src/E.java": java("D", 31), "A.java": java("A", 14)}, BOB_AT_HOME,
                         when=T0 + 4 * DAY)
    at["c6"] = repo.commit("c6", {"A.java": java("A", 15), "B.java": java("B", 23),
                                  **{name: java(f"F{i}", 3) for i, name in enumerate(GEN)}}, author="alice",
                           when=T0 + 5 * DAY)
    repo.checkout("feature", create=True)
    at["f1"] = repo.commit("f1", {"C.java": java("C", 7), "src/E.java": java("D", 32)}, author="carol",
                           when=T0 + 6 * DAY)
    repo.checkout("main")
    at["c7"] = repo.commit("c7", {"A.java": java("A", 16), "B.java": java("B", 24)}, author="bob", when=T0 + 7 * DAY)
    repo.clock = T0 + 8 * DAY - 60
    at["merge"] = repo.merge("feature", "merge feature")
    at["c8"] = repo.commit("c8", {"src/E.java": java("D", 33), "B.java": java("B", 25)}, author="alice",
                           when=T0 + 10 * DAY)
    repo.checkout("side", create=True)
    at["s1"] = repo.commit("s1", {"A.java": java("A", 17)}, author="carol", when=T0 + 11 * DAY)
    repo.checkout("main")
    return repo, at


ALICE = {"name": "Alice Liddell", "email": "alice@example.org"}
BOB = {"name": "Bob Builder", "email": "bob@example.org"}
CAROL = {"name": "Carol", "email": "carol@example.org"}


def get(client: FlaskClient, user: User, project: int, resource: str, **params: Any) -> Any:
    r = client.get(f"/api/projects/{project}/{resource}", query_string=params, headers=user.headers)
    assert r.status_code == 200, (resource, params, r.status_code, r.get_json())
    return r.get_json()


def merge_bob(client: FlaskClient, owner: User, project: int) -> None:
    listed = get(client, owner, project, "contributors")
    ids = {c["emailAddresses"][0]: c["id"] for c in listed}
    r = client.post("/api/contributors/merge", headers=owner.headers,
                    json={"contributorIds": [ids["bob@example.org"], ids["bob@home.example"]],
                          "displayName": "Bob Builder"})
    assert r.status_code == 200, r.get_json()


@pytest.fixture
def project(client: FlaskClient, api: Api, repos: Path) -> tuple[User, int, GitRepo, dict[str, str]]:
    repo, at = build(repos / "demo")
    owner = api.register("owner")
    flow = Flow(client, api)
    project_id = flow.project(owner, str(repo.path), patterns=[["**/*.java", "INCLUDE"]], modules=[])
    flow.analyse(owner, project_id)
    return owner, project_id, repo, at


def test_every_endpoint_against_values_worked_out_by_hand(client: FlaskClient, project: Any) -> None:
    owner, pid, _, at = project
    g = lambda resource, **params: get(client, owner, pid, resource, **params)  # noqa: E731

    # --- hotspots: value = lines of code at the head, score = revisions x value -------------------
    hotspots = g("hotspots", limit=6)
    expected = [
        ("B.java", 6, 2, 25, (T0 + 10 * DAY) * MS),
        ("src/E.java", 4, 3, 33, (T0 + 10 * DAY) * MS),
        ("A.java", 7, 4, 16, (T0 + 7 * DAY) * MS),
        ("C.java", 3, 2, 7, (T0 + 6 * DAY) * MS),
        ("gen/F00.java", 1, 1, 3, (T0 + 5 * DAY) * MS),
        ("gen/F01.java", 1, 1, 3, (T0 + 5 * DAY) * MS),
    ]
    assert hotspots == [{"path": p, "revisions": r, "authors": a, "value": v, "score": r * v, "lastChange": t}
                        for p, r, a, v, t in expected]
    assert g("hotspots", metric="coderadar:size:loc:java", limit=1) == hotspots[:1]
    assert len(g("hotspots")) == 39  # every Java file (README.md has no value)

    # --- after merging bob's two e-mails, A.java has three authors ----------------------------------
    merge_bob(client, owner, pid)
    assert [(h["path"], h["authors"]) for h in g("hotspots", limit=3)] == [("B.java", 2), ("src/E.java", 3),
                                                                            ("A.java", 3)]

    # --- since (T0 + 5 days): c6, f1, c7, c8 ---------------------------------------------------------
    since = (T0 + 5 * DAY) * MS
    assert [(h["path"], h["revisions"], h["authors"]) for h in g("hotspots", since=since, limit=4)] == [
        ("B.java", 3, 2), ("src/E.java", 2, 2), ("A.java", 2, 2), ("C.java", 1, 1)]
    assert [h["path"] for h in g("hotspots", since=(T0 + 9 * DAY) * MS)] == ["src/E.java", "B.java"]

    # --- reachable from commitHash: at c7 the feature branch (f1) and c8 are not counted -----------------
    at_c7 = {h["path"]: h["revisions"] for h in g("hotspots", commitHash=at["c7"], limit=4)}
    assert {p: at_c7[p] for p in ("A.java", "B.java", "C.java", "src/E.java")} == {
        "A.java": 7, "B.java": 5, "C.java": 2, "src/E.java": 2}
    # the unmerged side branch's s1 counts only from s1
    assert {h["path"]: h["revisions"] for h in g("hotspots", commitHash=at["s1"][:12])}["A.java"] == 8
    assert {h["path"]: h["revisions"] for h in g("hotspots")}["A.java"] == 7

    # --- coupling ----------------------------------------------------------------------------------------
    every = {"minRevisions": 1, "minShared": 1, "minDegree": 0, "limit": 1000}
    pairs = [(c["path"], c["coupledPath"], c["degree"], c["shared"], c["revisions"], c["coupledRevisions"])
             for c in g("coupling", **every)]
    assert pairs == [
        ("A.java", "B.java", 72, 4, 6, 5),
        ("C.java", "src/E.java", 57, 2, 3, 4),
        ("C.java", "README.md", 50, 1, 3, 1),
        ("A.java", "C.java", 44, 2, 6, 3),
        ("B.java", "src/E.java", 44, 2, 5, 4),
        ("A.java", "src/E.java", 40, 2, 6, 4),
        ("README.md", "src/E.java", 40, 1, 1, 4),
        ("B.java", "README.md", 33, 1, 5, 1),
        ("A.java", "README.md", 28, 1, 6, 1),
        ("B.java", "C.java", 25, 1, 5, 3),
    ]
    assert list(g("coupling", **every)[0]) == ["path", "coupledPath", "degree", "shared", "revisions",
                                               "coupledRevisions"]
    assert g("coupling") == []  # the defaults: at least 5 shared commits
    assert [(c["path"], c["coupledPath"], c["degree"]) for c in g("coupling", minShared=4)] == [
        ("A.java", "B.java", 72)]
    # with the large commit (37 files) counted: A 7, B 6 revisions, 5 shared
    big = g("coupling", maxChangesetSize=40, minRevisions=5, minShared=1, minDegree=0)
    assert big == [{"path": "A.java", "coupledPath": "B.java", "degree": 76, "shared": 5, "revisions": 7,
                    "coupledRevisions": 6}]
    assert len(g("coupling", maxChangesetSize=100, minRevisions=1, minShared=1, minDegree=0, limit=5000)) > 600
    assert [c["degree"] for c in g("coupling", minDegree=50, **{k: v for k, v in every.items()
                                                                  if k != "minDegree"})] == [72, 57, 50]
    assert len(g("coupling", limit=2, **{k: v for k, v in every.items() if k != "limit"})) == 2
    # since: c6 is too large, f1 (C, E), c7 (A, B), c8 (E, B)
    assert [(c["path"], c["coupledPath"], c["degree"], c["shared"]) for c in g("coupling", since=since, **every)] == [
        ("A.java", "B.java", 66, 1), ("C.java", "src/E.java", 66, 1), ("B.java", "src/E.java", 50, 1)]

    # --- ownership (bob merged: A.java is alice 3, bob 3: the tie goes to alice's e-mail) -------------------
    owners = g("ownership", path="")
    by_path = {o["path"]: o for o in owners}
    assert by_path["A.java"] == {"path": "A.java", "mainDeveloper": ALICE, "mainDeveloperCommits": 3,
                                 "revisions": 7, "ownership": 0.43, "authors": 3}
    assert by_path["B.java"] == {"path": "B.java", "mainDeveloper": ALICE, "mainDeveloperCommits": 4,
                                 "revisions": 6, "ownership": 0.67, "authors": 2}
    assert by_path["C.java"] == {"path": "C.java", "mainDeveloper": CAROL, "mainDeveloperCommits": 2,
                                 "revisions": 3, "ownership": 0.67, "authors": 2}
    assert by_path["src/E.java"] == {"path": "src/E.java", "mainDeveloper": ALICE, "mainDeveloperCommits": 2,
                                     "revisions": 4, "ownership": 0.5, "authors": 3}
    assert by_path["README.md"] == {"path": "README.md", "mainDeveloper": ALICE, "mainDeveloperCommits": 1,
                                    "revisions": 1, "ownership": 1.0, "authors": 1}
    assert [o["path"] for o in owners] == sorted(["A.java", "B.java", "C.java", "README.md", "src/E.java", *GEN])
    assert [o["path"] for o in g("ownership", path="src/")] == ["src/E.java"]
    in_window = {o["path"]: o for o in g("ownership", since=since)}
    assert "README.md" not in in_window
    assert in_window["A.java"]["mainDeveloper"] == ALICE and in_window["A.java"]["revisions"] == 2  # alice c6, bob c7
    assert in_window["C.java"]["mainDeveloper"] == CAROL

    # --- truck factor ------------------------------------------------------------------------------------
    assert g("truckFactor") == {"truckFactor": 1, "files": 40,
                                "authors": [{**ALICE, "files": 39}, {**CAROL, "files": 1}]}
    # since T0 + 6 days (f1, c7, c8): A bob, B (bob c7, alice c8: alice's e-mail), C carol, E (carol f1, alice c8)
    assert g("truckFactor", since=(T0 + 6 * DAY) * MS) == {
        "truckFactor": 2, "files": 4,
        "authors": [{**ALICE, "files": 2}, {**BOB, "files": 1}, {**CAROL, "files": 1}]}

    # --- code age (measured from the commit's timestamp) ------------------------------------------------
    ages = g("codeAge", limit=1000)
    assert ages[0] == {"path": "README.md", "lastChange": T0 * MS, "ageDays": 10}
    assert ages[1:36] == [{"path": name, "lastChange": (T0 + 5 * DAY) * MS, "ageDays": 5} for name in GEN]
    assert ages[36:] == [
        {"path": "C.java", "lastChange": (T0 + 6 * DAY) * MS, "ageDays": 4},
        {"path": "A.java", "lastChange": (T0 + 7 * DAY) * MS, "ageDays": 3},
        {"path": "B.java", "lastChange": (T0 + 10 * DAY) * MS, "ageDays": 0},
        {"path": "src/E.java", "lastChange": (T0 + 10 * DAY) * MS, "ageDays": 0},
    ]
    assert g("codeAge", limit=2, commitHash=at["c7"]) == [
        {"path": "README.md", "lastChange": T0 * MS, "ageDays": 7},
        {"path": "C.java", "lastChange": (T0 + 3 * DAY) * MS, "ageDays": 4},
    ]


def git_log_stats(repo: GitRepo, rev: str, max_size: int) -> tuple[dict[str, int], dict[tuple[str, str], int],
                                                                    dict[str, int]]:
    """From ``git log --no-merges --name-status -M``: revisions (all commits), revisions and shared
    commits of commits of at most ``max_size`` files; renames followed to the names at ``rev``."""
    out = repo.git("log", "--no-merges", "--name-status", "-M", "--format=@%H", "--reverse", rev)
    commits: list[list[tuple[str, str, str | None]]] = []
    for line in out.splitlines():
        if line.startswith("@"):
            commits.append([])
        elif line.strip():
            parts = line.split("\t")
            status = parts[0][0]
            commits[-1].append((status, parts[-1], parts[1] if status == "R" else None))
    # later renames carry earlier names forward: walk newest to oldest mapping old names to final ones
    final: list[list[tuple[str, str]]] = []
    name_of: dict[str, str] = {p: p for p in repo.files(rev)}
    for changes in reversed(commits):
        mapped = []
        for status, path, _ in changes:
            if status != "D" and path in name_of:
                mapped.append((status, name_of[path]))
        for status, path, old in changes:
            if status == "R" and old is not None and path in name_of:
                name_of[old] = name_of.pop(path)
            elif status == "A":
                name_of.pop(path, None)
        final.append(mapped)
    revisions: dict[str, int] = {}
    small: dict[str, int] = {}
    shared: dict[tuple[str, str], int] = {}
    for touched, raw in zip(reversed(final), commits, strict=True):
        names = sorted({name for _, name in touched})
        for name in names:
            revisions[name] = revisions.get(name, 0) + 1
        if len(raw) <= max_size:
            for name in names:
                small[name] = small.get(name, 0) + 1
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    shared[(a, b)] = shared.get((a, b), 0) + 1
    return revisions, shared, small


@pytest.mark.parametrize("rev", ["main", "c7", "s1"])
def test_coupling_and_revisions_match_git_log(client: FlaskClient, project: Any, rev: str) -> None:
    owner, pid, repo, at = project
    commit = repo.head(rev) if rev == "main" else at[rev]
    revisions, shared, small = git_log_stats(repo, commit, 30)
    hotspots = get(client, owner, pid, "hotspots", commitHash=commit, limit=1000)
    assert {h["path"]: h["revisions"] for h in hotspots} == {p: n for p, n in revisions.items() if p.endswith(".java")}
    coupling = get(client, owner, pid, "coupling", commitHash=commit, minRevisions=0, minShared=1, minDegree=0,
                   limit=100000)
    assert {(c["path"], c["coupledPath"]): c["shared"] for c in coupling} == shared
    for c in coupling:
        assert (c["revisions"], c["coupledRevisions"]) == (small[c["path"]], small[c["coupledPath"]])
        assert c["degree"] == (200 * c["shared"]) // (c["revisions"] + c["coupledRevisions"])


def test_access_and_bad_parameters(client: FlaskClient, api: Api, project: Any) -> None:
    owner, pid, _, _ = project
    stranger = api.register("stranger")
    for resource in ("hotspots", "coupling", "ownership", "truckFactor", "codeAge"):
        url = f"/api/projects/{pid}/{resource}"
        assert client.get(url).status_code == 401
        assert client.get(f"/api/projects/{pid + 1000}/{resource}", headers=owner.headers).status_code == 404
        assert client.get(url, headers=stranger.headers).status_code == 403
        r = client.get(url, query_string={"commitHash": "0123456789abcdef"}, headers=owner.headers)
        assert r.status_code == 400 and "commitHash" in r.get_json()["errorMessage"], r.get_json()
        assert client.get(url, query_string={"commitHash": "xyz"}, headers=owner.headers).status_code == 400
        assert client.get(url, query_string={"since": "soon"}, headers=owner.headers).status_code == 400
        assert client.get(url, query_string={"since": str(10**30)}, headers=owner.headers).status_code == 400
    for resource in ("hotspots", "coupling", "codeAge"):
        r = client.get(f"/api/projects/{pid}/{resource}", query_string={"limit": -1}, headers=owner.headers)
        assert r.status_code == 400, r.get_json()
    for field in ("minRevisions", "minShared", "minDegree", "maxChangesetSize"):
        r = client.get(f"/api/projects/{pid}/coupling", query_string={field: -1}, headers=owner.headers)
        assert r.status_code == 400, r.get_json()
    r = client.get(f"/api/projects/{pid}/hotspots", query_string={"metric": "no:such:metric"}, headers=owner.headers)
    assert r.status_code == 400 and "metric" in r.get_json()["errorMessage"]
    member = api.register("member")
    api.set_role(owner, pid, member, "MEMBER")
    assert client.get(f"/api/projects/{pid}/truckFactor", headers=member.headers).status_code == 200


def test_stored_head_statistics_follow_new_commits_and_survive_a_rebuild(client: FlaskClient, api: Api,
                                                                         container: Container, project: Any) -> None:
    owner, pid, repo, at = project
    store = container.store
    head = behaviour_queries.stored_head(store, pid)
    assert head is not None and head["head_hash"] == at["c8"] and head["ref"] == "refs/heads/main"

    def computed(head_idx: int) -> Stats:
        with store.read() as tx:
            return window_stats(tx, pid, head_idx, None, 50)[0]

    stored = behaviour_queries.stats(store, pid, int(head["head_idx"]), pairs=30, min_shared=2)
    assert stored.pair_cap == 50  # read from the stored rows
    fresh = computed(int(head["head_idx"]))
    assert stored.files == fresh.files
    assert stored.pairs == {pair: sizes for pair, sizes in fresh.pairs.items() if sum(sizes.values()) >= 2}
    assert behaviour_queries.stats(store, pid, int(head["head_idx"]), pairs=30, min_shared=1).pair_cap == 30
    before = {r: get(client, owner, pid, r, **params) for r, params in
              [("hotspots", {}), ("coupling", {"minShared": 1, "minRevisions": 1, "minDegree": 0}),
               ("ownership", {}), ("truckFactor", {}), ("codeAge", {})]}

    # a rebuild of the behavioural read model alone gives the same answers
    container.runner.rebuild(["behaviour"])
    assert {r: get(client, owner, pid, r, **params) for r, params in
            [("hotspots", {}), ("coupling", {"minShared": 1, "minRevisions": 1, "minDegree": 0}),
             ("ownership", {}), ("truckFactor", {}), ("codeAge", {})]} == before

    # a new commit on main: the stored head moves with the next import run
    c9 = repo.commit("c9", {"C.java": java("C", 8), "A.java": java("A", 18)}, author="carol", when=T0 + 12 * DAY)
    runs = api.import_status(owner, pid)["runs"]
    assert client.post(f"/api/projects/{pid}/refresh", headers=owner.headers).status_code == 200
    api.wait_for_import(owner, pid, runs=runs + 1)
    revisions = {o["path"]: o["revisions"] for o in get(client, owner, pid, "ownership")}
    assert (revisions["A.java"], revisions["C.java"]) == (8, 4)
    head = behaviour_queries.stored_head(store, pid)
    assert head is not None and head["head_hash"] == c9
    assert get(client, owner, pid, "codeAge", limit=1) == [{"path": "README.md", "lastChange": T0 * MS,
                                                              "ageDays": 12}]


def junit(cases: list[tuple[str, str, bool]]) -> bytes:
    """A JUnit report of (classname, name, failed) cases."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>",
           f'<testsuite name="all" tests="{len(cases)}" time="1.0" timestamp="2024-03-30T14:59:04" hostname="ci">']
    for classname, name, failed in cases:
        out.append(f'<testcase classname="{classname}" name="{name}" time="0.1">')
        if failed:
            out.append('<failure message="boom" type="AssertionError">boom</failure>')
        out.append("</testcase>")
    out += ["</testsuite>", "</testsuites>"]
    return "\n".join(out).encode()


def test_hotspots_carry_coverage_and_failed_tests_of_the_commits_run(client: FlaskClient, api: Api,
                                                                     project: Any) -> None:
    owner, pid, _, at = project
    assert all("coveredPercentage" not in h for h in get(client, owner, pid, "hotspots"))  # no run yet
    token = api.api_token(owner)
    report = junit([("com.acme.B", "grows", True), ("com.acme.B", "shrinks", True), ("com.acme.B", "stays", False),
                    ("com.acme.ATest", "runs", True), ("E", "works", False)])
    coverage = _jacoco_xml([("com/acme", "B.java", 8, 2), ("src", "E.java", 1, 3)])
    published_id(publish(client, token, grouped_body([report], [coverage], sha=at["c8"])))
    risk = {h["path"]: (h["coveredPercentage"], h["failedTests"]) for h in get(client, owner, pid, "hotspots", limit=4)}
    assert risk == {"B.java": (80.0, 2), "src/E.java": (25.0, 0), "A.java": (None, 0), "C.java": (None, 0)}
    # at c7 (no run there, nor at its nearest analysed ancestor: itself) there is no risk
    assert all("coveredPercentage" not in h for h in get(client, owner, pid, "hotspots", commitHash=at["c7"]))
