"""The quality pages of the web interface, through its forms: the commit page's gate verdict and patch
coverage, the missed and covered patch lines marked in the diff, the Quality page's history over the
default branch, and the ADMIN editors (the gate, outgoing webhooks, the badge key, the push hook
secret). Every form needs the CSRF token, non-admins see no editor and get 403, bad input is a 4xx with
a message and changes nothing, and user-supplied text stays text."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from interfaces.web.quality import diff_line_marks
from tests.analysis.flow import wait
from tests.notifications.receiver import Receiver
from tests.quality.patch_helpers import expected, git_patch_lines
from tests.support.api import Api, User
from tests.support.databases import server_env
from tests.support.gitrepo import GitRepo
from tests.testing.reports import grouped_body, junit_xml, publish, published_id

CALC_1 = "class Calc {\n  int a() { return 1; }\n}\n"
CALC_2 = "class Calc {\n  int a() { return 1; }\n  int b() { return 2; }\n  int c() { return 3; }\n}\n"
# line 2 run (not new), line 3 run (new), line 4 not run (new); a file of no commit: unmatched
JACOCO = (b'<?xml version="1.0"?><report name="calc"><package name="src/app"><sourcefile name="Calc.java">'
          b'<line nr="2" mi="0" ci="3" mb="0" cb="0"/><line nr="3" mi="0" ci="2" mb="0" cb="0"/>'
          b'<line nr="4" mi="2" ci="0" mb="0" cb="0"/></sourcefile></package>'
          b'<package name="gone"><sourcefile name="Nowhere.java"><line nr="1" mi="1" ci="0" mb="0" cb="0"/>'
          b"</sourcefile></package></report>")
SCRIPT = "<script>window.__xss=1</script>"
HTML = {"Accept": "text/html"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def env(data_dir: Path, database_url: str | None, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "repos").mkdir(exist_ok=True)
    return server_env(data_dir, database_url, CODEANNALS_LOCAL_REPO_ROOTS=str(tmp_path / "repos"),
                      CODEANNALS_POLL_SECONDS="3600", CODEANNALS_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
                      CODEANNALS_WEBHOOK_POLL_SECONDS="0.1", CODEANNALS_WEBHOOK_RETRY_BASE_SECONDS="0.2")


class Browser:
    """A signed-in web session on the Flask test client (its own cookie jar)."""

    def __init__(self, app: Any, username: str) -> None:
        self.client: FlaskClient = app.test_client()
        form = self.client.get("/signin").get_data(as_text=True)
        r = self.client.post("/signin", data={"username": username, "password": "password1",
                                              "csrf_token": csrf_of(form)})
        assert r.status_code == 302, r.get_data(as_text=True)[:500]
        self.csrf = csrf_of(self.get("/").get_data(as_text=True))

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=HTML)

    def text(self, path: str) -> str:
        r = self.get(path)
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:800])
        return str(r.get_data(as_text=True))

    def post(self, path: str, data: dict[str, Any], csrf: bool = True) -> Any:
        return self.client.post(path, data={**data, **({"csrf_token": self.csrf} if csrf else {})}, headers=HTML)


def csrf_of(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found, text[:500]
    return found.group(1)


def fingerprint(text: str) -> str:
    found = re.search(r'name="fingerprint" value="([^"]+)"', text)
    assert found, text[:500]
    return found.group(1)


def project_with_coverage(client: FlaskClient, api: Api, tmp_path: Path) -> tuple[User, int, GitRepo, str]:
    repo = GitRepo(tmp_path / "repos" / "calc")
    repo.commit("calc", {"src/app/Calc.java": CALC_1})
    head = repo.commit("more calc", {"src/app/Calc.java": CALC_2, "README.md": "calc\n"})
    owner = api.register("owner")
    project = api.create_project(owner, name="calc", vcs_url=str(repo.path))
    api.wait_for_import(owner, project)
    token = api.api_token(owner)
    published_id(publish(client, token, grouped_body([junit_xml(suites=1, per_suite=2)], coverage=[JACOCO], sha=head,
                                                     repo="acme/calc")))
    return owner, project, repo, head


def gate(client: FlaskClient, owner: User, project: int) -> list[dict[str, Any]]:
    conditions: list[dict[str, Any]] = client.get(f"/api/projects/{project}/qualityGate",
                                                  headers=owner.headers).get_json()["conditions"]
    return conditions


def verdict_shown(text: str) -> str | None:
    found = re.search(r'data-verdict="([A-Z]+)"', text)
    return found.group(1) if found else None


def test_diff_lines_are_marked_on_their_new_side_numbers() -> None:
    lines = [("ctx", "diff --git a/x b/x"), ("ctx", "--- a/x"), ("ctx", "+++ b/x"), ("hunk", "@@ -1,3 +1,3 @@"),
             ("ctx", " one"), ("del", "-two"), ("add", "+TWO"), ("ctx", " three"), ("hunk", "@@ -9,2 +9,3 @@ f()"),
             ("del", "-- old"), ("add", "+nine"), ("add", "+ten"), ("ctx", "\\ No newline at end of file"),
             ("ctx", " eleven")]
    marks = diff_line_marks(lines, {"covered": [2, 10], "missed": [9, 11]})
    assert [(text, mark) for (_, text), mark in zip(lines, marks, strict=True) if mark] == [
        ("+TWO", "covered"), ("+nine", "missed"), ("+ten", "covered"), (" eleven", "missed")]
    assert diff_line_marks(lines, None) == [""] * len(lines)


def test_commit_page_diff_and_gate_editor(app: Any, client: FlaskClient, api: Api, tmp_path: Path) -> None:
    owner, project, repo, head = project_with_coverage(client, api, tmp_path)
    web = Browser(app, "owner")
    commit_url = f"/ui/projects/{project}/commits/{head}"
    quality_url = f"/ui/projects/{project}/quality"

    # the commit page: patch coverage as the API answers it, no gate yet
    api_view = client.get(f"/api/projects/{project}/commits/{head}/coverage", headers=owner.headers).get_json()
    patch = git_patch_lines(repo.path, head)["src/app/Calc.java"]
    want = expected({"src/app/Calc.java": git_patch_lines(repo.path, head)["src/app/Calc.java"]},
                    {"src/app/Calc.java": {2: 3, 3: 2, 4: 0}})["src/app/Calc.java"]
    assert patch == [3, 4] and want == (1, 1, [4])
    assert api_view["patch"] == {"covered": 1, "missed": 1, "percentage": 50.0}
    page = web.text(commit_url)
    assert "No quality gate is set" in page and verdict_shown(page) is None
    assert 'data-figure="patch">50.0%<' in page and 'data-figure="overall">50.0%<' in page  # 2 of 4 lines
    row = re.search(r"src/app/Calc\.java</a></td>\s*(.*?)</tr>", page[page.index('id="patch-h"'):], re.S)
    assert row and re.findall(r'class="num">(\d+)<', row.group(1)) == ["2", "1", "1", "1"]
    assert '<td class="lines">4</td>' in row.group(1)
    assert "<code>gone/Nowhere.java</code>" in page  # the unmatched report file

    # the diff marks the patch lines on their new-side numbers: line 3 covered, line 4 missed
    diff = web.text(f"/ui/projects/{project}/commits/{head}/diff?path=src/app/Calc.java")
    marked = re.findall(r'<span class="d-(\w+) pc-(\w+)" data-cov="\w+"[^>]*>([^<]*)</span>', diff)
    assert marked == [("add", "covered", "+  int b() { return 2; }"), ("add", "missed", "+  int c() { return 3; }")]
    assert 'data-missed-lines>4<' in diff
    unmarked = web.text(f"/ui/projects/{project}/commits/{head}/diff?path=README.md")
    assert "data-cov=" not in unmarked and "Patch coverage of this file" not in unmarked

    # the ADMIN adds a condition: patch coverage below 60 fails
    q = web.text(quality_url)
    assert 'id="add-condition"' in q
    r = web.post(quality_url, {"what": "gate_add", "fingerprint": fingerprint(q), "metric": "patchCoverage",
                               "op": "LT", "threshold": "60"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/quality#gate")
    assert gate(client, owner, project) == [{"metric": "patchCoverage", "op": "LT", "threshold": 60}]
    page = web.text(commit_url)
    assert verdict_shown(page) == "FAILED"
    assert client.get(f"/api/projects/{project}/commits/{head}/qualityGate", headers=owner.headers).get_json() == {
        "commitHash": head, "status": "FAILED", "conditions": [
            {"metric": "patchCoverage", "op": "LT", "threshold": 60, "actual": 50.0, "status": "FAILED"}]}
    cells = re.search(r'<tr class="cond-failed"><td><code>patchCoverage</code></td>(.*?)</tr>', page, re.S)
    assert cells and "(LT)" in cells.group(1) and '<td class="num">60</td>' in cells.group(1)
    assert '<td class="num">50.0</td>' in cells.group(1) and "FAILED" in cells.group(1)

    # ... changes it to below 40: passed; adds a second one still pending (nothing analysed)
    q = web.text(quality_url)
    r = web.post(quality_url, {"what": "gate_change", "fingerprint": fingerprint(q), "index": "0",
                               "metric": "patchCoverage", "op": "LT", "threshold": "40"})
    assert r.status_code == 302
    assert verdict_shown(web.text(commit_url)) == "PASSED"
    q = web.text(quality_url)
    r = web.post(quality_url, {"what": "gate_add", "fingerprint": fingerprint(q), "metric": "coderadar:size:loc:java",
                               "op": "GT", "threshold": "1000"})
    assert r.status_code == 302
    page = web.text(commit_url)
    assert verdict_shown(page) == "PENDING" and "not yet known" in page
    assert client.get(f"/api/projects/{project}/commits/{head}/qualityGate",
                      headers=owner.headers).get_json()["status"] == "PENDING"

    # the Quality page: the default branch's commits with the verdict and coverage, and the chart's data
    q = web.text(quality_url)
    rows = re.findall(r'<tr data-commit="([0-9a-f]{40})">(.*?)</tr>', q, re.S)
    assert [h for h, _ in rows] == [head, repo.head("HEAD~1")]
    assert re.findall(r'class="num">([^<]*)<', rows[0][1]) == ["50.0%", "50.0%"] and "PENDING" in rows[0][1]
    assert "%" not in rows[1][1]  # no run of the first commit
    assert '"coverage %":[{"x":' in q and '"y":50.0' in q

    # ... removes the measured condition again
    r = web.post(quality_url, {"what": "gate_remove", "fingerprint": fingerprint(q), "index": "1"})
    assert r.status_code == 302
    assert gate(client, owner, project) == [{"metric": "patchCoverage", "op": "LT", "threshold": 40}]
    # the project page links to the Quality page
    assert f'href="/ui/projects/{project}/quality"' in web.text(f"/ui/projects/{project}")


def test_bad_input_changes_nothing_and_stays_text(app: Any, client: FlaskClient, api: Api, tmp_path: Path) -> None:
    owner, project, _, head = project_with_coverage(client, api, tmp_path)
    web = Browser(app, "owner")
    quality_url = f"/ui/projects/{project}/quality"
    q = web.text(quality_url)
    good = {"what": "gate_add", "fingerprint": fingerprint(q), "metric": "coverage", "op": "LT", "threshold": "80"}
    for bad, message in (({"op": "LE"}, "op must be one of LT, GT, EQ, NE"), ({"threshold": "x"}, "must be a number"),
                         ({"threshold": "nan"}, "must be a number"), ({"metric": ""}, "must be a metric name"),
                         ({"metric": SCRIPT}, "must be a metric name"), ({"index": "7", "what": "gate_change"},
                                                                          "No such condition")):
        r = web.post(quality_url, {**good, **bad})
        text = r.get_data(as_text=True)
        assert r.status_code == 400, (bad, text[:300])
        assert message in html.unescape(text) and 'role="alert"' in text, bad
        assert SCRIPT not in text
    assert gate(client, owner, project) == []
    # a form made from an older gate: 409, nothing overwritten
    assert web.post(quality_url, good).status_code == 302
    r = web.post(quality_url, {**good, "threshold": "10"})
    assert r.status_code == 409 and "changed since" in r.get_data(as_text=True)
    assert gate(client, owner, project) == [{"metric": "coverage", "op": "LT", "threshold": 80}]
    # webhooks: refused destinations, unknown events and missing URLs record nothing
    for bad_hook in ({"url": "http://10.1.2.3/hook", "events": ["testRun.published"]},
                     {"url": "ftp://127.0.0.1/", "events": ["testRun.published"]},
                     {"url": "http://127.0.0.1:9/h", "events": [SCRIPT]},
                     {"url": "http://127.0.0.1:9/h", "events": []}):
        r = web.post(quality_url, {"what": "webhook_add", "secret": "s", **bad_hook})
        text = r.get_data(as_text=True)
        assert r.status_code == 400 and 'role="alert"' in text, (bad_hook, text[:300])
        assert SCRIPT not in text
    assert client.get(f"/api/projects/{project}/webhooks", headers=owner.headers).get_json() == []
    # a URL carrying a script is kept as text on the page
    url = f"http://127.0.0.1:9/{SCRIPT}"
    assert web.post(quality_url, {"what": "webhook_add", "secret": "s", "url": url,
                                  "events": ["build.finished"]}).status_code == 302
    hooks = client.get(f"/api/projects/{project}/webhooks", headers=owner.headers).get_json()
    assert [h["url"] for h in hooks] == [url]
    q = web.text(quality_url)
    assert SCRIPT not in q and html.escape(SCRIPT, quote=False) in q
    assert SCRIPT not in web.text(f"/ui/projects/{project}/commits/{head}")


def test_csrf_and_admin_only(app: Any, client: FlaskClient, api: Api, tmp_path: Path) -> None:
    owner, project, _, head = project_with_coverage(client, api, tmp_path)
    member, stranger = api.register("member"), api.register("stranger")
    api.set_role(owner, project, member, "MEMBER")
    quality_url = f"/ui/projects/{project}/quality"
    web = Browser(app, "owner")
    q = web.text(quality_url)
    change = {"what": "gate_add", "fingerprint": fingerprint(q), "metric": "coverage", "op": "LT", "threshold": "80"}
    # no token, or a forged one: refused, nothing changed
    for extra in ({}, {"csrf_token": "forged"}):
        r = web.client.post(quality_url, data={**change, **extra}, headers=HTML)
        assert r.status_code == 400 and "security token" in r.get_data(as_text=True)
    r = web.client.post(quality_url, data={"what": "push_secret"}, headers=HTML)
    assert r.status_code == 400
    assert gate(client, owner, project) == []
    assert client.get(f"/api/projects/{project}/qualityGate/badgeKey", headers=owner.headers).get_json()["key"] is None
    assert web.post(quality_url, change).status_code == 302

    # a MEMBER reads the gate and the history but sees no editor, and a post is a 403
    mweb = Browser(app, "member")
    mq = mweb.text(quality_url)
    assert "<code>coverage</code> LT 80" in mq
    for editor in ('id="add-condition"', 'id="add-webhook"', 'id="badge"', 'id="push"', 'name="what"'):
        assert editor not in mq, editor
    for data in (change, {"what": "push_secret"}, {"what": "badge_key"},
                 {"what": "webhook_add", "url": "http://127.0.0.1:9/", "secret": "s", "events": ["build.finished"]},
                 {"what": "gate_remove", "fingerprint": fingerprint(q), "index": "0"}):
        r = mweb.post(quality_url, data)
        assert r.status_code == 403, (data, r.status_code)
    assert gate(client, owner, project) == [{"metric": "coverage", "op": "LT", "threshold": 80}]
    assert client.get(f"/api/projects/{project}/webhooks", headers=owner.headers).get_json() == []
    assert verdict_shown(mweb.text(f"/ui/projects/{project}/commits/{head}")) == "FAILED"  # 50.0 < 80
    # someone without a role sees nothing
    sweb = Browser(app, "stranger")
    assert sweb.get(quality_url).status_code == 403
    assert sweb.get(f"/ui/projects/{project}/commits/{head}").status_code == 403
    assert sweb.post(quality_url, change).status_code == 403
    assert stranger.username == "stranger"
    # a project without commits: the page says so
    empty = api.create_project(owner, name="empty")
    assert "No commits yet." in web.text(f"/ui/projects/{empty}/quality")


def test_webhooks_badge_and_push_secret(app: Any, client: FlaskClient, api: Api, tmp_path: Path,
                                        receiver: Receiver) -> None:
    owner, project, _, _ = project_with_coverage(client, api, tmp_path)
    web = Browser(app, "owner")
    quality_url = f"/ui/projects/{project}/quality"

    # a webhook with a secret of our own; a test delivery reaches the receiver and shows in the log
    r = web.post(quality_url, {"what": "webhook_add", "url": f"{receiver.url}/hook", "secret": "s3cret",
                               "events": ["testRun.published", "qualityGate.changed"]})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    (hook,) = client.get(f"/api/projects/{project}/webhooks", headers=owner.headers).get_json()
    assert hook["events"] == ["testRun.published", "qualityGate.changed"]
    assert web.post(quality_url, {"what": "webhook_test", "webhook": str(hook["id"])}).status_code == 302
    (ping,) = receiver.wait_for(lambda x: x.json.get("event") == "ping")
    assert ping.signed_with("s3cret") and ping.json["facts"] == {"webhookId": hook["id"]}

    def logged() -> str | None:
        text = web.text(quality_url)
        return text if re.search(r"<td>ping</td><td class=\"st-succeeded\">SUCCEEDED</td>", text) else None

    text = wait(logged, what="the test delivery in the log")
    assert re.search(r"#1 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: 200 <span class=\"muted\">in \d+ ms", text)
    # without a secret one is generated and shown once
    r = web.post(quality_url, {"what": "webhook_add", "url": f"{receiver.url}/other", "secret": "",
                               "events": ["build.finished"]})
    assert r.status_code == 200
    shown = re.search(r'id="new-webhook-secret">.*?<code class="secret">([^<]+)</code>', r.get_data(as_text=True), re.S)
    assert shown and len(shown.group(1)) >= 24
    assert shown.group(1) not in web.text(quality_url)
    hooks = client.get(f"/api/projects/{project}/webhooks", headers=owner.headers).get_json()
    assert [h["url"] for h in hooks] == [f"{receiver.url}/hook", f"{receiver.url}/other"]
    # deleting one
    assert web.post(quality_url, {"what": "webhook_delete", "webhook": str(hooks[1]["id"])}).status_code == 302
    assert [h["id"] for h in client.get(f"/api/projects/{project}/webhooks", headers=owner.headers).get_json()] == \
        [hook["id"]]
    assert web.post(quality_url, {"what": "webhook_delete", "webhook": str(hooks[1]["id"])}).status_code == 404

    # the badge key: generated, shown with its snippets, the same the API reads; regenerated
    assert "No badge key yet" in web.text(quality_url)
    assert web.post(quality_url, {"what": "badge_key"}).status_code == 302
    key = client.get(f"/api/projects/{project}/qualityGate/badgeKey", headers=owner.headers).get_json()["key"]
    text = web.text(quality_url)
    assert f'id="badge-key" class="snippet" readonly value="{key}"' in text
    assert f"![quality gate](http://localhost/api/qualityGate/badge/{key}.svg)" in text
    assert f"&lt;img src=&#34;http://localhost/api/qualityGate/badge/{key}.svg&#34;" in text \
        or f"&lt;img src=&quot;http://localhost/api/qualityGate/badge/{key}.svg&quot;" in text
    badge = app.test_client().get(f"/api/qualityGate/badge/{key}.svg")
    assert badge.status_code == 200 and b"quality gate" in badge.data
    assert web.post(quality_url, {"what": "badge_key"}).status_code == 302
    new_key = client.get(f"/api/projects/{project}/qualityGate/badgeKey", headers=owner.headers).get_json()["key"]
    assert new_key != key and app.test_client().get(f"/api/qualityGate/badge/{key}.svg").status_code == 404

    # the push hook secret: generated and shown once, and a GitLab push signed with it is accepted
    assert "No secret is set yet" in web.text(quality_url)
    r = web.post(quality_url, {"what": "push_secret"})
    assert r.status_code == 200
    found = re.search(r'id="new-push-secret">.*?<code class="secret">([^<]+)</code>', r.get_data(as_text=True), re.S)
    assert found
    secret = html.unescape(found.group(1))
    later = web.text(quality_url)
    assert "A secret is set." in later and found.group(1) not in later
    push = client.post(f"/api/projects/{project}/hooks/push", json={"ref": "refs/heads/main"},
                       headers={"X-Gitlab-Token": secret, "X-Gitlab-Event": "Push Hook"})
    assert push.status_code == 202, push.get_json()
    wrong = client.post(f"/api/projects/{project}/hooks/push", json={"ref": "refs/heads/main"},
                        headers={"X-Gitlab-Token": secret + "x", "X-Gitlab-Event": "Push Hook"})
    assert wrong.status_code == 401
