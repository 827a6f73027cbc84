"""Measure the speed of the line counter (``LocAnalyzer``) over a directory of source files.

    .venv/bin/python bench/loc_speed.py [DIR ...] [--repeat N] [--profile]

Reads every file the analyzer accepts under the given directories (default: ``/usr/include`` and
the Python standard library) into memory first, then times ``analyze`` alone on one core and prints
MB/s overall and per extension.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import sysconfig
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.analysis.loc import LocAnalyzer


def _default_dirs() -> list[str]:
    candidates = ["/usr/include", sysconfig.get_paths()["stdlib"]]
    return [d for d in candidates if os.path.isdir(d)]


def load(dirs: list[str], analyzer: LocAnalyzer, limit_bytes: int) -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    total = 0
    for root_dir in dirs:
        for root, _dirnames, names in os.walk(root_dir):
            for name in sorted(names):
                path = os.path.join(root, name)
                if not analyzer.accepts(path) or not os.path.isfile(path):
                    continue
                try:
                    with open(path, "rb") as handle:
                        content = handle.read()
                except OSError:
                    continue
                files.append((path, content))
                total += len(content)
                if total >= limit_bytes:
                    return files
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("dirs", nargs="*", help="directories to read sources from")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the best one counts")
    parser.add_argument("--limit-mb", type=float, default=200.0, help="stop loading after this much")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one pass")
    args = parser.parse_args(argv)

    analyzer = LocAnalyzer()
    dirs = args.dirs or _default_dirs()
    files = load(dirs, analyzer, int(args.limit_mb * 1024 * 1024))
    total = sum(len(c) for _p, c in files)
    if not files:
        print("no source files found under", ", ".join(dirs))
        return 1
    per_ext_bytes: dict[str, int] = defaultdict(int)
    suffixes = [analyzer.cache_key(path).rsplit(":", 1)[-1] for path, _content in files]
    lines = 0
    for (path, content), suffix in zip(files, suffixes, strict=True):
        per_ext_bytes[suffix] += len(content)
        lines += analyzer.analyze(path, content).metrics[f"coderadar:size:loc:{suffix}"]

    best = best_cpu = float("inf")
    best_per_ext: dict[str, float] = {}
    for _pass in range(max(1, args.repeat)):
        per_ext_time: dict[str, float] = defaultdict(float)
        start, start_cpu = time.perf_counter(), time.process_time()
        for (path, content), suffix in zip(files, suffixes, strict=True):
            t0 = time.perf_counter()
            analyzer.analyze(path, content)
            per_ext_time[suffix] += time.perf_counter() - t0
        elapsed = time.perf_counter() - start
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
        if elapsed < best:
            best, best_per_ext = elapsed, per_ext_time
    mb = total / 1e6
    print(f"{len(files)} files, {mb:.1f} MB, {lines} lines from {', '.join(dirs)}")
    print(
        f"LOC analyzer, one core, best of {args.repeat}: {mb / best:.1f} MB/s wall clock "
        f"({lines / best / 1e6:.2f} M lines/s), {mb / best_cpu:.1f} MB/s of CPU time"
    )
    for suffix in sorted(per_ext_bytes, key=lambda e: -per_ext_bytes[e])[:10]:
        size = per_ext_bytes[suffix] / 1e6
        spent = best_per_ext.get(suffix)
        speed = f"{size / spent:6.1f} MB/s" if spent else ""
        print(f"  .{suffix:<8} {size:8.1f} MB  {speed}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for path, content in files:
            analyzer.analyze(path, content)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(12)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
