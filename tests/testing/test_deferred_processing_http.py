"""Results processed after the answer (``CODEANNALS_PROJEKTOR_ASYNC_PARSING``): the upload is answered
with its id while RECEIVED, its status shows PROCESSING while it is parsed, then SUCCESS with its run
visible, or ERROR with the parser's message (and in /failures/recent). Both backends."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from interfaces.container import Container
from interfaces.http.testing import deferred, projektor_publish
from tests.support.api import Api
from tests.support.databases import server_env
from tests.testing.reports import grouped_body, junit_xml, publish, published_id


@pytest.fixture
def env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    return server_env(data_dir, database_url, CODEANNALS_PROJEKTOR_ASYNC_PARSING="true")


class HeldExecutor:
    """Keeps submitted jobs until the test runs them (on a thread of its own)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        self.jobs.append((fn, args))

    def run_next(self) -> threading.Thread:
        fn, args = self.jobs.pop(0)
        thread = threading.Thread(target=fn, args=args)
        thread.start()
        return thread


def test_received_processing_success_and_error(client: FlaskClient, api: Api, container: Container,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    admin = api.register("admin")
    token = api.api_token(api.register("publisher"))
    headers = {"X-PROJEKTOR-TOKEN": token}
    held = HeldExecutor()
    monkeypatch.setattr(deferred, "_executor", held)
    entered, release = threading.Event(), threading.Event()
    real_read = projektor_publish.read_grouped_results

    def gated(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert release.wait(60)
        return real_read(*args, **kwargs)

    monkeypatch.setattr(projektor_publish, "read_grouped_results", gated)

    public_id = published_id(publish(client, token, grouped_body([junit_xml()])))
    status = client.get(f"/results/{public_id}/status", headers=headers).get_json()
    assert (status["id"], status["status"]) == (public_id, "RECEIVED")
    assert client.get(f"/run/{public_id}", headers=headers).status_code == 404
    worker = held.run_next()
    assert entered.wait(60)
    assert client.get(f"/results/{public_id}/status", headers=headers).get_json()["status"] == "PROCESSING"
    release.set()
    worker.join(60)
    status = client.get(f"/results/{public_id}/status", headers=headers).get_json()
    assert (status["status"], status["error_message"]) == ("SUCCESS", None)
    assert client.get(f"/run/{public_id}/summary", headers=headers).get_json()["total_test_count"] == 6
    # the stored body is gone once processed
    if container.settings.backend == "sqlite":
        assert not [p for p in (container.settings.data_dir / "blobs").rglob("*") if p.is_file()]
    else:
        assert container.store.scalar("SELECT COUNT(*) AS n FROM blob_chunks") == 0

    bad = published_id(publish(client, token, {"groupedTestSuites": [{"testSuitesBlob": "<testsuite><oops"}]}))
    assert client.get(f"/results/{bad}/status", headers=headers).get_json()["status"] == "RECEIVED"
    held.run_next().join(60)
    status = client.get(f"/results/{bad}/status", headers=headers).get_json()
    assert status["status"] == "ERROR" and "XML" in status["error_message"].upper()
    failures = client.get("/failures/recent", headers=admin.headers).get_json()
    assert [f["id"] for f in failures] == [bad] and "<oops" in failures[0]["body"]
    assert client.get(f"/run/{bad}", headers=headers).status_code == 404
