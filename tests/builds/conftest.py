"""Fixtures of the Copr API 2 tests."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support.api import Api
from tests.support.copr import Copr


@pytest.fixture
def copr(client: FlaskClient, api: Api) -> Copr:
    return Copr(client, api)
