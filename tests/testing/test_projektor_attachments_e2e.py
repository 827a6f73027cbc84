"""The real ``projektor-publish`` npm client publishes a run with attachments (an image and a text
file) and k6 performance results to a running server; a second server process on the same storage
(the PostgreSQL database, or the data directory) serves the same attachments byte for byte."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.server import ServerProcess
from tests.testing.k6 import expected_figures, k6_file, k6_summary
from tests.testing.reports import pytest_junit
from tests.testing.test_projektor_client_e2e import _run_client, _token, install_client

pytestmark = pytest.mark.e2e

MAX_FILE = 256 * 1024


def png(width: int = 64, height: int = 48) -> bytes:
    """A real PNG image (random pixels)."""
    raw = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture
def servers(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    extra = {"CODEANNALS_ATTACHMENT_MAX_BYTES": str(MAX_FILE)}
    first = ServerProcess({**env, **extra}, log_path=tmp_path / "server1.log").start()
    second = None
    try:
        # serves only: no projection runner, no workers; reads what the first one wrote
        second = ServerProcess({**env, **extra, "CODEANNALS_RUN_PROJECTIONS": "false",
                                "CODEANNALS_RUN_WORKERS": "false"}, log_path=tmp_path / "server2.log").start()
        yield first, second
    finally:
        if second is not None:
            second.stop()
        first.stop()


def test_real_client_publishes_attachments_and_performance(servers: tuple[ServerProcess, ServerProcess],
                                                           tmp_path: Path) -> None:
    executable = install_client()
    first, second = servers
    token = _token(first.url)
    headers = {"X-PROJEKTOR-TOKEN": token}
    work = tmp_path / "project"
    for folder in ("results", "attachments", "performance"):
        (work / folder).mkdir(parents=True)
    (work / "results" / "pytest.xml").write_bytes(pytest_junit(tmp_path / "pytest-run"))
    image, text = png(), ("2024-03-30 14:59:04 INFO started\n" * 500).encode()
    (work / "attachments" / "checkout (failed).png").write_bytes(image)
    (work / "attachments" / "server.log").write_bytes(text)
    summary = k6_summary(iterations=5123, rate=85.38333, avg=11.071753897237874, maximum=410.5302, p95=22.29356)
    (work / "performance" / "getRun.json").write_text(k6_file(summary))

    public_id = _run_client(executable, work, token, [
        "results/*.xml", f"--serverUrl={first.url}", "--repositoryName=acme/shop", "--attachments=attachments/*",
        "--performance=performance/*.json", "--failOnPublishError=true"])

    for server in (first, second):
        listed = requests.get(f"{server.url}/run/{public_id}/attachments", headers=headers, timeout=30)
        assert listed.status_code == 200, listed.text
        attachments = listed.json()["attachments"]
        assert [(a["file_name"], a["file_size"], a["attachment_type"], a["sha256"]) for a in attachments] == [
            ("checkout (failed).png", len(image), "IMAGE", hashlib.sha256(image).hexdigest()),
            ("server.log", len(text), "OTHER", hashlib.sha256(text).hexdigest())]
        got = requests.get(f"{server.url}/run/{public_id}/attachments/checkout (failed).png", headers=headers,
                           timeout=30)
        assert got.status_code == 200 and got.content == image and got.headers["Content-Type"] == "image/png"
        got = requests.get(f"{server.url}/run/{public_id}/attachments/server.log", headers=headers, timeout=30)
        assert got.content == text and got.headers["Content-Type"].startswith("text/plain")
        performance = requests.get(f"{server.url}/run/{public_id}/performance", headers=headers, timeout=30)
        assert performance.json() == {"results": [expected_figures("getRun.json", summary)]}
        timeline = requests.get(f"{server.url}/repo/acme/shop/performance/timeline", headers=headers,
                                timeout=30).json()
        assert timeline["test_timelines"][0]["entries"][0]["public_id"] == public_id

    # over the limit: refused with a message, through the client too (it logs the failure)
    big = os.urandom(MAX_FILE + 1)
    r = requests.post(f"{second.url}/run/{public_id}/attachments/video.mp4", data=big, headers=headers, timeout=60)
    assert r.status_code == 413
    assert r.json()["error"] == "ATTACHMENT_TOO_LARGE" and str(MAX_FILE) in r.json()["error_message"]
    # a traversal name: refused, whatever the encoding
    r = requests.post(f"{second.url}/run/{public_id}/attachments/..%2F..%2Fsecret.txt", data=b"evil",
                      headers=headers, timeout=30)
    assert r.status_code == 400 and r.json()["error"] == "ATTACHMENT_FAILED", r.text
    assert "no paths" in r.json()["error_message"]
    # an upload through the second process shows through the first
    r = requests.post(f"{second.url}/run/{public_id}/attachments/notes.txt", data=b"from the second process",
                      headers=headers, timeout=30)
    assert r.status_code == 200 and r.json()["name"] == "notes.txt"
    got = requests.get(f"{first.url}/run/{public_id}/attachments/notes.txt", headers=headers, timeout=30)
    assert got.content == b"from the second process"
    assert json.loads((work / "projektor_report.json").read_text())["id"] == public_id
