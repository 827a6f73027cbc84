"""The run page shows what the Projektor views serve (attachments, performance results, code quality,
messages, the pin), through the same queries: an image inline from a route that streams it with its
content type, every name and text escaped, the Pin/Unpin form CSRF-guarded and refused (403) to a
stranger, a pinned run kept by the retention cleanup; a build page lists the built packages per build
environment and links the uploaded SRPM. Both backends."""

from __future__ import annotations

import html
import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from projections.builds import queries as build_queries
from tests.support.api import Api
from tests.support.copr import Copr
from tests.support.server import ROOT
from tests.testing.k6 import expected_figures, k6_file, k6_summary
from tests.testing.reports import grouped_body, junit_xml, publish, published_id
from tests.testing.test_projektor_attachments_e2e import png

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
PAYLOAD = "<script>window.__xss=1</script>"
EVIL_NAME = "shot <script>window.__x=1<script>.png"  # no '/' in a file name, but a live tag all the same
MESSAGES = f"Maintenance tonight {PAYLOAD}"


def sign_in(client: FlaskClient, username: str, password: str = "password1") -> str:
    """Sign in through the form; the session's CSRF token."""
    form = client.get("/signin").get_data(as_text=True)
    r = client.post("/signin", data={"username": username, "password": password, "csrf_token": csrf_of(form)})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return csrf_of(client.get("/account").get_data(as_text=True))


def csrf_of(text: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert match, text[:500]
    return match.group(1)


def _publisher(api: Api) -> tuple[str, dict[str, str]]:
    api.register("admin")  # the first user is a platform admin; the publisher is not
    token = api.api_token(api.register("publisher"))
    return token, {"X-PROJEKTOR-TOKEN": token}


def _attach(client: FlaskClient, run: str, name: str, data: bytes, headers: dict[str, str]) -> None:
    r = client.post(f"/run/{run}/attachments/{quote(name, safe='')}", data=data, headers=headers)
    assert r.status_code == 200, r.get_json()


@pytest.mark.server_env(CODEANNALS_PROJEKTOR_MESSAGES=MESSAGES)
def test_the_run_page_shows_attachments_performance_quality_and_messages(client: FlaskClient, api: Api) -> None:
    token, headers = _publisher(api)
    k6 = k6_summary(iterations=5123, rate=85.38333, avg=11.071753897237874, maximum=410.5302, p95=22.29356)
    quality = [{"contents": f"src/a.py:1: E501 {PAYLOAD}", "fileName": f"flake8 {PAYLOAD}.txt", "groupName": "lint"}]
    run = published_id(publish(client, token, grouped_body(
        [junit_xml()], performanceResults=[{"name": "getRun.json", "resultsBlob": k6_file(k6)}],
        codeQualityFiles=quality)))
    image, log = png(), b"started\n" * 300
    _attach(client, run, EVIL_NAME, image, headers)
    _attach(client, run, "server.log", log, headers)
    video = os.urandom(2_500_000)  # more than two chunks of the blob store (1 MiB each)
    drawing = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    _attach(client, run, "checkout.webm", video, headers)
    _attach(client, run, "diagram.svg", drawing, headers)

    page = client.get(f"/tests/{run}", headers=HTML)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "img-src 'self'" in page.headers["Content-Security-Policy"]
    # no live tag from a name, a quality file or a message; the escaped text is there
    assert "<script>window" not in text and PAYLOAD not in text
    assert html.escape(EVIL_NAME, quote=False) in text
    assert f"src/a.py:1: E501 {html.escape(PAYLOAD, quote=False)}" in text
    assert f"flake8 {html.escape(PAYLOAD, quote=False)}.txt" in text
    assert f"Maintenance tonight {html.escape(PAYLOAD, quote=False)}" in text

    # the image inline, from this server (img-src 'self'), with its type and bytes
    sources = re.findall(r'<img src="([^"]+)"', text)
    assert len(sources) == 1 and sources[0].startswith(f"/ui/runs/{run}/attachments/"), sources
    got = client.get(html.unescape(sources[0]))
    assert got.status_code == 200 and got.mimetype == "image/png" and got.data == image
    assert got.headers["X-Content-Type-Options"] == "nosniff" and got.headers["Content-Length"] == str(len(image))
    # the log as a download link with its name and size
    links = re.findall(r'<a href="([^"]+)" download="server.log">server.log</a> <span class="muted">([^<]+)</span>',
                       text)
    assert links and links[0][1].startswith("2.3 KiB"), links
    got = client.get(html.unescape(links[0][0]))
    assert got.data == log and got.mimetype == "text/plain"
    assert client.get(f"/ui/runs/{run}/attachments/missing.png").status_code == 404
    # a video in a player; an SVG (it may carry script) only as a download, never run as a page here
    players = re.findall(r'<video controls preload="metadata" src="([^"]+)">', text)
    assert players == [f"/ui/runs/{run}/attachments/checkout.webm"]
    got = client.get(players[0])
    assert got.mimetype == "video/webm" and got.data == video
    assert got.headers["Content-Disposition"].startswith("inline") and got.headers["Accept-Ranges"] == "bytes"
    # a player seeks: one byte range, the end, beyond the end, another version's range
    part = client.get(players[0], headers={"Range": "bytes=1048000-2098000"})  # across two chunk boundaries
    assert part.status_code == 206 and part.data == video[1048000:2098001]
    assert part.headers["Content-Range"] == f"bytes 1048000-2098000/{len(video)}"
    assert part.headers["Content-Length"] == "1050001"
    assert client.get(players[0], headers={"Range": "bytes=-50"}).data == video[-50:]
    assert client.get(players[0], headers={"Range": "bytes=2499990-99999999"}).data == video[2499990:]
    beyond = client.get(players[0], headers={"Range": "bytes=5000000-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{len(video)}"
    stale = client.get(players[0], headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.data == video
    assert re.search(r'<a href="[^"]+/diagram.svg" download="diagram.svg">diagram.svg</a>', text)
    got = client.get(f"/ui/runs/{run}/attachments/diagram.svg")
    assert got.data == drawing and got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["Content-Security-Policy"] == "sandbox"

    # the k6 figures, as computed here from the file
    figures = expected_figures("getRun.json", k6)
    row = re.search(r'<table class="compact performance">.*?<tbody>(.*?)</tbody>', text, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    assert cells == ["getRun.json", str(figures["request_count"]), f"{figures['requests_per_second']:.2f}",
                     f"{figures['average']:.2f}", f"{figures['p95']:.2f}", f"{figures['maximum']:.2f}"]

    # the repository's performance timeline as a chart (a project's runs as series of their own)
    other = k6_summary(iterations=900, rate=29.5, avg=15.25, maximum=300.0, p95=31.5)
    in_project = published_id(publish(client, token, grouped_body(
        [junit_xml()], project="api", performanceResults=[{"name": "getRun.json", "resultsBlob": k6_file(other)},
                                                          {"name": f"{PAYLOAD}.json", "resultsBlob": k6_file(other)}])))
    repo = client.get("/ui/repos/acme/shop", headers=HTML).get_data(as_text=True)
    assert "<script>window" not in repo
    chart = re.search(r'data-chart="multi" data-title="performance[^"]*"><script type="application/json">(.*?)'
                      r'</script>', repo, re.S)
    assert chart is not None
    series = json.loads(chart.group(1))
    assert [p["y"] for p in series["getRun.json p95 (ms)"]] == [figures["p95"]]
    assert [p["id"] for p in series["getRun.json average (ms)"]] == [run]
    assert series["api: getRun.json p95 (ms)"] == [{"x": series["api: getRun.json p95 (ms)"][0]["x"], "y": 31.5,
                                                    "id": in_project}]
    assert sorted(series) == ["api: getRun.json average (ms)", "api: getRun.json p95 (ms)",
                              "api: \u2039script\u203awindow.__xss=1\u2039/script\u203a.json average (ms)",
                              "api: \u2039script\u203awindow.__xss=1\u2039/script\u203a.json p95 (ms)",
                              "getRun.json average (ms)", "getRun.json p95 (ms)"]  # no tag for Plotly's legend
    # the anonymous reader sees it all while test results are public (the default)
    assert client.get(html.unescape(sources[0])).status_code == 200


@pytest.mark.server_env(CODEANNALS_PUBLIC_TEST_RESULTS="false")
def test_with_results_private_attachments_follow_who_sees_the_run(app: Flask) -> None:
    publisher = app.test_client()
    token, headers = _publisher(Api(publisher))
    run = published_id(publish(publisher, token, grouped_body([junit_xml()])))
    _attach(publisher, run, "shot.png", png(), headers)
    path = f"/ui/runs/{run}/attachments/shot.png"
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/signin" in anonymous.headers["Location"]
    Api(publisher).register("stranger")
    stranger = app.test_client()
    sign_in(stranger, "stranger")
    assert stranger.get(path).status_code == 404
    assert stranger.get(f"/tests/{run}", headers=HTML).status_code == 404
    sign_in(publisher, "publisher")
    got = publisher.get(path)
    assert got.status_code == 200 and got.mimetype == "image/png"


def test_pinning_from_the_run_page(app: Flask, client: FlaskClient, api: Api, env: dict[str, str]) -> None:
    token, _ = _publisher(api)
    kept = published_id(publish(client, token, grouped_body([junit_xml()])))
    other = published_id(publish(client, token, grouped_body([junit_xml()])))
    csrf = sign_in(client, "publisher")

    def pinned(run: str) -> bool:
        answer: bool = client.get(f"/run/{run}/attributes").get_json()["pinned"]
        return answer

    text = client.get(f"/tests/{kept}", headers=HTML).get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/ui/runs/[^"]+/pin)".*?</form>', text, re.S)
    assert form is not None and 'name="pinned" value="true"' in form.group(0) and ">Pin</button>" in form.group(0)
    assert 'class="tag pinned"' not in text
    # without the form's token: refused, nothing changes
    r = client.post(form.group(1), data={"pinned": "true"})
    assert r.status_code == 400 and not pinned(kept)
    r = client.post(form.group(1), data={"pinned": "true", "csrf_token": "forged"})
    assert r.status_code == 400 and not pinned(kept)
    r = client.post(form.group(1), data={"pinned": "true", "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/ui/runs/{kept}") and pinned(kept)
    text = client.get(f"/tests/{kept}", headers=HTML).get_data(as_text=True)
    assert 'id="pinned"' in text and ">Unpin</button>" in text and 'name="pinned" value="false"' in text
    listed = client.get("/ui/runs").get_data(as_text=True)
    marked = re.findall(r'<a href="/tests/([A-Za-z0-9]+)">[A-Za-z0-9]+</a> <span class="tag pinned"', listed)
    assert marked == [kept]
    assert client.post(form.group(1), data={"pinned": "maybe", "csrf_token": csrf}).status_code == 400

    # a stranger sees the mark, not the button, and is refused
    api.register("stranger")
    stranger = app.test_client()
    stranger_csrf = sign_in(stranger, "stranger")
    text = stranger.get(f"/tests/{kept}", headers=HTML).get_data(as_text=True)
    assert 'id="pinned"' in text and "/pin" not in text
    r = stranger.post(f"/ui/runs/{kept}/pin", data={"pinned": "false", "csrf_token": stranger_csrf})
    assert r.status_code == 403 and pinned(kept)
    assert stranger.post(f"/ui/runs/{other}/pin", data={"pinned": "true", "csrf_token": stranger_csrf}
                         ).status_code == 403 and not pinned(other)
    # nobody signed in: refused (no session, so no token either)
    assert app.test_client().post(f"/ui/runs/{other}/pin", data={"pinned": "true"}).status_code == 400
    assert not pinned(other)

    # the retention cleanup keeps the pinned run and removes the other
    as_of = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    done = subprocess.run([sys.executable, "-m", "interfaces.cli.main", "cleanup", "--as-of", as_of], cwd=ROOT,
                          env={**os.environ, **env, "CODEANNALS_RUN_WORKERS": "false",
                               "CODEANNALS_TEST_RUN_RETENTION_DAYS": "30"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("removed 1 test runs"), done.stdout + done.stderr
    assert done.stdout.split()[-1] == other
    app.extensions["codeannals"].runner.catch_up()
    assert client.get(f"/tests/{other}", headers=HTML).status_code == 404
    assert 'id="pinned"' in client.get(f"/tests/{kept}", headers=HTML).get_data(as_text=True)

    # and unpinning from the page
    r = client.post(form.group(1), data={"pinned": "false", "csrf_token": csrf})
    assert r.status_code == 303 and not pinned(kept)
    assert 'id="pinned"' not in client.get(f"/tests/{kept}", headers=HTML).get_data(as_text=True)


def test_a_build_page_lists_its_packages_and_the_uploaded_srpm(app: Flask, client: FlaskClient, api: Api) -> None:
    copr = Copr(client, api)
    owner = copr.user("packager")
    project_id = copr.create_project(owner, chroots=["fedora-40-x86_64", "epel-9-x86_64"])
    content = b"\xed\xab\xee\xdb" + os.urandom(5000)
    upload = {"metadata": json.dumps({"project_id": project_id}),
              "srpm": (io.BytesIO(content), "hello-2.12-1.fc40.src.rpm")}
    r = client.post("/api_2/builds", data=upload, content_type="multipart/form-data", headers=owner.auth)
    assert r.status_code == 201, r.get_json()
    build_id = int(r.headers["Location"].rsplit("/", 1)[1])
    copr.report(owner, build_id, "fedora-40-x86_64", state="succeeded", built_packages=[
        {"name": "hello", "version": "2.12", "release": "1.fc40", "arch": "x86_64"},
        {"name": "hello-debuginfo", "version": "2.12", "release": "1.fc40", "arch": "x86_64"}])
    copr.report(owner, build_id, "epel-9-x86_64", state="succeeded", built_packages=[
        {"name": "hello", "version": "2.12", "release": "1.el9", "arch": "noarch"}])
    sign_in(client, "packager")

    page = client.get(f"/ui/builds/{build_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    table = re.search(r'<table class="compact packages".*?<tbody>(.*?)</tbody>', text, re.S)
    assert table is not None
    rows = [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table.group(1))]
    assert rows == [["epel-9-x86_64", "hello", "2.12", "1.el9", "noarch"],
                    ["fedora-40-x86_64", "hello", "2.12", "1.fc40", "x86_64"],
                    ["hello-debuginfo", "2.12", "1.fc40", "x86_64"]]
    link = re.search(r'<a href="([^"]+)" download="hello-2.12-1.fc40.src.rpm" class="srpm">', text)
    assert link is not None and link.group(1) == f"/api_2/builds/{build_id}/srpm"
    got = client.get(link.group(1))
    assert got.status_code == 200 and got.data == content and got.mimetype == "application/x-rpm"
    blob = build_queries.build(app.extensions["codeannals"].store, build_id)["source_metadata"]["blob"]
    assert blob and str(blob) not in text  # the blob store's key stays inside
    listed = client.get(f"/ui/copr/{project_id}").get_data(as_text=True)
    assert "<td>hello, hello-debuginfo</td>" in listed
