"""Cloning and fetching mirrors: local paths, file://, http(s) with credentials, git://, errors."""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from dulwich.repo import Repo
from dulwich.server import DictBackend, TCPGitServer
from dulwich.web import make_wsgi_chain

from interfaces.history import GitReader, GitSourceError, clone_or_fetch, display_url
from tests.history.git_helpers import GitRepo, rev_list, run_git


def upstream_repo(path: Path) -> GitRepo:
    repo = GitRepo.init(path)
    repo.write("README.md", "hello\n")
    repo.write("src/app.py", "print('hi')\n")
    repo.commit("first", label="first")
    repo.write("src/app.py", "print('hello')\n")
    repo.commit("second", "bob", label="second")
    repo.git("branch", "release")
    repo.git("tag", "-a", "v1", "-m", "version 1", env={"GIT_COMMITTER_DATE": "1700000000 +0000"})
    repo.git("tag", "light", repo.commits["first"])
    return repo


def mirrored_refs(path: Path) -> dict[str, str]:
    out = run_git(path, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags").decode()
    return dict(line.split(" ") for line in out.splitlines())


def pack_object_counts(path: Path) -> list[int]:
    """Objects per pack file in a repository, oldest first is not guaranteed: sorted."""
    counts = []
    for idx in (path / "objects" / "pack").glob("*.idx"):
        out = run_git(path, "verify-pack", "-v", str(idx)).decode()
        counts.append(sum(1 for line in out.splitlines() if len(line) > 40 and line[40] == " "))
    return sorted(counts)


@pytest.fixture
def upstream(tmp_path: Path) -> GitRepo:
    return upstream_repo(tmp_path / "upstream")


def test_clone_local_path_then_fetch_only_new_commits(upstream: GitRepo, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror.git"
    result = clone_or_fetch(str(upstream.path), mirror)
    assert result.cloned and result.objects_fetched
    assert mirrored_refs(mirror) == mirrored_refs(upstream.path) == dict(result.refs)
    assert set(result.added) == set(result.refs) and not result.updated and not result.deleted
    assert result.head == "refs/heads/main"
    assert (mirror / "HEAD").read_text().strip() == "ref: refs/heads/main"
    with GitReader(mirror) as reader:
        assert {c.hash for c in reader.commits()} == set(rev_list(upstream.path, "--all"))
        assert reader.default_branch() == "main"

    # nothing new: nothing fetched, nothing changed
    again = clone_or_fetch(str(upstream.path), mirror)
    assert not again.cloned and not again.objects_fetched and not again.changed

    # two new commits: only their objects come over
    old_head = upstream.head()
    upstream.write("src/new.py", "x = 1\n")
    upstream.commit("third")
    upstream.write("src/new.py", "x = 2\n")
    upstream.commit("fourth")
    new_objects = len(run_git(upstream.path, "rev-list", "--objects", f"{old_head}..main").split(b"\n")) - 1
    before = pack_object_counts(mirror)
    fetched = clone_or_fetch(str(upstream.path), mirror)
    assert fetched.updated == ("refs/heads/main",) and fetched.objects_fetched
    after = pack_object_counts(mirror)
    added_packs = list(after)
    for count in before:
        added_packs.remove(count)
    assert added_packs == [new_objects]
    assert mirrored_refs(mirror) == mirrored_refs(upstream.path)


def test_force_push_and_deleted_refs_are_mirrored(upstream: GitRepo, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror.git"
    url = upstream.path.as_uri()  # file://
    assert url.startswith("file://")
    clone_or_fetch(url, mirror)
    # rewrite main (force-push), delete a branch and a tag, add a branch
    upstream.git("reset", "-q", "--hard", upstream.commits["first"])
    upstream.write("README.md", "rewritten\n")
    rewritten = upstream.commit("rewritten history")
    upstream.git("branch", "-D", "release")
    upstream.git("tag", "-d", "light")
    upstream.git("branch", "fresh")
    result = clone_or_fetch(url, mirror)
    assert result.updated == ("refs/heads/main",)
    assert result.deleted == ("refs/heads/release", "refs/tags/light")
    assert result.added == ("refs/heads/fresh",)
    assert mirrored_refs(mirror) == mirrored_refs(upstream.path)
    with GitReader(mirror) as reader:
        assert {r.name for r in reader.branches()} == {"main", "fresh"}
        assert reader.commit(rewritten).message.strip() == "rewritten history"
        assert {c.hash for c in reader.commits()} == set(rev_list(upstream.path, "--all"))


def test_clone_into_an_empty_existing_directory(upstream: GitRepo, tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    assert clone_or_fetch(str(upstream.path), target).cloned
    assert Repo(str(target)).bare


def test_errors_are_git_source_errors(upstream: GitRepo, tmp_path: Path) -> None:
    with pytest.raises(GitSourceError, match="not a git repository"):
        clone_or_fetch(str(tmp_path / "nowhere"), tmp_path / "m1")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "file.txt").write_text("not a repo")
    with pytest.raises(GitSourceError, match="not a git repository"):
        clone_or_fetch(str(plain), tmp_path / "m2")
    with pytest.raises(GitSourceError, match="not a git repository"):
        clone_or_fetch(plain.as_uri(), tmp_path / "m3")
    # the target exists and is something else
    with pytest.raises(GitSourceError, match="is not a git repository"):
        clone_or_fetch(str(upstream.path), plain)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_servers(tmp_path: Path) -> None:
    port = closed_port()
    with pytest.raises(GitSourceError, match="cannot reach") as git_error:
        clone_or_fetch(f"git://127.0.0.1:{port}/repo.git", tmp_path / "g")
    assert "127.0.0.1" in str(git_error.value)
    with pytest.raises(GitSourceError) as http_error:
        clone_or_fetch(f"http://alice:s3cret-pw@127.0.0.1:{port}/repo.git", tmp_path / "h", timeout=5)
    assert "s3cret-pw" not in str(http_error.value) and "alice" not in str(http_error.value)
    with pytest.raises(GitSourceError) as http_error2:
        clone_or_fetch(f"https://127.0.0.1:{port}/repo.git", tmp_path / "h2", username="bob", password="hunter22",
                       timeout=5)
    assert "hunter22" not in str(http_error2.value)


def test_display_url_hides_credentials() -> None:
    assert display_url("https://user:pw@example.com/a/b.git") == "https://example.com/a/b.git"
    assert display_url("ssh://git@example.com/a.git") == "ssh://example.com/a.git"
    assert display_url("git@example.com:a/b.git") == "example.com:a/b.git"
    assert display_url("/srv/repos/a.git") == "/srv/repos/a.git"


# ---------------------------------------------------------------------------------- servers


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _basic_auth(app: Callable[..., Iterable[bytes]], user: str, password: str) -> Callable[..., Iterable[bytes]]:
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_AUTHORIZATION") != expected:
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="git"'),
                                                ("Content-Type", "text/plain")])
            return [b"authentication required\n"]
        return app(environ, start_response)

    return guarded


@pytest.fixture
def http_server(upstream: GitRepo) -> Iterator[str]:
    backend = DictBackend({"/repo.git": Repo(str(upstream.path))})
    app = _basic_auth(make_wsgi_chain(backend), "alice", "s3cret-pw")
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/repo.git"
    finally:
        server.shutdown()
        server.server_close()


def test_http_with_credentials(upstream: GitRepo, http_server: str, tmp_path: Path) -> None:
    mirror = tmp_path / "http-mirror.git"
    result = clone_or_fetch(http_server, mirror, username="alice", password="s3cret-pw")
    assert result.cloned and mirrored_refs(mirror) == mirrored_refs(upstream.path)
    # credentials in the URL work too, and are not written to the mirror's config
    userinfo = http_server.replace("http://", "http://alice:s3cret-pw@")
    upstream.write("more.txt", "more\n")
    upstream.commit("more")
    assert clone_or_fetch(userinfo, mirror).updated == ("refs/heads/main",)
    assert "s3cret-pw" not in (mirror / "config").read_text()
    assert mirrored_refs(mirror) == mirrored_refs(upstream.path)


def test_http_wrong_credentials(http_server: str, tmp_path: Path) -> None:
    with pytest.raises(GitSourceError, match="authentication failed") as error:
        clone_or_fetch(http_server, tmp_path / "m", username="alice", password="wrong-password")
    assert "wrong-password" not in str(error.value)
    with pytest.raises(GitSourceError, match="authentication failed"):
        clone_or_fetch(http_server, tmp_path / "m2")


def test_http_missing_repository(http_server: str, tmp_path: Path) -> None:
    with pytest.raises(GitSourceError):
        clone_or_fetch(http_server.replace("repo.git", "other.git"), tmp_path / "m", username="alice",
                       password="s3cret-pw")


def test_git_protocol(upstream: GitRepo, tmp_path: Path) -> None:
    backend = DictBackend({"/repo.git": Repo(str(upstream.path))})
    server = TCPGitServer(backend, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        mirror = tmp_path / "git-mirror.git"
        result = clone_or_fetch(f"git://127.0.0.1:{port}/repo.git", mirror)
        assert result.cloned and mirrored_refs(mirror) == mirrored_refs(upstream.path)
        with pytest.raises(GitSourceError):
            clone_or_fetch(f"git://127.0.0.1:{port}/missing.git", tmp_path / "other")
    finally:
        server.shutdown()
        server.server_close()
