"""Reading uploads into what the testing commands record, all streaming.

* :func:`read_junit`: a JUnit XML stream (one or more documents) into a :class:`ResultsUpload`;
* :func:`read_coverage`: a coverage report of any supported format;
* :func:`read_grouped_results`: Projektor's ``/groupedResults`` JSON body, whose big strings go
  straight from the JSON reader into the XML parsers.

A report the parsers refuse (malformed, hostile, unknown format) becomes :class:`Invalid` with the
parser's message; an upload over a limit becomes :class:`TooLarge`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from typing import Any

from domain.shared.errors import Invalid, TooLarge
from domain.testing.coverage import CoverageReport
from domain.testing.performance import PerformanceResult, from_k6_summary
from domain.testing.upload import PARSE_LIMITS, ResultsCollector, ResultsUpload, UploadLimits
from interfaces.testing.json_stream import JsonReader, StringStream
from interfaces.testing.parsers import ReportError, iter_junit, parse_coverage
from interfaces.testing.parsers._coverage_common import join_path
from interfaces.testing.streams import Readable


def _invalid(exc: ReportError) -> Invalid:
    return Invalid(exc.message)


def read_junit(source: Readable, limits: UploadLimits = UploadLimits()) -> ResultsUpload:
    collector = ResultsCollector(limits)
    try:
        collector.add_all(iter_junit(source, limits=PARSE_LIMITS))
    except ReportError as exc:
        raise _invalid(exc) from None
    return collector.finish()


def read_coverage(source: Readable, base_directory: str | None = None,
                  limits: UploadLimits = UploadLimits()) -> CoverageReport:
    try:
        report = parse_coverage(source)
    except ReportError as exc:
        raise _invalid(exc) from None
    if len(report.files) > limits.max_coverage_files:
        raise TooLarge(f"too many files in one coverage report (more than {limits.max_coverage_files})")
    return with_base_directory(report, base_directory)


def with_base_directory(report: CoverageReport, base_directory: str | None) -> CoverageReport:
    """The report with its files' paths under ``base_directory`` (absolute paths stay)."""
    if not base_directory or not base_directory.strip():
        return report
    return replace(report, files=tuple(replace(f, path=join_path(base_directory, f.path)) for f in report.files))


@dataclass
class GroupedResults:
    """What a ``/groupedResults`` body held: results, coverage reports and the metadata object."""

    results: ResultsUpload | None
    coverage: list[CoverageReport] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    wall_clock_ms: float | None = None
    performance: list[PerformanceResult] = field(default_factory=list)
    quality: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


PERFORMANCE_BLOB_LIMIT = 16 * 1024 * 1024  # one k6 summary (they are kilobytes)
QUALITY_FILE_LIMIT = 16 * 1024 * 1024  # one code-quality file's contents
MAX_EXTRA_FILES = 1000


def _optional_text(reader: JsonReader, key: str) -> str | None:
    value = reader.read_value(100_000)
    if value is not None and not isinstance(value, str):
        raise Invalid(f"{key} must be a string")
    return value


def read_grouped_results(source: Readable, limits: UploadLimits = UploadLimits()) -> GroupedResults:
    """Projektor's grouped results: ``groupedTestSuites``, ``coverageFiles``, ``metadata`` and
    ``wallClockDuration`` (seconds), ``performanceResults`` ([{name, resultsBlob}], k6 summaries) and
    ``codeQualityFiles`` ([{contents, fileName, groupName}]); other fields are skipped. Keys may
    come in any order. A performance result k6 could not have written is left out with a note (as
    Projektor does), not refused."""
    reader = JsonReader(source, "grouped results")
    if reader.peek() != "{":
        raise reader.error("the body must be a JSON object")
    collector = ResultsCollector(limits)
    any_results = False
    out = GroupedResults(results=None)
    coverage_files = 0
    try:
        for key in reader.members():
            if key == "groupedTestSuites" and reader.peek() == "[":
                for _ in reader.items():
                    any_results |= _read_group(reader, collector)
            elif key == "coverageFiles" and reader.peek() == "[":
                for _ in reader.items():
                    report = _read_coverage_file(reader, limits)
                    if report is not None:
                        coverage_files += len(report.files)
                        if coverage_files > limits.max_coverage_files:
                            raise TooLarge(f"too many coverage files in one upload "
                                           f"(more than {limits.max_coverage_files})")
                        out.coverage.append(report)
            elif key == "metadata":
                metadata = reader.read_value()
                if metadata is not None and not isinstance(metadata, dict):
                    raise Invalid("metadata must be an object")
                out.metadata = metadata or {}
            elif key == "wallClockDuration":
                out.wall_clock_ms = _seconds_as_ms(reader.read_value(1000))
            elif key == "performanceResults" and reader.peek() == "[":
                for _ in reader.items():
                    _read_performance(reader, out)
            elif key == "codeQualityFiles" and reader.peek() == "[":
                for _ in reader.items():
                    _read_quality(reader, out)
            elif key in ("groupedTestSuites", "coverageFiles", "performanceResults", "codeQualityFiles"):
                if reader.read_value(1000) is not None:
                    raise Invalid(f"{key} must be an array")
            else:
                reader.skip_value()
        reader.end()
    except ReportError as exc:
        raise _invalid(exc) from None
    if any_results:
        out.results = collector.finish()
    return out


def _read_performance(reader: JsonReader, out: GroupedResults) -> None:
    if reader.peek() != "{":
        raise reader.error("each of performanceResults must be an object")
    if len(out.performance) + len(out.notes) >= MAX_EXTRA_FILES:
        raise TooLarge(f"too many performance results in one upload (more than {MAX_EXTRA_FILES})")
    name: Any = None
    blob: Any = None
    for key in reader.members():
        if key == "name":
            name = _optional_text(reader, key)
        elif key == "resultsBlob":
            blob = reader.read_value(PERFORMANCE_BLOB_LIMIT)
        else:
            reader.skip_value()
    label = name or f"performance result {len(out.performance) + 1}"
    try:
        if not isinstance(blob, str):
            raise Invalid(f"performance result {label}: resultsBlob must be a string")
        try:
            summary = json.loads(blob)
        except ValueError as exc:
            raise Invalid(f"performance result {label}: not JSON ({exc})") from None
        out.performance.append(from_k6_summary(label, summary))
    except Invalid as exc:
        out.notes.append(f"{exc.message}; left out")


def _read_quality(reader: JsonReader, out: GroupedResults) -> None:
    if reader.peek() != "{":
        raise reader.error("each of codeQualityFiles must be an object")
    if len(out.quality) >= MAX_EXTRA_FILES:
        raise TooLarge(f"too many code-quality files in one upload (more than {MAX_EXTRA_FILES})")
    report: dict[str, Any] = {"file_name": None, "group_name": None, "contents": None}
    for key in reader.members():
        if key == "contents":
            contents = reader.read_value(QUALITY_FILE_LIMIT)
            if contents is not None and not isinstance(contents, str):
                raise Invalid("codeQualityFiles: contents must be a string")
            if contents is not None and "\x00" in contents:
                raise Invalid("codeQualityFiles: contents must be text (no NUL characters)")
            report["contents"] = contents
        elif key in ("fileName", "groupName"):
            value = _optional_text(reader, key)
            if value is not None and (len(value) > 1000 or any(ord(c) < 0x20 for c in value)):
                raise Invalid(f"codeQualityFiles: {key} must be a short line of text")
            report["file_name" if key == "fileName" else "group_name"] = value
        else:
            reader.skip_value()
    if report["contents"] is None:
        raise Invalid("codeQualityFiles: each needs its contents")
    report["file_name"] = report["file_name"] or f"quality-{len(out.quality) + 1}.txt"
    out.quality.append(report)


def _seconds_as_ms(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise Invalid("wallClockDuration must be a non-negative number of seconds")
    return round(float(value) * 1000.0, 3)


def _read_group(reader: JsonReader, collector: ResultsCollector) -> bool:
    if reader.peek() != "{":
        raise reader.error("each of groupedTestSuites must be an object")
    group = collector.begin_group()
    names: dict[str, str | None] = {}
    had_blob = False
    for key in reader.members():
        if key in ("groupName", "groupLabel", "directory"):
            names[key] = _optional_text(reader, key)
        elif key == "testSuitesBlob":
            if reader.peek() != '"':
                if reader.read_value(1000) is not None:
                    raise Invalid("testSuitesBlob must be a string")
                continue
            blob: StringStream = reader.string_stream()
            collector.add_all(iter_junit(blob, limits=PARSE_LIMITS))
            blob.drain()
            had_blob = True
        else:
            reader.skip_value()
    collector.name_group(group, names.get("groupName"), names.get("groupLabel"), names.get("directory"))
    return had_blob


def _read_coverage_file(reader: JsonReader, limits: UploadLimits) -> CoverageReport | None:
    if reader.peek() != "{":
        raise reader.error("each of coverageFiles must be an object")
    report: CoverageReport | None = None
    base: str | None = None
    for key in reader.members():
        if key == "reportContents":
            if reader.peek() != '"':
                if reader.read_value(1000) is not None:
                    raise Invalid("reportContents must be a string")
                continue
            contents = reader.string_stream()
            report = read_coverage(contents, None, limits)
            contents.drain()
        elif key == "baseDirectoryPath":
            base = _optional_text(reader, key)
        else:
            reader.skip_value()
    return None if report is None else with_base_directory(report, base)


def read_coverage_payload(source: Readable, limits: UploadLimits = UploadLimits()) -> CoverageReport:
    """Projektor's coverage file payload: ``{"reportContents": ..., "baseDirectoryPath": ...}``."""
    reader = JsonReader(source, "coverage payload")
    if reader.peek() != "{":
        raise reader.error("the body must be a JSON object")
    try:
        report = _read_coverage_file(reader, limits)
        reader.end()
    except ReportError as exc:
        raise _invalid(exc) from None
    if report is None:
        raise Invalid("reportContents is missing")
    return report
