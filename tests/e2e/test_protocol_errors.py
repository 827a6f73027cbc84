"""Errors the WSGI server raises before the application runs are JSON too."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


def test_an_overlong_request_line_is_a_json_414(env: dict[str, str], tmp_path: Path) -> None:
    with ServerProcess(env, log_path=tmp_path / "server.log") as server:
        r = requests.get(f"{server.url}/api_2/projects?name={'x' * 10_000}", timeout=30)
        assert r.status_code == 414
        assert r.headers["Content-Type"] == "application/json"
        assert "too large" in r.json()["message"].lower() and r.json()["errorMessage"] == r.json()["message"]
        # (Projektor's reads take query parameters they do not know; coderadar's and Copr's refuse them)
        long_but_fine = requests.get(f"{server.url}/api/v1/repo/acme/shop/coverage/current?pad={'x' * 6000}",
                                     timeout=30)
        assert long_but_fine.status_code == 204
        assert requests.get(f"{server.url}/health", timeout=30).status_code == 200
