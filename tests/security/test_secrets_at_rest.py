"""Repository passwords are sealed in the events; no response, event or audit entry holds them in clear."""

from __future__ import annotations

from uuid import UUID

from flask.testing import FlaskClient

from application.projects.service import ProjectsApplication
from application.shared.secrets import SecretBox
from interfaces.container import Container
from interfaces.history.worker import ProjectsLogAdapter
from tests.support.api import Api

PASSWORD = "s3cret-repo-pass"


def test_vcs_password_is_sealed_in_events_and_never_shown(container: Container, client: FlaskClient,
                                                           api: Api) -> None:
    admin = api.register("admin")
    r = client.post("/api/projects", headers=admin.headers, json={
        "name": "private", "vcsUrl": "https://git.example.org/private.git", "vcsUsername": "bot",
        "vcsPassword": PASSWORD})
    assert r.status_code == 201
    project_id = r.get_json()["id"]
    r = client.post(f"/api/projects/{project_id}", headers=admin.headers, json={"vcsPassword": PASSWORD + "2"})
    assert r.status_code == 200

    seen = [client.get(f"/api/projects/{project_id}", headers=admin.headers).get_data(as_text=True),
            client.get("/api/projects", headers=admin.headers).get_data(as_text=True),
            client.get(f"/api/projects/{project_id}/history", headers=admin.headers).get_data(as_text=True),
            client.get("/api/audit/events?limit=1000", headers=admin.headers).get_data(as_text=True)]
    assert all(PASSWORD not in text for text in seen)

    projects = container.app(ProjectsApplication)
    sealed = []
    for n in projects.recorder.select_notifications(start=1, limit=1000):
        event = projects.mapper.to_domain_event(n)
        assert PASSWORD not in repr(vars(event))
        if getattr(event, "vcs_password", None):
            sealed.append(event.vcs_password)
    assert len(sealed) == 2 and all(value.startswith("enc:v1:") for value in sealed)

    # The importer still gets what it must send to the git server.
    uuid = UUID(container.store.scalar("SELECT uuid FROM projects WHERE id=%s", (project_id,)))
    assert ProjectsLogAdapter(projects).project(uuid).vcs_password == PASSWORD + "2"


def test_a_secret_box_round_trips_and_refuses_tampering() -> None:
    box = SecretBox.from_secret("server secret")
    sealed = box.seal("hunter2")
    assert sealed != box.seal("hunter2")  # a fresh nonce every time
    assert box.open(sealed) == "hunter2" and box.open("legacy clear") == "legacy clear"
    assert box.seal(None) is None and box.seal("") == ""
    other = SecretBox.from_secret("another secret")
    try:
        other.open(sealed)
        raise AssertionError("a different key must not open it")
    except Exception as exc:
        assert type(exc).__name__ == "InvalidTag"
