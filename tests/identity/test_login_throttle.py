"""Failed logins are throttled per username and per client address."""

from __future__ import annotations

from flask.testing import FlaskClient

from application.identity.throttle import LoginThrottle
from domain.shared.errors import RateLimited
from tests.support.api import Api


def test_the_eleventh_failed_login_of_a_user_is_refused_with_retry_after(client: FlaskClient, api: Api) -> None:
    api.register("target")
    for _ in range(10):
        r = client.post("/api/user/auth", json={"username": "target", "password": "wrong-guess"})
        assert r.status_code == 401
    r = client.post("/api/user/auth", json={"username": "target", "password": "password1"})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0 and "too many" in r.get_json()["errorMessage"]
    # Another user is not affected.
    api.register("bystander")


def test_failures_from_one_address_across_usernames_are_limited(client: FlaskClient, api: Api) -> None:
    api.register("someone")
    codes = [
        client.post("/api/user/auth", json={"username": f"guess{i}", "password": "wrong-guess"},
                    environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code
        for i in range(51)
    ]
    assert codes[:50] == [401] * 50 and codes[50] == 429
    ok = client.post("/api/user/auth", json={"username": "someone", "password": "password1"},
                     environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert ok.status_code == 200


def test_the_window_slides_and_success_clears_the_user_count() -> None:
    now = [1000.0]
    throttle = LoginThrottle(per_user=2, per_address=100, window_seconds=60, clock=lambda: now[0])
    throttle.failed("Bob", "a")
    throttle.failed("bob", "a")
    try:
        throttle.check("BOB", "b")
        raise AssertionError("should be throttled")
    except RateLimited as exc:
        assert exc.retry_after == 60
    now[0] += 61
    throttle.check("bob", "a")
    throttle.failed("bob", "a")
    throttle.succeeded("bob")
    throttle.failed("bob", "a")
    throttle.check("bob", "a")
