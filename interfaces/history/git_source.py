"""Clone and re-fetch repositories into local bare mirrors with dulwich.

``clone_or_fetch(url, directory)`` makes ``directory`` a bare repository whose branches and tags
equal the source's: new objects are fetched (only those missing locally), refs are set to the
source's values (force-pushes included) and branches or tags gone from the source are deleted.

Sources: a local path, ``file://``, ``http(s)://`` (optionally with ``username``/``password``),
``git://``, ``ssh://`` or ``user@host:path`` (through the ``ssh`` program, as dulwich does).
Every failure raises ``GitSourceError``, whose message never contains the credentials.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import urllib3
from dulwich.client import (
    GitClient,
    HTTPProxyUnauthorized,
    HTTPUnauthorized,
    LocalGitClient,
    default_urllib3_manager,
    get_transport_and_path,
)
from dulwich.errors import GitProtocolError, HangupException, NotGitRepository
from dulwich.objects import ObjectID
from dulwich.refs import Ref
from dulwich.repo import Repo

__all__ = ["FetchResult", "GitSourceError", "clone_or_fetch", "display_url"]

_MIRRORED = (b"refs/heads/", b"refs/tags/")
_PEELED = b"^{}"


class GitSourceError(Exception):
    """A repository could not be cloned, fetched or opened. The message is safe to show."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a clone or fetch did. Ref names are full (``refs/heads/main``), ids full hex."""

    path: str
    refs: Mapping[str, str]  # every mirrored ref after the fetch -> the id it points at
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()  # moved, fast-forward or forced
    deleted: tuple[str, ...] = ()
    head: str | None = None  # the source's default branch (full ref), when it says
    cloned: bool = False  # True when the directory was created by this call
    objects_fetched: bool = field(default=False)  # False when nothing new had to be downloaded

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deleted)


def display_url(url: str) -> str:
    """``url`` without user name or password, fit for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    if parts.scheme and parts.netloc and "@" in parts.netloc:
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    if not parts.scheme and "@" in url.split(":", 1)[0]:  # scp-like user@host:path
        return url.split("@", 1)[1]
    return url


def _secrets(url: str, username: str | None, password: str | None) -> list[str]:
    found = [s for s in (password, username) if s]
    try:
        parts = urlsplit(url)
        if parts.password:
            found.append(parts.password)
        if parts.username:
            found.append(parts.username)
    except ValueError:
        pass
    return sorted(set(found), key=len, reverse=True)


def _scrub(text: str, secrets: list[str]) -> str:
    text = re.sub(r"//[^/@\s]*@", "//", text)  # userinfo of any URL
    for secret in secrets:
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


def _is_local(url: str) -> bool:
    return url.startswith("file://") or (not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url) and os.path.exists(url))


def _open_or_init(directory: Path) -> tuple[Repo, bool]:
    if directory.exists():
        try:
            return Repo(str(directory)), False
        except NotGitRepository:
            if directory.is_dir() and not any(directory.iterdir()):
                return Repo.init_bare(str(directory)), True
            raise GitSourceError(f"{directory} exists and is not a git repository") from None
    directory.mkdir(parents=True)
    return Repo.init_bare(str(directory)), True


def _client(
    url: str, username: str | None, password: str | None, timeout: float | None
) -> tuple[GitClient, str]:
    if _is_local(url) and not url.startswith("file://"):
        path = os.path.abspath(url)
        if not os.path.isdir(path):
            raise GitSourceError(f"{url} is not a git repository")
        return LocalGitClient(), path
    kwargs: dict[str, Any] = {}
    if url.startswith(("http://", "https://")):
        kwargs["pool_manager"] = default_urllib3_manager(None, timeout=timeout)
    return get_transport_and_path(url, username=username, password=password, **kwargs)


def clone_or_fetch(
    url: str,
    directory: str | os.PathLike[str],
    *,
    username: str | None = None,
    password: str | None = None,
    timeout: float | None = 120.0,
) -> FetchResult:
    """Clone ``url`` into ``directory`` (a bare mirror) or, if it is already one, fetch into it.

    ``timeout`` applies to HTTP(S) requests. Raises ``GitSourceError``; a first clone that fails
    removes the directory it created, a failed fetch leaves the mirror as it was.
    """
    shown = display_url(url)
    secrets = _secrets(url, username, password)
    target = Path(directory)
    created = not target.exists() or (target.is_dir() and not any(target.iterdir()))
    try:
        repo, _ = _open_or_init(target)
    except GitSourceError:
        raise
    except OSError as exc:
        raise GitSourceError(f"cannot create a repository in {target}: {exc.strerror or exc}") from None
    wanted: list[ObjectID] = []

    def determine_wants(refs: Mapping[Ref, ObjectID], depth: int | None = None) -> list[ObjectID]:
        wanted.extend(_wants(repo, refs))
        return list(wanted)

    failed = True
    try:
        try:
            client, remote_path = _client(url, username, password, timeout)
            result = client.fetch(remote_path, repo, determine_wants=determine_wants, ref_prefix=list(_MIRRORED))
        except GitSourceError:
            raise
        except (HTTPUnauthorized, HTTPProxyUnauthorized):
            raise GitSourceError(f"authentication failed for {shown}") from None
        except NotGitRepository:
            raise GitSourceError(f"{shown} is not a git repository") from None
        except HangupException as exc:
            detail = _scrub(str(exc).strip(), secrets)
            hint = f": {detail}" if detail else ""
            raise GitSourceError(
                f"the server hung up on {shown} (no repository there, or access denied){hint}"
            ) from None
        except GitProtocolError as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, urllib3.exceptions.HTTPError):  # dulwich wraps network errors
                raise GitSourceError(f"cannot reach {shown}: {_network_reason(cause, secrets)}") from None
            raise GitSourceError(f"cannot fetch {shown}: {_scrub(str(exc), secrets)}") from None
        except urllib3.exceptions.HTTPError as exc:
            raise GitSourceError(f"cannot reach {shown}: {_network_reason(exc, secrets)}") from None
        except ConnectionError as exc:
            raise GitSourceError(f"cannot reach {shown}: {_scrub(exc.strerror or str(exc), secrets)}") from None
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise GitSourceError(f"cannot reach {shown}: {_scrub(reason, secrets)}") from None
        except Exception as exc:  # dulwich and urllib3 raise many types; turn all into one
            text = _scrub(str(exc), secrets) or type(exc).__name__
            if _looks_like_missing_repo(text):
                raise GitSourceError(f"{shown} is not a git repository ({text})") from None
            raise GitSourceError(f"cannot fetch {shown}: {text}") from None
        failed = False
        remote_refs = {
            cast(bytes, name): cast(bytes, sha)
            for name, sha in result.refs.items()
            if sha is not None and name.startswith(_MIRRORED) and not name.endswith(_PEELED)
        }
        added, updated, deleted = _mirror_refs(repo, remote_refs)
        head = _update_head(repo, result.symrefs, remote_refs)  # type: ignore[arg-type]
        _remember_url(repo, shown)
        return FetchResult(
            path=str(target),
            refs={n.decode("utf-8", "surrogateescape"): s.decode("ascii") for n, s in sorted(remote_refs.items())},
            added=added,
            updated=updated,
            deleted=deleted,
            head=head,
            cloned=created,
            objects_fetched=bool(wanted),
        )
    finally:
        repo.close()
        if failed and created:  # a first clone that failed leaves nothing behind
            shutil.rmtree(target, ignore_errors=True)


def _network_reason(exc: Exception, secrets: list[str]) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    lowered = text.lower()
    if "connection refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "failed to resolve" in lowered or "nodename nor servname" in lowered:
        return "unknown host"
    if "timed out" in lowered or isinstance(reason, urllib3.exceptions.TimeoutError):
        return "timed out"
    if isinstance(reason, urllib3.exceptions.SSLError):
        return "TLS error: " + _scrub(text, secrets)
    return _scrub(text, secrets) or type(reason).__name__


def _looks_like_missing_repo(text: str) -> bool:
    lowered = text.lower()
    return "not found" in lowered or "404" in lowered or "does not appear to be a git repository" in lowered


def _wants(repo: Repo, refs: Mapping[Ref, ObjectID]) -> list[ObjectID]:
    store = repo.object_store
    return sorted(
        {
            sha
            for name, sha in refs.items()
            if name.startswith(_MIRRORED) and not name.endswith(_PEELED) and sha not in store
        }
    )


def _mirror_refs(
    repo: Repo, remote: dict[bytes, bytes]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    local = {name: sha for name, sha in repo.refs.as_dict().items() if name.startswith(_MIRRORED)}
    added: list[str] = []
    updated: list[str] = []
    deleted: list[str] = []
    for name, sha in sorted(remote.items()):
        old = local.get(cast(Ref, name))
        if old == sha:
            continue
        repo.refs.set_if_equals(cast(Ref, name), None, cast(ObjectID, sha))
        (added if old is None else updated).append(name.decode("utf-8", "surrogateescape"))
    for name in sorted(set(local) - set(remote)):
        repo.refs.remove_if_equals(name, None)
        deleted.append(name.decode("utf-8", "surrogateescape"))
    return tuple(added), tuple(updated), tuple(deleted)


def _update_head(repo: Repo, symrefs: Mapping[bytes, bytes], remote: dict[bytes, bytes]) -> str | None:
    target = symrefs.get(b"HEAD")
    if target is None or target not in remote:
        for candidate in (b"refs/heads/main", b"refs/heads/master"):
            if candidate in remote:
                target = candidate
                break
        else:
            branches = sorted(n for n in remote if n.startswith(b"refs/heads/"))
            target = branches[0] if branches else None
    if target is not None:
        repo.refs.set_symbolic_ref(cast(Ref, b"HEAD"), cast(Ref, target))
        return target.decode("utf-8", "surrogateescape")
    return None


def _remember_url(repo: Repo, shown: str) -> None:
    config = repo.get_config()
    config.set((b"remote", b"origin"), b"url", shown.encode("utf-8"))
    config.write_to_path()
