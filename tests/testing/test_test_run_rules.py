"""The TestRun aggregate's rules, without a server."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from domain.shared.errors import Invalid, Unprocessable
from domain.testing.coverage import CoverageFormat, CoverageReport, FileCoverage
from domain.testing.run import RunGroup, TestRun, is_public_id, new_public_id
from domain.testing.upload import ResultsCollector, ResultsUpload
from interfaces.testing.parsers import iter_junit
from tests.testing.reports import junit_xml


def _run(**facts: Any) -> TestRun:
    return TestRun.start(public_id=new_public_id(), owner=uuid4(), owner_id=1, source="projektor", name=None,
                         actor="user:1", **facts)


def _upload(**kwargs: Any) -> ResultsUpload:
    collector = ResultsCollector()
    collector.add_all(iter_junit(junit_xml(**kwargs)))
    return collector.finish()


def test_public_ids_and_facts_are_checked() -> None:
    assert all(is_public_id(new_public_id()) for _ in range(100))
    assert not is_public_id("abcdefghijkl") and not is_public_id("ABC")
    with pytest.raises(Invalid, match="public id"):
        TestRun.start(public_id="nope", owner=uuid4(), owner_id=1, source="projektor", name=None, actor="x")
    with pytest.raises(Invalid, match="source"):
        TestRun.start(public_id=new_public_id(), owner=uuid4(), owner_id=1, source="jenkins", name=None, actor="x")
    with pytest.raises(Invalid, match="hexadecimal"):
        _run(commit_sha="not-a-sha")
    with pytest.raises(Invalid, match="control characters"):
        _run(repo="acme/\x07shop")
    run = _run(repo=" acme/shop ", commit_sha="ABCDEF0")
    assert (run.repo, run.commit_sha, run.name) == ("acme/shop", "abcdef0", "acme/shop")
    assert TestRun.create_id(run.public_id) == run.id
    assert RunGroup.create_id(run.owner, "a", "b") != RunGroup.create_id(run.owner, "a", "c")


def test_results_are_batches_and_totals() -> None:
    run = _run()
    upload = _upload(suites=3, per_suite=2, failing={"com.acme.Suite1.test0"})
    run.record_results(upload, 1500.0, actor="user:1")
    events = run.collect_events()
    kinds = [type(e).__qualname__ for e in events]
    assert kinds == ["TestRun.Created", "TestRun.CasesRecorded", "TestRun.SuitesRecorded", "TestRun.ResultsRecorded"]
    assert all(getattr(e, "actor", None) == "user:1" for e in events)
    assert (run.tests, run.failed, run.suites, run.status) == (6, 1, 3, "FAIL")
    run.record_results(_upload(), None, actor="user:1")
    second = run.collect_events()
    assert isinstance(second[0], TestRun.CasesRecorded) and second[0].suite_base == 3
    assert run.tests == 12


def test_coverage_groups_get_unique_names_and_cancel_closes_the_run() -> None:
    run = _run()
    report = CoverageReport.from_files(CoverageFormat.GO, [FileCoverage("a.go", 3, 1), FileCoverage("b.go", 0, 2)])
    assert run.record_coverage(report, actor="x") == "GO"
    assert run.record_coverage(report, actor="x", batch_size=1) == "GO (2)"
    events = run.collect_events()
    files = [e for e in events if isinstance(e, TestRun.CoverageFilesRecorded)]
    assert [len(e.files) for e in files] == [2, 1, 1] and [e.first for e in files] == [0, 0, 1]
    run.cancel(actor="x")
    run.cancel(actor="x")
    assert [type(e).__qualname__ for e in run.collect_events()] == ["TestRun.Canceled"]
    assert run.status == "CANCELED"
    with pytest.raises(Unprocessable, match="canceled"):
        run.record_coverage(report, actor="x")
    with pytest.raises(Unprocessable):
        run.record_results(_upload(), None, actor="x")
