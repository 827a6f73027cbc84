"""Retention: ``codeannals cleanup`` removes unpinned runs older than the limit from every view, the
blob store and the event store, keeps a RunCleanedUp fact, and a rebuild equals the live models
(both backends)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from application.testing.service import TestingApplication
from domain.testing.run import RunGroup, TestRun
from interfaces.container import Container
from tests.support.api import Api
from tests.support.readmodels import dump
from tests.support.server import ROOT
from tests.testing.k6 import k6_file, k6_summary
from tests.testing.reports import go_reference, grouped_body, junit_xml, publish, published_id

VIEWS = ["testing", "testing_extras", "audit"]


def _blob_count(container: Container) -> int:
    if container.settings.backend == "postgres":
        return int(container.store.scalar("SELECT COUNT(DISTINCT blob_key) AS n FROM blob_chunks"))
    root = container.settings.data_dir / "blobs"
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def _cleanup(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "interfaces.cli.main", "cleanup", *args], cwd=ROOT,
                          env={**os.environ, **env, "CODEANNALS_RUN_WORKERS": "false"}, capture_output=True,
                          text=True, timeout=300)


def test_cleanup_removes_old_unpinned_runs_everywhere(client: FlaskClient, api: Api, container: Container,
                                                      env: dict[str, str]) -> None:
    user = api.register("publisher")  # the first user: a platform admin
    token = api.api_token(user)
    headers = {"X-PROJEKTOR-TOKEN": token}
    k6 = [{"name": "k6.json", "resultsBlob": k6_file(k6_summary())}]
    old = published_id(publish(client, token, grouped_body([junit_xml(suites=3, per_suite=50)], [go_reference()],
                                                           group="nightly", performanceResults=k6)))
    old_pinned = published_id(publish(client, token, grouped_body([junit_xml()])))
    old_other = published_id(publish(client, token, grouped_body([junit_xml()], repo="acme/api")))
    for run in (old, old_pinned):
        r = client.post(f"/run/{run}/attachments/shot.png", data=os.urandom(30_000), headers=headers)
        assert r.status_code == 200
    assert client.post(f"/run/{old_pinned}/attributes/pin", headers=headers).status_code == 200
    middle = datetime.now(UTC)
    young = published_id(publish(client, token, grouped_body([junit_xml()])))
    assert client.post(f"/run/{young}/attachments/log.txt", data=b"young", headers=headers).status_code == 200
    assert _blob_count(container) == 3

    # off by default
    r = _cleanup(env)
    assert r.returncode != 0 and "CODEANNALS_TEST_RUN_RETENTION_DAYS" in r.stderr
    as_of = (middle + timedelta(days=30)).isoformat()
    r = _cleanup({**env, "CODEANNALS_TEST_RUN_RETENTION_DAYS": "30"}, "--as-of", as_of, "--dry-run")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-2:] == [old, old_other] and _blob_count(container) == 3
    testing = container.app(TestingApplication)
    streams = [TestRun.create_id(old), TestRun.create_id(old_other),
               RunGroup.create_id(user_uuid(container, user.id), "acme/shop", "nightly")]
    assert all(testing.recorder.select_events(s) for s in streams)

    r = _cleanup({**env, "CODEANNALS_TEST_RUN_RETENTION_DAYS": "30"}, "--as-of", as_of)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("removed 2 test runs"), r.stdout
    freed = int(r.stdout.split("; ")[1].split()[0])
    assert freed > 30_000  # an attachment and the stored events of 152 test cases
    assert r.stdout.split()[-2:] == [old, old_other]
    container.runner.catch_up()

    # gone from every view, from the blob store and from the event store
    for run in (old, old_other):
        assert client.get(f"/run/{run}", headers=headers).status_code == 404
        assert client.get(f"/run/{run}/attachments", headers=headers).status_code == 404
    assert client.get("/repo/acme/shop/performance/timeline", headers=headers).status_code == 204
    assert [r["key"] for r in client.get("/api/test-runs", headers={"Authorization": f"Bearer {token}"})
            .get_json()] == [young, old_pinned]
    assert _blob_count(container) == 2
    assert not any(testing.recorder.select_events(s) for s in streams)
    assert client.get(f"/run/{old_pinned}/attachments/shot.png", headers=headers).status_code == 200
    assert client.get(f"/run/{young}/attachments/log.txt", headers=headers).data == b"young"
    # the fact stays in the log, with actor and time; the erased runs' audit rows went with them
    facts = client.get("/api/audit/events?type=CleanedUpRun.RunCleanedUp", headers=user.headers).get_json()
    assert sorted(f["payload"]["public_id"] for f in facts) == sorted([old, old_other])
    assert {f["actor"] for f in facts} == {"system"}
    assert all(datetime.fromisoformat(f["time"]) > middle for f in facts)
    assert sum(f["payload"]["bytes_freed"] for f in facts) == freed
    gone = str(TestRun.create_id(old))
    assert container.store.scalar("SELECT COUNT(*) AS n FROM audit_events WHERE aggregate_id=%s", (gone,)) == 0
    # a new upload of the same group starts a new run
    again = published_id(publish(client, token, grouped_body([junit_xml()], group="nightly")))
    assert again != old

    live = dump(container.runner, VIEWS)
    container.runner.rebuild(VIEWS)
    assert dump(container.runner, VIEWS) == live
    # nothing left to remove
    r = _cleanup({**env, "CODEANNALS_TEST_RUN_RETENTION_DAYS": "30"}, "--as-of", as_of)
    assert r.stdout.startswith("removed 0 test runs"), r.stdout


def user_uuid(container: Container, user_id: int) -> object:
    from uuid import UUID

    value = container.store.scalar("SELECT owner_uuid FROM test_runs WHERE owner_id=%s LIMIT 1", (user_id,))
    return UUID(str(value))


def test_the_server_cleans_up_by_itself_when_retention_is_set(client: FlaskClient, api: Api,
                                                               container: Container) -> None:
    from dataclasses import replace

    from interfaces.testing.retention import RetentionWorker

    token = api.api_token(api.register("publisher"))
    headers = {"X-PROJEKTOR-TOKEN": token}
    gone = published_id(publish(client, token, grouped_body([junit_xml()])))
    kept = published_id(publish(client, token, grouped_body([junit_xml()])))
    assert client.post(f"/run/{kept}/attributes/pin", headers=headers).status_code == 200
    off = RetentionWorker(container, first_delay=0)
    off.start()
    assert off._thread is None  # off by default
    container.settings = replace(container.settings, test_run_retention_days=1)
    worker = RetentionWorker(container, first_delay=0, clock=lambda: datetime.now(UTC) + timedelta(days=2))
    worker.interval = 0.05
    worker.start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        while worker.passes < 2 and datetime.now(UTC) < deadline:
            threading.Event().wait(0.02)
    finally:
        worker.stop()
    assert worker.passes >= 2
    container.runner.catch_up()
    assert client.get(f"/run/{gone}", headers=headers).status_code == 404
    assert client.get(f"/run/{kept}", headers=headers).status_code == 200
