"""schemathesis against our own OpenAPI document, on a running server: no 5xx, every response
conforms to its documented schema and status codes, for every API family (``--checks all``, which
also checks that an operation declaring security refuses a request without it). A fixed seed, so a
run is repeatable; ``bench/fuzz.py`` runs the same unseeded with many more examples.

It runs on one backend (PostgreSQL when one answers: it refuses more inputs than SQLite, a NUL in
a text for one), to keep the suite affordable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from tests.support import fuzz
from tests.support.databases import postgres_unavailable_reason
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("CODEANNALS_FUZZ_EXAMPLES", "4"))
SEED = 20261122
BACKENDS = os.environ.get("CODEANNALS_TEST_BACKENDS", "sqlite,postgres")
FUZZ_BACKEND = "postgres" if "postgres" in BACKENDS and not postgres_unavailable_reason() else "sqlite"


@pytest.mark.parametrize("backend", [FUZZ_BACKEND])
def test_every_operation_conforms_to_its_documented_schema(env: dict[str, str], tmp_path: Path) -> None:
    with ServerProcess({**env, "CODEANNALS_READ_WAIT_SECONDS": "2"}, log_path=tmp_path / "server.log") as server:
        token = fuzz.prepare(server.url)
        passes = fuzz.run(server.url, token, EXAMPLES, tmp_path, seed=SEED, timeout=900)
        (tmp_path / "schemathesis.log").write_text("\n\n".join(p.output for p in passes))
        for result in passes:
            assert result.returncode == 0, f"{result.name}:\n{result.failures[:30000]}"
            assert result.generated > 0, result.summary
            assert "Authentication failed" not in result.summary, result.summary  # the fuzzer kept its identity
        operations = passes[0].tested[1]
        assert sum(p.tested[0] for p in passes) == operations - 1 > 100  # all but the password change
        assert requests.get(f"{server.url}/health", timeout=30).status_code == 200
