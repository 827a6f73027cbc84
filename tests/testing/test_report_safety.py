"""Hostile and broken uploads: every parser refuses them with a ReportError, reading nothing else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from domain.testing import CoverageReport, TestSuite
from interfaces.testing.parsers import (
    ReportError,
    parse_clover,
    parse_cobertura,
    parse_coverage,
    parse_go_coverprofile,
    parse_jacoco,
    parse_junit,
    parse_lcov,
)

FIXTURES = Path(__file__).parent / "fixtures"

Parser = Callable[[bytes], "list[TestSuite] | CoverageReport"]

# (entry point, root element it expects)
XML_PARSERS: list[tuple[str, Parser, str]] = [
    ("junit", parse_junit, "testsuite"),
    ("jacoco", parse_jacoco, "report"),
    ("cobertura", parse_cobertura, "coverage"),
    ("clover", parse_clover, "coverage"),
    ("detect-jacoco", parse_coverage, "report"),
    ("detect-coverage", parse_coverage, "coverage"),
]
IDS = [name for name, _, _ in XML_PARSERS]


def billion_laughs(root: str) -> bytes:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    ]
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n' + "\n".join(entities) + f"\n]>\n<{root} name=\"&lol9;\">"
        f"&lol9;</{root}>"
    ).encode()


@pytest.mark.parametrize(("name", "parse", "root"), XML_PARSERS, ids=IDS)
def test_billion_laughs_is_refused(name: str, parse: Parser, root: str) -> None:
    with pytest.raises(ReportError, match=r"DOCTYPE|entity") as raised:
        parse(billion_laughs(root))
    assert raised.value.line == 2


@pytest.mark.parametrize(("name", "parse", "root"), XML_PARSERS, ids=IDS)
def test_external_entities_are_not_read(name: str, parse: Parser, root: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    for target in ("file:///etc/passwd", secret.as_uri()):
        data = (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{target}">]>\n'
                f'<{root} name="&xxe;"><x>&xxe;</x></{root}>').encode()
        with pytest.raises(ReportError) as raised:
            parse(data)
        assert "TOP-SECRET" not in str(raised.value) and "root:" not in str(raised.value)


@pytest.mark.parametrize(("name", "parse", "root"), XML_PARSERS, ids=IDS)
def test_parameter_entities_and_external_dtd_entities_are_refused(
    name: str, parse: Parser, root: str, tmp_path: Path
) -> None:
    evil = tmp_path / "evil.dtd"
    evil.write_text(f'<!ENTITY xxe SYSTEM "{(tmp_path / "secret").as_uri()}">')
    parameter = (f'<!DOCTYPE {root} [<!ENTITY % remote SYSTEM "{evil.as_uri()}"> %remote;]>'
                 f"<{root}>&xxe;</{root}>").encode()
    with pytest.raises(ReportError, match="DOCTYPE"):
        parse(parameter)
    # an external DTD is never loaded, so its entities stay undefined
    external = f'<!DOCTYPE {root} SYSTEM "{evil.as_uri()}"><{root}>&xxe;</{root}>'.encode()
    with pytest.raises(ReportError, match=r"DOCTYPE|undefined entity"):
        parse(external)


def test_junit_refuses_any_doctype() -> None:
    with pytest.raises(ReportError, match="DOCTYPE declarations are not allowed"):
        parse_junit(b'<!DOCTYPE testsuite SYSTEM "junit.dtd"><testsuite name="a"/>')
    # also in a later document of a blob
    blob = (FIXTURES / "gradle.xml").read_bytes() + b"\n" + billion_laughs("testsuite")
    with pytest.raises(ReportError, match="DOCTYPE") as raised:
        parse_junit(blob)
    assert raised.value.line is not None and raised.value.line > 20


def test_jacoco_doctype_is_accepted_without_fetching_the_dtd() -> None:
    # If expat asked for the DTD, the parser's external-entity handler would raise.
    data = b'<!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "http://127.0.0.1:9/report.dtd"><report name="r"/>'
    report = parse_jacoco(data)
    assert report.name == "r" and report.files == ()


@pytest.mark.parametrize(
    "data",
    [
        b"<testsuite><testcase></testsuite>",  # mismatched tag
        b'<testsuite name="a"><testcase name="b"/>',  # truncated
        b'<testsuite name="a" name="b"/>',  # duplicate attribute
        b"<testsuite>\x00</testsuite>",  # invalid character
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # binary
        b"<testsuite/><testsuite",  # second document broken
        b'{"testsuites": []}',
    ],
)
def test_malformed_junit(data: bytes) -> None:
    with pytest.raises(ReportError, match=r"JUnit XML: .*line"):
        parse_junit(data)


@pytest.mark.parametrize(
    ("parse", "data"),
    [
        (parse, data)
        for parse in (parse_jacoco, parse_coverage)
        for data in (
            b'<report name="r"><package name="p"><sourcefile name="A.java"><line nr="1"',
            b'<report><package name="p"><sourcefile name="A.java"><line nr="1" mi="-3"/></sourcefile></package>'
            b"</report>",
            b'<report><package name="p"><sourcefile name="A.java"><line nr="one"/></sourcefile></package></report>',
        )
    ]
    + [
        (parse, data)
        for parse in (parse_cobertura, parse_coverage)
        for data in (
            b'<coverage line-rate="1"><packages></coverage>',
            b'<coverage line-rate="1"><packages><package><classes><class filename="a.py"><lines>'
            b'<line number="1" hits="many"/></lines></class></classes></package></packages></coverage>',
        )
    ]
    + [
        (parse, b"<coverage clover='4'><project><file name='a'><line num='x'/></file></project></coverage>")
        for parse in (parse_clover, parse_coverage)
    ],
)
def test_malformed_coverage_xml(parse: Parser, data: bytes) -> None:
    with pytest.raises(ReportError):
        parse(data)


@pytest.mark.parametrize(
    ("parse", "data", "message"),
    [
        (parse_junit, b"", "empty input"),
        (parse_junit, b"  \n ", "empty input"),
        (parse_junit, b"<!-- nothing -->", "empty input"),
        (parse_jacoco, b"", "empty input"),
        (parse_cobertura, b"\n", "empty input"),
        (parse_coverage, b"", "empty input"),
        (parse_lcov, b"", "no SF record"),
        (parse_go_coverprofile, b"", "no 'mode:' line"),
    ],
)
def test_empty_input(parse: Parser, data: bytes, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        parse(data)


@pytest.mark.parametrize(
    ("parse", "data", "message"),
    [
        (parse_junit, (FIXTURES / "jacoco.xml").read_bytes(), "DOCTYPE"),
        (parse_junit, (FIXTURES / "cobertura-java.xml").read_bytes().split(b"\n", 2)[2],
         "root element must be <testsuites> or <testsuite>"),
        (parse_junit, b"mode: set\n", "JUnit XML"),
        (parse_jacoco, (FIXTURES / "gradle.xml").read_bytes(), "root element must be <report>"),
        (parse_cobertura, (FIXTURES / "jacoco.xml").read_bytes(), "root element must be <coverage>"),
        (parse_clover, (FIXTURES / "jacoco.xml").read_bytes(), "root element must be <coverage>"),
        (parse_coverage, (FIXTURES / "surefire.xml").read_bytes(), "unrecognised coverage format"),
        (parse_lcov, (FIXTURES / "go-coverprofile.out").read_bytes(), "outside a record"),
        (parse_lcov, b"hello\n", "unexpected line 1"),
        (parse_go_coverprofile, b"SF:a.c\nDA:1,1\nend_of_record\n", "mode"),
    ],
)
def test_wrong_format(parse: Parser, data: bytes, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        parse(data)


def test_report_error_is_a_value_error_with_a_position() -> None:
    with pytest.raises(ValueError) as raised:
        parse_junit(b"<testsuites>\n  <testsuite>\n</testsuites>")
    error = raised.value
    assert isinstance(error, ReportError)
    assert (error.line, error.column) == (3, 2)
    assert str(error) == error.message == "JUnit XML: malformed XML: mismatched tag (line 3, column 2)"


def test_overlong_text_line_is_refused() -> None:
    with pytest.raises(ReportError, match="longer than"):
        parse_lcov(b"SF:" + b"a" * (2 << 20))
