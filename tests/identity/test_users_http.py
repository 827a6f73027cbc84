"""coderadar user management through HTTP: seed sections 2.1 to 2.4.6."""

from __future__ import annotations

import base64
import json
import time

import jwt
from flask.testing import FlaskClient

from tests.support.api import Api

SECRET = "test-secret-key-0123456789abcdef0123456789"


def test_register_answers_the_new_id_and_the_first_user_is_platform_admin(client: FlaskClient, api: Api) -> None:
    r = client.post("/api/user/registration", json={"username": "username", "password": "password1"})
    assert r.status_code == 201
    assert set(r.get_json()) == {"id"} and isinstance(r.get_json()["id"], int)
    first = api.login("username")
    second = api.register("second")
    assert first.id == r.get_json()["id"]
    users = {u["username"]: u for u in client.get("/api/users", headers=first.headers).get_json()}
    assert users["username"] == {"id": first.id, "username": "username", "platformAdmin": True}
    assert users["second"] == {"id": second.id, "username": "second", "platformAdmin": False}


def test_duplicate_username_is_refused_case_insensitively(client: FlaskClient, api: Api) -> None:
    api.register("alice")
    r = client.post("/api/user/registration", json={"username": "ALICE", "password": "password1"})
    assert r.status_code == 409
    assert "already taken" in r.get_json()["errorMessage"]


def test_username_and_password_rules(client: FlaskClient) -> None:
    for body, word in [
        ({"username": "ab", "password": "password1"}, "username"),
        ({"username": "has space", "password": "password1"}, "username"),
        ({"username": "carol", "password": "short"}, "password"),
        ({"username": "carol"}, "password"),
    ]:
        r = client.post("/api/user/registration", json=body)
        assert r.status_code == 400, body
        assert word in r.get_json()["errorMessage"]
    assert client.get("/api/users").status_code == 401


def test_login_tokens_carry_the_coderadar_claims(client: FlaskClient, api: Api) -> None:
    user = api.register("dave")
    claims = jwt.decode(user.access_token, SECRET, algorithms=["HS256"], issuer="coderadar")
    assert claims["type"] == "ACCESS" and claims["username"] == "dave" and int(claims["userId"]) == user.id
    assert claims["exp"] - claims["iat"] == 15 * 60
    refresh = jwt.decode(user.refresh_token, SECRET, algorithms=["HS256"], issuer="coderadar")
    assert refresh["type"] == "REFRESH" and refresh["exp"] - refresh["iat"] == 60 * 86400
    r = client.post("/api/user/auth", json={"username": "dave", "password": "wrong-password"})
    assert r.status_code == 401 and r.get_json() == {"errorMessage": "bad username or password"}
    r = client.post("/api/user/auth", json={"username": "nobody", "password": "password1"})
    assert r.status_code == 401


def test_load_and_list_users_with_plain_and_bearer_headers(client: FlaskClient, api: Api) -> None:
    user = api.register("erin")
    plain = client.get(f"/api/users/{user.id}", headers={"Authorization": user.access_token})
    bearer = client.get(f"/api/users/{user.id}", headers={"Authorization": f"Bearer {user.access_token}"})
    assert plain.status_code == bearer.status_code == 200
    assert plain.get_json() == {"id": user.id, "username": "erin", "platformAdmin": True}
    missing = client.get("/api/users/987654", headers=user.headers)
    assert missing.status_code == 404 and "not found" in missing.get_json()["errorMessage"]


def test_refresh_gives_a_working_access_token_and_token_types_are_enforced(client: FlaskClient, api: Api) -> None:
    user = api.register("frank")
    r = client.post("/api/user/refresh", json={"accessToken": user.access_token, "refreshToken": user.refresh_token})
    assert r.status_code == 200
    new_access = r.get_json()["token"]
    assert client.get("/api/users", headers={"Authorization": new_access}).status_code == 200
    # A refresh token is not an access token, and the other way round.
    assert client.get("/api/users", headers={"Authorization": user.refresh_token}).status_code == 401
    assert client.post("/api/user/refresh", json={"refreshToken": user.access_token}).status_code == 401


def test_password_change_revokes_refresh_tokens(client: FlaskClient, api: Api) -> None:
    user = api.register("grace")
    other_session = api.login("grace")
    r = client.post("/api/user/password/change", headers=user.headers,
                    json={"refreshToken": user.refresh_token, "newPassword": "newPassword1"})
    assert r.status_code == 200 and r.data == b""
    for session in (user, other_session):
        assert client.post("/api/user/refresh", json={"refreshToken": session.refresh_token}).status_code == 401
    assert client.post("/api/user/auth", json={"username": "grace", "password": "password1"}).status_code == 401
    assert api.login("grace", "newPassword1").id == user.id


def test_password_change_needs_the_callers_own_refresh_token(client: FlaskClient, api: Api) -> None:
    a, b = api.register("heidi"), api.register("ivan")
    r = client.post("/api/user/password/change", headers=a.headers,
                    json={"refreshToken": b.refresh_token, "newPassword": "newPassword1"})
    assert r.status_code == 401
    assert client.post("/api/user/password/change",
                       json={"refreshToken": a.refresh_token, "newPassword": "newPassword1"}).status_code == 401
    assert api.login("ivan").id == b.id


def test_platform_admin_flag_only_by_platform_admins(client: FlaskClient, api: Api) -> None:
    admin, user = api.register("judy"), api.register("mallory")
    assert client.post(f"/api/users/{admin.id}/admin?isAdmin=false", headers=user.headers).status_code == 403
    r = client.post(f"/api/users/{user.id}/admin?isAdmin=true", headers=admin.headers)
    assert r.status_code == 200
    assert client.get(f"/api/users/{user.id}", headers=admin.headers).get_json()["platformAdmin"] is True
    assert client.post(f"/api/users/{user.id}/admin?isAdmin=maybe", headers=admin.headers).status_code == 400
    assert client.post(f"/api/users/{user.id}/admin", headers=admin.headers).status_code == 400


def test_deleting_a_user_invalidates_their_tokens_and_frees_the_name(client: FlaskClient, api: Api) -> None:
    admin, user = api.register("niaj"), api.register("olivia")
    token = client.post("/api/user/tokens", json={"name": "ci"}, headers=user.headers).get_json()["token"]
    assert client.delete(f"/api/users/{user.id}", headers={}).status_code == 401
    other = api.register("peggy")
    assert client.delete(f"/api/users/{user.id}", headers=other.headers).status_code == 403
    assert client.delete(f"/api/users/{user.id}", headers=admin.headers).status_code == 200
    assert client.get("/api/users", headers=user.headers).status_code == 401
    assert client.get("/api/users", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.post("/api/user/refresh", json={"refreshToken": user.refresh_token}).status_code == 401
    assert client.get(f"/api/users/{user.id}", headers=admin.headers).status_code == 404
    again = api.register("olivia")
    assert again.id != user.id


def _forge(claims: dict[str, object], key: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def test_forged_and_expired_tokens_are_refused(client: FlaskClient, api: Api) -> None:
    user = api.register("rupert")
    now = int(time.time())
    good = {"iss": "coderadar", "iat": now, "exp": now + 600, "userId": user.id, "username": "rupert", "type": "ACCESS"}
    assert client.get("/api/users", headers={"Authorization": _forge(good)}).status_code == 200
    expired = {**good, "iat": now - 1000, "exp": now - 10}
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(good).encode()).rstrip(b"=").decode()
    signed = _forge(good).split(".")
    tampered_body = base64.urlsafe_b64encode(
        json.dumps({**good, "userId": user.id + 1}).encode()
    ).rstrip(b"=").decode()
    for token in (
        _forge(expired),
        _forge(good, key="another-key-another-key-another-key"),
        f"{header}.{body}.",
        f"{signed[0]}.{tampered_body}.{signed[2]}",
        "not-a-token",
    ):
        r = client.get("/api/users", headers={"Authorization": token})
        assert r.status_code == 401, token
        assert "errorMessage" in r.get_json()


def test_api_tokens_work_as_bearer_basic_and_projektor_header_until_revoked(client: FlaskClient, api: Api) -> None:
    user = api.register("sybil")
    r = client.post("/api/user/tokens", json={"name": "ci"}, headers=user.headers)
    assert r.status_code == 201
    created = r.get_json()
    assert set(created) == {"id", "name", "token"} and created["name"] == "ci"
    token = created["token"]
    listed = client.get("/api/user/tokens", headers=user.headers).get_json()
    assert [t["id"] for t in listed] == [created["id"]] and "token" not in listed[0]
    assert token not in client.get("/api/user/tokens", headers=user.headers).get_data(as_text=True)
    basic = base64.b64encode(f"sybil:{token}".encode()).decode()
    for headers in ({"Authorization": f"Bearer {token}"}, {"Authorization": f"Basic {basic}"},
                    {"X-PROJEKTOR-TOKEN": token}):
        assert client.get("/api/users", headers=headers).status_code == 200, headers
    wrong_login = base64.b64encode(f"someone:{token}".encode()).decode()
    assert client.get("/api/users", headers={"Authorization": f"Basic {wrong_login}"}).status_code == 401
    assert client.post("/api/user/tokens", json={"name": "ci"}, headers=user.headers).status_code == 409
    other = api.register("trent")
    assert client.delete(f"/api/user/tokens/{created['id']}", headers=other.headers).status_code == 404
    assert client.delete(f"/api/user/tokens/{created['id']}", headers=user.headers).status_code == 204
    assert client.get("/api/users", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_audit_trail_lists_events_with_actor_and_hides_secrets(client: FlaskClient, api: Api) -> None:
    admin, user = api.register("victor"), api.register("walter")
    client.post(f"/api/users/{user.id}/admin?isAdmin=true", headers=admin.headers)
    assert client.get("/api/audit/events", headers={}).status_code == 401
    events = client.get("/api/audit/events?type=PlatformAdminSet", headers=admin.headers).get_json()
    assert len(events) == 1
    assert events[0]["actor"] == f"user:{admin.id}" and events[0]["payload"]["is_admin"] is True
    everything = client.get("/api/audit/events?limit=1000", headers=admin.headers).get_data(as_text=True)
    assert "scrypt$" not in everything and "password1" not in everything
    registered = client.get("/api/audit/events?type=User.Registered", headers=admin.headers).get_json()
    assert [e["payload"]["username"] for e in registered] == ["victor", "walter"]
    assert all(e["payload"]["password_hash"] == "***" for e in registered)
    page = client.get("/api/audit/events?limit=2&offset=1", headers=admin.headers).get_json()
    assert len(page) == 2
    assert client.get("/api/audit/events?limit=0", headers=admin.headers).status_code == 400
    assert client.get("/api/audit/events?since=yesterday", headers=admin.headers).status_code == 400
    late = client.get("/api/audit/events?since=2999-01-01T00:00:00Z", headers=admin.headers).get_json()
    assert late == []
    nonadmin = client.post(f"/api/users/{user.id}/admin?isAdmin=false", headers=admin.headers)
    assert nonadmin.status_code == 200
    assert client.get("/api/audit/events", headers=user.headers).status_code == 403
