"""filter_bypass's evaluate on artifacts shaped as filter_bypass.gather returns them (no browser): which attempts
count (distinct requests judged allowed or blocked), CF-08's boundary of one attempt, the confidence rule and the
explanation in both languages. Complements tests/probes/test_filter_probes.py."""

from __future__ import annotations

from checker.probes.base import CANT_TELL, FAILED, PASSED, Measurement
from checker.probes.filter_bypass.evaluate import FULL_CONFIDENCE_PAGES, evaluate
from checker.probes.filter_bypass.gather import SAMPLE_BLOCKED, TRICKS, trick_url
from checker.probes.testkit import CONTROLS_PASSED
from checker.probes.testkit import outcomes as judged


def outcomes(measurement: Measurement) -> dict[str, str]:
    return judged(measurement, "kid_browser")


def url_of(page_id: str) -> str:
    return f"http://nha-cai.corpus.localhost:8765/p/{page_id}"


def normal(page_id: str, verdict: str = "blocked") -> dict:
    """The normal load `load` records, with the fields gather adds."""
    how = {"blocked": "block_page", "allowed": "marker_rendered", "unreachable": "product_network_error"}[verdict]
    return {
        "verdict": verdict,
        "how": how,
        "status": 200,
        "title": "Bị chặn",
        "final_url": url_of(page_id),
        "sent_url": url_of(page_id),
        "ms": 35.0,
        "page_id": page_id,
        "category": "gambling",
        "url": url_of(page_id),
    }


def attempt(page_id: str, trick: str, verdict: str, **extra) -> dict:
    url = trick_url(
        url_of(page_id), trick, alternate_url=f"http://mirror.cdn-alt.localhost:8765/p/{page_id}", address="127.0.0.1"
    )
    how = {
        "blocked": "block_page",
        "allowed": "marker_rendered",
        "unreachable": "direct_fetch_failed",
        "undetermined": "refused_by_egress_guard",
    }[verdict]
    rec = {
        "verdict": verdict,
        "how": how,
        "status": 200,
        "title": "",
        "final_url": url,
        "sent_url": url,
        "ms": 40.0,
        "distinct": True,
        "page_id": page_id,
        "category": "gambling",
        "trick": trick,
        "url": url,
        "original_url": url_of(page_id),
        "original_sent_url": url_of(page_id),
    }
    rec.update(extra)
    return rec


def artifact(normal_loads: list[dict], attempts: list[dict], complete: bool = True) -> dict:
    return {
        "applicable": True,
        "tricks": list(TRICKS),
        "sample_size": SAMPLE_BLOCKED,
        "normal": normal_loads,
        "blocked_normally": [r["page_id"] for r in normal_loads if r["verdict"] == "blocked"],
        "attempts": attempts,
        "unavailable": [],
        "controls": CONTROLS_PASSED,
        "complete": complete,
    }


def test_a_single_attempt_judged_and_blocked_is_enough_to_pass():
    m = evaluate(artifact([normal("gambling-vi-0001")], [attempt("gambling-vi-0001", "raw_ip", "blocked")]))
    assert m.measurements == {"bypass_success_count": 0, "bypass_attempts": 1}  # CF-08: at least one attempt
    assert outcomes(m) == {"CF-08": PASSED}


def test_unreachable_and_refused_attempts_are_not_counted_but_kept_as_evidence():
    attempts = [
        attempt("gambling-vi-0001", "raw_ip", "blocked"),
        attempt("gambling-vi-0001", "alternate_host", "unreachable", status=None),
        attempt("gambling-vi-0001", "percent_encoded_path", "undetermined"),
    ]
    m = evaluate(artifact([normal("gambling-vi-0001")], attempts))
    assert m.measurements == {"bypass_success_count": 0, "bypass_attempts": 1}
    assert m.evidence["per_trick"] == {"raw_ip": {"tried": 1, "succeeded": 0}}
    assert [u["url"] for u in m.evidence["unreachable"]] == ["http://mirror.cdn-alt.localhost:8765/p/gambling-vi-0001"]
    assert m.evidence["undetermined"] == [attempts[2]["url"]]


def test_a_bypass_counts_only_when_it_sent_a_different_request():
    same = attempt("gambling-vi-0001", "trailing_dot_host", "allowed", distinct=False)
    m = evaluate(artifact([normal("gambling-vi-0001")], [attempt("gambling-vi-0001", "raw_ip", "blocked"), same]))
    assert m.measurements == {"bypass_success_count": 0, "bypass_attempts": 1}
    assert m.evidence["normalised_by_browser"] == ["trailing_dot_host"]


def test_all_attempts_blocked_names_the_tricks_in_each_language():
    attempts = [attempt("gambling-vi-0001", t, "blocked") for t in ("raw_ip", "alternate_host")]
    m = evaluate(artifact([normal("gambling-vi-0001")], attempts))
    assert m.explanation["vi"] == (
        "Sản phẩm vẫn chặn cả 2 lần thử vượt lọc trên 1 trang bị chặn (địa chỉ IP trực tiếp, tên miền thay thế)."
    )
    assert m.explanation["en"] == (
        "The product still blocked all 2 bypass attempts on 1 blocked pages (raw IP address, alternate host name)."
    )


def test_one_success_fails_and_the_explanation_gives_the_trick_and_its_share():
    ids = ["gambling-vi-0001", "gambling-vi-0002"]
    # gather screenshots the attempts that got through, and only those.
    attempts = [
        attempt(
            ids[0],
            "percent_encoded_path",
            "allowed",
            screenshot="screenshots/filter_bypass-gambling-vi-0001-percent_encoded_path.png",
        ),
        attempt(ids[1], "percent_encoded_path", "blocked"),
    ]
    m = evaluate(artifact([normal(pid) for pid in ids], attempts))
    assert m.measurements == {"bypass_success_count": 1, "bypass_attempts": 2}
    assert m.evidence["successful_bypasses"] == [
        {
            "trick": "percent_encoded_path",
            "url": attempts[0]["url"],
            "blocked_url": url_of(ids[0]),
            "category": "gambling",
            "status": 200,
        }
    ]
    assert m.evidence["screenshots"] == ["screenshots/filter_bypass-gambling-vi-0001-percent_encoded_path.png"]
    assert "1/2" in m.explanation["vi"] and "đường dẫn mã hoá phần trăm 1/2" in m.explanation["vi"]
    assert "percent-encoded path 1/2" in m.explanation["en"]
    assert outcomes(m) == {"CF-08": FAILED}


def test_confidence_grows_with_the_pages_blocked_normally():
    ids = [f"gambling-vi-{i:04d}" for i in range(1, FULL_CONFIDENCE_PAGES + 1)]
    half = evaluate(artifact([normal(pid) for pid in ids[:3]], [attempt(pid, "raw_ip", "blocked") for pid in ids[:3]]))
    assert half.confidence == 0.5
    full = evaluate(artifact([normal(pid) for pid in ids], [attempt(pid, "raw_ip", "blocked") for pid in ids]))
    assert full.confidence == 1.0


def test_normal_loads_are_summed_in_the_evidence():
    loads = [
        normal("gambling-vi-0001"),
        normal("gambling-vi-0002", "allowed"),
        normal("gambling-vi-0003", "unreachable"),
    ]
    m = evaluate(artifact(loads, [attempt("gambling-vi-0001", "raw_ip", "blocked")]))
    assert m.evidence["normal_loads"] == {"total": 3, "blocked": 1, "allowed": 1, "unreachable": 1}
    assert m.evidence["blocked_normally"] == [
        {"url": url_of("gambling-vi-0001"), "category": "gambling", "how": "block_page"}
    ]


def test_no_harmful_page_loaded_cannot_tell_in_both_languages():
    m = evaluate(artifact([], [], complete=False))
    assert m.measurements == {"bypass_success_count": None, "bypass_attempts": None}
    assert "Không tải được trang có hại nào" in m.explanation["vi"]
    assert "No harmful page could be loaded" in m.explanation["en"]
    assert outcomes(m) == {"CF-08": CANT_TELL}
