"""Full-history equality check of ``GitReader.changes``: every commit's file changes computed by
the current code against a pickled dump made once with a reference version of the code.

    python bench/perf_check_changes.py REPO --dump OUT.pickle      # with the reference code
    python bench/perf_check_changes.py REPO --check OUT.pickle     # with the code under test
    python bench/perf_check_changes.py REPO --check OUT.pickle --processes 2 --chunk 128

The dump is ``{commit sha: [FileChange fields as a tuple, ...]}`` in the reader's order. With
``--processes N`` the commits are spread over N worker processes in consecutive chunks, the way
the importer does, so caches that depend on which commits a reader saw before are exercised too.
"""

from __future__ import annotations

import argparse
import multiprocessing
import pickle
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from interfaces.history import CommitInfo, FileChange, GitReader

Row = tuple[object, ...]

_reader: GitReader | None = None


def _fields(change: FileChange) -> Row:
    return (
        str(change.kind),
        change.path,
        change.old_path,
        change.old_blob,
        change.new_blob,
        change.old_mode,
        change.new_mode,
        change.similarity,
        change.parent,
    )


def _init(path: str) -> None:
    global _reader
    _reader = GitReader(path)


def _chunk(infos: list[CommitInfo]) -> list[tuple[str, list[Row]]]:
    assert _reader is not None
    return [(info.hash, [_fields(c) for c in _reader.changes(info)]) for info in infos]


def compute(path: str, processes: int, chunk: int) -> dict[str, list[Row]]:
    with GitReader(path) as reader:
        infos = list(reader.commits())
        if processes <= 1:
            return {info.hash: [_fields(c) for c in reader.changes(info)] for info in infos}
    out: dict[str, list[Row]] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context, initializer=_init, initargs=(path,)) as pool:
        futures = [pool.submit(_chunk, infos[i : i + chunk]) for i in range(0, len(infos), chunk)]
        for future in futures:
            out.update(future.result())
    return out


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--dump", help="write the changes of every commit to this pickle")
    group.add_argument("--check", help="compare the changes of every commit with this pickle")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=128)
    args = parser.parse_args()

    started = time.perf_counter()
    cpu = _cpu()
    result = compute(args.repo, args.processes, args.chunk)
    total = sum(len(v) for v in result.values())
    print(f"{len(result)} commits, {total} changes, {time.perf_counter() - started:.1f} s wall, "
          f"{_cpu() - cpu:.1f} s cpu")
    if args.dump:
        with open(args.dump, "wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        print(f"written to {args.dump}")
        return 0
    with open(args.check, "rb") as f:
        expected: dict[str, list[Row]] = pickle.load(f)
    bad = 0
    if result.keys() != expected.keys():
        print(f"different commits: {len(result.keys() ^ expected.keys())} differ")
        bad += 1
    for sha, rows in expected.items():
        got = result.get(sha)
        if got != rows:
            bad += 1
            if bad <= 5:
                missing = [r for r in rows if r not in (got or [])]
                extra = [r for r in got or [] if r not in rows]
                print(f"commit {sha}: {len(missing)} missing, {len(extra)} extra, order same: "
                      f"{sorted(rows) == sorted(got or [])}")
                for r in missing[:3]:
                    print("  missing", r)
                for r in extra[:3]:
                    print("  extra  ", r)
    if bad:
        print(f"FAILED: {bad} commits differ")
        return 1
    print("OK: identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
