"""A large upload (20,000 cases): recorded as batches of events in one save, readable at once, and a
read model rebuilt from the events equals the live one row for row."""

from __future__ import annotations

import gzip
import json
import os
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from flask.testing import FlaskClient

from domain.testing.run import TestRun
from domain.testing.upload import CASE_BATCH
from interfaces.container import Container
from tests.support.api import Api
from tests.support.readmodels import dump
from tests.testing.reports import go_reference, grouped_body, jacoco_reference, junit_xml, publish, published_id

CASES = 20_000


def _big_report() -> tuple[bytes, set[str]]:
    failing = {f"big.Suite{s}.test{n}" for s in range(0, 100, 7) for n in (3, 77)}
    return junit_xml(suites=100, per_suite=CASES // 100, failing=failing, prefix="big"), failing


def test_a_large_upload_is_recorded_in_batches_in_one_save(client: FlaskClient, api: Api,
                                                          container: Container) -> None:
    user = api.register("publisher")
    token = api.api_token(user)
    report, failing = _big_report()
    app = container.applications["testing"]
    before = app.max_position()
    public_id = published_id(publish(client, token, grouped_body([report], [go_reference()], group="g1")))
    notifications = app.recorder.select_notifications(start=before + 1, limit=1000)
    events = [app.mapper.to_domain_event(n) for n in notifications]
    kinds = [type(e).__qualname__ for e in events]
    assert kinds[0] == "TestRun.Created" and kinds[-4:] == [
        "TestRun.CoverageReportRecorded", "TestRun.CoverageFilesRecorded", "TestRun.CoverageLinesRecorded",
        "RunGroup.Created"]
    batches = [e for e in events if isinstance(e, TestRun.CasesRecorded)]
    assert len(batches) == CASES // CASE_BATCH and all(len(b.cases) == CASE_BATCH for b in batches)
    assert sum(isinstance(e, TestRun.ResultsRecorded) for e in events) == 1
    assert [n.id for n in notifications] == list(range(before + 1, before + 1 + len(notifications)))
    assert all(getattr(e, "actor", None) for e in events)
    # readable right after the answer
    headers = {"X-PROJEKTOR-TOKEN": token}
    summary = client.get(f"/run/{public_id}/summary", headers=headers).get_json()
    assert (summary["total_test_count"], summary["total_failure_count"]) == (CASES, len(failing))
    failed = client.get(f"/run/{public_id}/cases/failed", headers=headers).get_json()
    assert {c["full_name"] for c in failed} == failing
    run_id = client.get("/api/test-runs", headers=headers).get_json()[0]["id"]
    results = client.get(f"/api/test-runs/{run_id}/results", headers=headers).get_json()
    assert len(results) == CASES and sum(r["status"] == "FAIL" for r in results) == len(failing)
    # the run was snapshotted after the big save, so appending loads it without replaying the batches
    assert app.snapshots is not None
    assert list(app.snapshots.get(TestRun.create_id(public_id), desc=True, limit=1))
    appended = published_id(publish(client, token, grouped_body([junit_xml()], group="g1")))
    assert appended == public_id
    assert client.get(f"/run/{public_id}/summary", headers=headers).get_json()["total_test_count"] == CASES + 6


def test_rebuilt_read_model_equals_the_live_one(client: FlaskClient, api: Api, container: Container) -> None:
    owner = api.register("owner")
    token = api.api_token(owner)
    project_id = api.create_project(owner, name="shop", vcs_url="https://github.com/acme/shop")
    first = published_id(publish(client, token, grouped_body([junit_xml()], [jacoco_reference()],
                                                             group="b1", wall_clock=3.5)))
    published_id(publish(client, token, grouped_body([junit_xml(prefix="more")], group="b1", wall_clock=1.0)))
    raw = json.dumps(grouped_body([junit_xml(suites=30, per_suite=100)], [go_reference()], repo="acme/api")).encode()
    r = client.post("/groupedResults", data=gzip.compress(raw), headers={"X-PROJEKTOR-TOKEN": token,
                                                                         "Content-Encoding": "gzip"})
    published_id(r)
    client.post(f"/run/{first}/coverage", data=go_reference(), headers={"X-PROJEKTOR-TOKEN": token})
    run_id = client.get("/api/test-runs?limit=1", headers={"X-PROJEKTOR-TOKEN": token}).get_json()[0]["id"]
    assert client.patch(f"/api/test-runs/{run_id}", json={"status": "CANCELED"},
                        headers={"Authorization": f"Bearer {token}"}).status_code == 200
    live = dump(container.runner, ["testing"])
    assert len(live["test_runs"]) == 2 and len(live["coverage_reports"]) == 3
    assert len(live["test_cases"]) == 6 + 6 + 3000
    assert dict(live["test_runs"][0])["project_id"] in (project_id, None)
    container.runner.rebuild(["testing"])
    assert dump(container.runner, ["testing"]) == live


def test_a_save_of_many_megabytes_completes(container: Container) -> None:
    """psycopg's pipeline can hang on a save of a few megabytes; every application's PostgreSQL
    recorder inserts without it (interfaces/persistence/postgres.py)."""
    app = container.applications["testing"]
    if container.settings.backend == "postgres":
        for each in container.applications.values():
            assert type(each.recorder).__module__ == "interfaces.persistence.postgres", each.name
    originator = uuid4()
    events = [StoredEvent(originator_id=originator, originator_version=v, topic="bench:Blob", state=os.urandom(4 << 20))
              for v in (1, 2, 3)]
    before = app.max_position()
    ids = app.recorder.insert_events(events)
    assert ids is None or list(ids) == [before + 1, before + 2, before + 3]
    assert app.max_position() == before + 3
    with pytest.raises(IntegrityError):
        app.recorder.insert_events(events[:1])
