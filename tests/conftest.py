"""Fixtures: every test that uses a server runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from interfaces.container import Container
from interfaces.http.app import create_app
from interfaces.settings import Settings
from tests.support.api import Api
from tests.support.databases import postgres_database, postgres_unavailable_reason, server_env

BACKENDS = [b.strip() for b in os.environ.get("CODEANNALS_TEST_BACKENDS", "sqlite,postgres").split(",") if b.strip()]
REQUIRE_POSTGRES = os.environ.get("CODEANNALS_REQUIRE_POSTGRES", "") in ("1", "true", "yes")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.browser.browser import CHROMIUM, SKIP_REASON

    if not CHROMIUM.exists():
        terminalreporter.write_line("")
        terminalreporter.write_line(f"Browser tests SKIPPED: {SKIP_REASON}.", yellow=True, bold=True)
    if "postgres" in BACKENDS and postgres_unavailable_reason():
        terminalreporter.write_line("")
        terminalreporter.write_line(
            f"PostgreSQL half SKIPPED: {postgres_unavailable_reason()}. Only SQLite was tested.",
            yellow=True, bold=True,
        )


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgres":
        reason = postgres_unavailable_reason()
        if reason:
            if REQUIRE_POSTGRES:
                pytest.fail(f"PostgreSQL is required (CODEANNALS_REQUIRE_POSTGRES) but {reason}")
            pytest.skip(reason)
    return name


@pytest.fixture
def database_url(backend: str) -> Iterator[str | None]:
    if backend == "postgres":
        with postgres_database() as url:
            yield url
    else:
        yield None


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    """The folder a test's local git repositories go in (the server may import from below it)."""
    root = tmp_path / "repos"
    root.mkdir(exist_ok=True)
    return root


@pytest.fixture
def analysed_repos_env(data_dir: Path, database_url: str | None, repos: Path) -> dict[str, str]:
    """A server importing from ``repos``, whose poll never comes round during a test and whose analysis
    worker looks for work often, with short leases."""
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(repos), CODEANNALS_POLL_SECONDS="3600",
                      CODEANNALS_ANALYSIS_POLL_SECONDS="0.1", CODEANNALS_ANALYSIS_LEASE_SECONDS="2")


@pytest.fixture
def env(data_dir: Path, database_url: str | None, request: pytest.FixtureRequest) -> dict[str, str]:
    marker = request.node.get_closest_marker("server_env")  # @pytest.mark.server_env(CODEANNALS_X="...")
    return server_env(data_dir, database_url, **(marker.kwargs if marker else {}))


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return Settings.from_env(env)


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    c = Container(settings)
    c.start()
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def app(container: Container) -> Flask:
    return create_app(container=container, start=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)
