"""Domain errors speak domain words; each API words them with its own field names, as it always has."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient

from domain.projects.project import check_branch, check_optional_text
from domain.shared.errors import InvalidField
from domain.testing.run import check_text
from interfaces.http.wording import api_message
from tests.support.api import Api
from tests.testing.reports import grouped_body, junit_xml, publish

BRANCH_RULE = "must be a branch name without spaces or control characters"


def test_the_domain_names_its_fields_in_its_own_words() -> None:
    with pytest.raises(InvalidField) as bad_branch:
        check_branch("two words")
    assert (bad_branch.value.field, bad_branch.value.rule) == ("default_branch", BRANCH_RULE)
    assert bad_branch.value.message == f"default branch {BRANCH_RULE}"
    with pytest.raises(InvalidField) as long_name:
        check_optional_text("vcs_username", "x" * 6000)
    assert long_name.value.message == "vcs username must be at most 1000 characters long"
    with pytest.raises(InvalidField) as control:
        check_text("branch", "a\x01b")
    assert control.value.message == "branch must not contain control characters"
    assert api_message(control.value, "testery") == "branchName must not contain control characters"
    assert api_message(bad_branch.value, "coderadar") == f"defaultBranch {BRANCH_RULE}"
    assert api_message(InvalidField("build_enable_net", "must be true or false"), "copr") == (
        "build_enable_net must be true or false")


def test_coderadar_answers_with_its_field_names(client: FlaskClient, api: Api) -> None:
    owner = api.register("owner")
    r = client.post("/api/projects", json={"name": "p", "vcsUrl": "https://valid.url", "defaultBranch": "two words"},
                    headers=owner.headers)
    assert r.status_code == 400
    assert r.get_json() == {"errorMessage": f"defaultBranch {BRANCH_RULE}"}
    r = client.post("/api/projects", json={"name": "p", "vcsUrl": "https://valid.url", "vcsUsername": "u" * 5001},
                    headers=owner.headers)
    assert r.status_code == 400
    assert r.get_json()["errorMessage"].startswith("invalid request: vcsUsername: ")  # the schema's limit first
    project = api.create_project(owner, name="p")
    r = client.post(f"/api/projects/{project}", json={"defaultBranch": "-x"}, headers=owner.headers)
    assert r.status_code == 400 and r.get_json() == {"errorMessage": f"defaultBranch {BRANCH_RULE}"}
    assert client.get(f"/api/projects/{project}", headers=owner.headers).get_json()["defaultBranch"] is None


def test_projektor_and_testery_answer_with_the_run_metadata_names(client: FlaskClient, api: Api) -> None:
    owner = api.register("owner")
    token = api.api_token(owner)
    r = publish(client, token, grouped_body([junit_xml()], branch="main\x01"))
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["error_message"] == "branchName must not contain control characters"
    project = api.create_project(owner, name="shop")
    upload = {"file": (io.BytesIO(junit_xml()), "results.xml", "application/xml"), "projectId": str(project),
              "environmentId": "7", "branch": "main\x01"}
    r = client.post("/api/test-runs-upload", data=upload, headers={"Authorization": f"Bearer {token}"},
                    content_type="multipart/form-data")
    assert r.status_code == 400, r.get_json()
    assert r.get_json() == {"message": "branchName must not contain control characters"}
