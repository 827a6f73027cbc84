"""The analysis engine on real git repositories (read directly with the dulwich adapter): carried-forward
values against hand-worked numbers and against measuring every tree, each content measured once, failing
analyzers, and batches replayed from their packed form."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from application.analysis.engine import Engine, JobConfig
from application.analysis.measuring import InProcessMeasurer
from application.analysis.ports import CommitSource, Measured, MeasureTask
from domain.analysis.analyzer import FileResult, MetricDescriptor
from domain.analysis.analyzer_catalog import AnalyzerCatalog, AnalyzerSpec
from domain.analysis.records import BatchRecord, decode_batch, encode_batch
from interfaces.analysis.complexity import full_catalog
from interfaces.analysis.git_source import GitCommitSource
from tests.analysis.repos import LOC_ANALYZER, PATTERNS, example, random_repo

CATALOG = full_catalog()
LOC_ONLY = [[LOC_ANALYZER, {}]]


class CountingMeasurer(InProcessMeasurer):
    def __init__(self, factory: object = CATALOG) -> None:
        super().__init__(factory)  # type: ignore[arg-type]
        self.measured: Counter[tuple[int, str]] = Counter()

    def measure(self, source: CommitSource, tasks: Sequence[MeasureTask]) -> list[dict[int, Measured]]:
        for task in tasks:
            for key, _, _ in task.analyzers:
                self.measured[(key, task.blob)] += 1
        return super().measure(source, tasks)


def analyse(source: CommitSource, patterns: list[list[str]] = PATTERNS, analyzers: list[list[object]] = LOC_ONLY,
            branches: Sequence[str] = (), engine: Engine | None = None, measurer: InProcessMeasurer | None = None,
            max_commits: int = 500, max_contents: int = 2000, catalog: object = CATALOG
            ) -> tuple[Engine, list[BatchRecord]]:
    engine = engine or Engine(0)
    config = JobConfig(patterns, analyzers, catalog)  # type: ignore[arg-type]
    measurer = measurer or InProcessMeasurer(catalog)  # type: ignore[arg-type]
    plan = engine.plan(source, branches)
    records = []
    while (built := engine.next_batch(plan, source, config, measurer, max_commits, max_contents)) is not None:
        records.append(decode_batch(encode_batch(built.record)))
    return engine, records


def values_at(engine: Engine, commit: str) -> dict[str, dict[str, int]]:
    return {path: dict(state.values) for path, state in engine.files_at(commit).items()}


def test_the_example_gives_the_values_worked_out_by_hand(tmp_path: Path) -> None:
    ex = example(tmp_path / "repo")
    source = GitCommitSource(ex.repo.path)
    engine, records = analyse(source, max_commits=2)
    assert set(engine.commits) == set(ex.commits.values())
    for name, commit in ex.commits.items():
        assert values_at(engine, commit) == ex.files[name], name
        assert {m: v for m, v in engine.totals_at(commit).items() if v} == \
            {m: v for m, v in ex.totals[name].items() if v}, name
    # Recorded totals are the hand-worked ones (only those that changed against the first parent).
    recorded = {c.hash: c.totals for r in records for c in r.commits}
    assert recorded[ex.commits["c1"]] == ex.totals["c1"]
    assert recorded[ex.commits["f1"]] == {}  # a pure move changes no total
    assert recorded[ex.commits["c5"]] == {"coderadar:size:loc:java": 24, "coderadar:size:cloc:java": 2}
    # main is one lane; the feature branch forks from c2 (a merged branch is two segments from the root).
    lanes = {name: engine.commits[h][:2] for name, h in ex.commits.items()}
    assert [lanes[n] for n in ("c1", "c2", "c3", "c4", "c5")] == [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4)]
    assert lanes["f1"] == (1, 0) and lanes["f2"] == (1, 1)
    # Replaying the recorded batches gives the same engine.
    replayed = Engine.replay(0, records)
    for commit in ex.commits.values():
        assert values_at(replayed, commit) == values_at(engine, commit)
        assert replayed.totals_at(commit) == engine.totals_at(commit)


def test_each_content_is_measured_once_across_commits_branches_and_renames(tmp_path: Path) -> None:
    ex = example(tmp_path / "repo")
    measurer = CountingMeasurer()
    _, records = analyse(GitCommitSource(ex.repo.path), measurer=measurer, max_commits=1)
    assert max(measurer.measured.values()) == 1
    # Finding, Util v1, NewRandomFile v1, Util v2, Command, NewRandomFile v2: the move of Util (f1) and the
    # merge (which changes Util against its first parent) measure nothing new; Skip.java is excluded.
    assert len(measurer.measured) == 6
    by_commit = {r.commits[0].hash: r for r in records}  # one commit per batch
    f1 = by_commit[ex.commits["f1"]]
    assert [(f.path, f.blob is None) for f in f1.commits[0].files] == [
        ("src/core/Util.java", True), ("src/lib/Util.java", False)]
    assert f1.measurements == [] and by_commit[ex.commits["c4"]].measurements == []
    # New commits later: only they are analysed, and known contents are not measured again.
    ex.repo.checkout("main")
    from tests.analysis.repos import COMMAND, UTIL_1

    later = ex.repo.commit("Copies", {"copy/Again.java": UTIL_1, "copy/Command.java": COMMAND,
                                      "New.java": "class N {}\n"})
    _, new_records = analyse(GitCommitSource(ex.repo.path), engine=Engine.replay(0, records), measurer=measurer)
    assert [c.hash for r in new_records for c in r.commits] == [later]
    assert len(measurer.measured) == 7 and max(measurer.measured.values()) == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_commit_of_a_random_history_equals_measuring_its_tree(tmp_path: Path, seed: int) -> None:
    repo = random_repo(tmp_path / "repo", seed, steps=45)
    source = GitCommitSource(repo.path)
    analyzers = [[LOC_ANALYZER, {}], ["org.codeannals.analyzer.markers.MarkerAnalyzerPlugin", {}]]
    engine, records = analyse(source, analyzers=analyzers, max_commits=4, max_contents=7)
    config = JobConfig(PATTERNS, analyzers, CATALOG)
    created = [CATALOG.create(name) for name, _ in analyzers]
    commits = source.commits()
    assert set(engine.commits) == {c.hash for c in commits}
    for commit in commits:
        expected: dict[str, dict[str, int]] = {}
        for path, blob in source.tree(commit.hash):
            if config.patterns.matches(path):
                content = source.read_blob(blob)
                values: dict[str, int] = {}
                for analyzer in created:
                    if analyzer.accepts(path):
                        values.update(analyzer.analyze(path, content).metrics)
                expected[path] = values
        assert values_at(engine, commit.hash) == expected, commit.hash
        totals: Counter[str] = Counter()
        for values in expected.values():
            totals.update(values)
        assert {m: v for m, v in engine.totals_at(commit.hash).items() if v} == {m: v for m, v in totals.items() if v}
    # Batch sizes change nothing; replay changes nothing.
    other, _ = analyse(GitCommitSource(repo.path), analyzers=analyzers)
    replayed = Engine.replay(0, records)
    for commit in commits:
        assert values_at(other, commit.hash) == values_at(engine, commit.hash) == values_at(replayed, commit.hash)


def test_branches_limit_what_is_analysed_and_the_rest_follows_later(tmp_path: Path) -> None:
    ex = example(tmp_path / "repo")
    source = GitCommitSource(ex.repo.path)
    engine, _ = analyse(source, branches=["feature"])
    assert set(engine.commits) == {ex.commits[n] for n in ("c1", "c2", "f1", "f2")}
    engine, _ = analyse(source, branches=["main"], engine=engine)
    assert set(engine.commits) == set(ex.commits.values())
    for name, commit in ex.commits.items():
        assert values_at(engine, commit) == ex.files[name]


class Exploding:
    """An analyzer that fails on contents mentioning 'boom'."""

    name = "test.Exploding"

    def metrics(self) -> list[MetricDescriptor]:
        return [MetricDescriptor("test:size", "size", "bytes")]

    def accepts(self, path: str) -> bool:
        return path.endswith(".java")

    def analyze(self, path: str, content: bytes) -> FileResult:
        if b"boom" in content:
            raise RuntimeError("boom in " + path)
        return FileResult({"test:size": len(content)})

    def cache_key(self, path: str) -> str:
        return "exploding:java"


def _catalog() -> AnalyzerCatalog:
    catalog = full_catalog()
    catalog.register(AnalyzerSpec("test.Exploding", "fails on boom", lambda _p: Exploding()))
    return catalog


def test_an_analyzer_failing_on_one_file_records_that_and_goes_on(tmp_path: Path) -> None:
    ex = example(tmp_path / "repo")
    ex.repo.commit("boom", {"Boom.java": "class Boom { /* boom */ }\n"})
    catalog = _catalog()
    analyzers: list[list[object]] = [[LOC_ANALYZER, {}], ["test.Exploding", {}]]
    engine, records = analyse(GitCommitSource(ex.repo.path), analyzers=analyzers, catalog=catalog)
    failed = [m for r in records for m in r.measurements if m.error]
    assert len(failed) == 1 and "RuntimeError: boom in Boom.java" in (failed[0].error or "")
    head = ex.repo.head()
    values = values_at(engine, head)
    assert values["Boom.java"] == {"coderadar:size:loc:java": 1, "coderadar:size:sloc:java": 1,
                                    "coderadar:size:cloc:java": 0, "coderadar:size:eloc:java": 1}
    assert values["GetMetricsForCommitCommand.java"]["test:size"] > 0


def test_without_an_include_pattern_or_an_analyzer_nothing_starts() -> None:
    from domain.shared.errors import Unprocessable

    with pytest.raises(Unprocessable, match="file pattern"):
        JobConfig([["**/*.java", "EXCLUDE"]], LOC_ONLY, CATALOG).check()
    with pytest.raises(Unprocessable, match="analyzer"):
        JobConfig(PATTERNS, [], CATALOG).check()

