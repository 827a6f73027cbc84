"""Real API clients in their own virtual environments, created once and kept under ``.cache/clients/``
(git-ignored), keyed by package and version, so reruns are fast and our environment stays untouched."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("CODEANNALS_CLIENT_CACHE", ROOT / ".cache" / "clients"))


def client_python(requirement: str) -> Path:
    """The Python of a virtual environment with ``requirement`` (``copr==1.112``) installed; created on
    first use (PyPI must be reachable then), shared by concurrent test workers through a file lock."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = requirement.replace("==", "-").replace("/", "_")
    venv = CACHE / key
    python = venv / "bin" / "python"
    ready = venv / ".ready"
    with open(CACHE / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
            result = subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement],
                capture_output=True, text=True, timeout=600,
            )
            if result.returncode != 0:
                raise RuntimeError(f"pip install {requirement} failed:\n{result.stdout}\n{result.stderr}")
            ready.write_text(requirement + "\n")
    return python
