"""The server-side half of the ``vcsUrl`` rules: local repositories only below the configured roots.

The history importer calls :func:`local_repository_path` again right before it reads a local
repository, so a symlink changed after the project was saved cannot lead it elsewhere."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from domain.projects.vcs import VcsLocation, is_below_roots, parse_vcs_url
from domain.shared.errors import Invalid

REFUSED_LOCAL = (
    "vcsUrl names a directory on the server, which is allowed only below the directories "
    "listed in CODEANNALS_LOCAL_REPO_ROOTS"
)


def local_repository_path(url: str | VcsLocation, roots: Iterable[Path]) -> Path | None:
    """The resolved directory a local ``vcsUrl`` names (symlinks and ``..`` resolved), ``None`` for a
    remote URL. ``Invalid`` when the URL is refused or the directory is not below one of ``roots``."""
    location = url if isinstance(url, VcsLocation) else parse_vcs_url(url)
    if location.local_path is None:
        return None
    resolved = Path(os.path.realpath(location.local_path))
    allowed = [PurePosixPath(os.path.realpath(root)) for root in roots]
    if not allowed or not is_below_roots(PurePosixPath(resolved), allowed):
        raise Invalid(REFUSED_LOCAL)
    return resolved


def check_vcs_url(url: object, roots: Iterable[Path]) -> str:
    """The ``vcsUrl`` to store, or ``Invalid``."""
    location = parse_vcs_url(url)
    local_repository_path(location, roots)
    return location.url
