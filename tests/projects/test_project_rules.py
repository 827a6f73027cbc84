"""Pure rules of the projects context: startDate forms, vcsUrl classification, roles."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from domain.projects.roles import Role, satisfies, strongest
from domain.projects.vcs import is_below_roots, parse_vcs_url
from domain.shared.errors import Invalid
from interfaces.http.projects.dates import format_start_date, parse_start_date


def test_start_dates_round_trip_in_coderadars_form() -> None:
    assert format_start_date(parse_start_date("2022-03-24T08:21:52.742+0000")) == "2022-03-24T08:21:52.742+0000"
    assert parse_start_date(1648110087006) == parse_start_date("1648110087006") == 1648110087006
    assert format_start_date(0) == "1970-01-01T00:00:00.000+0000"
    assert format_start_date(-1) == "1969-12-31T23:59:59.999+0000"
    assert format_start_date(parse_start_date("0999-01-01")) == "0999-01-01T00:00:00.000+0000"
    assert parse_start_date(None) is None and parse_start_date("") is None and format_start_date(None) is None
    for bad in (True, 1.5, "soon", [], 10**17):
        with pytest.raises(Invalid):
            parse_start_date(bad)


def test_vcs_urls_are_classified() -> None:
    assert parse_vcs_url(" https://valid.url ").url == "https://valid.url"
    assert parse_vcs_url("git@github.com:org/repo.git").local_path is None
    assert parse_vcs_url("file:/home/runner/repo").local_path == "/home/runner/repo"
    assert parse_vcs_url("file:///srv/a%20b").local_path == "/srv/a b"
    assert parse_vcs_url("/srv/repo").is_local
    for bad in ("", "  ", "ftp://h/r", "ext::sh", "http://", "https://h:99999/r", "a b", "-x", "C:\\repo", None, 5):
        with pytest.raises(Invalid):
            parse_vcs_url(bad)


def test_paths_below_roots() -> None:
    roots = [PurePosixPath("/srv/repos")]
    assert is_below_roots(PurePosixPath("/srv/repos"), roots)
    assert is_below_roots(PurePosixPath("/srv/repos/a/b"), roots)
    assert not is_below_roots(PurePosixPath("/srv/repos-other"), roots)
    assert not is_below_roots(PurePosixPath("/srv"), roots)
    assert not is_below_roots(PurePosixPath("/srv/repos/a"), [])


def test_admin_wins() -> None:
    assert strongest(["MEMBER", None, "ADMIN"]) is Role.ADMIN
    assert strongest([]) is None
    assert satisfies("ADMIN", "MEMBER") and satisfies("MEMBER", "MEMBER")
    assert not satisfies("MEMBER", "ADMIN") and not satisfies(None, "MEMBER")
