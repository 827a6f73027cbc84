"""Fixtures for the quality tests: projects on local repositories below ``repos``, an analysis worker
that looks for work often, and a poll that never comes round during a test."""

from __future__ import annotations

import pytest


@pytest.fixture
def env(analysed_repos_env: dict[str, str]) -> dict[str, str]:
    return analysed_repos_env
