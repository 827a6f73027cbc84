"""Performance results of a run: what a k6 summary says about its requests and their durations.

As Projektor reads k6's ``--summary-export`` JSON: the request count and rate are the
``iterations`` metric's (``http_reqs`` when a summary has no iterations), the durations (ms) are
``http_req_duration``'s average, maximum and 95th percentile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from domain.shared.errors import Invalid

MAX_NAME = 255


@dataclass(frozen=True)
class PerformanceResult:
    name: str
    request_count: int
    requests_per_second: float
    average: float
    maximum: float
    p95: float


def _number(metric: dict[str, Any], key: str, what: str) -> float:
    value = metric.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise Invalid(f"{what}: {key} must be a non-negative number")
    return float(value)


def from_k6_summary(name: str, summary: Any) -> PerformanceResult:
    """The figures of one k6 summary (a decoded JSON object)."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or any(ord(c) < 0x20 for c in name):
        raise Invalid("a performance result needs a name: one line of at most 255 characters")
    if not isinstance(summary, dict) or not isinstance(summary.get("metrics"), dict):
        raise Invalid(f"performance result {name}: not a k6 summary (no metrics)")
    metrics = summary["metrics"]
    counts = metrics.get("iterations") if isinstance(metrics.get("iterations"), dict) else metrics.get("http_reqs")
    durations = metrics.get("http_req_duration")
    if not isinstance(counts, dict) or not isinstance(durations, dict):
        raise Invalid(f"performance result {name}: a k6 summary needs iterations and http_req_duration")
    what = f"performance result {name}"
    count = _number(counts, "count", what)
    if count != int(count):
        raise Invalid(f"{what}: count must be a whole number")
    return PerformanceResult(
        name=name.strip(), request_count=int(count), requests_per_second=_number(counts, "rate", what),
        average=_number(durations, "avg", what), maximum=_number(durations, "max", what),
        p95=_number(durations, "p(95)", what),
    )
