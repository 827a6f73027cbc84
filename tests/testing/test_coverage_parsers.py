"""Coverage reports: real coverage.py output checked against its JSON, and JaCoCo, Cobertura, Clover,
LCOV and Go files written from their schemas."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from domain.testing import CoverageFormat, CoverageReport, FileCoverage, LineCounters
from interfaces.testing.parsers import (
    ReportError,
    detect_coverage_format,
    parse_clover,
    parse_cobertura,
    parse_coverage,
    parse_go_coverprofile,
    parse_jacoco,
    parse_lcov,
)

FIXTURES = Path(__file__).parent / "fixtures"

# A small program for coverage.py: some lines and branches run, others not.
PROGRAM = {
    "shop/__init__.py": "",
    "shop/cart.py": '''\
class Cart:
    def __init__(self):
        self.items = []

    def add(self, name, price):
        if price < 0:
            raise ValueError("negative price")
        self.items.append((name, price))

    def total(self, tax=0):
        total = sum(price for _, price in self.items)
        if tax:
            total = total * (1 + tax)
        return round(total, 2)

    def clear(self):
        self.items = []
        return self
''',
    "shop/coupons.py": '''\
def apply(total, code):
    if code == "TEN":
        return total * 0.9
    elif code == "HALF":
        return total / 2
    return total


def unused(x):
    y = x * 2
    if y > 10:
        return y
    return 0
''',
    "main.py": '''\
from shop.cart import Cart
from shop.coupons import apply

cart = Cart()
cart.add("apple", 1.5)
cart.add("pear", 2)
for code in ("TEN", "NONE"):
    print(apply(cart.total(), code))
''',
}


def _coverage(work: Path, *args: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "COVERAGE_FILE": str(work / ".coverage")}
    subprocess.run([sys.executable, "-m", "coverage", *args], cwd=work, check=True, capture_output=True,
                   env=env, timeout=120)


@pytest.fixture(scope="module", params=["lines", "branches"])
def coverage_py_reports(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Cobertura XML, LCOV and JSON reports written by coverage.py for PROGRAM."""
    pytest.importorskip("coverage")
    work = tmp_path_factory.mktemp(f"coverage-{request.param}")
    for name, text in PROGRAM.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    branch = ["--branch"] if request.param == "branches" else []
    _coverage(work, "run", *branch, "main.py")
    _coverage(work, "xml", "-o", "coverage.xml")
    _coverage(work, "lcov", "-o", "coverage.lcov")
    _coverage(work, "json", "-o", "coverage.json")
    return {
        "branch": bool(branch),
        "xml": (work / "coverage.xml").read_bytes(),
        "lcov": (work / "coverage.lcov").read_bytes(),
        "json": json.loads((work / "coverage.json").read_text()),
    }


@pytest.mark.parametrize("kind", ["xml", "lcov"])
def test_coverage_py_reports_match_its_json(coverage_py_reports: dict[str, Any], kind: str) -> None:
    report = parse_coverage(coverage_py_reports[kind])
    assert report.format is (CoverageFormat.COBERTURA if kind == "xml" else CoverageFormat.LCOV)
    truth = coverage_py_reports["json"]
    files = {f.path: f for f in report.files}
    assert set(files) == set(truth["files"])
    for path, facts in truth["files"].items():
        summary = facts["summary"]
        parsed = files[path]
        assert parsed.covered == summary["covered_lines"], path
        assert parsed.missed == summary["missing_lines"], path
        assert list(parsed.missed_lines) == facts["missing_lines"], path
        if summary["num_statements"]:
            assert parsed.percent == pytest.approx(summary["percent_statements_covered"], abs=0.005)
        else:  # coverage.py says 100% for an empty file; Projektor's rule says 0 when nothing to cover
            assert parsed.percent == 0.0
        if coverage_py_reports["branch"] and summary["num_branches"]:
            assert parsed.branches == LineCounters(summary["covered_branches"], summary["missing_branches"])
            partial = sorted({source for source, _ in facts["missing_branches"]} - set(facts["missing_lines"]))
            assert list(parsed.partial_lines) == partial
        elif not coverage_py_reports["branch"]:
            assert parsed.branches is None
    totals = truth["totals"]
    assert report.totals == LineCounters(totals["covered_lines"], totals["missing_lines"])
    assert report.percent == pytest.approx(totals["percent_statements_covered"], abs=0.005)
    if not coverage_py_reports["branch"]:  # without branches coverage.py's own percentage is the line one
        assert report.percent == pytest.approx(totals["percent_covered"], abs=0.005)
    else:
        assert report.branch_totals == LineCounters(totals["covered_branches"], totals["missing_branches"])


def test_coverage_py_reports_agree_with_each_other(coverage_py_reports: dict[str, Any]) -> None:
    xml = parse_coverage(coverage_py_reports["xml"], base_directory="services/shop")
    lcov = parse_coverage(io.BytesIO(coverage_py_reports["lcov"]), base_directory="services/shop/")
    assert [f.path for f in xml.files] == [f.path for f in lcov.files]
    assert all(path.startswith("services/shop/") for path in (f.path for f in xml.files))
    assert [(f.covered, f.missed, f.branches, f.missed_lines, f.partial_lines) for f in xml.files] == [
        (f.covered, f.missed, f.branches, f.missed_lines, f.partial_lines) for f in lcov.files
    ]


# -- JaCoCo --------------------------------------------------------------------------------------

def test_jacoco_fixture() -> None:
    report = parse_jacoco((FIXTURES / "jacoco.xml").read_bytes())
    assert report.format is CoverageFormat.JACOCO
    assert report.name == "shop"
    files = {f.path: f for f in report.files}
    assert list(files) == ["com/acme/shop/Cart.java", "com/acme/shop/util/Money.java", "App.java"]
    cart = files["com/acme/shop/Cart.java"]
    assert (cart.covered, cart.missed) == (7, 1)
    assert cart.branches == LineCounters(3, 1)
    assert cart.missed_lines == (14,)
    assert cart.partial_lines == (13,)
    money = files["com/acme/shop/util/Money.java"]
    assert (money.covered, money.missed, money.branches, money.missed_lines) == (1, 2, None, (6, 7))
    assert report.totals == LineCounters(9, 3)  # equals the report's own LINE counter
    assert report.percent == 75.0
    assert report.branch_totals == LineCounters(3, 1)


def _jacoco_xml(files: list[tuple[str, str, int, int]]) -> bytes:
    """A JaCoCo report: one class and source file per (package, file, covered lines, missed lines).

    The first covered line has a partly covered branch; missed lines come last.
    """
    def counters(pad: str, c: dict[str, tuple[int, int]]) -> list[str]:
        return [f'{pad}<counter type="{kind}" missed="{m}" covered="{cv}"/>' for kind, (m, cv) in c.items()]

    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC '
           '"-//JACOCO//DTD Report 1.1//EN" "report.dtd">', '<report name="generated">',
           '<sessioninfo id="ci-1" start="1709633000000" dump="1709633011000"/>']
    total = {"INSTRUCTION": [0, 0], "BRANCH": [0, 0], "LINE": [0, 0], "METHOD": [0, 0], "CLASS": [0, 0]}
    for package, name, covered, missed in files:
        c = {"INSTRUCTION": (missed * 3, covered * 3), "BRANCH": (1, 1), "LINE": (missed, covered),
             "METHOD": (0, 1), "CLASS": (0, 1)}
        for kind, (m, cv) in c.items():
            total[kind][0] += m
            total[kind][1] += cv
        klass = f"{package}/{name.removesuffix('.java')}"
        out.append(f'<package name="{package}">')
        out.append(f'<class name="{klass}" sourcefilename="{name}">')
        out.append('<method name="run" desc="()V" line="1">')
        out += counters("", c)
        out.append("</method>")
        out += counters("", c)
        out.append("</class>")
        out.append(f'<sourcefile name="{name}">')
        for nr in range(1, covered + missed + 1):
            if nr <= covered:
                branches = 'mb="1" cb="1"' if nr == 1 else 'mb="0" cb="0"'
                out.append(f'<line nr="{nr}" mi="0" ci="3" {branches}/>')
            else:
                out.append(f'<line nr="{nr}" mi="3" ci="0" mb="0" cb="0"/>')
        out += counters("", c)
        out.append("</sourcefile>")
        out += counters("", c)
        out.append("</package>")
    out += counters("", {kind: (m, cv) for kind, (m, cv) in total.items()})
    out.append("</report>")
    return "".join(out).encode()


def test_jacoco_reference_value() -> None:
    spec = [("com/acme/a", "A.java", 300, 10), ("com/acme/a", "B.java", 250, 5), ("com/acme/b", "C.java", 200, 5),
            ("com/acme/b/c", "D.java", 150, 3), ("com/acme/d", "E.java", 53, 2)]
    report = parse_coverage(_jacoco_xml(spec))
    assert report.format is CoverageFormat.JACOCO
    assert report.totals == LineCounters(953, 25)
    assert report.percent == 97.44
    assert report.files[0].partial_lines == (1,)
    assert report.files[0].missed_lines == tuple(range(301, 311))


# -- Cobertura -----------------------------------------------------------------------------------

def test_cobertura_java_fixture() -> None:
    report = parse_cobertura((FIXTURES / "cobertura-java.xml").read_bytes(), base_directory="src/main/java")
    files = {f.path: f for f in report.files}
    assert list(files) == ["src/main/java/com/acme/shop/Cart.java", "src/main/java/com/acme/shop/util/Money.java"]
    cart = files["src/main/java/com/acme/shop/Cart.java"]
    # two classes share the file; method lines are not counted twice; line 15 ran in the outer class
    assert (cart.covered, cart.missed) == (6, 2)
    assert cart.missed_lines == (14, 24)
    assert cart.partial_lines == (13,)
    assert cart.branches == LineCounters(1, 1)
    assert report.totals == LineCounters(8, 2)  # the root's lines-covered / lines-valid
    assert report.percent == 80.0


def _cobertura_xml(files: list[tuple[str, int, int]]) -> bytes:
    valid = sum(c + m for _, c, m in files)
    covered = sum(c for _, c, _ in files)
    out = ['<?xml version="1.0"?>',
           '<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">',
           f'<coverage line-rate="{covered / valid:.4f}" branch-rate="0" lines-covered="{covered}" '
           f'lines-valid="{valid}" branches-covered="0" branches-valid="0" complexity="0" version="2.1.1" '
           'timestamp="1709633000000">',
           "<sources><source>/home/ci/app/src</source></sources>", "<packages>"]
    for filename, hit, miss in files:
        out.append(f'<package name="{filename.rsplit("/", 1)[0].replace("/", ".")}" line-rate="0" branch-rate="0" '
                   'complexity="0"><classes>')
        out.append(f'<class name="{filename}" filename="{filename}" line-rate="0" branch-rate="0" complexity="0">')
        lines = [f'<line number="{n}" hits="{2 if n <= hit else 0}" branch="false"/>'
                 for n in range(1, hit + miss + 1)]
        out.append('<methods><method name="main" signature="()V" line-rate="0" branch-rate="0" complexity="0">')
        out.append("<lines>" + "".join(lines) + "</lines></method></methods>")
        out.append("<lines>" + "".join(lines) + "</lines>")
        out.append("</class></classes></package>")
    out.append("</packages></coverage>")
    return "\n".join(out).encode()


def test_cobertura_reference_value() -> None:
    report = parse_coverage(_cobertura_xml([("app/a.py", 100, 1), ("app/b.py", 80, 2), ("app/c/d.py", 51, 0)]))
    assert report.format is CoverageFormat.COBERTURA
    assert report.totals == LineCounters(231, 3)
    assert report.percent == 98.72


# -- Clover --------------------------------------------------------------------------------------

def test_clover_istanbul_fixture() -> None:
    report = parse_clover((FIXTURES / "clover-istanbul.xml").read_bytes())
    assert report.format is CoverageFormat.CLOVER
    assert report.name == "All files"
    files = {f.path: f for f in report.files}
    assert list(files) == ["/home/ci/app/index.js", "/home/ci/app/src/cart.js"]
    cart = files["/home/ci/app/src/cart.js"]
    assert (cart.covered, cart.missed) == (7, 3)
    assert cart.branches == LineCounters(3, 1)
    assert cart.missed_lines == (6, 12, 13)
    assert cart.partial_lines == (5,)
    assert report.totals == LineCounters(10, 3)
    assert report.percent == 76.92


def test_clover_openclover_fixture_ignores_test_sources() -> None:
    report = parse_coverage((FIXTURES / "clover-openclover.xml").read_bytes(), base_directory="/elsewhere")
    assert report.format is CoverageFormat.CLOVER
    files = {f.path: f for f in report.files}
    assert list(files) == ["/home/ci/shop/src/main/java/com/acme/shop/Cart.java",
                           "/home/ci/shop/src/main/java/com/acme/shop/Money.java"]  # absolute paths are kept
    cart = files["/home/ci/shop/src/main/java/com/acme/shop/Cart.java"]
    assert (cart.covered, cart.missed, cart.missed_lines, cart.partial_lines) == (5, 1, (18,), (15,))
    assert report.totals == LineCounters(5, 3)
    assert report.percent == 62.5


def test_clover_without_metrics_counts_statement_lines() -> None:
    report = parse_coverage(
        b'<coverage clover="4.5.2"><project name="p"><file name="a.php">'
        b'<line num="1" count="0" type="method"/><line num="2" count="1" type="stmt"/>'
        b'<line num="3" count="0" type="stmt"/><line num="4" truecount="0" falsecount="2" type="cond"/>'
        b"</file></project></coverage>"
    )
    (file,) = report.files
    assert (file.path, file.covered, file.missed, file.missed_lines, file.partial_lines) == ("a.php", 2, 1, (3,), (4,))


# -- Go ------------------------------------------------------------------------------------------

def test_go_reference_value() -> None:
    report = parse_go_coverprofile((FIXTURES / "go-coverprofile.out").read_bytes())
    assert report.format is CoverageFormat.GO
    assert report.totals == LineCounters(6, 6)
    assert report.percent == 50.0
    files = {f.path: f for f in report.files}
    cart = files["github.com/acme/shop/cart/cart.go"]
    assert (cart.covered, cart.missed) == (3, 1)  # repeated blocks are counted once, covered if any run hit them
    assert cart.missed_lines == (13, 14)
    assert cart.partial_lines == (12,)
    total = files["github.com/acme/shop/cart/total.go"]
    assert (total.covered, total.missed) == (3, 5)
    assert total.missed_lines == (13, 20, 21, 22, 23, 24)


@pytest.mark.parametrize("mode", ["set", "count", "atomic"])
def test_go_modes_and_merged_profiles(mode: str) -> None:
    hit = "1" if mode == "set" else "7"
    profile = (
        f"mode: {mode}\n"
        f"example.com/m/a.go:3.10,5.2 2 0\n"
        f"example.com/m/b.go:1.1,2.2 3 {hit}\n"
        f"mode: {mode}\n"  # a second package's profile appended
        f"example.com/m/a.go:3.10,5.2 2 {hit}\n"
        f"example.com/m/c.go:1.1,1.9 1 0\n"
    ).encode()
    report = parse_coverage(profile, base_directory="/src")
    assert [(f.path, f.covered, f.missed) for f in report.files] == [
        ("/src/example.com/m/a.go", 2, 0), ("/src/example.com/m/b.go", 3, 0), ("/src/example.com/m/c.go", 0, 1)]
    assert report.totals.percent == 83.33


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        (b"mode: fancy\na.go:1.1,2.2 1 1\n", "unknown mode"),
        (b"mode: set\na.go:1.1,2.2 one 1\n", "line 2"),
        (b"mode: set\na.go 1 1\n", "not a coverage block"),
        (b"mode: set\na.go:9.1,2.2 1 1\n", "invalid block position"),
    ],
)
def test_go_malformed(profile: bytes, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        parse_go_coverprofile(profile)
    with pytest.raises(ReportError):
        parse_go_coverprofile(b"a.go:1.1,2.2 1 1\n")  # no mode line


# -- LCOV ----------------------------------------------------------------------------------------

def test_lcov_records_are_merged_per_file() -> None:
    tracefile = b"\n".join([
        b"TN:unit", b"SF:src/a.c", b"FN:1,main", b"FNDA:1,main", b"DA:1,1", b"DA:2,0", b"DA:3,0",
        b"BRDA:2,0,0,1", b"BRDA:2,0,1,-", b"LF:3", b"LH:1", b"end_of_record",
        b"TN:integration", b"SF:src/a.c", b"DA:1,0", b"DA:2,4,abcdef", b"DA:3,0", b"BRDA:2,0,0,0", b"BRDA:2,0,1,2",
        b"end_of_record",
        b"TN:", b"SF:src/only_totals.c", b"LF:10", b"LH:4", b"BRF:4", b"BRH:1", b"end_of_record", b"",
    ])
    report = parse_lcov(tracefile)
    a, totals_only = report.files
    assert (a.path, a.covered, a.missed, a.missed_lines) == ("src/a.c", 2, 1, (3,))
    assert a.branches == LineCounters(1, 1)  # per line: the best of the records
    assert (totals_only.covered, totals_only.missed, totals_only.branches) == (4, 6, LineCounters(1, 3))
    assert report.totals == LineCounters(6, 7)


@pytest.mark.parametrize(
    ("tracefile", "message"),
    [
        (b"SF:a.c\nDA:x,1\nend_of_record\n", "line 2"),
        (b"DA:1,1\n", "outside a record"),
        (b"SF:a.c\nDA:1\nend_of_record\n", "expected DA"),
        (b"SF:a.c\nthis is not lcov\n", "unexpected line 2"),
        (b"TN:\n", "no SF record"),
    ],
)
def test_lcov_malformed(tracefile: bytes, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        parse_lcov(tracefile)


# -- detection -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("fixture", "format"),
    [
        ("jacoco.xml", CoverageFormat.JACOCO),
        ("cobertura-java.xml", CoverageFormat.COBERTURA),
        ("clover-istanbul.xml", CoverageFormat.CLOVER),
        ("clover-openclover.xml", CoverageFormat.CLOVER),
        ("go-coverprofile.out", CoverageFormat.GO),
    ],
)
def test_format_is_recognised_from_content(fixture: str, format: CoverageFormat, tmp_path: Path) -> None:
    data = (FIXTURES / fixture).read_bytes()
    assert detect_coverage_format(data) is format
    # the file name plays no part: save it under a misleading name and read it as a stream
    misleading = tmp_path / "report.txt"
    misleading.write_bytes(b"\xef\xbb\xbf\n  " + data)
    with misleading.open("rb") as stream:
        from_stream = parse_coverage(stream)
    assert from_stream == parse_coverage(data)
    assert from_stream.format is format


def test_detection_needs_more_than_one_chunk() -> None:
    # a long comment before the root element: detection reads on until it sees the root
    data = b"<?xml version='1.0'?>\n<!--" + b"x" * 200_000 + b"-->\n" + (FIXTURES / "jacoco.xml").read_bytes().split(
        b"?>", 1)[1]
    assert parse_coverage(data).totals == LineCounters(9, 3)
    lcov = b"\n" * 100_000 + b"SF:a.py\nDA:1,1\nend_of_record\n"
    assert parse_coverage(lcov).format is CoverageFormat.LCOV


@pytest.mark.parametrize(
    "data",
    [
        (FIXTURES / "gradle.xml").read_bytes(),  # test results, not coverage
        b"<html><body>coverage</body></html>",
        b'<coverage version="1"/>',  # neither Cobertura's nor Clover's
        b'{"totals": {"covered_lines": 3}}',  # coverage.py JSON
        b"hello world\n",
        b"Name    Stmts   Miss  Cover\n-----\nTOTAL   10  2  80%\n",  # coverage.py's text table
    ],
)
def test_unrecognised_content(data: bytes) -> None:
    with pytest.raises(ReportError, match="unrecognised coverage format"):
        parse_coverage(data)
    assert detect_coverage_format(data) is None


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", b"\xef\xbb\xbf"])
def test_empty_coverage_input(data: bytes) -> None:
    with pytest.raises(ReportError, match="empty"):
        parse_coverage(data)


def test_large_cobertura_report_streams(tmp_path: Path) -> None:
    spec = [(f"pkg{n // 100}/module{n}.py", 40 + n % 7, n % 5) for n in range(2_000)]
    data = _cobertura_xml(spec)
    report = parse_coverage(io.BufferedReader(io.BytesIO(data), buffer_size=4096))
    assert len(report.files) == 2_000
    expected = LineCounters(sum(c for _, c, _ in spec), sum(m for _, _, m in spec))
    assert report.totals == expected
    assert report.percent == expected.percent


def test_reports_are_immutable_value_objects() -> None:
    report = parse_coverage((FIXTURES / "go-coverprofile.out").read_bytes())
    assert isinstance(report, CoverageReport)
    assert all(isinstance(f, FileCoverage) for f in report.files)
    with pytest.raises(AttributeError):
        report.files[0].covered = 99  # type: ignore[misc]


class _OneByteReader(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._position = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1, /) -> bytes:
        chunk = self._data[self._position : self._position + 1]
        self._position += len(chunk)
        return chunk


@pytest.mark.parametrize("fixture", ["jacoco.xml", "clover-istanbul.xml", "go-coverprofile.out"])
def test_stream_read_one_byte_at_a_time(fixture: str) -> None:
    data = b"\xef\xbb\xbf\r\n" + (FIXTURES / fixture).read_bytes()
    assert parse_coverage(_OneByteReader(data)) == parse_coverage(data)
