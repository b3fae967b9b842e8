"""rta_label's evaluate on artifacts shaped as `classify.load_corpus_pages` returns them for the RTA-only pages
(no browser): CF-06 asks every such page blocked, the confidence rule (pages judged, both ways of carrying the
label tried) and the explanation in both languages. Complements tests/probes/test_filter_probes.py."""

from __future__ import annotations

from checker.probes.base import CANT_TELL, FAILED, PASSED, Measurement
from checker.probes.rta_label.evaluate import FULL_CONFIDENCE_PAGES, evaluate
from checker.probes.testkit import CONTROLS_PASSED
from checker.probes.testkit import outcomes as judged


def outcomes(measurement: Measurement) -> dict[str, str]:
    return judged(measurement, "kid_browser")


def record(n: int, verdict: str, rta: str | None, how: str | None = None, **extra) -> dict:
    page_id = f"rta-only-vi-{n:04d}"
    url = f"http://blog-{n}.corpus.localhost:8765/p/{page_id}"
    default_how = {"allowed": "marker_rendered", "blocked": "block_page", "unreachable": "direct_fetch_failed"}
    rec = {
        "verdict": verdict,
        "how": how or default_how[verdict],
        "status": 200,
        "title": "Nhật ký",
        "final_url": url,
        "page_id": page_id,
        "category": "rta_only",
        "language": "vi",
        "url": url,
        "harmful": True,
        "rta": rta,
        "ms": 30.0,
    }
    rec.update(extra)
    return rec


def artifact(records: list[dict], complete: bool = True) -> dict:
    return {
        "applicable": True,
        "total": len(records),
        "pages": records,
        "controls": CONTROLS_PASSED,
        "direct_fetches": 0,
        "complete": complete,
    }


def test_one_rta_page_let_through_of_twenty_fails_with_both_languages_saying_so():
    records = [record(i, "blocked", "meta" if i % 2 else "header") for i in range(19)] + [
        record(19, "allowed", "header")
    ]
    m = evaluate(artifact(records))
    assert m.measurements == {"rta_block_rate": 0.95}
    assert outcomes(m) == {"CF-06": FAILED}  # the threshold is every page: 95% is not enough
    assert "19/20" in m.explanation["vi"] and "(95%)" in m.explanation["vi"] and "tiêu đề HTTP" in m.explanation["vi"]
    assert "19/20" in m.explanation["en"] and "(95%)" in m.explanation["en"] and "HTTP header" in m.explanation["en"]


def test_confidence_grows_with_the_pages_judged_up_to_full():
    half = [record(i, "blocked", "meta" if i % 2 else "header") for i in range(FULL_CONFIDENCE_PAGES // 2)]
    assert evaluate(artifact(half)).confidence == 0.5
    full = [record(i, "blocked", "meta" if i % 2 else "header") for i in range(FULL_CONFIDENCE_PAGES + 4)]
    m = evaluate(artifact(full))
    assert m.confidence == 1.0
    assert outcomes(m) == {"CF-06": PASSED}


def test_only_one_way_of_carrying_the_label_caps_the_confidence():
    m = evaluate(artifact([record(i, "blocked", "meta") for i in range(FULL_CONFIDENCE_PAGES)]))
    assert m.evidence["by_label_placement"] == {"meta": {"judged": 20, "blocked": 20, "allowed": 0}}
    assert m.confidence == 0.7
    assert outcomes(m) == {"CF-06": PASSED}


def test_a_url_list_that_does_not_say_where_the_label_is_is_said_so():
    records = [record(1, "blocked", None), record(2, "allowed", None), record(3, "allowed", None)]
    m = evaluate(artifact(records))
    assert m.measurements["rta_block_rate"] == 0.3333
    assert m.evidence["by_label_placement"] == {"unknown": {"judged": 3, "blocked": 1, "allowed": 2}}
    assert "does not say whether the label is in a meta tag or an HTTP header" in m.explanation["en"]
    assert "danh sách URL không ghi nhãn nằm ở thẻ meta hay tiêu đề HTTP" in m.explanation["vi"]
    assert outcomes(m) == {"CF-06": FAILED}


def test_unreachable_pages_count_neither_way_and_how_each_page_was_blocked_is_kept():
    records = [
        record(1, "blocked", "meta", how="block_page"),
        record(2, "blocked", "header", how="error_status", status=403),
        record(3, "unreachable", "meta", status=None, direct_error="ERR_CONNECTION_REFUSED"),
    ]
    m = evaluate(artifact(records))
    assert m.measurements == {"rta_block_rate": 1.0}
    assert m.evidence["block_methods"] == {"block_page": 1, "error_status": 1}
    assert m.evidence["unreachable"] == [{"url": records[2]["url"], "how": "direct_fetch_failed", "status": None}]
    assert "cả 2 trang" in m.explanation["vi"] and "all 2 pages" in m.explanation["en"]


def test_only_unreachable_pages_cannot_tell_and_keep_the_runs_error():
    error = {"vi": "Trình duyệt bị đóng", "en": "The browser closed"}
    m = evaluate({**artifact([record(1, "unreachable", "meta"), record(2, "unreachable", "header")]), "error": error})
    assert m.measurements == {"rta_block_rate": None}
    assert m.evidence["error"] == error
    assert "Không trang RTA nào được đánh giá" in m.explanation["vi"]
    assert "No RTA page could be judged" in m.explanation["en"]
    assert outcomes(m) == {"CF-06": CANT_TELL}
