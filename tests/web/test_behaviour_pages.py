"""The behavioural analysis pages (hotspots, coupling, ownership, code age) over HTTP, on the repository
of ``tests/behaviour`` whose answers are worked out by hand: the top entries of each table and map, the
risk ranking once a run with coverage exists, ``since`` from the date picker, ``commitHash``, the
directory focus and paging; the access rules (sign-in, 403, 404) and the 400s; every path and name
escaped. Also the map builder alone: aggregated by directory and capped on a tree of 6,000 files."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from interfaces.web import behaviour as pages
from tests.analysis.flow import Flow
from tests.behaviour.test_behaviour_http import DAY, GEN, MS, T0, build, commit_as, java, junit, merge_bob
from tests.support.api import Api, User
from tests.support.gitrepo import GitRepo
from tests.support.web import PAYLOAD
from tests.testing.reports import grouped_body, publish, published_id
from tests.testing.test_coverage_parsers import _jacoco_xml

PAGES = ("hotspots", "coupling", "ownership", "codeAge")
EVERY_PAIR = {"minRevisions": 1, "minShared": 1, "minDegree": 0}


@pytest.fixture
def env(analysed_repos_env: dict[str, str]) -> dict[str, str]:
    return analysed_repos_env


def signed_in(app: Flask, user: User) -> FlaskClient:
    """A browser of its own (a cookie jar) signed in through the form."""
    browser = app.test_client()
    form = browser.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, form
    r = browser.post("/signin", data={"username": user.username, "password": user.password,
                                      "csrf_token": token.group(1)})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return browser


def html(browser: FlaskClient, pid: int, name: str, status: int = 200, **params: Any) -> str:
    r = browser.get(f"/ui/projects/{pid}/{name}", query_string=params)
    assert r.status_code == status, (name, params, r.status_code, r.get_data(as_text=True)[:800])
    text: str = r.get_data(as_text=True)
    return text


def table(text: str, css: str) -> list[list[str]]:
    """The body rows of ``<table class="compact {css}">`` as cell texts."""
    match = re.search(rf'<table class="compact {css}">(.*?)</table>', text, re.S)
    assert match, f"no {css} table"
    body = match.group(1).split("<tbody>", 1)[1]
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def embedded(text: str, element_id: str) -> Any:
    match = re.search(rf'id="{element_id}"[^>]*>\s*<script type="application/json">(.*?)</script>', text, re.S)
    assert match, f"no data in #{element_id}"
    return json.loads(match.group(1))


def drawn(tree: dict[str, list[Any]]) -> dict[str, tuple[float, float, str]]:
    return {p: (v, c, k) for p, v, c, k in zip(tree["paths"], tree["values"], tree["colours"], tree["kinds"],
                                               strict=True)}


@pytest.fixture
def project(client: FlaskClient, api: Api, repos: Path) -> tuple[User, int, GitRepo, dict[str, str]]:
    repo, at = build(repos / "demo")
    owner = api.register("owner")
    project_id = Flow(client, api).project(owner, str(repo.path), patterns=[["**/*.java", "INCLUDE"]], modules=[])
    Flow(client, api).analyse(owner, project_id)
    merge_bob(client, owner, project_id)
    return owner, project_id, repo, at


def test_the_pages_show_the_hand_worked_answers(app: Flask, client: FlaskClient, api: Api, project: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    owner, pid, _, at = project
    browser = signed_in(app, owner)
    head = at["c8"]

    # --- hotspots: by score (no run with coverage yet); the map's area is LOC, its colour revisions ------
    text = html(browser, pid, "hotspots")
    rows = table(text, "hotspots")
    assert [r[1:6] for r in rows[:4]] == [["B.java", "25", "6", "2", "150"], ["src/E.java", "33", "4", "3", "132"],
                                          ["A.java", "16", "7", "3", "112"], ["C.java", "7", "3", "2", "21"]]
    assert len(rows) == 39 and "Hotspots by score" in text
    assert f'href="/ui/projects/{pid}/files/{head}/src/E.java"' in text
    tree = drawn(embedded(text, "hotspot-map")["tree"])
    assert tree["B.java"] == (25, 6, "file") and tree["src/E.java"] == (33, 4, "file")
    assert tree["gen"][0] == 35 * 3 and tree["gen"][2] == "dir"  # a directory sums its files
    assert tree[""][0] == 25 + 33 + 16 + 7 + 35 * 3  # the root: every drawn file's LOC
    # since, from the date picker (midnight UTC of T0 + 5 days: c6, f1, c7, c8) and as epoch ms
    day = datetime.fromtimestamp(T0 + 5 * DAY, tz=UTC).strftime("%Y-%m-%d")
    for since in (day, str((T0 + 5 * DAY) * MS)):
        rows = table(html(browser, pid, "hotspots", since=since), "hotspots")
        assert [(r[1], r[3]) for r in rows[:3]] == [("B.java", "3"), ("src/E.java", "2"), ("A.java", "2")]
    assert f'type="date" value="{day}"' in html(browser, pid, "hotspots", since=str((T0 + 5 * DAY) * MS))
    # the metric, named without its extension, and a focus on a directory
    assert table(html(browser, pid, "hotspots", metric="coderadar:size:loc:java"), "hotspots")[0][1] == "B.java"
    focused = html(browser, pid, "hotspots", path="src")
    assert [r[1] for r in table(focused, "hotspots")] == ["src/E.java"]
    assert drawn(embedded(focused, "hotspot-map")["tree"])["src"][0] == 33

    # --- with a run with coverage of the head: complex, often changed and poorly tested first -------------
    token = api.api_token(owner)
    report = junit([("com.acme.B", "grows", True), ("com.acme.B", "shrinks", True), ("E", "works", False)])
    coverage = _jacoco_xml([("com/acme", "B.java", 8, 2), ("src", "E.java", 1, 3)])
    published_id(publish(client, token, grouped_body([report], [coverage], sha=head)))
    text = html(browser, pid, "hotspots")
    assert "Complex, often changed and poorly tested first" in text
    rows = table(text, "hotspots")
    # risk = score x uncovered share x (1 + failing): A 112 x 1, E 132 x .75 = 99, B 150 x .2 x 3 = 90, C 21
    assert [(r[1], r[6], r[7], r[8]) for r in rows[:4]] == [
        ("A.java", "not covered", "0", "112"), ("src/E.java", "25.0%", "0", "99"), ("B.java", "80.0%", "2", "90"),
        ("C.java", "not covered", "0", "21")]

    # --- coupling: the strongest pair first, in the list and in the network --------------------------------
    assert "No pair of files passes" in html(browser, pid, "coupling")  # the API's defaults: 5 shared commits
    text = html(browser, pid, "coupling", **EVERY_PAIR)
    rows = table(text, "coupling")
    assert rows[0] == ["A.java", "B.java", "72%", "4", "6", "5"]
    assert rows[1] == ["C.java", "src/E.java", "57%", "2", "3", "4"]
    assert len(rows) == 10
    graph = embedded(text, "coupling-network")
    names = [n["path"] for n in graph["nodes"]]
    assert names == ["A.java", "B.java", "C.java", "README.md", "src/E.java"]
    assert graph["edges"][0] == {"a": 0, "b": 1, "degree": 72, "shared": 4}
    assert [r[:3] for r in table(html(browser, pid, "coupling", maxChangesetSize=40, minRevisions=5, minShared=1,
                                      minDegree=0), "coupling")] == [["A.java", "B.java", "76%"]]

    # --- ownership and the truck factor (bob's two e-mails merged) ----------------------------------------
    text = html(browser, pid, "ownership")
    assert re.search(r'id="truck-factor">1<', text)
    assert table(text, "authors") == [["1", "Alice Liddell", "alice@example.org", "39"],
                                      ["2", "Carol", "carol@example.org", "1"]]
    owners = {r[0]: r[1:] for r in table(text, "ownership")}
    assert owners["A.java"] == ["Alice Liddell", "3", "7", "43%", "3"]
    assert owners["C.java"] == ["Carol", "2", "3", "67%", "2"]
    tree = drawn(embedded(text, "ownership-map")["tree"])
    assert tree["C.java"][1:] == (1, "file") and tree["A.java"][1:] == (0, "file")  # carol's colour, alice's
    assert tree["README.md"][0] == 1  # no LOC: one unit of area
    text = html(browser, pid, "ownership", since=(T0 + 6 * DAY) * MS)
    assert re.search(r'id="truck-factor">2<', text)
    assert [r[1] for r in table(text, "authors")] == ["Alice Liddell", "Bob Builder", "Carol"]
    assert [r[0] for r in table(html(browser, pid, "ownership", path="src"), "ownership")] == ["src/E.java"]

    # --- code age: the oldest first, measured from the commit ---------------------------------------------
    rows = table(html(browser, pid, "codeAge"), "code-age")
    assert rows[0][1:3] == ["README.md", "10"] and rows[1][1:3] == [GEN[0], "5"]
    assert [r[1:3] for r in rows[-2:]] == [["B.java", "0"], ["src/E.java", "0"]]
    tree = drawn(embedded(html(browser, pid, "codeAge"), "age-map")["tree"])
    assert tree["README.md"][1] == 10 and tree["A.java"][1] == 3
    at_c7 = html(browser, pid, "codeAge", commitHash=at["c7"])
    assert table(at_c7, "code-age")[0][1:3] == ["README.md", "7"]
    assert f'href="/ui/projects/{pid}/files/{at["c7"]}/README.md"' in at_c7

    # --- long tables are paged ----------------------------------------------------------------------------
    monkeypatch.setattr(pages, "PAGE_SIZE", 15)
    third = html(browser, pid, "codeAge", page=3)
    assert [r[0] for r in table(third, "code-age")] == [str(n) for n in range(31, 41)]
    assert "Page 3 of 3 (40 files)" in third and 'rel="prev"' in third and 'rel="next"' not in third


def test_a_new_commit_shows_at_once_in_every_window(app: Flask, client: FlaskClient, api: Api, project: Any) -> None:
    """The statistics the process keeps decoded (the stored head's, and the commits and changes a
    ``since`` window is computed from) follow an import run that adds a commit."""
    owner, pid, repo, _ = project
    browser = signed_in(app, owner)
    since = str((T0 + 5 * DAY) * MS)

    def b_java(**params: Any) -> str:
        return next(r[3] for r in table(html(browser, pid, "hotspots", **params), "hotspots") if r[1] == "B.java")

    assert (b_java(), b_java(since=since)) == ("6", "3")
    runs = api.import_status(owner, pid)["runs"]
    c9 = repo.commit("c9", {"B.java": java("B", 26)}, author="carol", when=T0 + 12 * DAY)
    assert client.post(f"/api/projects/{pid}/refresh", headers=owner.headers).status_code == 200
    api.wait_for_import(owner, pid, runs=runs + 1)
    assert (b_java(), b_java(since=since), b_java(since=since, commitHash=c9)) == ("7", "4", "4")
    ages = table(html(browser, pid, "codeAge", since=since), "code-age")
    assert ages[-1][1:3] == ["B.java", "0"] and ages[0][2] == "7"  # gen/F00.java, changed at T0 + 5 days


def test_access_rules_and_bad_parameters(app: Flask, client: FlaskClient, api: Api, project: Any) -> None:
    owner, pid, _, _ = project
    stranger, member = api.register("stranger"), api.register("member")
    api.set_role(owner, pid, member, "MEMBER")
    anonymous, theirs, ours, mine = app.test_client(), signed_in(app, stranger), signed_in(app, member), \
        signed_in(app, owner)
    for name in PAGES:
        r = anonymous.get(f"/ui/projects/{pid}/{name}?since=2020-01-01")
        assert r.status_code == 302 and "/signin?next=" in r.headers["Location"], name
        assert "since%3D2020-01-01" in r.headers["Location"]  # back to the same page after signing in
        assert "Not allowed" in html(theirs, pid, name, 403)
        assert "Not found" in html(mine, pid + 1000, name, 404)
        assert html(ours, pid, name)
        for bad in ({"commitHash": "0123456789abcdef"}, {"commitHash": "x" * 101}, {"since": "soon"},
                    {"since": "2020-13-45"}, {"since": str(10**30)}):
            assert "Not accepted" in html(mine, pid, name, 400, **bad), (name, bad)
    assert "unknown metric" in html(mine, pid, "hotspots", 400, metric="no:such:metric")
    for field in ("minRevisions", "minShared", "minDegree", "maxChangesetSize"):
        assert f"{field} must be" in html(mine, pid, "coupling", 400, **{field: "-1"})
    assert anonymous.get(f"/ui/projects/{pid}/hotspots").status_code == 302  # a 400 never comes first


def test_every_path_and_name_is_escaped(app: Flask, client: FlaskClient, api: Api, repos: Path) -> None:
    repo = GitRepo(repos / "payload")
    evil = f"src/{PAYLOAD}.java"
    when = T0
    for i in range(6):
        files = {evil: f"class X {{ int f{i}; }}\n", "src/Ok.java": f"class Ok {{ int g{i}; }}\n"}
        commit_as(repo, f"c{i} {PAYLOAD}", files, ("Eve", f"eve{i % 2}@example.org"), when)
        when += DAY
    owner = api.register("owner")
    pid = Flow(client, api).project(owner, str(repo.path), patterns=[["**/*.java", "INCLUDE"]], modules=[])
    Flow(client, api).analyse(owner, pid)
    ids = [c["id"] for c in client.get(f"/api/projects/{pid}/contributors", headers=owner.headers).get_json()]
    r = client.post("/api/contributors/merge", headers=owner.headers,  # a display name is user-supplied
                    json={"contributorIds": ids, "displayName": f"Eve {PAYLOAD}"})
    assert r.status_code == 200, r.get_json()
    browser = signed_in(app, owner)
    escaped = "&lt;script&gt;window.__xss=1&lt;/script&gt;"
    for name, params in (("hotspots", {}), ("coupling", EVERY_PAIR), ("ownership", {}), ("codeAge", {})):
        text = html(browser, pid, name, **params)
        assert PAYLOAD not in text and "<script>window" not in text, name
        assert escaped in text, name  # the path (and on the ownership page the author) shown as text
        for data in re.findall(r'<script type="application/json">(.*?)</script>', text, re.S):
            assert "<" not in data and PAYLOAD in json.dumps(json.loads(data), ensure_ascii=False), name
    ownership = html(browser, pid, "ownership")
    assert f"<td>Eve {escaped}</td>" in ownership
    # a payload in a parameter is escaped too (the focus and the form echo it)
    text = html(browser, pid, "codeAge", path=PAYLOAD)
    assert PAYLOAD not in text and "No file changed in this window" in text


# --- the map alone ------------------------------------------------------------------------------------------
def test_the_map_of_a_large_tree_is_aggregated_and_capped() -> None:
    items = [(f"mod{m}/src/main/java/org/p{p}/F{f}.java", float(1 + f), float(f % 7))
             for m in range(30) for p in range(10) for f in range(20)]  # 6,000 files
    tree = pages.treemap(items)
    nodes = len(tree["paths"])
    assert nodes <= pages.MAX_NODES
    values = dict(zip(tree["paths"], tree["values"], strict=True))
    assert values[""] == sum(a for _, a, _ in items)  # nothing lost: the root holds every file's area
    parents, kinds = tree["parents"], tree["kinds"]
    for i, up in enumerate(parents[1:], start=1):
        assert up < i  # parents before children
    children: dict[int, float] = {}
    for i, up in enumerate(parents):
        if up >= 0:
            children[up] = children.get(up, 0.0) + tree["values"][i]
    for i, kind in enumerate(kinds):  # an opened directory is the sum of what it shows
        if kind == "dir":
            assert children[i] == pytest.approx(tree["values"][i]), tree["paths"][i]
        else:
            assert i not in children
    # a chain of single directories is one node; the biggest directories are opened first
    assert "mod0/src/main/java/org" in values and tree["labels"][tree["paths"].index("mod0/src/main/java/org")] == \
        "mod0/src/main/java/org"
    assert "closed" in kinds and "file" in kinds
    # a directory of more entries than PER_DIRECTORY shows the biggest and sums the rest
    flat = pages.treemap([(f"d/F{i}.java", float(i), 1.0) for i in range(1, 201)])
    more = [i for i, k in enumerate(flat["kinds"]) if k == "more"]
    assert len(more) == 1 and flat["labels"][more[0]] == f"{200 - pages.PER_DIRECTORY + 1} more"
    assert flat["values"][more[0]] == sum(range(1, 200 - pages.PER_DIRECTORY + 2))
    assert "d/F200.java" in flat["paths"] and "d/F121.java" not in flat["paths"]
    # categorical colours: a directory takes the colour covering most of its area
    owned = pages.treemap([("a/x", 5.0, 2), ("a/y", 3.0, 1), ("a/z", 3.0, 1)], categorical=True)
    assert owned["colours"][owned["paths"].index("a")] == 1
    # a focus draws only that directory, from it down
    focused = pages.treemap([(p, a, c) for p, a, c in items if p.startswith("mod3/")], focus="mod3")
    assert focused["paths"][0] == "mod3/src/main/java/org" and focused["parents"][0] == -1
