"""Click through the web interface in Chromium against a real server: sign in, a project imported
from a real git repository, its commits (paged), a commit and a diff, the code map down to a file,
findings and coverage marks there, the run page from the link the real ``projektor-publish`` client
prints, its failed case, the coverage trend, a build; /docs with the network blocked. Every page is
photographed at 1280x800 into build/screenshots; any request outside the server fails the test."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.browser.browser import browser, require_browser
from tests.support.databases import server_env
from tests.support.server import ROOT, ServerProcess
from tests.support.web import (
    PASSWORD,
    PAYLOAD,
    Scenario,
    add_build,
    build_scenario,
    cobertura,
    junit,
    publish_with_client,
)

pytestmark = pytest.mark.e2e


def publish(s: Scenario, work: Path, missed: list[int]) -> str:
    """Publish results and coverage of the head commit with the real client; the link it prints."""
    lines = len(s.repo.show("HEAD", s.java_path).decode().splitlines())
    return publish_with_client(s.base, s.token, work, s.head, "acme/demo", junit(),
                               cobertura(s.java_path, missed, lines), tests=3)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Scenario, list[str]]]:
    require_browser()
    work = tmp_path_factory.mktemp("browser")
    (work / "data").mkdir()
    server = ServerProcess(server_env(work / "data", None, CODEANNALS_LOCAL_REPO_ROOTS=str(work)),
                           log_path=work / "server.log").start()
    try:
        s = build_scenario(server.url, work, commits=60)
        links = [publish(s, work / "publish1", missed=[3, 8, 9]), publish(s, work / "publish2", missed=[8])]
        add_build(s)
        yield s, links
    finally:
        server.stop()


def test_click_through_the_web_interface(world: tuple[Scenario, list[str]]) -> None:
    s, links = world
    with browser(s.base) as b:
        page = b.page
        # sign in through the form (a bookmark of the project page leads back there)
        page.goto(f"{s.base}/ui/projects/{s.project_id}")
        assert "/signin" in page.url
        b.shot("signin")
        page.fill("#username", s.username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(rf"/ui/projects/{s.project_id}"))
        page.goto(s.base + "/")
        page.get_by_role("heading", name="Projects").wait_for()
        assert page.locator(".card h2").first.inner_text() == f"demo {PAYLOAD}"  # shown as text, never run
        assert page.evaluate("window.__xss") is None
        b.shot("home")

        # the project, its commits, the next page
        page.locator(".card h2 a").first.click()
        page.get_by_role("heading", name=re.compile("Commits")).wait_for()
        assert page.locator("ol.commits li").count() == 50
        assert page.locator("svg.graph circle").count() == 50
        b.shot("project")
        page.click("a[rel=next]")
        page.wait_for_url(re.compile("page=2"))
        assert "Page 2 of 2" in page.inner_text(".pager")
        assert page.locator("ol.commits li", has_text="initial commit").count() == 1
        b.shot("project_commits_page2")
        page.go_back()
        page.wait_for_url(re.compile(rf"/ui/projects/{s.project_id}$"))

        # a commit, its diff
        page.locator("ol.commits li", has_text="change 58").locator("a").first.click()
        page.get_by_role("heading", name=re.compile("Commit")).wait_for()
        assert "src/app/Main.java" in page.inner_text("table")
        b.shot("commit")
        page.get_by_role("link", name="src/app/Main.java").click()
        page.locator("pre.diff").wait_for()
        assert "+    int field63 = 63; // line 63" in page.inner_text("pre.diff")
        b.shot("diff")

        # the code map: drill down to a file
        page.goto(f"{s.base}/ui/projects/{s.project_id}/codemap")
        page.locator("#treemap g.slice").first.wait_for()
        b.shot("codemap")
        assert page.locator("#treemap g.slice", has_text="Main.java").count() == 0  # three levels: / src app
        page.locator("#treemap g.slice", has_text="app").last.click()
        page.locator("#treemap g.slice", has_text="Main.java").last.wait_for()  # drilled down into app
        b.shot("codemap_drilled")
        page.locator("#treemap g.slice", has_text="Main.java").last.click()
        page.wait_for_url(re.compile(r"/files/[0-9a-f]+/src/app/Main\.java"))

        # the file: findings and coverage marks (from the newest run of that commit: line 8 only)
        page.locator("table.source").wait_for()
        finding = page.locator("#L5 .finding")
        assert "TODO" in finding.inner_text()
        assert page.locator("tr.cov-missed").count() == 1
        assert page.locator("#L8").get_attribute("class") == "cov-missed"
        assert page.locator("#L7").get_attribute("class") == "cov-covered"  # every other line was executed
        assert page.locator("tr.cov-covered").count() >= 6
        b.shot("file")

        # the run page from the printed link: the failed case and its message
        page.goto(links[-1])
        b.shot("run")
        page.get_by_role("heading", name=re.compile("Failed cases")).wait_for()
        assert f"expected 1 {PAYLOAD}" in page.inner_text(".failure-message")
        assert page.evaluate("window.__xss") is None
        b.shot("run")

        # the repository: the coverage trend over both runs
        page.get_by_role("link", name="acme/demo").first.click()
        page.locator(".chart .main-svg").first.wait_for()
        assert page.locator(".chart .scatterlayer .point").count() >= 2
        b.shot("repository")
        page.goto(f"{s.base}/ui/orgs/acme")
        b.shot("organisation")
        page.goto(f"{s.base}/ui/runs")
        b.shot("runs")

        # builds
        page.goto(f"{s.base}/ui/copr")
        b.shot("copr_projects")
        if s.build_id is not None:
            page.goto(f"{s.base}/ui/builds/{s.build_id}")
            page.get_by_role("heading", name=re.compile(f"Build {s.build_id}")).wait_for()
            b.shot("build")
        page.goto(f"{s.base}/ui/projects/{s.project_id}/contributors")
        b.shot("contributors")
        page.goto(f"{s.base}/ui/audit")
        b.shot("audit")
        if s.copr_project_id is not None:
            page.goto(f"{s.base}/ui/copr/{s.copr_project_id}")
            assert "fedora-rawhide-x86_64" in page.inner_text("main")
            b.shot("copr_project")
        page.goto(f"{s.base}/ui/projects/{s.project_id}/history")
        b.shot("project_history")
        page.goto(f"{s.base}/account")
        b.shot("account")
        page.goto(f"{s.base}/ui/projects/{s.project_id}/codemap?compare={s.repo.head('HEAD~5')}")
        page.locator("#treemap g.slice").first.wait_for()
        b.shot("codemap_delta")

        # /docs with the network blocked (every request outside the server is refused)
        page.goto(f"{s.base}/docs")
        page.locator(".opblock").first.wait_for()
        assert page.locator(".opblock").count() > 50
        b.shot("docs")
    assert not b.outside, f"pages asked for something outside the server: {b.outside}"
    assert s.build_id is not None, "the Copr build could not be made"


def test_phone_width_has_no_sideways_scrolling(world: tuple[Scenario, list[str]]) -> None:
    s, links = world
    with browser(s.base, width=390, height=844) as b:
        page = b.page
        page.goto(f"{s.base}/signin")
        page.fill("#username", s.username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.get_by_role("heading", name="Projects").wait_for()
        for path in ("/", f"/ui/projects/{s.project_id}", f"/ui/projects/{s.project_id}/commits/{s.head}",
                     f"/ui/projects/{s.project_id}/files/{s.head}/{s.java_path}", links[-1][len(s.base):],
                     f"/ui/projects/{s.project_id}/codemap", f"/ui/projects/{s.project_id}/contributors", "/ui/runs",
                     "/ui/audit"):
            page.goto(s.base + path)
            wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
            culprits = page.evaluate(
                "Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > "
                "window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className)")
            assert not wide, (path, culprits)
        b.shot("phone_project_commit")
    assert not b.outside


def test_requests_outside_are_refused_by_the_harness() -> None:
    """The harness itself: a page asking for a CDN is caught (so the tests above would fail)."""
    require_browser()
    server_less = "http://127.0.0.1:9"
    with pytest.raises(AssertionError), browser(server_less) as b:
        b.page.set_content('<img src="https://cdn.example.org/x.png">')
        assert not b.outside


def test_progress_bar_follows_an_import_without_reloading(world: tuple[Scenario, list[str]],
                                                          tmp_path: Path) -> None:
    s, _ = world
    source = tmp_path / "big.git"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_repo.py"), str(source), "--commits", "1500",
                    "--force"], check=True, capture_output=True)
    work = Path(str(s.repo.path)).parent  # below the server's CODEANNALS_LOCAL_REPO_ROOTS
    target = work / "big.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(source), str(target)], check=True)
    r = requests.post(f"{s.base}/api/projects", json={"name": "big", "vcsUrl": str(target)},
                      headers={"Authorization": s.jwt}, timeout=30)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    with browser(s.base) as b:
        page = b.page
        page.goto(f"{s.base}/signin")
        page.fill("#username", s.username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.get_by_role("heading", name="Projects").wait_for()
        page.goto(f"{s.base}/ui/projects/{pid}")
        group = page.locator(".progress-group")
        assert group.get_attribute("data-active") == "yes"  # the import is still running
        page.evaluate("window.__notReloaded = true")
        state = page.locator('.progress-line[data-kind="import"] .progress-state')
        page.locator('.progress-line[data-kind="import"] .progress-state', has_text=re.compile("^DONE$")).wait_for(
            timeout=180_000)
        assert state.inner_text() == "DONE"
        assert page.evaluate("window.__notReloaded") is True
        assert page.locator('.progress-line[data-kind="import"] progress').get_attribute("value") is not None
        assert re.fullmatch(r"\d+ / \d+ commits", page.inner_text('.progress-line[data-kind="import"] .progress-text'))
        b.shot("project_import_done")
    assert not b.outside
