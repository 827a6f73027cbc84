"""Server time of the web pages: the home page, a project's commit list, the code map of the head, and a
file of 2,000 lines, each against the API call that reads the same data (the baseline, measured in
the same run). The app runs in this process behind Flask's test client, so the figures are the
server's time without the network.

Usage: python bench/web.py [PATH_TO_REPO] [--requests N] [--commits N] [--files N]
Without a repository, one is generated with bench/gen_repo.py (small: --commits, default 300).
A commit adding a 2,000-line Java file is put on top of the repository's head (in a scratch clone).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask.testing import FlaskClient

from interfaces.container import Container
from interfaces.http.app import create_app
from interfaces.settings import Settings
from tests.support.databases import server_env

first: list[float] = []
LOC = "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin"
BIG = "src/main/java/bench/Big.java"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def prepare(source: Path | None, commits: int, work: Path, files: int = 300) -> Path:
    if source is None:
        source = work / "generated.git"
        subprocess.run([sys.executable, str(Path(__file__).parent / "gen_repo.py"), str(source), "--commits",
                        str(commits), "--files", str(files), "--force"], check=True, capture_output=True)
    clone = work / "repo"
    git(work, "clone", "-q", str(source), str(clone))
    body = "".join(f"    int field{i} = {i}; // {i}\n" for i in range(1994))
    (clone / BIG).parent.mkdir(parents=True, exist_ok=True)
    (clone / BIG).write_text(f"package bench;\n\n/** Big. */\npublic class Big {{\n{body}}}\n")
    git(clone, "add", BIG)
    git(clone, "-c", "user.name=Bench", "-c", "user.email=bench@example.com", "commit", "-qm", "a 2,000-line file")
    return clone


def wait(condition: Callable[[], bool], what: str, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


def timed(client: FlaskClient, n: int, method: str, path: str, **kwargs: Any) -> list[float]:
    """``n`` timings in ms after two warming requests (the first one's time is printed as a cold view)."""
    out = []
    for _ in range(n + 2):
        start = time.perf_counter()
        r = client.open(path, method=method, **kwargs)
        out.append((time.perf_counter() - start) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{method} {path}: {r.status_code} {r.get_data(as_text=True)[:300]}")
    first.append(out[0])
    return out[2:]  # the first two warm caches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo", type=Path, nargs="?")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--files", type=int, default=300, help="files in the generated repository's first commit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        work = Path(tmp)
        repo = prepare(args.repo, args.commits, work, args.files)
        (work / "data").mkdir()
        env = server_env(work / "data", None, CODEANNALS_LOCAL_REPO_ROOTS=str(work),
                         CODEANNALS_ACCESS_TOKEN_MINUTES="600")  # outlives a long import
        container = Container(Settings.from_env(env))
        app = create_app(container=container)
        client = app.test_client()
        try:
            client.post("/api/user/registration", json={"username": "bench", "password": "password1"})
            jwt = client.post("/api/user/auth", json={"username": "bench", "password": "password1"}).get_json()[
                "accessToken"]
            h = {"Authorization": jwt}
            pid = client.post("/api/projects", json={"name": "bench", "vcsUrl": str(repo)}, headers=h).get_json()["id"]
            client.post(f"/api/projects/{pid}/filePatterns", json={"pattern": "**/*.java", "inclusionType": "INCLUDE"},
                        headers=h)
            client.post(f"/api/projects/{pid}/analyzers", json={"analyzerName": LOC, "enabled": True}, headers=h)
            started = time.perf_counter()
            wait(lambda: client.get(f"/api/projects/{pid}/import", headers=h).get_json()["status"] == "DONE", "import")
            client.post(f"/api/projects/{pid}/analyze", json=[], headers=h)
            wait(lambda: not client.get(f"/api/projects/{pid}/analyzingStatus", headers=h).get_json()["status"],
                 "analysis")
            head = git(repo, "rev-parse", "HEAD").strip()
            files = int(git(repo, "ls-files").count("\n"))
            print(f"repository: {int(git(repo, 'rev-list', '--count', 'HEAD'))} commits, {files} files at the head; "
                  f"import + analysis {time.perf_counter() - started:.1f} s")
            form = client.get("/signin").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token
            client.post("/signin", data={"username": "bench", "password": "password1", "csrf_token": token.group(1)})
            tree = {"commit": head, "metrics": ["coderadar:size:loc:java"]}
            cases = [
                ("home page", ("GET", "/", {}), ("GET", "/api/projects", {"headers": h})),
                ("commit list", ("GET", f"/ui/projects/{pid}", {}),
                 ("GET", f"/api/projects/{pid}/commits", {"headers": h})),
                ("code map of the head", ("GET", f"/ui/projects/{pid}/codemap", {}),
                 ("POST", f"/api/projects/{pid}/metricvalues/tree", {"headers": h, "json": tree})),
                ("2,000-line file", ("GET", f"/ui/projects/{pid}/files/{head}/{BIG}", {}),
                 ("POST", f"/api/projects/{pid}/files/content",
                  {"headers": h, "json": {"commitHash": head, "filepath": BIG}})),
            ]
            print(f"{'page':24} {'p50 ms':>8} {'p90 ms':>8} {'first ms':>8} {'API p50':>8} {'ratio':>6}")
            for name, (method, path, kw), (bmethod, bpath, bkw) in cases:
                page = timed(client, args.requests, method, path, **kw)
                cold = first[-1]
                base = timed(client, args.requests, bmethod, bpath, **bkw)
                p50, p90 = statistics.median(page), statistics.quantiles(page, n=10)[-1]
                b50 = statistics.median(base)
                print(f"{name:24} {p50:8.1f} {p90:8.1f} {cold:8.1f} {b50:8.1f} {p50 / b50:6.2f}")
        finally:
            container.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
