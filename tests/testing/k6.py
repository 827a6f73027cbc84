"""k6 summaries (``k6 run --summary-export``) for tests, and the figures Projektor reads from them."""

from __future__ import annotations

import json
from typing import Any


def k6_summary(iterations: int = 1200, rate: float = 39.87, avg: float = 11.0717, maximum: float = 410.53,
               p95: float = 22.29356) -> dict[str, Any]:
    return {
        "metrics": {
            "checks": {"fails": 0, "passes": iterations, "value": 0},
            "data_received": {"count": 98593081, "rate": 1507449.465027811},
            "http_req_duration": {"avg": avg, "max": maximum, "med": 9.9674, "min": 1.1539,
                                  "p(90)": 19.50696, "p(95)": p95},
            "http_reqs": {"count": iterations * 2, "rate": rate * 2},
            "iterations": {"count": iterations, "rate": rate},
            "vus": {"max": 10, "min": 1, "value": 1},
        },
        "root_group": {"name": "", "path": "", "id": "d41d8cd98f00b204e9800998ecf8427e", "groups": {}},
    }


def expected_figures(name: str, summary: dict[str, Any]) -> dict[str, Any]:
    """Projektor's PerformanceResult of a summary, computed here from the file itself."""
    metrics = summary["metrics"]
    return {"name": name, "requests_per_second": metrics["iterations"]["rate"],
            "request_count": metrics["iterations"]["count"], "average": metrics["http_req_duration"]["avg"],
            "maximum": metrics["http_req_duration"]["max"], "p95": metrics["http_req_duration"]["p(95)"]}


def k6_file(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2)
