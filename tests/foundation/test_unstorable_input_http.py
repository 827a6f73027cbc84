"""Input no database can store is a 400, never a 500: a NUL character (PostgreSQL refuses it) in a path
parameter, a query parameter or a text of a JSON body, in every family, and never an event that a
read model could not store (which would hold every later answer back); a number past 64 bits."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support.api import Api

GETS = [
    "/api_2/mock_chroots/a%00b", "/api_2/projects/1/chroots/a%00b", "/api_2/projects?name=a%00b",
    "/api_2/builds?owner=a%00", "/repo/acme/shop/project/a%00b/badge/tests", "/api/v1/org/a%00/coverage/current",
    "/api/v1/repo/acme/shop/coverage/current?branch=a%00b", "/repo/acme/shop/tests/flaky?project=a%00",
    "/api/audit/events?type=a%00", "/api/test-runs?buildKey=a%00", "/api/projects/1/commits?branchName=a%00",
]
POSTS = [
    ("/api/user/tokens", {"name": "ci\u0000"}), ("/api/projects", {"name": "p", "vcsUrl": "https://x.invalid/\u0000"}),
    ("/api/teams/", {"name": "t", "userIds": [], "\u0000": 1}),
    ("/api/user/auth", {"username": "a\u0000", "password": "x"}),
]


@pytest.mark.parametrize("url", GETS)
def test_a_nul_in_the_path_or_the_query_is_a_400(client: FlaskClient, api: Api, url: str) -> None:
    user = api.register("reader")
    r = client.get(url, headers=user.headers)
    assert r.status_code == 400, (url, r.status_code, r.data[:200])
    assert "NUL" in r.get_data(as_text=True)


def test_a_nul_in_a_json_body_is_a_400_and_the_read_models_keep_up(client: FlaskClient, api: Api) -> None:
    user = api.register("writer")
    for path, body in POSTS:
        r = client.post(path, json=body, headers=user.headers)
        assert r.status_code == 400 and "NUL" in r.get_json()["errorMessage"], (path, r.get_json())
    r = client.post("/api/user/tokens", json={"name": "after"}, headers=user.headers)
    assert r.status_code == 201 and "X-Read-Models" not in r.headers
    assert [t["name"] for t in client.get("/api/user/tokens", headers=user.headers).get_json()] == ["after"]


def test_numbers_past_the_database_range_are_a_400(client: FlaskClient, api: Api) -> None:
    """Found by bench/fuzz.py: an offset past 64 bits was a 500 on PostgreSQL."""
    user = api.register("owner")
    project = api.create_project(user)
    huge = 2**64 * 1500
    for url in (f"/api/projects/{project}/history?offset={huge}&limit=187", f"/api/audit/events?offset={huge}",
                f"/api/projects/{project}/history?offset={2**63}"):
        r = client.get(url, headers=user.headers)
        assert r.status_code == 400 and "offset" in r.get_json()["errorMessage"], (url, r.get_json())
    assert client.get(f"/api/projects/{project}/history?offset={2**63 - 1}", headers=user.headers).status_code == 200
