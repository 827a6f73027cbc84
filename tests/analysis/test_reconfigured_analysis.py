"""Starting an analysis measures what is missing: an analyzer enabled (or a file pattern widened) after
an analysis gives exactly the results of a from-scratch analysis with the new configuration, measuring
only what the earlier analysis lacked; a disabled analyzer's values leave, and come back without being
measured again when it is enabled again."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

from flask.testing import FlaskClient

from application.analysis.service import AnalysisApplication
from domain.analysis.jobs import MeasurementBatch
from domain.analysis.records import decode_batch
from interfaces.container import Container
from tests.analysis.flow import Flow
from tests.analysis.repos import LOC, LOC_ANALYZER, generated
from tests.support.api import Api, User
from tests.support.gitrepo import GitRepo

COMPLEXITY = "org.codeannals.analyzer.complexity.ComplexityAnalyzerPlugin"
CYCLOMATIC = "codeannals:complexity:cyclomatic"
COMPLEXITY_METRICS = [CYCLOMATIC, "codeannals:complexity:functions", "codeannals:complexity:maxFunction"]
BOTH: list[tuple[str, dict[str, Any]]] = [(LOC_ANALYZER, {}), (COMPLEXITY, {})]


CALC = ("class Calc {\n  int pick(int a, int b) {\n    if (a > b) {\n      return a;\n    }\n    return b;\n  }\n"
        "  int twice(int a) {\n    return a + a;\n  }\n}\n")


def _repo(repos: Path, commits: int) -> GitRepo:
    """A generated history, then one commit adding a class with functions (the complexity analyzer's
    values are not all zero)."""
    repo = generated(repos / "big", commits)
    repo.commit("add Calc", {"src/p1/Calc.java": CALC})
    return repo


def _uuid(container: Container, project: int) -> UUID:
    row = container.store.fetchone("SELECT uuid FROM projects WHERE id=%s", (project,))
    assert row is not None
    return UUID(row["uuid"])


def measured(container: Container, project: int) -> Counter[str]:
    """What the current generation's batches measured: (key, blob) pairs counted by analyzer."""
    app = container.app(AnalysisApplication)
    project_uuid = _uuid(container, project)
    analysis = app.analysis(project_uuid)
    assert analysis is not None
    analyzers = {int(r["key_id"]): str(r["analyzer"]) for r in container.store.fetchall(
        "SELECT key_id, analyzer FROM analysis_keys WHERE project_id=%s", (project,))}
    out: Counter[str] = Counter()
    pairs: set[tuple[int, str]] = set()
    for seq in range(1, analysis.seq + 1):
        batch: MeasurementBatch = app.repository.get(MeasurementBatch.create_id(project_uuid, analysis.generation, seq))
        for m in decode_batch(batch.payload).measurements:
            assert (m.key, m.blob) not in pairs, "a content was measured twice"
            pairs.add((m.key, m.blob))
            out[analyzers[m.key]] += 1
    return out


def results(container: Container, project: int) -> dict[str, Any]:
    """The project's results as a from-scratch analysis would record them: measurement keys named by
    their cache key (key numbers depend on the order keys were first used), batch numbers left out."""
    container.runner.catch_up()
    store = container.store
    keys = {str(r["key_id"]): str(r["cache_key"]) for r in store.fetchall(
        "SELECT key_id, cache_key FROM analysis_keys WHERE project_id=%s", (project,))}

    def named(text: str) -> str:
        return ",".join(sorted(keys[k] for k in text.split(",") if k))

    files = sorted((r["lane"], r["path"], r["seq_from"], r["seq_to"], r["blob"], named(r["keys"]),
                    None if r["vals"] is None else json.loads(r["vals"]))
                   for r in store.fetchall("SELECT * FROM analysis_files WHERE project_id=%s", (project,)))
    used = {(k, blob) for *_, blob, named_keys, _ in files if blob for k in named_keys.split(",") if k}
    measurements = sorted(
        (keys[str(r["key_id"])], r["blob"], json.loads(r["vals"]), json.loads(r["findings"]), r["error"])
        for r in store.fetchall("SELECT * FROM analysis_measurements WHERE project_id=%s", (project,))
        if (keys[str(r["key_id"])], r["blob"]) in used)
    return {
        "commits": sorted((r["hash"], r["lane"], r["seq"], r["ordinal"], r["parent"], r["ts"]) for r in store.fetchall(
            "SELECT * FROM analysis_commits WHERE project_id=%s", (project,))),
        "lanes": sorted((r["lane"], r["fork_lane"], r["fork_seq"]) for r in store.fetchall(
            "SELECT * FROM analysis_lanes WHERE project_id=%s", (project,))),
        "files": files,
        "totals": sorted((r["metric"], r["lane"], r["seq"], r["value"]) for r in store.fetchall(
            "SELECT * FROM analysis_totals WHERE project_id=%s", (project,))),
        "metrics": sorted(r["metric"] for r in store.fetchall(
            "SELECT metric FROM analysis_metrics WHERE project_id=%s", (project,))),
        "measurements": measurements,
    }


def _configure(client: FlaskClient, owner: User, project: int, analyzer: str, enabled: bool) -> None:
    rows = client.get(f"/api/projects/{project}/analyzers", headers=owner.headers).get_json()
    found = [r for r in rows if r["analyzerName"] == analyzer]
    if found:
        r = client.post(f"/api/projects/{project}/analyzers/{found[0]['id']}",
                        json={"analyzerName": analyzer, "enabled": enabled}, headers=owner.headers)
        assert r.status_code == 200, r.get_json()
    else:
        r = client.post(f"/api/projects/{project}/analyzers", json={"analyzerName": analyzer, "enabled": enabled},
                        headers=owner.headers)
        assert r.status_code == 201, r.get_json()


def _head_metrics(client: FlaskClient, owner: User, project: int, head: str) -> dict[str, int]:
    """The head's totals of the line counts and the complexity metrics (zeros left out, as coderadar)."""
    r = client.post(f"/api/projects/{project}/metricvalues/perCommit",
                    json={"commit": head, "metrics": [LOC, *COMPLEXITY_METRICS]}, headers=owner.headers)
    assert r.status_code == 200, r.get_json()
    return {m["metricName"]: m["value"] for m in r.get_json()}


def test_an_analyzer_enabled_after_an_analysis_measures_only_what_it_lacks(
        client: FlaskClient, api: Api, flow: Flow, repos: Path, container: Container) -> None:
    repo = _repo(repos, 45)
    owner = api.register("owner")
    later = flow.project(owner, str(repo.path), modules=[])
    scratch = flow.project(owner, str(repo.path), analyzers=BOTH, modules=[])
    flow.analyse(owner, scratch)
    first = flow.analyse(owner, later)
    assert first["configurationChange"] is None and set(measured(container, later)) == {LOC_ANALYZER}
    commits = first["commitsAnalyzed"]
    assert CYCLOMATIC not in client.get(f"/api/projects/{later}/metrics", headers=owner.headers).get_json()

    _configure(client, owner, later, COMPLEXITY, True)
    # Until the analysis is started again, its status says what it has to apply.
    assert flow.status(owner, later)["pendingConfigurationChange"] == f"analyzers enabled: {COMPLEXITY}"
    again = flow.analyse(owner, later)
    assert again["configurationChange"] == f"analyzers enabled: {COMPLEXITY}"
    assert again["pendingConfigurationChange"] is None
    assert again["commitsDone"] == again["commitsAnalyzed"] == commits and again["commitsToDo"] == 0
    # Only the complexity analyzer measured, exactly the contents a from-scratch analysis gave it.
    from_scratch = measured(container, scratch)
    assert measured(container, later) == Counter({COMPLEXITY: from_scratch[COMPLEXITY]})
    assert again["contentsMeasured"] == from_scratch[COMPLEXITY] > 0
    assert results(container, later) == results(container, scratch)
    head = repo.head()
    values = _head_metrics(client, owner, later, head)
    assert values == _head_metrics(client, owner, scratch, head) and values[LOC] > 0
    assert values[CYCLOMATIC] == 3
    assert CYCLOMATIC in client.get(f"/api/projects/{later}/metrics", headers=owner.headers).get_json()

    # Starting once more with the same configuration has nothing to do, and says no change.
    same = flow.analyse(owner, later)
    assert same["configurationChange"] is None and same["commitsDone"] == 0 and same["contentsMeasured"] == 0


def test_a_disabled_analyzer_leaves_and_comes_back_without_being_measured_again(
        client: FlaskClient, api: Api, flow: Flow, repos: Path, container: Container) -> None:
    repo = _repo(repos, 30)
    owner = api.register("owner")
    project = flow.project(owner, str(repo.path), analyzers=BOTH, modules=[])
    loc_only = flow.project(owner, str(repo.path), modules=[])
    flow.analyse(owner, loc_only)
    flow.analyse(owner, project)
    both = results(container, project)
    head = repo.head()
    with_complexity = _head_metrics(client, owner, project, head)
    assert with_complexity[CYCLOMATIC] == 3

    _configure(client, owner, project, COMPLEXITY, False)
    assert flow.status(owner, project)["pendingConfigurationChange"] == f"analyzers disabled: {COMPLEXITY}"
    without = flow.analyse(owner, project)
    assert without["configurationChange"] == f"analyzers disabled: {COMPLEXITY}"
    assert without["contentsMeasured"] == 0 and not measured(container, project)
    assert results(container, project) == results(container, loc_only)
    assert _head_metrics(client, owner, project, head) == {LOC: with_complexity[LOC]}
    assert CYCLOMATIC not in client.get(f"/api/projects/{project}/metrics", headers=owner.headers).get_json()

    _configure(client, owner, project, COMPLEXITY, True)
    back = flow.analyse(owner, project)
    assert back["configurationChange"] == f"analyzers enabled: {COMPLEXITY}"
    assert back["contentsMeasured"] == 0 and not measured(container, project)
    assert results(container, project) == both
    assert _head_metrics(client, owner, project, head) == with_complexity


def test_a_widened_file_pattern_measures_only_the_files_it_adds(
        client: FlaskClient, api: Api, flow: Flow, repos: Path, container: Container) -> None:
    repo = _repo(repos, 30)
    owner = api.register("owner")
    narrow = [["src/p0/**", "INCLUDE"]]
    wide = [["src/p0/**", "INCLUDE"], ["src/p1/**", "INCLUDE"]]
    project = flow.project(owner, str(repo.path), patterns=narrow, modules=[])
    scratch = flow.project(owner, str(repo.path), patterns=wide, modules=[])
    scratch_narrow = flow.project(owner, str(repo.path), patterns=narrow, modules=[])
    for p in (project, scratch, scratch_narrow):
        flow.analyse(owner, p)
    before = measured(container, project)[LOC_ANALYZER]
    assert before == measured(container, scratch_narrow)[LOC_ANALYZER] > 0

    r = client.post(f"/api/projects/{project}/filePatterns", json={"pattern": "src/p1/**", "inclusionType": "INCLUDE"},
                    headers=owner.headers)
    assert r.status_code == 201, r.get_json()
    assert flow.status(owner, project)["pendingConfigurationChange"] == "file patterns changed"
    widened = flow.analyse(owner, project)
    assert widened["configurationChange"] == "file patterns changed"
    added = measured(container, project)[LOC_ANALYZER]
    assert added == measured(container, scratch)[LOC_ANALYZER] - before > 0
    assert results(container, project) == results(container, scratch)


def test_an_engine_rebuilt_from_the_events_alone_knows_every_inherited_measurement(
        client: FlaskClient, api: Api, flow: Flow, repos: Path, container: Container) -> None:
    repo = _repo(repos, 25)
    owner = api.register("owner")
    project = flow.project(owner, str(repo.path), modules=[])
    flow.analyse(owner, project)
    _configure(client, owner, project, COMPLEXITY, True)
    flow.analyse(owner, project)
    _configure(client, owner, project, COMPLEXITY, False)
    flow.analyse(owner, project)
    app = container.app(AnalysisApplication)
    analysis = app.analysis(_uuid(container, project))
    assert analysis is not None and analysis.generation == 2 and len(analysis.carried_generations()) == 2
    cold = app.engine(analysis)  # no engine kept in memory: read from the recorded batches
    stored = {(int(r["key_id"]), str(r["blob"])) for r in container.store.fetchall(
        "SELECT key_id, blob FROM analysis_measurements WHERE project_id=%s", (project,))}
    assert set(cold.measured) == stored
    analysed = {str(r["hash"]) for r in container.store.fetchall(
        "SELECT hash FROM analysis_commits WHERE project_id=%s", (project,))}
    assert set(cold.commits) == analysed == cold.inherited and len(analysed) == 26
