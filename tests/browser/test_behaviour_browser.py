"""The behavioural analysis pages in Chromium against a real server process, on the repository of
``tests/behaviour`` whose answers are worked out by hand (bob's two e-mails merged): each page shows
its expected top entries (the top hotspot, the top coupled pair, the main developers and the truck
factor, the oldest file), its map or network drawn by plotly, the date picker narrowing the window,
and a click on a file in a map opening the file page. Each page is photographed into
build/screenshots; a request outside the server or a JavaScript error fails the test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from tests.behaviour.test_behaviour_http import DAY, T0, build
from tests.browser.browser import browser, require_browser
from tests.support.databases import server_env
from tests.support.server import ServerProcess
from tests.support.web import LOC_ANALYZER, PASSWORD, register, wait

pytestmark = pytest.mark.e2e


class World:
    def __init__(self, base: str, project_id: int, head: str) -> None:
        self.base, self.project_id, self.head = base, project_id, head

    def url(self, name: str, query: str = "") -> str:
        return f"{self.base}/ui/projects/{self.project_id}/{name}{'?' + query if query else ''}"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    require_browser()
    work = tmp_path_factory.mktemp("behaviour-browser")
    (work / "data").mkdir()
    repo, at = build(work / "repo")
    server = ServerProcess(server_env(work / "data", None, CODEANNALS_LOCAL_REPO_ROOTS=str(work)),
                           log_path=work / "server.log").start()
    try:
        base = server.url
        jwt, _ = register(base, "admin")
        h = {"Authorization": jwt}

        def call(method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
            r = requests.request(method, f"{base}{path}", headers=h, timeout=60, **kwargs)
            assert r.status_code == status, (path, r.status_code, r.text)
            return r.json() if r.content else None

        pid = int(call("POST", "/api/projects", 201, json={"name": "behaviour", "vcsUrl": str(repo.path)})["id"])
        call("POST", f"/api/projects/{pid}/filePatterns", 201,
             json={"pattern": "**/*.java", "inclusionType": "INCLUDE"})
        call("POST", f"/api/projects/{pid}/analyzers", 201, json={"analyzerName": LOC_ANALYZER, "enabled": True})
        wait(lambda: (s := call("GET", f"/api/projects/{pid}/import")) and s["status"] == "DONE",
             what="the import")
        call("POST", f"/api/projects/{pid}/analyze", json=[])
        wait(lambda: (s := call("GET", f"/api/projects/{pid}/analyzingStatus")) and not s["status"]
             and s["commitsAnalyzed"] > 0, what="the analysis")
        listed = call("GET", f"/api/projects/{pid}/contributors")
        ids = {c["emailAddresses"][0]: c["id"] for c in listed}
        call("POST", "/api/contributors/merge", json={"contributorIds": [ids["bob@example.org"],
                                                                          ids["bob@home.example"]],
                                                      "displayName": "Bob Builder"})
        yield World(base, pid, at["c8"])
    finally:
        server.stop()


def first_row(page: Any, css: str) -> list[str]:
    cells = page.locator(f"table.{css} tbody tr").first.locator("td")
    return [cells.nth(i).inner_text().strip() for i in range(cells.count())]


def test_the_behaviour_pages_in_a_browser(world: World) -> None:
    w = world
    with browser(w.base) as b:
        page = b.page
        page.goto(w.url("hotspots"))
        assert "/signin" in page.url  # 401 -> the sign-in form, then back to the page
        page.fill("#username", "admin")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/hotspots$"))

        # hotspots: B.java first (6 revisions x 25 lines), the map drawn with B.java at the top level
        page.get_by_role("heading", name=re.compile("Hotspots at")).wait_for()
        assert first_row(page, "hotspots")[1:6] == ["B.java", "25", "6", "2", "150"]
        page.locator("#hotspot-map g.slice", has_text="B.java").first.wait_for()
        assert page.locator("#hotspot-map g.slice").count() >= 6  # the root, gen, src and the top files
        b.shot("behaviour_hotspots")
        # the date picker: since T0 + 5 days (c6, f1, c7, c8): B.java changed 3 times
        page.fill("#since", datetime.fromtimestamp(T0 + 5 * DAY, tz=UTC).strftime("%Y-%m-%d"))
        page.click("form.filters button[type=submit]")
        page.wait_for_url(re.compile(r"since=2020-09-18"))
        assert first_row(page, "hotspots")[1:4] == ["B.java", "25", "3"]
        b.shot("behaviour_hotspots_since")
        # a file in the map opens the file page
        page.locator("#hotspot-map g.slice", has_text="B.java").first.click()
        page.wait_for_url(re.compile(rf"/files/{w.head}/B\.java$"))
        page.locator("table.source").wait_for()

        # coupling: A.java and B.java, 72%, in the list and as the thickest edge of the network
        page.goto(w.url("coupling", "minRevisions=1&minShared=1&minDegree=0"))
        assert first_row(page, "coupling") == ["A.java", "B.java", "72%", "4", "6", "5"]
        page.locator("#coupling-network .scatterlayer .point").first.wait_for()
        assert page.locator("#coupling-network .scatterlayer .point").count() == 5  # five files in ten pairs
        assert page.locator("#coupling-network .scatterlayer .js-line").count() == 10
        assert "README.md" in page.inner_text("#coupling-network")
        b.shot("behaviour_coupling")
        page.get_by_role("link", name="src/E.java").first.click()
        page.wait_for_url(re.compile(rf"/files/{w.head}/src/E\.java$"))

        # ownership: a truck factor of 1, Alice the main developer of 39 of 40 files, C.java carol's colour
        page.goto(w.url("ownership"))
        assert page.inner_text("#truck-factor") == "1"
        assert first_row(page, "authors") == ["1", "Alice Liddell", "alice@example.org", "39"]
        assert page.locator(".legend-list li").nth(1).inner_text().startswith("Carol")
        carol = page.locator("#ownership-map g.slice", has_text="C.java").first
        carol.wait_for()
        assert "rgb(207, 34, 46)" in (carol.locator("path").first.get_attribute("style") or "")  # PALETTE[1]
        b.shot("behaviour_ownership")

        # code age: README.md untouched for 10 days at the head, the oldest
        page.goto(w.url("codeAge"))
        assert first_row(page, "code-age")[1:3] == ["README.md", "10"]
        page.locator("#age-map g.slice", has_text="README.md").first.wait_for()
        b.shot("behaviour_code_age")
        # the project's tabs lead to every page
        for tab, heading in (("Hotspots", "Hotspots at"), ("Coupling", "Change coupling at"),
                             ("Ownership", "Ownership at"), ("Code age", "Code age at")):
            page.get_by_role("navigation", name="Project").get_by_role("link", name=tab, exact=True).click()
            page.get_by_role("heading", name=re.compile(heading)).wait_for()
        assert not b.outside, b.outside


def test_the_hotspot_page_at_phone_width(world: World) -> None:
    w = world
    with browser(w.base, width=390, height=844) as b:
        page = b.page
        page.goto(w.url("hotspots"))
        page.fill("#username", "admin")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/hotspots$"))
        page.locator("#hotspot-map g.slice").first.wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, width  # nothing wider than the phone: the table scrolls inside its box
        b.shot("behaviour_hotspots_phone")

