"""What the probes' unit tests (checker/probes/<id>/test_evaluate.py) share: the criteria version they judge
against, a measurement's outcome per criterion, and the record of reachability controls that loaded."""

from __future__ import annotations

from typing import Any

from checker.criteria import load_set
from checker.probes.base import Measurement, judge

VERSION = "vcsc-2025.1"
# classify.check_controls's record when the benign control page loaded through the product.
CONTROLS_PASSED: dict[str, Any] = {
    "checked": 1,
    "reached": 1,
    "ok": True,
    "pages": [
        {
            "verdict": "allowed",
            "how": "marker_rendered",
            "status": 200,
            "url": "http://doi-chung.corpus.localhost:8765/c/c1",
            "page_id": "control-vi-1",
        }
    ],
}


def outcomes(measurement: Measurement, product_type: str) -> dict[str, str]:
    """Criterion id -> EARL outcome of `measurement` judged for `product_type` against VERSION."""
    return {f.criterion_id: f.outcome for f in judge(measurement, load_set(VERSION), product_type)}
