"""JUnit XML parsing: real pytest output, the other tools' shapes, concatenation and streaming."""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from domain.testing import TestCase, TestStatus, TestSuite, TextLimits, summarize
from interfaces.testing.parsers import ReportError, iter_junit, iter_test_suites, parse_junit
from interfaces.testing.parsers.junit import duration_ms

FIXTURES = Path(__file__).parent / "fixtures"

GENERATED_TESTS = '''
import pytest


def test_pass_one():
    assert True


def test_pass_with_output():
    print("hello from stdout")
    assert 1 + 1 == 2


@pytest.mark.parametrize("n", [1, 2, 3])
def test_param(n):
    assert n < 3


def test_fail():
    assert "a" == "b", "strings differ"


@pytest.fixture
def broken():
    raise RuntimeError("fixture exploded")


def test_error(broken):
    pass


@pytest.mark.skip(reason="not today")
def test_skip():
    pass


def test_skip_inside():
    pytest.skip("skipped at runtime")


@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False


class TestGroup:
    def test_method(self):
        pass
'''


class TrickleReader(io.RawIOBase):
    """A binary stream that hands out at most ``size`` bytes per read and counts what it gave."""

    def __init__(self, data: bytes, size: int) -> None:
        self._data = data
        self._size = size
        self.position = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1, /) -> bytes:
        step = self._size if n is None or n < 0 else min(n, self._size)
        chunk = self._data[self.position : self.position + step]
        self.position += len(chunk)
        return chunk


@pytest.fixture(scope="module")
def pytest_report(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A JUnit report written by pytest itself for GENERATED_TESTS."""
    work = tmp_path_factory.mktemp("pytest-run")
    (work / "test_generated.py").write_text(GENERATED_TESTS)
    report = work / "report.xml"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
         "-o", "junit_logging=system-out", "-o", "junit_suite_name=generated", "test_generated.py"],
        cwd=work, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr  # some tests fail, as intended
    return report.read_bytes()


def _by_name(suites: list[TestSuite]) -> dict[str, TestCase]:
    return {case.name: case for suite in suites for case in suite.cases}


def test_real_pytest_report(pytest_report: bytes) -> None:
    suites = parse_junit(pytest_report)
    assert len(suites) == 1
    suite = suites[0]
    assert suite.name == "generated"
    # what pytest itself wrote on the <testsuite> element
    written = ET.fromstring(pytest_report).find("testsuite")
    assert written is not None
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (
        int(written.get("tests", "")), int(written.get("failures", "")), int(written.get("errors", "")),
        int(written.get("skipped", "")),
    ) == (11, 2, 1, 3)
    assert suite.passed == 5
    assert suite.hostname == written.get("hostname")
    assert suite.timestamp == written.get("timestamp")
    assert suite.duration_ms == pytest.approx(float(written.get("time", "")) * 1000)

    cases = _by_name(suites)
    statuses = {name: case.status for name, case in cases.items()}
    assert statuses == {
        "test_pass_one": TestStatus.PASSED,
        "test_pass_with_output": TestStatus.PASSED,
        "test_param[1]": TestStatus.PASSED,
        "test_param[2]": TestStatus.PASSED,
        "test_param[3]": TestStatus.FAILED,
        "test_fail": TestStatus.FAILED,
        "test_error": TestStatus.ERROR,
        "test_skip": TestStatus.SKIPPED,
        "test_skip_inside": TestStatus.SKIPPED,
        "test_xfail": TestStatus.SKIPPED,
        "test_method": TestStatus.PASSED,
    }
    fail = cases["test_fail"]
    assert fail.classname == "test_generated"
    assert fail.failure_message is not None and "strings differ" in fail.failure_message
    assert fail.stack_trace is not None and "def test_fail" in fail.stack_trace
    error = cases["test_error"]
    assert error.failure_message is not None and "fixture exploded" in error.failure_message
    assert cases["test_skip"].skipped_message == "not today"
    assert cases["test_skip_inside"].skipped_message == "skipped at runtime"
    assert cases["test_method"].classname == "test_generated.TestGroup"
    assert cases["test_pass_with_output"].system_out is not None
    assert "hello from stdout" in cases["test_pass_with_output"].system_out
    assert all(case.duration_ms >= 0 for case in cases.values())
    assert all(case.suite == "generated" for case in cases.values())


@pytest.mark.parametrize("read_size", [1, 7, 4096])
def test_stream_in_small_reads_gives_the_same_result(pytest_report: bytes, read_size: int) -> None:
    blob = pytest_report + b"\n" + pytest_report
    assert parse_junit(TrickleReader(blob, read_size)) == parse_junit(blob)
    assert parse_junit(io.BytesIO(blob)) == parse_junit(memoryview(blob))


def test_jest_junit() -> None:
    (cart, checkout) = parse_junit((FIXTURES / "jest-junit.xml").read_bytes())
    assert (cart.name, cart.tests, cart.failures, cart.errors, cart.skipped) == ("cart", 4, 1, 0, 1)
    assert cart.timestamp == "2024-03-05T10:15:02"
    assert cart.duration_ms == 1502.0
    failed = cart.cases[2]
    assert failed.status is TestStatus.FAILED
    # jest-junit puts the whole message in the element text: the first line becomes the message
    assert failed.failure_message == "Error: expect(received).toBe(expected) // Object.is equality"
    assert failed.stack_trace is not None and "cart.test.js:27:25" in failed.stack_trace
    assert "Object.<anonymous>" in failed.stack_trace
    assert cart.cases[3].status is TestStatus.SKIPPED
    assert (checkout.tests, checkout.passed) == (1, 1)


def test_gradle() -> None:
    (suite,) = parse_junit((FIXTURES / "gradle.xml").read_bytes())
    assert suite.name == "com.acme.shop.CartServiceTest"
    assert suite.hostname == "ci-runner-7"
    assert (suite.tests, suite.passed, suite.failures, suite.skipped) == (4, 2, 1, 1)
    failed = next(c for c in suite.cases if c.status is TestStatus.FAILED)
    assert failed.name == "computesTotal()"
    assert failed.failure_type == "org.opentest4j.AssertionFailedError"
    assert failed.failure_message == "org.opentest4j.AssertionFailedError: expected: <107> but was: <100>"
    assert failed.stack_trace is not None and "CartServiceTest.java:42" in failed.stack_trace
    assert suite.system_out is not None and "cart created" in suite.system_out
    assert suite.system_err is None  # empty CDATA


def test_maven_surefire() -> None:
    (suite,) = parse_junit((FIXTURES / "surefire.xml").read_bytes())
    assert (suite.tests, suite.passed, suite.failures, suite.errors, suite.skipped) == (5, 2, 1, 1, 1)
    assert suite.duration_ms == 1234500.0  # old Surefire wrote grouping commas
    cases = {c.name: c for c in suite.cases}
    assert cases["roundsTotals"].system_out == "rounding 10.005"
    assert cases["loadsTemplate"].status is TestStatus.ERROR
    assert cases["loadsTemplate"].failure_type == "java.io.FileNotFoundException"
    assert cases["sendsEmail"].skipped_message == "SMTP not configured"
    # a flaky failure that passed on retry does not fail the case, nor leak its output
    assert cases["retriesPayment"].status is TestStatus.PASSED
    assert cases["retriesPayment"].system_out is None


def test_go_junit_report() -> None:
    (suite,) = parse_junit((FIXTURES / "go-junit-report.xml").read_bytes())
    assert suite.name == "github.com/acme/shop/cart"
    assert (suite.tests, suite.passed, suite.failures, suite.skipped) == (4, 2, 1, 1)
    cases = {c.name: c for c in suite.cases}
    assert cases["TestTotal/with_tax"].failure_message == "Failed"
    assert cases["TestTotal/with_tax"].stack_trace == "cart_test.go:31: got 100, want 107"
    assert cases["TestCoupon"].skipped_message == "Skipped"
    assert suite.timestamp == "2024-03-05T10:25:40Z"


def test_cypress_blob_of_concatenated_documents() -> None:
    suites = parse_junit((FIXTURES / "cypress-blob.xml").read_bytes())
    assert [(s.name, s.tests) for s in suites] == [("Root Suite", 0), ("login", 2), ("Root Suite", 0), ("search", 1)]
    # mocha-junit-reporter writes the spec file on the root suite only
    assert [s.file for s in suites] == ["cypress/e2e/login.cy.js"] * 2 + ["cypress/e2e/search.cy.js"] * 2
    assert suites[1].cases[1].file == "cypress/e2e/login.cy.js"
    total = summarize(suites)
    assert (total.tests, total.passed, total.failures) == (3, 2, 1)


def test_nested_suites_are_flattened_without_double_counting() -> None:
    suites = parse_junit((FIXTURES / "phpunit-nested.xml").read_bytes())
    assert [s.name for s in suites] == ["App\\Tests\\MoneyTest", "App\\Tests\\CurrencyTest::testParse"]
    assert summarize(suites).tests == 4
    assert suites[1].file == "/app/tests/CurrencyTest.php"  # inherited from the grouping suite
    assert suites[0].cases[1].failure_message == "App\\Tests\\MoneyTest::testSubtract"


def test_blob_of_different_tools_with_bom_and_blank_lines(pytest_report: bytes) -> None:
    parts = [pytest_report, (FIXTURES / "gradle.xml").read_bytes(), (FIXTURES / "jest-junit.xml").read_bytes()]
    blob = b"\n\n".join(parts[:2]) + b"\r\n\xef\xbb\xbf" + parts[2] + b"\n"
    suites = parse_junit(blob)
    assert [s.name for s in suites] == ["generated", "com.acme.shop.CartServiceTest", "cart", "checkout"]
    assert summarize(suites).tests == 11 + 4 + 5


def test_iter_junit_hands_out_cases_then_their_suite() -> None:
    items = list(iter_junit((FIXTURES / "gradle.xml").read_bytes()))
    assert [type(item).__name__ for item in items] == ["TestCase"] * 4 + ["TestSuite"]
    suite = items[-1]
    assert isinstance(suite, TestSuite)
    assert suite.cases == () and suite.tests == 4 and suite.failures == 1
    suites = list(iter_test_suites((FIXTURES / "jest-junit.xml").read_bytes()))
    assert [len(s.cases) for s in suites] == [4, 1]


def test_stray_cases_under_testsuites_are_kept() -> None:
    (suite,) = parse_junit(b'<testsuites name="loose"><testcase name="a"/><testcase name="b"><error/></testcase>'
                           b"</testsuites>")
    assert (suite.name, suite.tests, suite.errors) == ("loose", 2, 1)


def test_big_text_fields_are_bounded() -> None:
    trace = "at frame\n" * 100_000  # 900 kB
    output = "o" * 500_000
    report = (
        f'<testsuite name="big"><testcase name="t"><failure message="{"m" * 50_000}">{trace}</failure>'
        f"<system-out>{output}</system-out></testcase></testsuite>"
    ).encode()
    limits = TextLimits(max_message_chars=100, max_stack_trace_chars=1_000, max_output_chars=10)
    (suite,) = parse_junit(report, limits=limits)
    case = suite.cases[0]
    assert case.stack_trace is not None and case.failure_message is not None and case.system_out is not None
    assert case.stack_trace.startswith("at frame") and len(case.stack_trace) < 1_100
    assert "more characters" in case.stack_trace
    assert len(case.failure_message) < 200
    assert len(case.system_out) < 100
    (quiet,) = parse_junit(report, limits=TextLimits(keep_output=False))
    assert quiet.cases[0].system_out is None
    assert quiet.cases[0].stack_trace is not None and len(quiet.cases[0].stack_trace) < 33_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.5", 1500.0), ("0.000", 0.0), ("0,25", 250.0), ("1,234.5", 1234500.0), ("", None), (None, None),
     ("abc", None), ("-1", None), ("nan", None), ("  2 ", 2000.0)],
)
def test_duration(text: str | None, expected: float | None) -> None:
    assert duration_ms(text) == expected


def _write_large_report(path: Path, cases: int, per_suite: int) -> Counter[str]:
    expected: Counter[str] = Counter()
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="large">\n')
        for start in range(0, cases, per_suite):
            out.write(f'  <testsuite name="suite{start // per_suite}" tests="{per_suite}" time="1.0">\n')
            for number in range(start, min(start + per_suite, cases)):
                name = f'name="test_{number}" classname="pkg.module{start // per_suite}" time="0.001"'
                if number % 50 == 0:
                    out.write(f'    <testcase {name}><failure message="boom {number}">'
                              f"Traceback\n  line {number}\n</failure></testcase>\n")
                    expected["FAILED"] += 1
                elif number % 97 == 0:
                    out.write(f'    <testcase {name}><error message="setup">trace</error></testcase>\n')
                    expected["ERROR"] += 1
                elif number % 31 == 0:
                    out.write(f'    <testcase {name}><skipped message="later"/></testcase>\n')
                    expected["SKIPPED"] += 1
                else:
                    out.write(f"    <testcase {name}/>\n")
                    expected["PASSED"] += 1
            out.write("  </testsuite>\n")
        out.write("</testsuites>\n")
    return expected


def test_large_report_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "large.xml"
    expected = _write_large_report(path, cases=20_000, per_suite=20_000)  # one huge suite
    size = path.stat().st_size
    with path.open("rb") as stream:
        counts: Counter[str] = Counter()
        suites = []
        first_case_at = None
        for item in iter_junit(stream):
            if isinstance(item, TestCase):
                if first_case_at is None:
                    first_case_at = stream.tell()
                counts[item.status.value] += 1
            else:
                suites.append(item)
    assert counts == expected
    assert sum(counts.values()) == 20_000
    assert first_case_at is not None and first_case_at < size // 10  # cases come out before the input is read
    (suite,) = suites
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (
        20_000, expected["FAILED"], expected["ERROR"], expected["SKIPPED"])

    many = tmp_path / "many.xml"
    _write_large_report(many, cases=20_000, per_suite=200)
    with many.open("rb") as stream:
        total = summarize(iter_test_suites(stream))
    assert (total.tests, total.failures, total.errors, total.skipped) == (
        20_000, expected["FAILED"], expected["ERROR"], expected["SKIPPED"])


def test_error_positions_count_lines_across_documents() -> None:
    blob = b'<testsuite name="a"/>\n<testsuite name="b">\n  <testcase name="x">\n</testsuite>\n'
    with pytest.raises(ReportError) as raised:
        parse_junit(blob)
    assert raised.value.line == 4
    assert "mismatched tag" in str(raised.value) and "line 4" in str(raised.value)

