"""Rules of attachments, k6 summaries and built packages (plain domain code)."""

from __future__ import annotations

import pytest

from domain.builds.build import BuildSource, check_packages
from domain.shared.errors import Invalid, TooLarge
from domain.testing.attachments import AttachmentLimits, attachment_type, check_attachment_name, content_type_of
from domain.testing.performance import from_k6_summary
from tests.testing.k6 import expected_figures, k6_summary


@pytest.mark.parametrize("name", ["screen shot (failed).png", "server.log", "a..b.txt", ".hidden", "ünïcode.txt"])
def test_plain_file_names_are_taken(name: str) -> None:
    assert check_attachment_name(name) == name


@pytest.mark.parametrize("name", ["", " ", ".", "..", "...", "../x", "a/b", "a\\b", "x\x00y", "tab\tname",
                                  "x" * 256])
def test_paths_and_odd_names_are_refused(name: str) -> None:
    with pytest.raises(Invalid):
        check_attachment_name(name)


def test_types_of_attachments() -> None:
    assert (attachment_type("a.PNG"), attachment_type("v.mp4"), attachment_type("x.log")) == ("IMAGE", "VIDEO",
                                                                                               "OTHER")
    assert (content_type_of("a.png"), content_type_of("x.log"), content_type_of("blob")) == (
        "image/png", "text/plain", "application/octet-stream")


def test_attachment_budget() -> None:
    limits = AttachmentLimits(max_file_bytes=100, max_run_bytes=250)
    assert (limits.budget(0), limits.budget(200)) == (100, 50)
    with pytest.raises(TooLarge, match="per run"):
        limits.budget(250)


def test_k6_summary_figures() -> None:
    summary = k6_summary()
    result = from_k6_summary("getRun.json", summary)
    assert {"name": result.name, "requests_per_second": result.requests_per_second,
            "request_count": result.request_count, "average": result.average, "maximum": result.maximum,
            "p95": result.p95} == expected_figures("getRun.json", summary)
    del summary["metrics"]["iterations"]  # then the request counters
    assert from_k6_summary("x", summary).request_count == summary["metrics"]["http_reqs"]["count"]
    for broken in ({}, {"metrics": {}}, {"metrics": {"iterations": {"count": -1, "rate": 1},
                                                      "http_req_duration": summary["metrics"]["http_req_duration"]}}):
        with pytest.raises(Invalid):
            from_k6_summary("x", broken)


def test_built_packages_and_uploaded_srpm_names() -> None:
    package = {"name": "hello", "version": "2.12", "release": "1.fc40", "arch": "x86_64"}
    assert check_packages([package]) == [package]
    for bad in ("x", [{"name": "hello"}], [{**package, "arch": "x 86"}], [{**package, "extra": "1"}], [package] * 1001):
        with pytest.raises(Invalid):
            check_packages(bad)
    source = BuildSource.from_upload("hello-2.12-1.fc40.src.rpm", "k" * 32, 10, "h")
    assert (source.source_type, source.package_name, source.package_version) == ("upload", "hello", "2.12-1.fc40")
    for bad_name in ("../hello-1-1.src.rpm", "hello.tar.gz", "hello 1-1.src.rpm"):
        with pytest.raises(Invalid):
            BuildSource.from_upload(bad_name, "k" * 32, 10, "h")
