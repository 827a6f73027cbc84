"""In Chromium against a real server: the real ``projektor-publish`` client publishes a run with an
image and a log attachment and k6 results; the run page renders the image (it loads: naturalWidth >
0, under the page's ``img-src 'self'``), shows the k6 figures and the log's download link; the
publisher pins the run with the page's form and the mark appears there and in the list of runs; the
repository page draws the performance timeline; a Copr build with an uploaded SRPM and the packages
an agent reported lists them. Screenshots at 1280x800 into build/screenshots."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.browser.browser import browser, require_browser
from tests.support.databases import server_env
from tests.support.server import ServerProcess
from tests.support.web import PASSWORD, junit, wait
from tests.testing.k6 import expected_figures, k6_file, k6_summary
from tests.testing.test_projektor_attachments_e2e import png
from tests.testing.test_projektor_client_e2e import _run_client, _token, install_client

pytestmark = pytest.mark.e2e

USER = "ci-bot"  # what _token registers (the first user, so a platform admin too)
WIDTH, HEIGHT = 320, 180


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_browser()
    executable = install_client()
    work = tmp_path_factory.mktemp("run-extras")
    (work / "data").mkdir()
    server = ServerProcess(server_env(work / "data", None), log_path=work / "server.log").start()
    try:
        base = server.url
        token = _token(base)
        project = work / "project"
        for folder in ("results", "attachments", "performance"):
            (project / folder).mkdir(parents=True)
        (project / "results" / "junit.xml").write_bytes(junit("plain"))
        image = png(WIDTH, HEIGHT)
        (project / "attachments" / "checkout (failed).png").write_bytes(image)
        (project / "attachments" / "server.log").write_bytes(b"2024-03-30 14:59:04 INFO started\n" * 200)
        summary = k6_summary(iterations=5123, rate=85.38333, avg=11.071753897237874, maximum=410.5302, p95=22.29356)
        (project / "performance" / "getRun.json").write_text(k6_file(summary))
        public_id = _run_client(executable, project, token, [
            "results/*.xml", f"--serverUrl={base}", "--repositoryName=acme/shop", "--attachments=attachments/*",
            "--performance=performance/*.json", "--failOnPublishError=true"])
        headers = {"X-PROJEKTOR-TOKEN": token}

        def processed() -> bool:
            performance = requests.get(f"{base}/run/{public_id}/performance", headers=headers, timeout=30)
            attachments = requests.get(f"{base}/run/{public_id}/attachments", headers=headers, timeout=30)
            return (performance.status_code == 200 and attachments.status_code == 200
                    and len(attachments.json()["attachments"]) == 2)

        wait(processed, what=f"the performance results and attachments of run {public_id}")
        yield {"base": base, "token": token, "run": public_id, "figures": expected_figures("getRun.json", summary),
               "build": _build(base, token)}
    finally:
        server.stop()


def _build(base: str, token: str) -> int:
    """A Copr project, a build of an uploaded SRPM, and an agent's reports with the built packages."""
    auth = (USER, token)
    r = requests.post(f"{base}/api_2/projects", json={"name": "hello-rpm", "chroots": ["fedora-40-x86_64",
                                                                                      "epel-9-x86_64"]},
                      auth=auth, timeout=30)
    assert r.status_code == 201, r.text
    project_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    files = {"srpm": ("hello-2.12-1.fc40.src.rpm", io.BytesIO(b"\xed\xab\xee\xdb" + b"\0" * 4000),
                      "application/x-rpm")}
    r = requests.post(f"{base}/api_2/builds", data={"metadata": f'{{"project_id": {project_id}}}'}, files=files,
                      auth=auth, timeout=30)
    assert r.status_code == 201, r.text
    build_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    for chroot, release, arch in (("fedora-40-x86_64", "1.fc40", "x86_64"), ("epel-9-x86_64", "1.el9", "noarch")):
        task = f"{base}/api_2/build_tasks/{build_id}/{chroot}"
        assert requests.put(task, json={"state": "running"}, auth=auth, timeout=30).status_code == 200
        packages = [{"name": "hello", "version": "2.12", "release": release, "arch": arch}]
        r = requests.put(task, json={"state": "succeeded", "built_packages": packages}, auth=auth, timeout=30)
        assert r.status_code == 200, r.text
    return build_id


def test_run_page_with_attachments_performance_and_pin_and_a_build_with_packages(world: dict[str, Any]) -> None:
    base, run, figures = world["base"], world["run"], world["figures"]
    with browser(base) as b:
        page = b.page
        page.goto(f"{base}/signin")
        page.fill("#username", USER)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.get_by_role("heading", name="Projects").wait_for()

        # the run page from the link the client prints
        page.goto(f"{base}/tests/{run}")
        page.get_by_role("heading", name=re.compile("Attachments")).wait_for()
        image = page.locator(".attachments img")
        assert image.count() == 1
        image.scroll_into_view_if_needed()
        page.wait_for_function("() => { const i = document.querySelector('.attachments img');"
                               " return i && i.complete && i.naturalWidth > 0; }")
        assert page.evaluate("document.querySelector('.attachments img').naturalWidth") == WIDTH
        assert page.evaluate("document.querySelector('.attachments img').naturalHeight") == HEIGHT
        assert image.get_attribute("alt") == "checkout (failed).png"
        assert "checkout (failed).png" in page.inner_text(".attachments figcaption")
        log = page.get_by_role("link", name="server.log")
        assert log.get_attribute("download") == "server.log"
        assert "KiB" in page.inner_text(".attachments")
        cells = page.locator("table.performance tbody td").all_inner_texts()
        assert cells == ["getRun.json", str(figures["request_count"]), f"{figures['requests_per_second']:.2f}",
                         f"{figures['average']:.2f}", f"{figures['p95']:.2f}", f"{figures['maximum']:.2f}"]
        page.locator("#attachments-h").scroll_into_view_if_needed()
        b.shot("run_attachments_performance")

        # pin it with the page's form
        assert page.locator("#pinned").count() == 0
        page.get_by_role("button", name="Pin", exact=True).click()
        page.locator("#pinned").wait_for()
        assert page.get_by_role("button", name="Unpin").count() == 1
        pinned = requests.get(f"{base}/run/{run}/attributes", timeout=30).json()
        assert pinned == {"pinned": True}
        b.shot("run_pinned")
        page.goto(f"{base}/ui/runs")
        assert page.locator("tr", has_text=run).locator(".tag.pinned").count() == 1
        b.shot("runs_pinned")

        # the repository's performance timeline
        page.goto(f"{base}/ui/repos/acme/shop")
        page.get_by_role("heading", name="Performance").wait_for()
        chart = page.locator('.chart[data-chart="multi"]')
        chart.locator(".main-svg").first.wait_for()
        assert chart.locator(".scatterlayer .trace").count() == 2  # p95 and average
        assert "getRun.json p95 (ms)" in chart.inner_text()
        chart.scroll_into_view_if_needed()
        b.shot("repository_performance")

        # a build with its packages per build environment and the uploaded SRPM
        page.goto(f"{base}/ui/builds/{world['build']}")
        page.get_by_role("heading", name="Built packages").wait_for()
        rows = [page.locator("table.packages tbody tr").nth(i).locator("th, td").all_inner_texts()
                for i in range(page.locator("table.packages tbody tr").count())]
        assert rows == [["epel-9-x86_64", "hello", "2.12", "1.el9", "noarch"],
                        ["fedora-40-x86_64", "hello", "2.12", "1.fc40", "x86_64"]]
        srpm = page.locator("a.srpm")
        assert srpm.inner_text() == "hello-2.12-1.fc40.src.rpm"
        assert srpm.get_attribute("href") == f"/api_2/builds/{world['build']}/srpm"
        b.shot("build_packages")
    assert not b.outside, f"pages asked for something outside the server: {b.outside}"


def test_run_page_at_phone_width(world: dict[str, Any]) -> None:
    base, run = world["base"], world["run"]
    with browser(base, width=390, height=844) as b:
        page = b.page
        page.goto(f"{base}/tests/{run}")  # test results are public: no sign-in needed, no pin button
        page.locator(".attachments img").wait_for()
        page.wait_for_function("() => document.querySelector('.attachments img').naturalWidth > 0")
        assert page.get_by_role("button", name=re.compile("Pin|Unpin")).count() == 0
        wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not wide
        b.shot("phone_run_attachments")
    assert not b.outside
