"""Unseeded schemathesis over every operation of the server's OpenAPI document, ``--checks all``,
with many examples per operation (the suite's fuzz test uses a fixed seed and few examples).

    python bench/fuzz.py [--examples 30] [--backend sqlite|postgres] [--workers 1]

Starts a real server (a fresh data directory; a fresh PostgreSQL database with ``--backend
postgres``), fuzzes it as a platform admin with a project (the user operations last, so the fuzzer
keeps its identity), and prints each pass's summary, the number of requests the server answered,
how many of them were 5xx, and the requests per second. Exits non-zero when a check failed or any
answer was a 5xx.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import fuzz
from tests.support.databases import postgres_database, server_env
from tests.support.server import ServerProcess

ACCESS_LINE = re.compile(r'"[A-Z]+ [^"]*" (\d{3}) ')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=30, help="examples per operation (at least 30)")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="concurrent schemathesis workers")
    args = parser.parse_args()
    if args.examples < 30:
        parser.error("--examples must be at least 30")
    with tempfile.TemporaryDirectory(prefix="codeannals-fuzz-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        data = work / "data"
        data.mkdir()
        url = stack.enter_context(postgres_database()) if args.backend == "postgres" else None
        log = work / "server.log"
        env = {**server_env(data, url), "CODEANNALS_READ_WAIT_SECONDS": "2"}
        with ServerProcess(env, log_path=log) as server:
            token = fuzz.prepare(server.url)
            started = time.monotonic()
            passes = fuzz.run(server.url, token, args.examples, work, seed=None, workers=args.workers,
                              timeout=6 * 3600)
            elapsed = time.monotonic() - started
        statuses = [int(m.group(1)) for m in ACCESS_LINE.finditer(log.read_text(errors="replace"))]
        server_errors = sum(1 for s in statuses if s >= 500)
        for result in passes:
            print(f"--- {result.name}: exit {result.returncode}")
            print(result.summary.strip())
            if result.returncode:
                print(result.failures[:20000])
        tested = sum(p.tested[0] for p in passes)
        print(f"\nbackend {args.backend}, {args.examples} examples per operation, unseeded")
        print(f"operations tested: {tested} of {passes[0].tested[1]} (the password change is left out)")
        print(f"test cases generated: {sum(p.generated for p in passes)}")
        print(f"requests answered: {len(statuses)} in {elapsed:.0f} s ({len(statuses) / max(elapsed, 1e-9):.1f}/s)")
        print(f"5xx answers: {server_errors}")
        failed = [p.name for p in passes if p.returncode]
        print("checks: " + ("FAILED in " + "; ".join(failed) if failed else "all passed"))
        sys.exit(1 if failed or server_errors else 0)


if __name__ == "__main__":
    main()
