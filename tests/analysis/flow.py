"""Driving an analysis through coderadar's HTTP API in tests: a project on a local repository, its
configuration, an import, an analysis, and waiting for each (conditions, no fixed sleeps)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.analysis.repos import LOC_ANALYZER, MODULES, PATTERNS
from tests.support.api import Api, User


def wait(condition: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Flow:
    def __init__(self, client: FlaskClient, api: Api) -> None:
        self.client = client
        self.api = api

    def project(self, owner: User, repo_path: str, patterns: list[list[str]] = PATTERNS,
                analyzers: list[tuple[str, dict[str, Any]]] | None = None, modules: list[str] = MODULES) -> int:
        project = self.api.create_project(owner, vcs_url=repo_path)
        for pattern, kind in patterns:
            r = self.client.post(f"/api/projects/{project}/filePatterns",
                                 json={"pattern": pattern, "inclusionType": kind}, headers=owner.headers)
            assert r.status_code == 201, r.get_json()
        for name, parameters in analyzers if analyzers is not None else [(LOC_ANALYZER, {})]:
            body: dict[str, Any] = {"analyzerName": name, "enabled": True}
            if parameters:
                body["parameters"] = parameters
            r = self.client.post(f"/api/projects/{project}/analyzers", json=body, headers=owner.headers)
            assert r.status_code == 201, r.get_json()
        for path in modules:
            r = self.client.post(f"/api/projects/{project}/modules", json={"path": path}, headers=owner.headers)
            assert r.status_code == 201, r.get_json()
        self.imported(owner, project)
        return project

    def import_status(self, user: User, project: int) -> dict[str, Any]:
        r = self.client.get(f"/api/projects/{project}/import", headers=user.headers)
        assert r.status_code == 200, r.get_json()
        status: dict[str, Any] = r.get_json()
        return status

    def imported(self, user: User, project: int, runs: int = 1) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            status = self.import_status(user, project)
            return status if status["status"] == "DONE" and status["runs"] >= runs else None

        result: dict[str, Any] = wait(done, what=f"the import of project {project}")
        return result

    def status(self, user: User, project: int) -> dict[str, Any]:
        r = self.client.get(f"/api/projects/{project}/analyzingStatus", headers=user.headers)
        assert r.status_code == 200, r.get_json()
        status: dict[str, Any] = r.get_json()
        return status

    def analyse(self, user: User, project: int, branches: list[str] | None = None) -> dict[str, Any]:
        before = self.status(user, project)["job"]
        r = self.client.post(f"/api/projects/{project}/analyze", json=branches or [], headers=user.headers)
        assert r.status_code == 200, r.get_json()
        return self.finished(user, project, before + 1)

    def finished(self, user: User, project: int, job: int | None = None) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            status = self.status(user, project)
            if status["status"] or (job is not None and status["job"] < job):
                return None
            return status

        result: dict[str, Any] = wait(done, what=f"the analysis of project {project}")
        assert result["state"] == "DONE", result
        return result

    def query(self, user: User, project: int, resource: str, body: dict[str, Any], method: str = "GET") -> Any:
        url = f"/api/projects/{project}/{resource}"
        r = self.client.open(url, method=method, json=body, headers=user.headers)
        assert r.status_code == 200, (resource, r.status_code, r.get_json())
        return r.get_json()
