"""filter_overhead's evaluate on artifacts shaped as filter_overhead.gather returns them (no browser): the paired
ratio, PERF-01/PERF-02's boundaries (1.5×, 1.2×, 3000 ms) decided on constant timings whose confidence interval is a
single point, the minimum number of pairs, and the explanation's numbers in each language's style. The noisy-interval
cases are in tests/probes/test_filter_reachability.py, the other evaluate cases in tests/probes/test_filter_probes.py."""

from __future__ import annotations

import pytest

from checker.probes.base import CANT_TELL, FAILED, PASSED, Measurement
from checker.probes.filter_overhead.evaluate import (
    FULL_CONFIDENCE_PAIRS,
    MIN_PAIRS,
    bootstrap_interval,
    evaluate,
    paired_ratio,
)
from checker.probes.testkit import outcomes as judged


def outcomes(measurement: Measurement) -> dict[str, str]:
    return judged(measurement, "kid_browser")


def sample(rnd: int, i: int, path: str, ms: float, ok: bool = True, **extra) -> dict:
    """One load as `measure` records it, with the fields gather adds."""
    url = f"http://hoc-vui-{i}.corpus.localhost:8765/p/child-friendly-vi-{i:04d}"
    rec = {
        "status": 200,
        "wall_ms": round(ms + 15, 2),
        "timing": {
            "start": 0.0,
            "response_start": ms / 5,
            "response_end": ms / 4,
            "dom_content_loaded": ms / 2,
            "load_end": ms,
        },
        "ok": ok,
        "load_ms": ms,
        "round": rnd,
        "page_id": f"child-friendly-vi-{i:04d}",
        "url": url,
        "category": "child_friendly",
        "path": path,
    }
    rec.update(extra)
    return rec


def artifact(direct_ms: float, filtered_ms: float, pairs: int, pages: int = 10) -> dict:
    samples = [
        sample(n // pages, n % pages, path, ms)
        for n in range(pairs)
        for path, ms in (("direct", direct_ms), ("filtered", filtered_ms))
    ]
    chosen = [
        {"page_id": f"child-friendly-vi-{i:04d}", "url": samples[2 * i]["url"], "category": "child_friendly"}
        for i in range(min(pages, pairs))
    ]
    return {"applicable": True, "rounds": -(-pairs // pages), "pages": chosen, "samples": samples, "complete": True}


def test_the_ratio_is_the_median_of_the_pairs_not_of_the_medians():
    # Medians 30 / 20 would say 1.5×; each pair says 3×, 1× and 1×.
    assert paired_ratio([10.0, 20.0, 30.0], [30.0, 20.0, 30.0]) == 1.0
    assert paired_ratio([0.2], [3.0]) == 3.0  # a direct time under the 1 ms floor is taken as 1 ms


@pytest.mark.parametrize(
    "filtered_ms,perf_01,perf_02",
    [
        (120.0, PASSED, PASSED),  # 1.2× exactly: PERF-02's maximum
        (121.0, PASSED, FAILED),
        (150.0, PASSED, FAILED),  # 1.5× exactly: PERF-01's maximum
        (151.0, FAILED, FAILED),
    ],
)
def test_ratio_boundaries_with_a_point_interval(filtered_ms, perf_01, perf_02):
    m = evaluate(artifact(100.0, filtered_ms, pairs=20))
    ratio = filtered_ms / 100
    assert m.measurements["median_load_ratio"] == ratio
    assert m.intervals["median_load_ratio"] == [ratio, ratio]
    assert outcomes(m) == {"PERF-01": perf_01, "PERF-02": perf_02}


def test_the_filtered_median_may_be_3000_ms_and_not_one_more():
    at_limit = evaluate(artifact(2900.0, 3000.0, pairs=20))
    assert at_limit.measurements["median_load_ms_filtered"] == 3000.0
    assert outcomes(at_limit) == {"PERF-01": PASSED, "PERF-02": PASSED}
    over = evaluate(artifact(2900.0, 3001.0, pairs=20))
    assert over.measurements["median_load_ratio"] < 1.2
    assert outcomes(over) == {"PERF-01": PASSED, "PERF-02": FAILED}


def test_fewer_than_the_minimum_pairs_measure_nothing_and_the_minimum_measures():
    short = evaluate(artifact(100.0, 110.0, pairs=MIN_PAIRS - 1))
    assert short.measurements == {
        "median_load_ratio": None,
        "median_load_ms_direct": None,
        "median_load_ms_filtered": None,
    }
    assert f"Chỉ có {MIN_PAIRS - 1} lượt tải" in short.explanation["vi"]
    assert f"Only {MIN_PAIRS - 1} loads" in short.explanation["en"]
    assert outcomes(short) == {"PERF-01": CANT_TELL, "PERF-02": CANT_TELL}
    enough = evaluate(artifact(100.0, 110.0, pairs=MIN_PAIRS))
    assert enough.measurements["median_load_ratio"] == 1.1
    assert outcomes(enough) == {"PERF-01": PASSED, "PERF-02": PASSED}


def test_confidence_grows_with_the_pairs():
    assert evaluate(artifact(100.0, 110.0, pairs=FULL_CONFIDENCE_PAIRS // 2)).confidence == 0.5
    assert evaluate(artifact(100.0, 110.0, pairs=FULL_CONFIDENCE_PAIRS + 10)).confidence == 1.0


def test_explanation_numbers_use_the_decimal_comma_in_vietnamese():
    m = evaluate(artifact(1234.5, 1851.75, pairs=10))
    assert m.measurements == {
        "median_load_ratio": 1.5,
        "median_load_ms_direct": 1234.5,
        "median_load_ms_filtered": 1851.75,
    }
    vi, en = m.explanation["vi"], m.explanation["en"]
    assert "1.851,8 ms so với 1.234,5 ms" in vi and "gấp 1,50 lần" in vi
    assert "khoảng tin cậy 95%: 1,50–1,50 lần" in vi
    assert "1,851.8 ms against 1,234.5 ms" in en and "(1.50×; 95% confidence interval 1.50–1.50×)" in en
    assert "trên 10 cặp lượt tải của 10 trang an toàn" in vi and "over 10 paired loads of 10 safe pages" in en


def test_a_load_with_no_partner_is_excluded_as_missing():
    art = artifact(100.0, 110.0, pairs=6)
    art["samples"].append(sample(1, 0, "direct", 100.0))  # round 1 of page 0 through the product never ran
    m = evaluate(art)
    assert m.evidence["paired_loads"] == 6
    assert m.evidence["excluded"] == [
        {"url": art["samples"][-1]["url"], "round": 1, "direct": "ok", "filtered": "missing"}
    ]


def test_the_fetch_median_is_the_documents_arrival():
    m = evaluate(artifact(100.0, 160.0, pairs=10))
    assert m.evidence["median_fetch_ms"] == {"direct": 25.0, "filtered": 40.0}


def test_the_bootstrap_interval_of_identical_pairs_is_a_point_and_keeps_the_level():
    low_high = bootstrap_interval([100.0] * 8, [130.0] * 8, resamples=200)
    assert low_high == {"median_load_ratio": [1.3, 1.3], "median_load_ms_filtered": [130.0, 130.0]}
    m = evaluate(artifact(100.0, 130.0, pairs=8))
    assert m.evidence["confidence_intervals"]["level"] == 0.95
    assert m.evidence["confidence_intervals"]["method"] == "percentile bootstrap"
