"""Fixtures for the quality tests: projects on local repositories below ``repos``, an analysis worker
that looks for work often, and a poll that never comes round during a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.databases import server_env


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    root = tmp_path / "repos"
    root.mkdir(exist_ok=True)
    return root


@pytest.fixture
def env(data_dir: Path, database_url: str | None, repos: Path) -> dict[str, str]:
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(repos), CODEANNALS_POLL_SECONDS="3600",
                      CODEANNALS_ANALYSIS_POLL_SECONDS="0.1", CODEANNALS_ANALYSIS_LEASE_SECONDS="2")
