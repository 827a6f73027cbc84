"""Time and memory of the report parsers on large generated inputs.

    .venv/bin/python bench/parse_reports.py [--cases 200000] [--size-mb 100] [--files 20000] [--keep DIR]

Generates (into a temporary directory, or DIR with --keep) a JUnit XML file of ``--cases`` test cases
and about ``--size-mb`` MB (1,000 suites; 10% of the cases fail with multi-kilobyte stack traces,
some print output), a single-suite variant of it, and coverage reports of ``--files`` files in each
format (JaCoCo, Cobertura, Clover, LCOV, Go). Each parse then runs in a fresh subprocess that reports

* the parse time (wall clock),
* the extra peak resident memory: ``ru_maxrss`` after the parse minus the resident size before it,
* in a second run, the peak of Python allocations under ``tracemalloc`` (slower; time not reported).

The parser reads the file as a stream (``open(path, "rb")``), as an upload handler would.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

JUNIT_SCENARIOS = {
    "junit iter_junit (case by case)": "junit_stream",
    "junit iter_test_suites (suite by suite)": "junit_suites",
    "junit parse_junit (everything in memory)": "junit_all",
}
COVERAGE_FORMATS = ["jacoco", "cobertura", "clover", "lcov", "go"]


# -- generators ----------------------------------------------------------------------------------

def _trace(rng: random.Random, size: int) -> str:
    frames = []
    length = 0
    while length < size:
        frame = (f"    at com.example.module{rng.randrange(100)}.Service{rng.randrange(1000)}"
                 f".method{rng.randrange(50)}(Service.java:{rng.randrange(1, 2000)})\n")
        frames.append(frame)
        length += len(frame)
    return "".join(frames)


def write_junit(path: Path, cases: int, size_mb: float, per_suite: int) -> dict[str, int]:
    """A JUnit file; returns the expected counts."""
    rng = random.Random(42)
    failures = cases // 10
    skipped = cases // 50
    passing = cases - failures - skipped
    # bytes left for stack traces so that the file reaches the requested size
    budget = size_mb * 1_000_000 - cases * 150
    trace_size = max(200, int(budget / max(failures, 1)))
    traces = [_trace(rng, trace_size) for _ in range(50)]
    statuses = ["F"] * failures + ["S"] * skipped + ["P"] * passing
    rng.shuffle(statuses)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="bench">\n')
        for start in range(0, cases, per_suite):
            suite = start // per_suite
            out.write(f'<testsuite name="com.example.module{suite}.ServiceTest" tests="{per_suite}" '
                      f'timestamp="2024-03-05T10:20:11" hostname="ci" time="12.5">\n<properties/>\n')
            for number in range(start, min(start + per_suite, cases)):
                attrs = (f'name="shouldHandleCase{number}WithAReasonablyLongName()" '
                         f'classname="com.example.module{suite}.ServiceTest" time="0.{number % 1000:03d}"')
                status = statuses[number]
                if status == "P":
                    if number % 20 == 0:
                        out.write(f"<testcase {attrs}><system-out><![CDATA[log line for {number}\n]]>"
                                  "</system-out></testcase>\n")
                    else:
                        out.write(f"<testcase {attrs}/>\n")
                elif status == "S":
                    out.write(f'<testcase {attrs}><skipped message="disabled"/></testcase>\n')
                else:
                    out.write(f'<testcase {attrs}><failure message="expected: &lt;{number}&gt; but was: '
                              f'&lt;0&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA['
                              f"org.opentest4j.AssertionFailedError: expected: <{number}> but was: <0>\n"
                              f"{traces[number % len(traces)]}]]></failure></testcase>\n")
            out.write("</testsuite>\n")
        out.write("</testsuites>\n")
    return {"tests": cases, "failures": failures, "skipped": skipped}


def _file_lines(rng: random.Random) -> list[tuple[int, int]]:
    """(line number, hits) for one source file: 20 to 80 executable lines, ~85% covered."""
    count = rng.randrange(20, 81)
    numbers = sorted(rng.sample(range(1, count * 3), count))
    return [(n, 0 if rng.random() < 0.15 else rng.randrange(1, 50)) for n in numbers]


def write_coverage(path: Path, fmt: str, files: int) -> tuple[int, int]:
    """A coverage report in ``fmt``; returns (covered, missed) lines."""
    rng = random.Random(7)
    covered = missed = 0
    with path.open("w", encoding="utf-8") as out:
        if fmt == "jacoco":
            out.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC '
                      '"-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="bench">')
        elif fmt == "cobertura":
            out.write('<?xml version="1.0" ?>\n<coverage version="7" line-rate="0.85" branch-rate="0">'
                      "\n<sources><source>/src</source></sources>\n<packages>\n")
        elif fmt == "clover":
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n<coverage generated="1" clover="4.5.2">'
                      '<project name="bench">\n')
        elif fmt == "go":
            out.write("mode: count\n")
        for number in range(files):
            lines = _file_lines(rng)
            hit = sum(1 for _, h in lines if h)
            miss = len(lines) - hit
            covered += hit
            missed += miss
            package = f"com/example/module{number // 100}"
            name = f"Source{number}.java"
            if fmt == "jacoco":
                if number % 100 == 0:
                    if number:
                        out.write("</package>")
                    out.write(f'<package name="{package}">')
                out.write(f'<class name="{package}/Source{number}" sourcefilename="{name}">'
                          f'<counter type="LINE" missed="{miss}" covered="{hit}"/></class>')
                out.write(f'<sourcefile name="{name}">')
                out.write("".join(f'<line nr="{n}" mi="{0 if h else 3}" ci="{3 if h else 0}" mb="0" cb="0"/>'
                                  for n, h in lines))
                out.write(f'<counter type="INSTRUCTION" missed="{miss * 3}" covered="{hit * 3}"/>'
                          f'<counter type="LINE" missed="{miss}" covered="{hit}"/></sourcefile>')
            elif fmt == "cobertura":
                out.write(f'<package name="{package}"><classes><class name="Source{number}" '
                          f'filename="{package}/{name}" line-rate="0" branch-rate="0"><methods/><lines>\n')
                out.write("".join(f'<line number="{n}" hits="{h}"/>\n' for n, h in lines))
                out.write("</lines></class></classes></package>\n")
            elif fmt == "clover":
                out.write(f'<file name="{name}" path="/src/{package}/{name}"><metrics statements="{len(lines)}" '
                          f'coveredstatements="{hit}" conditionals="0" coveredconditionals="0"/>\n')
                out.write("".join(f'<line num="{n}" count="{h}" type="stmt"/>\n' for n, h in lines))
                out.write("</file>\n")
            elif fmt == "lcov":
                out.write(f"TN:\nSF:/src/{package}/{name}\n")
                out.write("".join(f"DA:{n},{h}\n" for n, h in lines))
                out.write(f"LF:{len(lines)}\nLH:{hit}\nend_of_record\n")
            elif fmt == "go":
                # one block per line, one statement each
                out.write("".join(f"example.com/{package}/{name}:{n}.2,{n}.30 1 {h}\n" for n, h in lines))
        if fmt == "jacoco":
            out.write("</package></report>")
        elif fmt == "cobertura":
            out.write("</packages>\n</coverage>\n")
        elif fmt == "clover":
            out.write("</project></coverage>\n")
    return covered, missed


# -- measurement (in a child process) ------------------------------------------------------------

def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _parse(kind: str, path: str) -> dict[str, Any]:
    from domain.testing import TestCase, summarize
    from interfaces.testing.parsers import iter_junit, iter_test_suites, parse_coverage, parse_junit

    with open(path, "rb") as stream:
        if kind == "junit_stream":
            tests = 0
            for item in iter_junit(stream):
                tests += isinstance(item, TestCase)
            return {"tests": tests}
        if kind == "junit_suites":
            total = summarize(iter_test_suites(stream))
            return {"tests": total.tests, "failures": total.failures, "skipped": total.skipped}
        if kind == "junit_all":
            suites = parse_junit(stream)
            total = summarize(suites)
            return {"tests": total.tests, "failures": total.failures, "skipped": total.skipped}
        report = parse_coverage(stream)
        return {"files": len(report.files), "covered": report.totals.covered, "missed": report.totals.missed,
                "percent": report.percent}


def child(kind: str, path: str, traced: bool) -> None:
    import interfaces.testing.parsers  # noqa: F401  (imports are not part of the measurement)

    if traced:
        tracemalloc.start()
        result = _parse(kind, path)
        _, peak = tracemalloc.get_traced_memory()
        print(json.dumps({"result": result, "traced_peak": peak}))
        return
    before = _rss_bytes()
    start = time.perf_counter()
    result = _parse(kind, path)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"result": result, "seconds": seconds, "rss_before": before, "rss_peak": peak}))


def measure(kind: str, path: Path) -> dict[str, Any]:
    def run(traced: bool) -> dict[str, Any]:
        args = [sys.executable, __file__, "--child", kind, str(path)] + (["--traced"] if traced else [])
        done = subprocess.run(args, check=True, capture_output=True, text=True)
        return dict(json.loads(done.stdout))

    plain = run(traced=False)
    plain["traced_peak"] = run(traced=True)["traced_peak"]
    return plain


# -- main ----------------------------------------------------------------------------------------

def _mb(n: float) -> str:
    return f"{n / 1_000_000:8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="write the inputs here and keep them")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.traced)
        return

    temporary = None
    if args.keep:
        workdir = args.keep
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        temporary = tempfile.TemporaryDirectory(prefix="parse-reports-")
        workdir = Path(temporary.name)
    try:
        rows: list[tuple[str, str, int, dict[str, Any]]] = []  # label, kind, input size, measurement

        started = time.perf_counter()
        junit = workdir / "junit.xml"
        expected = write_junit(junit, args.cases, args.size_mb, per_suite=max(1, args.cases // 1000))
        single = workdir / "junit-one-suite.xml"
        write_junit(single, args.cases, args.size_mb, per_suite=args.cases)
        coverage_files = {}
        coverage_expected = {}
        for fmt in COVERAGE_FORMATS:
            coverage_files[fmt] = workdir / f"coverage.{fmt}"
            coverage_expected[fmt] = write_coverage(coverage_files[fmt], fmt, args.files)
        print(f"generated inputs in {time.perf_counter() - started:.1f} s under {workdir}\n")

        for label, kind in JUNIT_SCENARIOS.items():
            rows.append((f"{label}, 1000 suites", kind, junit.stat().st_size, measure(kind, junit)))
        rows.append(("junit iter_junit, one suite of all cases", "junit_stream", single.stat().st_size,
                     measure("junit_stream", single)))
        for fmt in COVERAGE_FORMATS:
            rows.append((f"coverage {fmt}, {args.files} files", fmt, coverage_files[fmt].stat().st_size,
                         measure(fmt, coverage_files[fmt])))

        print(f"{'input':52} {'MB':>8} {'seconds':>8} {'MB/s':>7} {'RSS+ MB':>8} {'py peak MB':>10}  result")
        for label, _, size, m in rows:
            extra = m["rss_peak"] - m["rss_before"]
            print(f"{label:52} {_mb(size)} {m['seconds']:8.2f} {size / 1e6 / m['seconds']:7.1f} {_mb(extra)} "
                  f"{_mb(m['traced_peak']):>10}  {m['result']}")

        for label, kind, _, m in rows:
            result = m["result"]
            if kind.startswith("junit"):
                ok = result["tests"] == expected["tests"]
            else:
                ok = (result["covered"], result["missed"]) == coverage_expected[kind]
            if not ok:
                raise SystemExit(f"{label}: unexpected result {result}")
        print(f"\nall {len(rows)} results match the generated counts "
              f"({expected['tests']} cases, {expected['failures']} failures, {expected['skipped']} skipped)")
    finally:
        if temporary is not None:
            temporary.cleanup()


if __name__ == "__main__":
    main()
