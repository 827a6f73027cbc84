"""Setting up outgoing webhooks (ADMIN), and destinations refused when they are saved: without
CODEANNALS_WEBHOOK_ALLOWED_HOSTS, loopback, private and link-local addresses (also behind a name)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support.api import Api

EVENTS = ["import.completed", "testRun.published"]


def test_webhooks_are_set_up_by_admins_and_private_destinations_refused(client: FlaskClient, api: Api) -> None:
    owner, member = api.register("owner"), api.register("member")
    project = api.create_project(owner, name="hooks")
    api.set_role(owner, project, member, "MEMBER")
    url = f"/api/projects/{project}/webhooks"
    good = {"url": "http://93.184.216.34/hook", "secret": "s3cret", "events": EVENTS}
    assert client.post(url, json=good, headers=member.headers).status_code == 403
    assert client.get(url, headers=member.headers).status_code == 403

    for target in ("http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/hook",
                   "http://192.168.0.10/hook", "http://172.16.5.4/", "http://169.254.169.254/latest/meta-data",
                   "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://100.64.0.1/", "http://0.0.0.0/"):
        r = client.post(url, json={**good, "url": target}, headers=owner.headers)
        assert r.status_code == 400, (target, r.get_json())
        assert "CODEANNALS_WEBHOOK_ALLOWED_HOSTS" in r.get_json()["errorMessage"]
    for bad in ({**good, "url": "ftp://93.184.216.34/"}, {**good, "url": "http://user:pw@93.184.216.34/"},
                {**good, "events": []}, {**good, "events": ["push"]}, {**good, "secret": ""},
                {"url": good["url"], "events": EVENTS}, {**good, "url": "http://no-such-host.invalid/"}):
        assert client.post(url, json=bad, headers=owner.headers).status_code == 400, bad
    assert client.get(url, headers=owner.headers).get_json() == []  # nothing refused was recorded

    r = client.post(url, json=good, headers=owner.headers)
    assert r.status_code == 201, r.get_json()
    hook = r.get_json()
    assert (hook["url"], hook["events"]) == (good["url"], EVENTS) and "secret" not in hook
    assert client.get(url, headers=owner.headers).get_json() == [hook]
    assert client.get(f"{url}/{hook['id']}", headers=owner.headers).get_json() == hook
    assert client.get(f"{url}/{hook['id']}/deliveries", headers=owner.headers).get_json() == []
    assert client.delete(f"{url}/{hook['id']}", headers=member.headers).status_code == 403
    assert client.delete(f"{url}/{hook['id']}", headers=owner.headers).status_code == 204
    assert client.get(url, headers=owner.headers).get_json() == []
    assert client.get(f"{url}/{hook['id']}", headers=owner.headers).status_code == 404
