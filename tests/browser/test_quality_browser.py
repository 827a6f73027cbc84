"""The quality pages in Chromium against a real server: coverage of a commit published with the real
``projektor-publish`` client, a quality gate set through the Quality page's form, the commit page
showing FAILED and then PASSED with each condition, the patch coverage and the missed patch line
marked in the diff; the Quality page's chart of coverage over the commits, also at phone width.
Screenshots go to build/screenshots (quality_*.png)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.browser.browser import Browser, browser, require_browser
from tests.support.databases import server_env
from tests.support.gitrepo import GitRepo
from tests.support.server import ServerProcess
from tests.support.web import PASSWORD, cobertura, junit, publish_with_client, register, wait

pytestmark = pytest.mark.e2e

CALC = "src/app/Calc.java"
CALC_1 = "class Calc {\n  int a() { return 1; }\n}\n"
CALC_2 = "class Calc {\n  int a() { return 1; }\n  int b() { return 2; }\n  int c() { return 3; }\n}\n"


class World:
    def __init__(self, base: str, project_id: int, head: str, first: str) -> None:
        self.base, self.project_id, self.head, self.first = base, project_id, head, first


def publish(base: str, token: str, work: Path, sha: str, missed: list[int], lines: int) -> str:
    """Results and Cobertura coverage of ``sha`` through the real client; the run's public id."""
    link = publish_with_client(base, token, work, sha, "acme/calc", junit("ok"), cobertura(CALC, missed, lines),
                               tests=3)
    return link.rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    require_browser()
    work = tmp_path_factory.mktemp("quality-browser")
    (work / "data").mkdir()
    server = ServerProcess(server_env(work / "data", None, CODEANNALS_LOCAL_REPO_ROOTS=str(work),
                                      CODEANNALS_POLL_SECONDS="3600"),
                           log_path=work / "server.log").start()
    try:
        base = server.url
        repo = GitRepo(work / "repo")
        first = repo.commit("calc", {CALC: CALC_1})
        head = repo.commit("more calc", {CALC: CALC_2})
        jwt, token = register(base, "admin")
        r = requests.post(f"{base}/api/projects", json={"name": "calc", "vcsUrl": str(repo.path)},
                          headers={"Authorization": jwt}, timeout=30)
        assert r.status_code == 201, r.text
        project_id = int(r.json()["id"])

        def imported() -> bool:
            s = requests.get(f"{base}/api/projects/{project_id}/import", headers={"Authorization": jwt},
                             timeout=30).json()
            return bool(s["status"] == "DONE" and s["runs"] >= 1)

        wait(imported, what="the import")
        publish(base, token, work / "publish1", first, missed=[2], lines=3)
        publish(base, token, work / "publish2", head, missed=[4], lines=5)  # patch lines 3 (run) and 4 (not)
        coverage = requests.get(f"{base}/api/projects/{project_id}/commits/{head}/coverage",
                                headers={"Authorization": jwt}, timeout=30).json()
        assert coverage["patch"] == {"covered": 1, "missed": 1, "percentage": 50.0}
        yield World(base, project_id, head, first)
    finally:
        server.stop()


def sign_in(b: Browser, target: str) -> None:
    page = b.page
    page.goto(target)
    assert "/signin" in page.url
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(target.split("://", 1)[1].split("/", 1)[1]) + "$"))


def set_threshold(b: Browser, threshold: str) -> None:
    page = b.page
    page.fill("#threshold-0", threshold)
    page.locator("form.condition-form").first.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/quality#gate$"))


def test_gate_set_in_the_web_and_the_verdict_on_the_commit_page(world: World) -> None:
    w = world
    commit_url = f"{w.base}/ui/projects/{w.project_id}/commits/{w.head}"
    with browser(w.base) as b:
        page = b.page
        sign_in(b, commit_url)
        # no gate yet; the patch coverage is there
        page.get_by_role("heading", name="Patch coverage").wait_for()
        assert "No quality gate is set" in page.inner_text("#quality")
        assert page.inner_text('[data-figure="patch"]') == "50.0%"
        assert page.inner_text('[data-figure="overall"]') == "80.0%"
        assert page.locator("table.patch-files tbody tr").count() == 1
        assert page.inner_text("table.patch-files td.lines") == "4"
        page.locator("#quality").scroll_into_view_if_needed()
        b.shot("quality_commit_no_gate")

        # the Quality page, from the project page: a condition added with the form
        page.goto(f"{w.base}/ui/projects/{w.project_id}")
        page.get_by_role("link", name=re.compile("Quality gate verdicts")).click()
        page.get_by_role("heading", name=re.compile("Quality of calc")).wait_for()
        page.fill("#new-metric", "patchCoverage")
        page.select_option("#new-op", "LT")
        page.fill("#new-threshold", "60")
        page.get_by_role("button", name="Add condition").click()
        page.wait_for_url(re.compile(r"/quality#gate$"))
        assert page.input_value("#metric-0") == "patchCoverage" and page.input_value("#threshold-0") == "60"
        rows = page.locator("table.gate-history tbody tr")
        assert rows.count() == 2
        assert rows.first.locator(".tag").inner_text() == "FAILED"
        assert rows.nth(1).locator(".tag").inner_text() == "PASSED"  # the root commit: every line new, 2 of 3 run
        page.locator("#history .chart .main-svg").first.wait_for()  # plotly drew the coverage chart
        assert page.locator("#history .chart .scatterlayer .trace").count() == 2  # coverage, patch coverage
        page.evaluate("window.scrollTo(0, 0)")
        b.shot("quality_page")
        page.locator("#gate").scroll_into_view_if_needed()
        b.shot("quality_gate_editor")
        # the badge key, generated: the badge shows the default branch head's verdict
        page.get_by_role("button", name="Generate a badge key").click()
        page.wait_for_url(re.compile(r"/quality#badge$"))
        key = page.input_value("#badge-key")
        assert len(key) >= 24 and key in page.input_value("#badge-markdown")
        page.wait_for_function("() => { const i = document.querySelector('#badge img');"
                               " return i !== null && i.complete && i.naturalWidth > 0; }")
        page.locator("#badge").scroll_into_view_if_needed()
        b.shot("quality_badge")
        # the commit page: FAILED, with the condition's figures
        page.goto(commit_url)
        assert page.inner_text(".verdict") == "FAILED"
        cells = page.locator("table.conditions tbody tr").first.locator("td").all_inner_texts()
        assert cells == ["patchCoverage", "below (LT)", "60", "50.0", "FAILED"]
        page.locator("#quality").scroll_into_view_if_needed()
        b.shot("quality_commit_failed")

        # the diff from the patch coverage table: the missed patch line marked, the covered one too
        page.locator("table.patch-files").get_by_role("link", name=CALC).click()
        page.locator("pre.diff").wait_for()
        assert page.locator("pre.diff .pc-missed").all_inner_texts() == ["+  int c() { return 3; }"]
        assert page.locator("pre.diff .pc-covered").all_inner_texts() == ["+  int b() { return 2; }"]
        assert page.inner_text("[data-missed-lines]") == "4"
        missed_colour = page.eval_on_selector("pre.diff .pc-missed", "e => getComputedStyle(e).backgroundColor")
        assert missed_colour == "rgb(255, 206, 203)"
        b.shot("quality_diff_marks")

        # the gate loosened: PASSED
        page.goto(f"{w.base}/ui/projects/{w.project_id}/quality")
        set_threshold(b, "40")
        page.goto(commit_url)
        assert page.inner_text(".verdict") == "PASSED"
        assert page.locator("table.conditions tbody tr").first.locator("td").all_inner_texts()[-1] == "PASSED"
        page.locator("#quality").scroll_into_view_if_needed()
        b.shot("quality_commit_passed")

    # a bad threshold: a 400 with the message on the page, the gate as it was (Chromium reports the
    # 400 on its console, which the browser helper counts as an error: expected here)
    with pytest.raises(AssertionError, match=r"status of 400"), browser(w.base) as b:
        page = b.page
        sign_in(b, f"{w.base}/ui/projects/{w.project_id}/quality")
        page.fill("#threshold-0", "lots")
        with page.expect_response(re.compile(r"/quality$")) as answer:
            page.locator("form.condition-form").first.get_by_role("button", name="Save").click()
        assert answer.value.status == 400
        page.locator("#form-error").wait_for()
        assert "must be a number" in page.inner_text("#form-error")
        b.shot("quality_page_error")
        page.goto(f"{w.base}/ui/projects/{w.project_id}/quality")
        assert page.input_value("#threshold-0") == "40"

    # at phone width the Quality page still fits
    with browser(w.base, width=390, height=844) as b:
        sign_in(b, f"{w.base}/ui/projects/{w.project_id}/quality")
        b.page.locator("#history .chart .main-svg").first.wait_for()
        width = b.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
        b.shot("quality_page_phone")
        assert not b.outside
