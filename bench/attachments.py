"""Attachments streamed through a real server: upload and download speed and the worker's memory.

    .venv/bin/python bench/attachments.py [--backends sqlite,postgres] [--mib 200]

For each backend, a fresh server (one gunicorn worker) takes one attachment of ``--mib`` MiB of random
bytes, sent chunked (``POST /run/{id}/attachments/{name}``), and serves it back
(``GET .../{name}``), checked by SHA-256. Printed: MiB/s each way, the ratio to writing and reading the
same bytes to and from a local file in the same run (the baseline), and the worker's peak resident
memory (VmHWM) above its size before the upload: streaming keeps it flat whatever the size.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.databases import postgres_database, server_env  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

BLOCK = 1 << 20


def _memory(pid: int, key: str) -> int:
    """The largest ``key`` (VmRSS or VmHWM, KiB) among the server process and its children."""
    best = 0
    for p in [pid, *(int(x) for x in os.popen(f"pgrep -P {pid}").read().split())]:
        try:
            with open(f"/proc/{p}/status") as status:
                for line in status:
                    if line.startswith(key):
                        best = max(best, int(line.split()[1]))
        except FileNotFoundError:
            continue
    return best


def baseline(mib: int, block: bytes) -> tuple[float, float]:
    """MiB/s writing (with fsync) and reading the same bytes through a local file."""
    with tempfile.NamedTemporaryFile(delete=False) as f:
        path = f.name
        start = time.monotonic()
        for _ in range(mib):
            f.write(block)
        f.flush()
        os.fsync(f.fileno())
        write = mib / (time.monotonic() - start)
    start = time.monotonic()
    with open(path, "rb") as f:
        while f.read(BLOCK):
            pass
    read = mib / (time.monotonic() - start)
    os.unlink(path)
    return write, read


def run(backend: str, mib: int, block: bytes, base: tuple[float, float]) -> None:
    with ExitStack() as stack:
        data = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "data"
        data.mkdir()
        url = stack.enter_context(postgres_database()) if backend == "postgres" else None
        env = server_env(data, url, CODEANNALS_ATTACHMENT_MAX_BYTES=str((mib + 1) << 20),
                         CODEANNALS_ATTACHMENT_MAX_RUN_BYTES=str((mib + 1) << 20),
                         CODEANNALS_MAX_REQUEST_BYTES=str((mib + 2) << 20))
        server = stack.enter_context(ServerProcess(env))
        b = server.url
        requests.post(f"{b}/api/user/registration", json={"username": "bench", "password": "password1"}, timeout=60)
        jwt = requests.post(f"{b}/api/user/auth", json={"username": "bench", "password": "password1"},
                            timeout=60).json()["accessToken"]
        token = requests.post(f"{b}/api/user/tokens", json={"name": "t"}, headers={"Authorization": jwt},
                              timeout=60).json()["token"]
        headers = {"X-PROJEKTOR-TOKEN": token}
        run_id = requests.post(f"{b}/results", data=b'<testsuite name="s"><testcase name="a"/></testsuite>',
                               headers=headers, timeout=60).json()["id"]
        assert server.proc is not None
        before = _memory(server.proc.pid, "VmRSS")
        sent = hashlib.sha256()

        def body():  # type: ignore[no-untyped-def]
            for _ in range(mib):
                sent.update(block)
                yield block

        start = time.monotonic()
        r = requests.post(f"{b}/run/{run_id}/attachments/big.bin", data=body(), headers=headers, timeout=600)
        up = mib / (time.monotonic() - start)
        assert r.status_code == 200, r.text
        got = hashlib.sha256()
        start = time.monotonic()
        with requests.get(f"{b}/run/{run_id}/attachments/big.bin", headers=headers, stream=True, timeout=600) as g:
            for chunk in g.iter_content(BLOCK):
                got.update(chunk)
        down = mib / (time.monotonic() - start)
        assert got.hexdigest() == sent.hexdigest(), "the download differs from the upload"
        peak = _memory(server.proc.pid, "VmHWM")
        print(f"{backend:<9} {mib} MiB  upload {up:7.1f} MiB/s ({up / base[0]:.2f} x file write)  "
              f"download {down:7.1f} MiB/s ({down / base[1]:.2f} x file read)  "
              f"worker peak +{max(0, peak - before) / 1024:.1f} MiB above {before / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--mib", type=int, default=200)
    args = parser.parse_args()
    block = os.urandom(BLOCK)
    base = baseline(args.mib, block)
    print(f"baseline: local file write {base[0]:.1f} MiB/s, read {base[1]:.1f} MiB/s")
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        run(backend, args.mib, block, base)


if __name__ == "__main__":
    main()
