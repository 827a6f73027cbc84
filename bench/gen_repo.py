"""Generate a git repository for benchmarks: N commits by several authors, with additions, changes,
deletions, renames and merged side branches (``git fast-import``; deterministic for a seed).

Usage: python bench/gen_repo.py PATH [--commits 20000] [--files 2000] [--branch-every 50] [--seed 7]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.gitrepo import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--commits", type=int, default=20000)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--branch-every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--force", action="store_true", help="replace PATH if it exists")
    args = parser.parse_args()
    if args.path.exists():
        if not args.force:
            raise SystemExit(f"{args.path} exists (use --force to replace it)")
        shutil.rmtree(args.path)
    started = time.perf_counter()
    repo = generate(args.path, args.commits, files=args.files, branch_every=args.branch_every, seed=args.seed)
    count = repo.git("rev-list", "--all", "--count").strip()
    print(f"{args.path}: {count} commits in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
