"""schemathesis against our own OpenAPI document, on a running server: no 5xx, every response
conforms to its documented schema and status codes, for every API family."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = os.environ.get("CODEANNALS_FUZZ_EXAMPLES", "4")


def _token(base: str, username: str) -> str:
    requests.post(f"{base}/api/user/registration", json={"username": username, "password": "password1"}, timeout=30)
    body = requests.post(f"{base}/api/user/auth", json={"username": username, "password": "password1"},
                         timeout=30).json()
    return str(body["accessToken"])


def test_every_operation_conforms_to_its_documented_schema(env: dict[str, str], tmp_path: Path) -> None:
    with ServerProcess({**env, "CODEANNALS_READ_WAIT_SECONDS": "2"}, log_path=tmp_path / "server.log") as server:
        base = server.url
        first = _token(base, "firstadmin")
        # Fuzz as a second platform admin, so a generated DELETE /api/users/1 cannot lock us out.
        fuzzer = _token(base, "fuzzer")
        fuzzer_id = requests.get(f"{base}/api/users", headers={"Authorization": first}, timeout=30).json()[-1]["id"]
        requests.post(f"{base}/api/users/{fuzzer_id}/admin?isAdmin=true", headers={"Authorization": first}, timeout=30)
        project = requests.post(f"{base}/api/projects", headers={"Authorization": fuzzer}, timeout=30,
                                json={"name": "fuzzed", "vcsUrl": "https://example.invalid/repo.git"})
        assert project.status_code == 201, project.text
        result = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{base}/openapi.json",
             "--header", f"Authorization: {fuzzer}",
             "--max-examples", EXAMPLES, "--checks", "all", "--seed", "20261122",
             "--request-timeout", "30", "--exclude-path-regex", "^/api/user/password/change$",
             "--suppress-health-check", "all"],
            capture_output=True, text=True, timeout=900, cwd=tmp_path,
        )
        (tmp_path / "schemathesis.log").write_text(result.stdout + result.stderr)
        failures = result.stdout[result.stdout.find("FAILURES"):] if "FAILURES" in result.stdout else result.stdout
        assert result.returncode == 0, failures[:30000] + result.stderr[-3000:]
        assert requests.get(f"{base}/health", timeout=30).status_code == 200
