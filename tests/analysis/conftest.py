"""Fixtures for the analysis tests that run a server: projects on local repositories below ``repos``,
and an analysis worker that looks for work often."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.analysis.flow import Flow
from tests.support.api import Api
from tests.support.databases import server_env


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    root = tmp_path / "repos"
    root.mkdir()
    return root


@pytest.fixture
def env(data_dir: Path, database_url: str | None, repos: Path) -> dict[str, str]:
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(repos), CODEANNALS_POLL_SECONDS="3600",
                      CODEANNALS_ANALYSIS_POLL_SECONDS="0.1", CODEANNALS_ANALYSIS_LEASE_SECONDS="2")


@pytest.fixture
def flow(client: FlaskClient, api: Api) -> Flow:
    return Flow(client, api)
