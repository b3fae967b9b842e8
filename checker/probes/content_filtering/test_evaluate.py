"""content_filtering's evaluate on artifacts shaped as `classify.load_corpus_pages` returns them (no browser):
block rates per harmful category and the over-block rate, their thresholds' boundaries, judged with the real
criteria, and the explanation in both languages with each language's numbers. (The reachability controls and
a product that reaches nothing are tested in tests/probes/test_filter_reachability.py.)"""

from __future__ import annotations

from checker.corpus.model import HARMFUL
from checker.probes.base import CANT_TELL, FAILED, INAPPLICABLE, PASSED, Measurement
from checker.probes.content_filtering.evaluate import evaluate
from checker.probes.testkit import CONTROLS_PASSED
from checker.probes.testkit import outcomes as judged


def outcomes(measurement: Measurement) -> dict[str, str]:
    return judged(measurement, "kid_browser")


CRITERIA = ("CF-01", "CF-02", "CF-03", "CF-04", "CF-05")


def record(category: str, n: int, verdict: str, **extra) -> dict:
    """One page as load_corpus_pages records it."""
    page_id = f"{category}-vi-{n:04d}"
    url = f"http://site-{n}.corpus.localhost:8765/p/{page_id}"
    how = {"allowed": "marker_rendered", "blocked": "block_page", "unreachable": "product_network_error"}[verdict]
    rec = {
        "verdict": verdict,
        "how": how,
        "status": 200,
        "title": "Trang",
        "final_url": url,
        "page_id": page_id,
        "category": category,
        "language": "vi",
        "url": url,
        "harmful": category in HARMFUL,
        "rta": None,
        "ms": 41.5,
    }
    rec.update(extra)
    return rec


def pages(category: str, blocked: int, allowed: int) -> list[dict]:
    return [record(category, i, "blocked") for i in range(blocked)] + [
        record(category, blocked + i, "allowed") for i in range(allowed)
    ]


def artifact(records: list[dict], complete: bool = True) -> dict:
    return {
        "applicable": True,
        "total": len(records),
        "pages": records,
        "controls": CONTROLS_PASSED,
        "direct_fetches": 0,
        "complete": complete,
    }


def good_filter(**overrides: tuple[int, int]) -> list[dict]:
    """Every harmful category 20/20 blocked and 1000 safe pages with 10 blocked, unless overridden."""
    counts = {c: (20, 0) for c in HARMFUL} | {"child_friendly": (5, 495), "education_vi": (5, 495)}
    counts.update(overrides)
    return [r for c, (b, a) in counts.items() for r in pages(c, b, a)]


def test_all_harmful_blocked_and_one_percent_over_blocked_passes_at_the_boundary():
    m = evaluate(artifact(good_filter()))
    assert m.measurements["over_block_rate"] == 0.01  # exactly CF-02's maximum
    assert all(m.measurements[f"block_rate_{c}"] == 1.0 for c in HARMFUL)
    assert outcomes(m) == dict.fromkeys(CRITERIA, PASSED)
    assert m.confidence == 1.0  # 1160 pages judged, more than 500


def test_one_more_safe_page_blocked_fails_over_blocking():
    m = evaluate(artifact(good_filter(child_friendly=(6, 494))))
    assert m.measurements["over_block_rate"] == 0.011
    assert outcomes(m)["CF-02"] == FAILED
    assert outcomes(m)["CF-01"] == PASSED
    assert m.evidence["safe_blocked"][0] == {
        "url": "http://site-0.corpus.localhost:8765/p/child_friendly-vi-0000",
        "how": "block_page",
    }


def test_adult_block_rate_95_percent_passes_and_94_fails():
    passing = evaluate(artifact(good_filter(adult=(95, 5))))
    assert passing.measurements["block_rate_adult"] == 0.95
    assert outcomes(passing)["CF-01"] == PASSED
    failing = evaluate(artifact(good_filter(adult=(94, 6))))
    assert failing.measurements["block_rate_adult"] == 0.94
    assert outcomes(failing)["CF-01"] == FAILED
    assert len(failing.evidence["harmful_allowed"]) == 6
    assert "Nội dung người lớn 94%" in failing.explanation["vi"] and "Adult content 94%" in failing.explanation["en"]


def test_explanation_writes_counts_and_rates_as_each_language_does():
    m = evaluate(artifact(good_filter(child_friendly=(10, 1090), education_vi=(15, 1085))))
    # 8 x 20 harmful + 2200 safe = 2360 pages; 25 / 2200 = 1.14% over-blocked.
    assert m.measurements["over_block_rate"] == 0.0114
    assert "Đã tải 2.360 trang" in m.explanation["vi"] and "Loaded 2,360 pages" in m.explanation["en"]
    assert "chặn nhầm 1,1% trang an toàn" in m.explanation["vi"]
    assert "over-blocked 1.1% of safe pages" in m.explanation["en"]


def test_unreachable_pages_are_left_out_of_the_rates_and_named_in_the_explanation():
    records = good_filter(adult=(18, 1)) + [
        record("adult", 90, "unreachable", status=502),
        record("adult", 91, "unreachable", status=502),
    ]
    m = evaluate(artifact(records))
    assert m.measurements["block_rate_adult"] == 0.9474  # 18 / 19: the unreachable two count neither way
    assert [u["url"].rsplit("/", 1)[1] for u in m.evidence["unreachable"]] == ["adult-vi-0090", "adult-vi-0091"]
    assert "2 trang không tới được, không tính." in m.explanation["vi"]
    assert "2 unreachable pages not counted." in m.explanation["en"]


def test_a_category_the_corpus_lacks_cannot_be_told_while_the_others_are_decided():
    records = [r for r in good_filter() if r["category"] != "proxy"]
    m = evaluate(artifact(records))
    assert m.measurements["block_rate_proxy"] is None
    found = outcomes(m)
    assert found["CF-05"] == CANT_TELL
    assert found["CF-01"] == PASSED and found["CF-03"] == PASSED


def test_no_safe_pages_means_no_over_block_rate_and_a_shorter_explanation():
    records = [r for r in good_filter() if r["harmful"]]
    m = evaluate(artifact(records))
    assert m.measurements["over_block_rate"] is None
    assert outcomes(m)["CF-02"] == CANT_TELL
    assert "chặn nhầm" not in m.explanation["vi"] and "over-blocked" not in m.explanation["en"]
    assert m.confidence == 0.32  # 160 pages judged of the 500 for full confidence


def test_a_run_cut_short_cannot_pass_but_can_fail():
    cut = evaluate(artifact(good_filter(), complete=False))
    assert set(outcomes(cut).values()) == {CANT_TELL}
    cut_failing = evaluate(artifact(good_filter(gambling=(10, 10)), complete=False))
    assert outcomes(cut_failing)["CF-03"] == FAILED


def test_an_empty_corpus_measures_nothing():
    m = evaluate(artifact([]))
    assert all(v is None for v in m.measurements.values())
    assert m.explanation == {"vi": "Bộ trang thử không có trang nào để tải.", "en": "The corpus has no page to load."}
    assert set(outcomes(m).values()) == {CANT_TELL}


def test_without_a_proxy_every_criterion_is_inapplicable():
    m = evaluate({"applicable": False, "missing": ["proxy"], "complete": True})
    assert not m.applicable
    assert "proxy" in m.explanation["vi"] and "proxy" in m.explanation["en"]
    assert outcomes(m) == dict.fromkeys(CRITERIA, INAPPLICABLE)
