"""Quality gates: setting and reading a gate (ADMIN, every change an event, ``asOf``), the verdict at a
commit for each kind of metric and each operator, PENDING turning into FAILED and PASSED as the
analysis and the test run arrive and as the gate changes, and the badge key that opens the badge only."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask.testing import FlaskClient

from tests.analysis.flow import Flow, wait
from tests.support.api import Api
from tests.support.gitrepo import GitRepo
from tests.testing.reports import grouped_body, junit_xml, publish, published_id

LOC_ANALYZER = "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"
MARKERS = "org.codeannals.analyzer.markers.MarkerAnalyzerPlugin"
LOC, TODO = "coderadar:size:loc:java", "codeannals:markers:todo"
CALC_1 = "class Calc {\n  // TODO: one\n  int a() { return 1; }\n}\n"
CALC_2 = ("class Calc {\n  // TODO: one\n  // TODO: two\n  int a() { return 1; }\n  // TODO: three\n"
          "  int b() { return 2; }\n}\n")
OTHER = "class Other {\n  // TODO: four\n}\n"
JACOCO = (b'<?xml version="1.0"?><report name="calc"><package name=""><sourcefile name="Calc.java">'
          b'<line nr="4" mi="0" ci="3" mb="0" cb="0"/><line nr="6" mi="2" ci="0" mb="0" cb="0"/>'
          b"</sourcefile></package></report>")
FIRST = [  # every operator, every kind of metric
    {"metric": LOC, "op": "LT", "threshold": 5},
    {"metric": TODO, "op": "EQ", "threshold": 4},
    {"metric": "coverage", "op": "LT", "threshold": 40},
    {"metric": "patchCoverage", "op": "LT", "threshold": 50},
    {"metric": "failedTests", "op": "GT", "threshold": 0},
    {"metric": "newFindings", "op": "NE", "threshold": 3},
]
SECOND = [{"metric": LOC, "op": "GT", "threshold": 100}, {"metric": TODO, "op": "NE", "threshold": 4},
          {"metric": "failedTests", "op": "GT", "threshold": 5}, {"metric": "coverage", "op": "LT", "threshold": 10.5}]


def test_gate_verdicts_as_data_arrives(client: FlaskClient, api: Api, repos: Path) -> None:
    repo = GitRepo(repos / "calc")
    repo.commit("calc", {"Calc.java": CALC_1})
    head = repo.commit("more", {"Calc.java": CALC_2, "Other.java": OTHER})
    owner, member = api.register("owner"), api.register("member")
    flow = Flow(client, api)
    project = flow.project(owner, str(repo.path), patterns=[["**/*.java", "INCLUDE"]], modules=[],
                           analyzers=[(LOC_ANALYZER, {}), (MARKERS, {})])
    api.set_role(owner, project, member, "MEMBER")
    gate_url = f"/api/projects/{project}/qualityGate"
    verdict_url = f"/api/projects/{project}/commits/{head}/qualityGate"

    # setting the gate: ADMIN only, checked input
    assert client.get(gate_url, headers=member.headers).get_json() == {"conditions": []}
    assert client.put(gate_url, json={"conditions": FIRST}, headers=member.headers).status_code == 403
    for bad in ([{"metric": LOC, "op": "LE", "threshold": 1}], [{"metric": LOC, "op": "LT", "threshold": "x"}],
                [{"metric": "", "op": "LT", "threshold": 1}], {"metric": LOC}):
        r = client.put(gate_url, json={"conditions": bad}, headers=owner.headers)
        assert r.status_code == 400, r.get_json()
    r = client.put(gate_url, json={"conditions": FIRST}, headers=owner.headers)
    assert r.status_code == 200 and r.get_json() == {"conditions": FIRST}
    assert client.get(gate_url, headers=member.headers).get_json() == {"conditions": FIRST}

    # nothing analysed, no test run: every condition pending
    verdict = client.get(verdict_url, headers=member.headers).get_json()
    assert verdict["status"] == "PENDING" and verdict["commitHash"] == head
    assert [c["status"] for c in verdict["conditions"]] == ["PENDING"] * 6
    assert [c["actual"] for c in verdict["conditions"]] == [None] * 6

    # the analysis arrives: measured metrics and new findings known, test figures still pending
    flow.analyse(owner, project)
    verdict = client.get(verdict_url, headers=member.headers).get_json()
    assert verdict["status"] == "PENDING"
    assert [(c["actual"], c["status"]) for c in verdict["conditions"]] == [
        (10, "PASSED"), (4, "FAILED"), (None, "PENDING"), (None, "PENDING"), (None, "PENDING"), (3, "PASSED")]

    # the test run with coverage arrives: one failing case, Calc.java line 4 run, line 6 (new) not
    token = api.api_token(owner)
    published_id(publish(client, token, grouped_body(
        [junit_xml(suites=1, per_suite=3, failing={"com.acme.Suite0.test1"})], coverage=[JACOCO], sha=head,
        repo="acme/calc")))
    verdict = client.get(verdict_url, headers=member.headers).get_json()
    assert verdict["status"] == "FAILED"
    assert verdict["conditions"] == [
        {**FIRST[0], "actual": 10, "status": "PASSED"}, {**FIRST[1], "actual": 4, "status": "FAILED"},
        {**FIRST[2], "actual": 50.0, "status": "PASSED"}, {**FIRST[3], "actual": 0.0, "status": "FAILED"},
        {**FIRST[4], "actual": 1, "status": "FAILED"}, {**FIRST[5], "actual": 3, "status": "PASSED"}]

    # the gate changes: recomputed at once
    assert client.put(gate_url, json={"conditions": SECOND}, headers=owner.headers).status_code == 200
    verdict = client.get(verdict_url, headers=member.headers).get_json()
    assert verdict["status"] == "PASSED", verdict
    assert [c["actual"] for c in verdict["conditions"]] == [10, 4, 1, 50.0]
    # each change is an event; asOf reads the gate as it stood at the first one
    changes = client.get("/api/audit/events?type=QualityGate.ConditionsSet", headers=owner.headers).get_json()
    assert [c["payload"]["conditions"] for c in changes] == [FIRST, SECOND]
    between = quote(changes[0]["time"])
    assert client.get(f"{gate_url}?asOf={between}", headers=member.headers).get_json() == {"conditions": FIRST}
    assert client.get(f"{gate_url}?asOf=2001-01-01T00:00:00Z", headers=member.headers).get_json() == \
        {"conditions": []}
    assert client.get(gate_url, headers=member.headers).get_json()["conditions"] == SECOND

    # the first commit: its own figures (no parent: every finding is new)
    first = repo.head("HEAD~1")
    verdict = client.get(f"/api/projects/{project}/commits/{first}/qualityGate", headers=owner.headers).get_json()
    assert [c["actual"] for c in verdict["conditions"]] == [4, 1, None, None]
    assert verdict["status"] == "PENDING"  # no test run of it


def test_badge_key_opens_the_badge_and_nothing_else(client: FlaskClient, api: Api, repos: Path) -> None:
    repo = GitRepo(repos / "badge")
    repo.commit("calc", {"Calc.java": CALC_1})
    owner, member = api.register("owner"), api.register("member")
    project = api.create_project(owner, name="badge", vcs_url=str(repo.path))
    api.wait_for_import(owner, project)
    api.set_role(owner, project, member, "MEMBER")
    key_url = f"/api/projects/{project}/qualityGate/badgeKey"
    assert client.get(key_url, headers=member.headers).status_code == 403
    assert client.post(key_url, headers=member.headers).status_code == 403
    assert client.get(key_url, headers=owner.headers).get_json() == {"key": None, "url": None}
    created = client.post(key_url, headers=owner.headers).get_json()
    key = created["key"]
    assert len(key) >= 24 and created["url"] == f"/api/qualityGate/badge/{key}.svg"
    assert client.get(key_url, headers=owner.headers).get_json() == created  # the owner can read it again

    # anonymous: the badge of the default branch's head (no conditions: passed)
    r = client.get(created["url"])
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert "quality gate: passed" in r.get_data(as_text=True)
    client.put(f"/api/projects/{project}/qualityGate", headers=owner.headers,
               json={"conditions": [{"metric": "failedTests", "op": "GT", "threshold": 0}]})
    assert "quality gate: pending" in client.get(f"{created['url']}?branch=main").get_data(as_text=True)
    assert client.get(f"{created['url']}?branch=nope").status_code == 404
    assert client.get("/api/qualityGate/badge/not-a-key.svg").status_code == 404

    # the key opens nothing else: not as a token of any kind, not on the project's resources
    for headers in ({"Authorization": key}, {"Authorization": f"Bearer {key}"}, {"X-PROJEKTOR-TOKEN": key}):
        assert client.get(f"/api/projects/{project}", headers=headers).status_code == 401
        assert client.get(f"/api/projects/{project}/qualityGate", headers=headers).status_code == 401
        assert client.get(key_url, headers=headers).status_code == 401
    assert client.get(f"/api/projects/{project}/qualityGate?key={key}").status_code == 401

    # regenerated: the old key stops working
    new = client.post(key_url, headers=owner.headers).get_json()
    assert new["key"] != key
    assert client.get(created["url"]).status_code == 404
    wait(lambda: client.get(new["url"]).status_code == 200, what="the new badge")
