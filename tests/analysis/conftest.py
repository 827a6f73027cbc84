"""Fixtures for the analysis tests that run a server: projects on local repositories below ``repos``,
and an analysis worker that looks for work often."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.analysis.flow import Flow
from tests.support.api import Api


@pytest.fixture
def env(analysed_repos_env: dict[str, str]) -> dict[str, str]:
    return analysed_repos_env


@pytest.fixture
def flow(client: FlaskClient, api: Api) -> Flow:
    return Flow(client, api)
