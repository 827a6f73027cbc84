"""Opening a project's repository mirror where no HTTP request is at hand (a worker, a badge)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from interfaces.history.git_reader import GitReader
from interfaces.history.importing import mirror_path, open_mirror


def mirror_opener(data_dir: Path, project_uuid: Any) -> Any:
    @contextmanager
    def opener() -> Iterator[GitReader | None]:
        reader = open_mirror(mirror_path(data_dir, project_uuid))
        try:
            yield reader
        finally:
            if reader is not None:
                reader.close()

    return opener
