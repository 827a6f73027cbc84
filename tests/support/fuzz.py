"""schemathesis over the server's own OpenAPI document, as the suite's fuzz test and ``bench/fuzz.py``
run it: every operation, ``--checks all``, as a platform admin with a project to find.

The fuzzer must keep its identity to the end, or every later operation is tested only anonymously:
a generated ``POST /api/users/{id}/admin?isAdmin=false`` or ``DELETE /api/users/{id}`` on itself
would take it away. So the user operations run in a second pass, after everything else."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import requests

CONFIG = Path(__file__).resolve().parents[1] / "e2e" / "schemathesis.toml"
ALWAYS_EXCLUDED = r"^/api/user/password/change$"  # would change the fuzzer's password: it could not log in again
USER_OPERATIONS = r"^/api/users/\{user_id\}"


def _token(base: str, username: str) -> str:
    requests.post(f"{base}/api/user/registration", json={"username": username, "password": "password1"}, timeout=30)
    body = requests.post(f"{base}/api/user/auth", json={"username": username, "password": "password1"},
                         timeout=30).json()
    return str(body["accessToken"])


def prepare(base: str) -> str:
    """A second platform admin (so a generated ``DELETE /api/users/1`` cannot lock everyone out) with
    a project; its access token."""
    first = _token(base, "firstadmin")
    fuzzer = _token(base, "fuzzer")
    fuzzer_id = requests.get(f"{base}/api/users", headers={"Authorization": first}, timeout=30).json()[-1]["id"]
    requests.post(f"{base}/api/users/{fuzzer_id}/admin?isAdmin=true", headers={"Authorization": first}, timeout=30)
    project = requests.post(f"{base}/api/projects", headers={"Authorization": fuzzer}, timeout=30,
                            json={"name": "fuzzed", "vcsUrl": "https://example.invalid/repo.git"})
    assert project.status_code == 201, project.text
    return fuzzer


@dataclass
class Pass:
    name: str
    returncode: int
    output: str

    @property
    def summary(self) -> str:
        start = self.output.rfind("=== SUMMARY")
        return self.output[start:] if start >= 0 else self.output[-3000:]

    @property
    def failures(self) -> str:
        return self.output[self.output.find("FAILURES"):] if "FAILURES" in self.output else self.output

    @property
    def tested(self) -> tuple[int, int]:
        """(operations tested, operations in the document)."""
        selected = re.search(r"Selected: (\d+)/(\d+)", self.output)
        tested = re.search(r"Tested: (\d+)", self.output)
        return (int(tested.group(1)) if tested else 0, int(selected.group(2)) if selected else 0)

    @property
    def generated(self) -> int:
        found = re.search(r"(\d+) generated", self.output)
        return int(found.group(1)) if found else 0


def run(base: str, token: str, examples: int, cwd: Path, seed: int | None = None, workers: int = 1,
        timeout: float = 3600) -> list[Pass]:
    """Both passes; each one's exit code and output."""
    common = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{base}/openapi.json",
              "--header", f"Authorization: {token}", "--max-examples", str(examples), "--checks", "all",
              "--request-timeout", "30", "--suppress-health-check", "all", "--workers", str(workers)]
    if seed is not None:
        common += ["--seed", str(seed)]
    passes = [("every operation but the user operations",
               ["--exclude-path-regex", f"{ALWAYS_EXCLUDED}|{USER_OPERATIONS}"]),
              ("the user operations", ["--include-path-regex", USER_OPERATIONS])]
    out: list[Pass] = []
    for name, selection in passes:
        result = subprocess.run([*common, *selection], capture_output=True, text=True, timeout=timeout, cwd=cwd)
        out.append(Pass(name, result.returncode, result.stdout + result.stderr))
    return out
