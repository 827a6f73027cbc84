"""The short, bounded form of bench/load.py: mixed reads and writes across the four API families
from concurrent clients end with zero errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.load import run_load
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


def test_concurrent_mixed_load_across_families_has_no_errors(env: dict[str, str], tmp_path: Path) -> None:
    with ServerProcess(env, workers=2, log_path=tmp_path / "server.log") as server:
        report = run_load(server.url, clients=8, seconds=6)
    assert report.total > 50, report.lines()
    assert set(report.latencies) == {"coderadar", "projektor", "testery", "copr"}
    assert not report.errors, report.errors[:10]
