"""coderadar's analysis API end to end on a real repository imported by the history context (seed 3.6,
4.1, 5.1, 5.3, 5.4): every query checked against values worked out by hand (``tests/analysis/repos.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from domain.projects.file_patterns import FilePatternSet
from interfaces.analysis.complexity import full_catalog
from interfaces.analysis.git_source import GitCommitSource
from interfaces.container import Container
from projections.analysis import queries
from tests.analysis.flow import Flow, wait
from tests.analysis.repos import (
    CLOC,
    COMMAND,
    COMMAND_COUNTS,
    ELOC,
    FINDING_COUNTS,
    JAVA,
    LOC,
    LOC_ANALYZER,
    RANDOM_1_COUNTS,
    RANDOM_2_COUNTS,
    SLOC,
    UTIL_1_COUNTS,
    UTIL_2_COUNTS,
    Example,
    example,
    random_repo,
)
from tests.support.api import Api, User
from tests.support.readmodels import dump


def listed(values: tuple[int, int, int, int]) -> list[dict[str, Any]]:
    """A metric list as coderadar answers [loc, sloc, cloc, eloc]: reversed, zeros left out."""
    return [{"metricName": m, "value": v} for m, v in reversed(list(zip(JAVA, values, strict=True))) if v]


def file_node(name: str, values: tuple[int, int, int, int]) -> dict[str, Any]:
    return {"name": name, "type": "FILE", "metrics": listed(values), "children": []}


def totals(ex: Example, name: str) -> tuple[int, int, int, int]:
    t = ex.totals[name]
    return t[LOC], t[SLOC], t[CLOC], t[ELOC]


def analysed_example(repos: Path, flow: Flow, api: Api) -> tuple[Example, User, int]:
    ex = example(repos / "example")
    owner = api.register("owner")
    project = flow.project(owner, str(ex.repo.path))
    status = flow.analyse(owner, project)
    assert status == {"status": False, "commitsDone": 7, "commitsToDo": 0, "commitsAnalyzed": 7, "state": "DONE",
                      "job": 1, "automatic": False, "branches": [], "contentsMeasured": 6, "failures": 0,
                      "failureReason": None, "configurationChange": None,
                      "pendingConfigurationChange": None}
    return ex, owner, project


def test_every_query_answers_the_hand_worked_values(client: FlaskClient, api: Api, flow: Flow, repos: Path) -> None:
    ex, owner, project = analysed_example(repos, flow, api)
    c = ex.commits
    r = client.get(f"/api/projects/{project}/metrics", headers=owner.headers)
    assert r.get_json() == sorted(JAVA)
    commits = client.get(f"/api/projects/{project}/commits?branchName=main", headers=owner.headers).get_json()
    assert len(commits) == 7 and all(commit["analyzed"] for commit in commits)

    # perCommit (seed 5.3.1), by GET with a body and by POST; a prefix names a commit too.
    for name in c:
        body = {"commit": c[name], "metrics": JAVA}
        assert flow.query(owner, project, "metricvalues/perCommit", body) == listed(totals(ex, name)), name
        assert flow.query(owner, project, "metricvalues/perCommit", body, "POST") == listed(totals(ex, name))
    assert flow.query(owner, project, "metricvalues/perCommit", {"commit": c["c5"][:10], "metrics": [LOC]}) == [
        {"metricName": LOC, "value": 24}]
    assert flow.query(owner, project, "metricvalues/perCommit", {"commit": c["c3"], "metrics": [CLOC]}) == [
        {"metricName": CLOC, "value": 1}]
    unknown = client.post(f"/api/projects/{project}/metricvalues/perCommit", headers=owner.headers,
                          json={"commit": c["c3"], "metrics": [CLOC, "x:y"]})  # no silent ignore (issue 12)
    assert unknown.status_code == 400 and "x:y" in unknown.get_json()["errorMessage"]

    # The tree (seed 5.4.1): files at the root, then modules (src/ holds src/lib/), values summed.
    tree = flow.query(owner, project, "metricvalues/tree", {"commit": c["c5"], "metrics": JAVA})
    util = file_node("src/lib/Util.java", UTIL_2_COUNTS)
    assert tree == {
        "name": "root", "type": "MODULE", "metrics": listed(totals(ex, "c5")),
        "children": [
            file_node("GetMetricsForCommitCommand.java", COMMAND_COUNTS),
            {"name": "src/", "type": "MODULE", "metrics": listed(UTIL_2_COUNTS), "children": [
                {"name": "src/lib/", "type": "MODULE", "metrics": listed(UTIL_2_COUNTS), "children": [util]}]},
            {"name": "testModule1/", "type": "MODULE", "metrics": listed(RANDOM_2_COUNTS),
             "children": [file_node("testModule1/sub/NewRandomFile.java", RANDOM_2_COUNTS)]},
        ],
    }
    assert tree == flow.query(owner, project, "metricvalues/tree", {"commit": c["c5"], "metrics": JAVA}, "POST")
    tree = flow.query(owner, project, "metricvalues/tree", {"commit": c["f1"], "metrics": [LOC]})
    assert [n["name"] for n in tree["children"]] == ["Finding.java", "src/", "testModule1/"]
    assert tree["metrics"] == [{"metricName": LOC, "value": 14}]
    assert tree["children"][1]["children"][0]["children"] == [
        {"name": "src/lib/Util.java", "type": "FILE", "metrics": [{"metricName": LOC, "value": 4}], "children": []}]

    # The delta tree (seed 5.4.2): the newer commit given first is swapped; Util moved and grew on the
    # feature branch (a rename with 80% similarity), Finding was deleted, the command added.
    delta = flow.query(owner, project, "metricvalues/deltaTree",
                       {"commit1": c["c4"], "commit2": c["c2"], "metrics": JAVA})

    def node(name: str, v1: Any, v2: Any, changes: list[str], renamed_from: str | None = None,
             renamed_to: str | None = None) -> dict[str, Any]:
        return {"name": name, "type": "FILE", "commit1Metrics": None if v1 is None else listed(v1),
                "commit2Metrics": None if v2 is None else listed(v2), "renamedFrom": renamed_from,
                "renamedTo": renamed_to,
                "changes": {k: k in changes for k in ("renamed", "modified", "deleted", "added")}, "children": []}

    def module(name: str, v1: Any, v2: Any, children: list[dict[str, Any]]) -> dict[str, Any]:
        return {"name": name, "type": "MODULE", "commit1Metrics": listed(v1), "commit2Metrics": listed(v2),
                "renamedFrom": None, "renamedTo": None, "changes": None, "children": children}

    none = (0, 0, 0, 0)
    assert delta == module("root", totals(ex, "c2"), totals(ex, "c4"), [
        node("Finding.java", FINDING_COUNTS, None, ["deleted"]),
        node("GetMetricsForCommitCommand.java", None, COMMAND_COUNTS, ["added"]),
        module("src/", UTIL_1_COUNTS, UTIL_2_COUNTS, [
            node("src/core/Util.java", UTIL_1_COUNTS, None, ["renamed"], renamed_to="src/lib/Util.java"),
            module("src/lib/", none, UTIL_2_COUNTS, [
                node("src/lib/Util.java", None, UTIL_2_COUNTS, ["renamed", "modified"],
                     renamed_from="src/core/Util.java")]),
        ]),
        module("testModule1/", RANDOM_1_COUNTS, RANDOM_1_COUNTS, [
            node("testModule1/NewRandomFile.java", RANDOM_1_COUNTS, RANDOM_1_COUNTS, [])]),
    ])
    assert delta == flow.query(owner, project, "metricvalues/deltaTree",
                               {"commit1": c["c2"], "commit2": c["c4"], "metrics": JAVA}, "POST")

    # files/content (seed 5.3.2): exactly the seed's answer for the seed's file.
    content = flow.query(owner, project, "files/content",
                         {"commitHash": c["c5"], "filepath": "GetMetricsForCommitCommand.java"})
    assert content == {"content": COMMAND, "metrics": [
        {"name": ELOC, "value": 7, "findings": []}, {"name": SLOC, "value": 14, "findings": []},
        {"name": LOC, "value": 17, "findings": []}]}
    content = flow.query(owner, project, "files/content", {"commitHash": c["c1"], "filepath": "README.md"})
    assert content["metrics"] == []  # not analysed: no file pattern includes it

    # A metric's history along a branch's first-parent line.
    times = {e.hash: e.author_time * 1000 for e in ex.repo.log()}
    r = client.get(f"/api/projects/{project}/metricvalues/history?metric={LOC}&branchName=main", headers=owner.headers)
    assert r.get_json() == [{"commit": c[n], "timestamp": times[c[n]], "value": ex.totals[n][LOC]}
                            for n in ("c1", "c2", "c3", "c4", "c5")]
    r = client.get(f"/api/projects/{project}/metricvalues/history?metric={ELOC}&branchName=feature",
                   headers=owner.headers)
    assert [p["value"] for p in r.get_json()] == [6, 7, 7, 8]
    r = client.get(f"/api/projects/{project}/metricvalues/history?metric={LOC}", headers=owner.headers)
    assert [p["commit"] for p in r.get_json()][-1] == c["c5"]  # the default branch


@pytest.mark.parametrize("seed", [4, 5])
def test_the_read_model_answers_every_commit_of_a_random_history(api: Api, flow: Flow, repos: Path,
                                                                 container: Container, seed: int) -> None:
    repo = random_repo(repos / "random", seed, steps=40)
    owner = api.register("owner")
    project = flow.project(owner, str(repo.path))
    flow.analyse(owner, project)
    source = GitCommitSource(repo.path)
    loc = full_catalog().create(LOC_ANALYZER)
    patterns = FilePatternSet.of(include=["**/*.java"], exclude=["**/excluded/**"])
    for entry in repo.log():
        expected: dict[str, dict[str, int]] = {}
        for path, blob in source.tree(entry.hash):
            if patterns.matches(path) and loc.accepts(path):
                expected[path] = dict(loc.analyze(path, source.read_blob(blob)).metrics)
        commit = queries.commits_by_prefix(container.store, project, entry.hash)[0]
        files = queries.files_at(container.store, project, commit)
        assert {p: dict(f.values) for p, f in files.items()} == expected, entry.subject
        for path in [*expected, "src/m/Gone.java"]:
            one = queries.file_at(container.store, project, commit, path)
            assert (one is None and path not in expected) or (one is not None and dict(one.values) == expected[path])
        sums: dict[str, int] = {}
        for values in expected.values():
            for metric, value in values.items():
                sums[metric] = sums.get(metric, 0) + value
        assert queries.totals_at(container.store, project, commit, JAVA) == {m: sums.get(m, 0) for m in JAVA}


def test_queries_refuse_bad_commits_and_answer_nothing_for_unanalysed_ones(client: FlaskClient, api: Api, flow: Flow,
                                                                          repos: Path) -> None:
    ex = example(repos / "example")
    owner = api.register("owner")
    project = flow.project(owner, str(ex.repo.path))
    flow.analyse(owner, project, ["feature"])
    c = ex.commits
    log = client.get(f"/api/projects/{project}/commitLog", headers=owner.headers).get_json()
    assert {e["hash"][:16] for e in log if e["analyzed"]} == {c[n][:16] for n in ("c1", "c2", "f1", "f2")}
    assert flow.query(owner, project, "metricvalues/perCommit", {"commit": c["c5"], "metrics": JAVA}) == []
    assert flow.query(owner, project, "metricvalues/tree", {"commit": c["c3"], "metrics": JAVA}) == {
        "name": "root", "type": "MODULE", "metrics": [], "children": [
            {"name": m, "type": "MODULE", "metrics": [], "children": [] if m != "src/" else [
                {"name": "src/lib/", "type": "MODULE", "metrics": [], "children": []}]}
            for m in ("src/", "testModule1/")]}
    assert flow.query(owner, project, "metricvalues/perCommit", {"commit": c["f2"], "metrics": [LOC]}) == [
        {"metricName": LOC, "value": 15}]
    url = f"/api/projects/{project}/metricvalues/perCommit"
    for body, status in [({"commit": "0" * 40, "metrics": [LOC]}, 404), ({"commit": "xyz", "metrics": [LOC]}, 400),
                         ({"commit": c["c1"]}, 400), ({"metrics": [LOC]}, 400), ({"commit": c["c1"][:4],
                                                                                  "metrics": [LOC]}, 400)]:
        r = client.post(url, json=body, headers=owner.headers)
        assert r.status_code == status, (body, r.get_json())
        assert "errorMessage" in r.get_json()
    r = client.get(f"/api/projects/{project}/metricvalues/history?metric={LOC}&branchName=nope", headers=owner.headers)
    assert r.status_code == 404
    assert client.get(f"/api/projects/{project}/metricvalues/history", headers=owner.headers).status_code == 400
    assert client.get(f"/api/projects/{project}/metrics").status_code == 401
    stranger = api.register("stranger")
    assert client.get(f"/api/projects/{project}/metrics", headers=stranger.headers).status_code == 403
    assert client.post(url, json={"commit": c["c1"], "metrics": [LOC]}, headers=stranger.headers).status_code == 403
    assert client.get("/api/projects/999999/analyzingStatus", headers=owner.headers).status_code == 404


def test_starting_stopping_and_resetting_need_the_right_role_and_configuration(
        client: FlaskClient, api: Api, flow: Flow, repos: Path, container: Container) -> None:
    ex = example(repos / "example")
    owner, member = api.register("owner"), api.register("member")
    empty = flow.project(owner, str(ex.repo.path), patterns=[], analyzers=[], modules=[])
    api.set_role(owner, empty, member, "MEMBER")
    start = f"/api/projects/{empty}/analyze"
    r = client.post(start, json=[], headers=member.headers)
    assert r.status_code == 422 and "file pattern" in r.get_json()["errorMessage"]
    client.post(f"/api/projects/{empty}/filePatterns", json={"pattern": "**/*.java", "inclusionType": "INCLUDE"},
                headers=owner.headers)
    r = client.post(start, json=[], headers=member.headers)
    assert r.status_code == 422 and "analyzer" in r.get_json()["errorMessage"]
    client.post(f"/api/projects/{empty}/analyzers", json={"analyzerName": "io.reflectoring.coderadar.analyzer.loc."
                                                          "LocAnalyzerPlugin", "enabled": False}, headers=owner.headers)
    assert client.post(start, json=[], headers=member.headers).status_code == 422  # disabled does not count
    r = client.post(start, json=["nope"], headers=member.headers)
    assert r.status_code == 422
    for bad in ({"branches": "main"}, [1], ["  "], "main"):
        assert client.post(start, json=bad, headers=member.headers).status_code == 400, bad
    assert client.post(start, json=[]).status_code == 401
    assert client.post(start, json=[], headers=api.register("stranger").headers).status_code == 403
    assert client.get(f"/api/projects/{empty}/analyzingStatus", headers=member.headers).get_json()["state"] == "NONE"

    project = flow.project(owner, str(ex.repo.path))
    api.set_role(owner, project, member, "MEMBER")
    # Hold the worker so the job stays running: configuration changes are refused meanwhile.
    worker = next(w for w in container.workers if w.name == "analysis")
    worker.stop()
    assert client.post(f"/api/projects/{project}/analyze", json=["main"], headers=member.headers).status_code == 200
    status = flow.status(member, project)
    assert status["status"] is True and status["branches"] == ["main"] and status["commitsToDo"] is None
    r = client.post(f"/api/projects/{project}/analyze", json=[], headers=member.headers)
    assert r.status_code == 422 and "already running" in r.get_json()["errorMessage"]
    base = f"/api/projects/{project}"
    pattern = client.get(f"{base}/filePatterns", headers=owner.headers).get_json()[0]["id"]
    analyzer = client.get(f"{base}/analyzers", headers=owner.headers).get_json()[0]["id"]
    module = client.get(f"{base}/modules", headers=owner.headers).get_json()[0]["id"]
    for method, url, body in [
        ("POST", f"{base}/filePatterns", {"pattern": "**/*.py", "inclusionType": "INCLUDE"}),
        ("POST", f"{base}/filePatterns/{pattern}", {"pattern": "**/*.py", "inclusionType": "INCLUDE"}),
        ("DELETE", f"{base}/filePatterns/{pattern}", None),
        ("POST", f"{base}/analyzers", {"analyzerName": "org.codeannals.analyzer.markers.MarkerAnalyzerPlugin",
                                        "enabled": True}),
        ("POST", f"{base}/analyzers/{analyzer}", {"analyzerName": "io.reflectoring.coderadar.analyzer.loc."
                                                                  "LocAnalyzerPlugin", "enabled": False}),
        ("DELETE", f"{base}/analyzers/{analyzer}", None),
        ("POST", f"{base}/modules", {"path": "other"}),
        ("POST", f"{base}/modules/{module}", {"path": "other"}),
        ("DELETE", f"{base}/modules/{module}", None),
    ]:
        r = client.open(url, method=method, json=body, headers=owner.headers)
        assert r.status_code == 422 and "analysis is running" in r.get_json()["errorMessage"], (method, url)
    # MEMBER stops it; the configuration can change again.
    assert client.post(f"{base}/analyze/stop", headers=member.headers).status_code == 200
    assert flow.status(member, project)["state"] == "STOPPED"
    assert client.post(f"{base}/analyze/stop", headers=member.headers).status_code == 200  # nothing runs: fine
    r = client.post(f"{base}/modules", json={"path": "other"}, headers=owner.headers)
    assert r.status_code == 201
    worker.start()
    flow.analyse(member, project)
    assert flow.query(member, project, "metricvalues/perCommit", {"commit": ex.commits["c5"], "metrics": [LOC]}) == [
        {"metricName": LOC, "value": 24}]
    # Resetting needs ADMIN; afterwards nothing is analysed and no metric is known.
    assert client.post(f"{base}/analyze/reset", headers=member.headers).status_code == 403
    assert client.post(f"{base}/analyze/reset", headers=owner.headers).status_code == 200
    assert client.get(f"{base}/metrics", headers=member.headers).get_json() == []
    assert flow.query(member, project, "metricvalues/perCommit", {"commit": ex.commits["c5"], "metrics": [LOC]}) == []
    status = flow.status(member, project)
    assert (status["state"], status["commitsAnalyzed"], status["status"]) == ("NONE", 0, False)
    flow.analyse(member, project)
    assert flow.query(member, project, "metricvalues/perCommit", {"commit": ex.commits["c5"], "metrics": [LOC]}) == [
        {"metricName": LOC, "value": 24}]


def test_new_commits_are_analysed_automatically_once_a_project_was_analysed(
        client: FlaskClient, api: Api, flow: Flow, repos: Path) -> None:
    ex, owner, project = analysed_example(repos, flow, api)
    ex.repo.checkout("main")
    later = ex.repo.commit("More", {"More.java": "class More {\n}\n"}, author="bob")
    assert client.post(f"/api/projects/{project}/refresh", headers=owner.headers).status_code in (200, 202)
    flow.imported(owner, project, runs=2)

    def analysed() -> bool:
        values = flow.query(owner, project, "metricvalues/perCommit", {"commit": later, "metrics": [LOC]})
        return bool(values)

    wait(analysed, what="the automatic analysis of the new commit")
    assert flow.query(owner, project, "metricvalues/perCommit", {"commit": later, "metrics": [LOC, SLOC]}) == [
        {"metricName": SLOC, "value": 21}, {"metricName": LOC, "value": 26}]
    status = flow.finished(owner, project)
    assert status["automatic"] is True and status["commitsAnalyzed"] == 8 and status["commitsDone"] == 1
    assert status["contentsMeasured"] == 1
    # After a reset nothing is analysed automatically.
    assert client.post(f"/api/projects/{project}/analyze/reset", headers=owner.headers).status_code == 200
    newest = ex.repo.commit("Even more", {"More.java": "class More {\n  int a;\n}\n"})
    client.post(f"/api/projects/{project}/refresh", headers=owner.headers)
    flow.imported(owner, project, runs=3)
    assert flow.query(owner, project, "metricvalues/perCommit", {"commit": newest, "metrics": [LOC]}) == []
    assert flow.status(owner, project)["state"] == "NONE"


def test_findings_of_the_complexity_and_marker_analyzers_show_in_the_file_content(
        client: FlaskClient, api: Api, flow: Flow, repos: Path) -> None:
    from tests.support.gitrepo import GitRepo

    repo = GitRepo(repos / "findings")
    source = ("class Calc {\n  // TODO: handle overflow\n  int pick(int a, int b) {\n    if (a > b) {\n"
              "      return a;\n    }\n    return b;\n  }\n  int one() {\n    return 1;\n  }\n}\n")
    commit = repo.commit("calc", {"Calc.java": source})
    owner = api.register("owner")
    complexity = "org.codeannals.analyzer.complexity.ComplexityAnalyzerPlugin"
    markers = "org.codeannals.analyzer.markers.MarkerAnalyzerPlugin"
    project = flow.project(owner, str(repo.path), patterns=[["**/*.java", "INCLUDE"]], modules=[],
                           analyzers=[(complexity, {"threshold": 1}), (markers, {})])
    flow.analyse(owner, project)
    content = flow.query(owner, project, "files/content", {"commitHash": commit, "filepath": "Calc.java"}, "POST")
    assert content["content"] == source
    metrics = {m["name"]: m for m in content["metrics"]}
    assert [m["name"] for m in content["metrics"]] == [
        "codeannals:markers:todo", "codeannals:complexity:complexFunctions", "codeannals:complexity:functions",
        "codeannals:complexity:maxFunction", "codeannals:complexity:cyclomatic"]
    assert metrics["codeannals:complexity:cyclomatic"]["value"] == 3
    assert metrics["codeannals:complexity:complexFunctions"] == {
        "name": "codeannals:complexity:complexFunctions", "value": 1, "findings": [
            {"lineStart": 3, "lineEnd": 8, "charStart": None, "charEnd": None,
             "message": "function Calc::pick has cyclomatic complexity 2 (threshold 1)"}]}
    assert metrics["codeannals:markers:todo"]["findings"] == [
        {"lineStart": 2, "lineEnd": 2, "charStart": 5, "charEnd": 9, "message": "TODO: handle overflow"}]
    assert "codeannals:markers:fixme" not in metrics  # zero: left out
    assert sorted(client.get(f"/api/projects/{project}/metrics", headers=owner.headers).get_json()) == sorted([
        "codeannals:complexity:complexFunctions", "codeannals:complexity:cyclomatic",
        "codeannals:complexity:functions", "codeannals:complexity:maxFunction", "codeannals:markers:fixme",
        "codeannals:markers:hack", "codeannals:markers:todo", "codeannals:markers:xxx"])
    r = client.get("/api/analyzers", headers=owner.headers)
    assert {complexity, markers, "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"} <= set(r.get_json())
    assert client.get(f"/api/projects/{project}/analyzingFailures", headers=owner.headers).get_json() == []


def test_a_failing_analyzer_is_recorded_for_that_file_and_the_analysis_goes_on(
        client: FlaskClient, api: Api, flow: Flow, repos: Path, container: Container) -> None:
    from application.analysis.service import AnalysisApplication
    from application.projects.service import ProjectsApplication
    from domain.analysis.analyzer_catalog import AnalyzerCatalog, AnalyzerSpec
    from tests.analysis.test_engine_git import Exploding
    from tests.support.gitrepo import GitRepo

    for app in (container.app(ProjectsApplication), container.app(AnalysisApplication)):
        catalog = app.analyzers
        assert isinstance(catalog, AnalyzerCatalog)
        catalog.register(AnalyzerSpec("test.Exploding", "fails on boom", lambda _p: Exploding()))
    repo = GitRepo(repos / "boom")
    commit = repo.commit("two files", {"Boom.java": "class Boom { /* boom */ }\n", "Fine.java": "class Fine {}\n"})
    owner = api.register("owner")
    project = flow.project(owner, str(repo.path), patterns=[["**/*.java", "INCLUDE"]], modules=[],
                           analyzers=[(LOC_ANALYZER, {}), ("test.Exploding", {})])
    status = flow.analyse(owner, project)
    assert (status["failures"], status["contentsMeasured"], status["commitsAnalyzed"]) == (1, 2, 1)
    failures = client.get(f"/api/projects/{project}/analyzingFailures", headers=owner.headers).get_json()
    blob = repo.git("rev-parse", f"{commit}:Boom.java").strip()
    assert failures == [{"analyzer": "test.Exploding", "blob": blob, "error": "RuntimeError: boom in Boom.java"}]
    boom = flow.query(owner, project, "files/content", {"commitHash": commit, "filepath": "Boom.java"})
    assert [m["name"] for m in boom["metrics"]] == [ELOC, SLOC, LOC]  # the line counter's values stay
    fine = flow.query(owner, project, "files/content", {"commitHash": commit, "filepath": "Fine.java"})
    assert fine["metrics"][0] == {"name": "test:size", "value": 14, "findings": []}

    # Disabled, the analyzer's failures leave with its values; enabled again, they are back unmeasured.
    (exploding,) = [a for a in client.get(f"/api/projects/{project}/analyzers", headers=owner.headers).get_json()
                    if a["analyzerName"] == "test.Exploding"]
    for enabled, expected in ((False, []), (True, failures)):
        r = client.post(f"/api/projects/{project}/analyzers/{exploding['id']}", headers=owner.headers,
                        json={"analyzerName": "test.Exploding", "enabled": enabled})
        assert r.status_code == 200, r.get_json()
        assert flow.analyse(owner, project)["contentsMeasured"] == 0
        assert client.get(f"/api/projects/{project}/analyzingFailures", headers=owner.headers).get_json() == expected


def test_the_rebuilt_analysis_read_model_equals_the_live_one(client: FlaskClient, api: Api, flow: Flow, repos: Path,
                                                            container: Container) -> None:
    ex, owner, project = analysed_example(repos, flow, api)
    other = flow.project(owner, str(ex.repo.path))
    flow.analyse(owner, other, ["feature"])
    client.post(f"/api/projects/{other}/analyze/reset", headers=owner.headers)
    live = dump(container.runner, ["analysis"])
    assert live["analysis_files"] and live["analysis_totals"] and live["analysis_commits"]
    container.runner.rebuild(["analysis"])
    assert dump(container.runner, ["analysis"]) == live
    for project_id, analysed in ((project, True), (other, False)):  # the history read model's marks are replayed
        commits = client.get(f"/api/projects/{project_id}/commits?branchName=main", headers=owner.headers).get_json()
        assert commits and all(commit["analyzed"] is analysed for commit in commits)
    assert client.delete(f"/api/projects/{project}", headers=owner.headers).status_code == 200
    wait(lambda: not container.store.fetchall("SELECT * FROM analysis_files WHERE project_id=%s", (project,)),
         what="the deleted project's results to leave the read model")
