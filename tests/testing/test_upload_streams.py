"""The streaming pieces under the upload endpoints: the JSON reader, gunzip with a limit, and the
collector that turns parsed cases into batches."""

from __future__ import annotations

import gzip
import io
import json
import random
import zlib

import pytest

from domain.shared.errors import Invalid, TooLarge
from domain.testing.upload import CASE, ResultsCollector, UploadLimits
from interfaces.testing.ingest import read_grouped_results, read_junit
from interfaces.testing.json_stream import JsonReader
from interfaces.testing.parsers import iter_junit
from interfaces.testing.streams import GunzipReader, decoded_body
from tests.testing.reports import go_reference, grouped_body, junit_xml


class Trickle(io.RawIOBase):
    """Hands out at most ``size`` bytes per read."""

    def __init__(self, data: bytes, size: int) -> None:
        self._data = data
        self._size = size
        self._pos = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1, /) -> bytes:
        step = self._size if n is None or n < 0 else min(n, self._size)
        chunk = self._data[self._pos:self._pos + step]
        self._pos += len(chunk)
        self.read_bytes += len(chunk)
        return chunk


ALPHABET = ["a", "<", '"', "\\", "\n", "\t", "\x01", "é", "€", "😀", "/", "u", "D", "\ud800", " "]


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_json_strings_stream_exactly_as_json_decodes_them(ensure_ascii: bool) -> None:
    rng = random.Random(7)
    for _ in range(400):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(80)))
        if not ensure_ascii and "\ud800" in text:
            continue  # not encodable as UTF-8 without escapes
        doc = json.dumps({"skip": [1, {"x": "\"]}"}], "blob": text, "small": {"k": [True, None, -1.5e3]}},
                         ensure_ascii=ensure_ascii).encode()
        for size in (1, 2, 5, 64):
            reader = JsonReader(Trickle(doc, size))
            got: dict[str, object] = {}
            for key in reader.members():
                if key == "blob":
                    stream = reader.string_stream()
                    out = b""
                    while chunk := stream.read(rng.choice([1, 3, 1000])):
                        out += chunk
                    got[key] = out
                elif key == "skip":
                    reader.skip_value()
                else:
                    got[key] = reader.read_value()
            reader.end()
            assert got["blob"] == text.encode("utf-8", "replace")  # a lone surrogate becomes "?"
            assert got["small"] == {"k": [True, None, -1500.0]}


@pytest.mark.parametrize(("doc", "message"), [
    (b'{"a": 1,}', "expected a key"),
    (b'{"a" 1}', "expected ':'"),
    (b'{"blob": "abc', "unterminated string"),
    (b'{"a": [1, 2}', "unbalanced"),
    (b'{"a": "\\x"}', "invalid escape"),
    (b'{"a": tru}', "malformed value"),
    (b'{"a": 1} x', "after the JSON document"),
    (b'{"a": ' + b"[" * 100 + b"]" * 100 + b"}", "nested too deeply"),
])
def test_malformed_json_is_refused(doc: bytes, message: str) -> None:
    reader = JsonReader(io.BytesIO(doc))
    with pytest.raises(Invalid, match=message):
        for key in reader.members():
            if key == "blob":
                reader.string_stream().drain()
            else:
                reader.skip_value()
        reader.end()


def test_gunzip_stops_at_the_limit() -> None:
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = b"".join([*(bomb.compress(b"\0" * (1 << 20)) for _ in range(256)), bomb.flush()])  # 256 MB inflated
    source = Trickle(data, 1 << 16)
    reader = GunzipReader(source, limit=1 << 20)
    total = 0
    with pytest.raises(TooLarge, match="decompressed"):
        while chunk := reader.read(1 << 16):
            total += len(chunk)
    assert total <= 1 << 20
    assert source.read_bytes < len(data)  # it stopped reading the compressed input too


def test_gunzip_reads_several_members_and_refuses_truncation() -> None:
    data = gzip.compress(b"hello ") + gzip.compress(b"world")
    reader = decoded_body(io.BytesIO(data), "gzip", 100)
    out = b""
    while chunk := reader.read(3):
        out += chunk
    assert out == b"hello world"
    truncated = decoded_body(io.BytesIO(gzip.compress(b"x" * 1000)[:-12]), None, 10_000)  # sniffed as gzip
    with pytest.raises(Invalid, match="truncated"):
        while truncated.read(100):
            pass
    plain = decoded_body(io.BytesIO(b"plain body"), "identity", 5)
    with pytest.raises(TooLarge):
        while plain.read(2):
            pass


def test_collector_attributes_cases_to_their_suites_and_batches_them() -> None:
    collector = ResultsCollector(batch_size=4)
    collector.add_all(iter_junit(junit_xml(suites=3, per_suite=3, failing={"com.acme.Suite2.test0"})))
    upload = collector.finish()
    assert [len(b) for b in upload.case_batches] == [4, 4, 1]
    rows = [row for batch in upload.case_batches for row in batch]
    assert [(r[CASE["suite"]], r[CASE["idx"]]) for r in rows] == [(s, i) for s in range(3) for i in (1, 2, 3)]
    assert [s["name"] for s in upload.suites] == ["com.acme.Suite0", "com.acme.Suite1", "com.acme.Suite2"]
    assert (upload.tests, upload.passed, upload.failures) == (9, 8, 1)
    with pytest.raises(TooLarge, match="too many test cases"):
        read_junit(io.BytesIO(junit_xml(suites=2, per_suite=6)), UploadLimits(max_cases=10))


def test_grouped_results_in_any_key_order_and_trickled() -> None:
    body = grouped_body([junit_xml(prefix="unit")], [go_reference()], base_directory="svc", wall_clock=2.5)
    body["groupedTestSuites"][0] = {"testSuitesBlob": body["groupedTestSuites"][0]["testSuitesBlob"],
                                    "groupName": "unit-tests", "groupLabel": "Unit"}
    reordered = {"metadata": body["metadata"], "coverageFiles": body["coverageFiles"],
                 "performanceResults": [{"name": "p", "resultsBlob": "x" * 100_000}],
                 "groupedTestSuites": body["groupedTestSuites"], "wallClockDuration": 2.5}
    parsed = read_grouped_results(Trickle(json.dumps(reordered).encode(), 7))
    assert parsed.results is not None
    assert parsed.results.tests == 6
    assert {s["group_name"] for s in parsed.results.suites} == {"unit-tests"}
    assert {s["group_label"] for s in parsed.results.suites} == {"Unit"}
    assert [f.path.startswith("svc/") for f in parsed.coverage[0].files] == [True, True]
    assert parsed.metadata["git"]["repoName"] == "acme/shop"
    assert parsed.wall_clock_ms == 2500.0
