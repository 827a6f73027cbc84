"""Walk every commit of a repository with its file changes (rename detection included) and compare
with ``git log --all -M --name-status`` on the same repository.

    python bench/git_walk.py PATH_TO_REPO [--processes 2] [--chunk 128] [--limit N]

Prints commits/s, wall and CPU time, peak memory (``ru_maxrss``) and the ratio to git's wall time.
With ``--processes N`` the changes are computed by N worker processes on consecutive chunks of
commits (as the history importer does); the commit walk itself stays in this process.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import subprocess
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from interfaces.history import CommitInfo, GitReader

_reader: GitReader | None = None


def _init(path: str) -> None:
    global _reader
    _reader = GitReader(path)


def _chunk(infos: list[CommitInfo]) -> tuple[int, float, float]:
    """(changes, seconds in merges, seconds in other commits) for a chunk of commits."""
    assert _reader is not None
    changes = 0
    merges = others = 0.0
    for info in infos:
        started = time.perf_counter()
        changes += len(_reader.changes(info))
        spent = time.perf_counter() - started
        if info.is_merge:
            merges += spent
        else:
            others += spent
    return changes, merges, others


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def walk(path: str, processes: int, chunk: int, limit: int | None) -> dict[str, float]:
    started = time.perf_counter()
    cpu_started = _cpu()
    commits = changes = merges = 0
    merge_seconds = other_seconds = 0.0
    with GitReader(path) as reader:
        infos = reader.commits()
        if processes <= 1:
            for info in infos:
                t = time.perf_counter()
                changes += len(reader.changes(info))
                if info.is_merge:
                    merges += 1
                    merge_seconds += time.perf_counter() - t
                else:
                    other_seconds += time.perf_counter() - t
                commits += 1
                if limit and commits >= limit:
                    break
        else:
            listed = list(infos)[:limit] if limit else list(infos)
            commits = len(listed)
            merges = sum(1 for info in listed if info.is_merge)
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(processes, mp_context=context, initializer=_init, initargs=(path,)) as pool:
                pending: list[Future[tuple[int, float, float]]] = [
                    pool.submit(_chunk, listed[i : i + chunk]) for i in range(0, len(listed), chunk)
                ]
                for future in pending:
                    count, in_merges, in_others = future.result()
                    changes += count
                    merge_seconds += in_merges
                    other_seconds += in_others
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "commits": commits,
        "merges": merges,
        "changes": changes,
        "wall": wall,
        "cpu": _cpu() - cpu_started,
        "merge_seconds": merge_seconds,
        "other_seconds": other_seconds,
        "peak_mb": own,
        "peak_child_mb": children,
    }


def git_log_seconds(path: str) -> tuple[float, int]:
    started = time.perf_counter()
    out = subprocess.run(
        ["git", "log", "--all", "-M", "--name-status", "--format=%H"],
        cwd=path, capture_output=True, check=True,
    ).stdout
    return time.perf_counter() - started, out.count(b"\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo")
    parser.add_argument("--processes", type=int, default=1, help="worker processes computing the changes")
    parser.add_argument("--chunk", type=int, default=128, help="consecutive commits per worker task")
    parser.add_argument("--limit", type=int, default=None, help="stop after this many commits")
    args = parser.parse_args()

    result = walk(args.repo, args.processes, args.chunk, args.limit)
    git_seconds, git_lines = git_log_seconds(args.repo)
    rate = result["commits"] / result["wall"]
    print(f"repository       {args.repo}")
    print(f"commits          {result['commits']:.0f} ({result['merges']:.0f} merges), "
          f"{result['changes']:.0f} file changes")
    print(f"processes        {args.processes}")
    print(f"wall             {result['wall']:.1f} s  ->  {rate:.0f} commits/s")
    print(f"cpu              {result['cpu']:.1f} s (this process and its workers)")
    print(f"  in merges      {result['merge_seconds']:.1f} s, other commits {result['other_seconds']:.1f} s")
    peak = f"{result['peak_mb']:.0f} MB"
    if args.processes > 1:
        peak += f" (largest worker {result['peak_child_mb']:.0f} MB)"
    print(f"peak memory      {peak}")
    print(f"git log --all -M --name-status: {git_seconds:.1f} s ({git_lines} lines); "
          f"ratio {result['wall'] / git_seconds:.1f}x git's wall time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
