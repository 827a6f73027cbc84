"""Where a project's repository lives: the ``vcsUrl`` rules.

Accepted: ``http``, ``https``, ``ssh``, ``git`` and ``file`` URLs, scp-like ssh addresses
(``git@host:org/repo.git``) and absolute local paths. Local paths and ``file:`` URLs name a directory
on the server; whether that directory is allowed (below ``CODEANNALS_LOCAL_REPO_ROOTS``) is decided by
:func:`is_below_roots` on the *resolved* path, which the caller computes (symlinks and ``..`` resolved).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from domain.shared.errors import Invalid

MAX_URL_LENGTH = 2048
REMOTE_SCHEMES = ("http", "https", "ssh", "git")
_SCP_LIKE = re.compile(r"^(?P<user>[A-Za-z0-9._~+-]+)@(?P<host>[A-Za-z0-9.-]+):(?P<path>[^/\s][^\s]*)$")
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True, slots=True)
class VcsLocation:
    """A checked ``vcsUrl``: the text as given (trimmed), and the local directory it names, if any."""

    url: str
    local_path: str | None = None

    @property
    def is_local(self) -> bool:
        return self.local_path is not None


def parse_vcs_url(url: object) -> VcsLocation:
    """Check a ``vcsUrl`` and tell whether it names a local directory. ``Invalid`` when refused."""
    if not isinstance(url, str) or not url.strip():
        raise Invalid("vcsUrl must not be empty")
    text = url.strip()
    if len(text) > MAX_URL_LENGTH:
        raise Invalid(f"vcsUrl must be at most {MAX_URL_LENGTH} characters long")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text) or any(c.isspace() for c in text):
        raise Invalid("vcsUrl must not contain spaces or control characters")
    if text.startswith("-"):
        raise Invalid("vcsUrl must not start with '-'")
    if text.startswith("/"):
        return VcsLocation(text, _local_path(text))
    scp = _SCP_LIKE.match(text)
    if scp and "://" not in text:
        return VcsLocation(text)
    scheme_match = _SCHEME.match(text)
    if scheme_match is None:
        raise Invalid(
            "vcsUrl must be an http, https, ssh, git or file URL, or an absolute path on the server"
        )
    scheme = scheme_match.group("scheme").lower()
    if scheme == "file":
        return VcsLocation(text, _file_url_path(text))
    if scheme not in REMOTE_SCHEMES:
        raise Invalid(f"vcsUrl scheme {scheme!r} is not allowed; use http, https, ssh, git or file")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise Invalid("vcsUrl is not a valid URL") from None
    if not parts.hostname or not parts.netloc:
        raise Invalid("vcsUrl must name a host")
    if port is not None and not 0 < port < 65536:
        raise Invalid("vcsUrl has an invalid port")
    return VcsLocation(text)


def _file_url_path(text: str) -> str:
    parts = urlsplit(text)
    if parts.query or parts.fragment:
        raise Invalid("a file: vcsUrl must not have a query or a fragment")
    if parts.netloc not in ("", "localhost"):
        raise Invalid("a file: vcsUrl must name a directory on this server (file:/path or file:///path)")
    return _local_path(unquote(parts.path))


def _local_path(path: str) -> str:
    if "\x00" in path:
        raise Invalid("vcsUrl must not contain NUL characters")
    if not path.startswith("/"):
        raise Invalid("a local vcsUrl must be an absolute path")
    return path


def is_below_roots(resolved: PurePosixPath, roots: Iterable[PurePosixPath]) -> bool:
    """Whether a resolved absolute path is one of ``roots`` or lies below one of them."""
    return any(resolved == root or root in resolved.parents for root in roots)
