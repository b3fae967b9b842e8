"""The filter probes' evaluate() on hand-written artifacts (no browser): rta_label,
filter_bypass, block_page and filter_overhead, each passing, failing, cantTell and
inapplicable, judged with the real criteria."""

from __future__ import annotations

import pytest

from checker.corpus.model import CorpusPage
from checker.criteria import load_set
from checker.probes.base import CANT_TELL, FAILED, INAPPLICABLE, PASSED, judge
from checker.probes.block_page.evaluate import evaluate as evaluate_block_page
from checker.probes.block_page.evaluate import hotline_shown
from checker.probes.block_page.gather import parse_controls
from checker.probes.block_page.gather import pick_pages as block_page_pages
from checker.probes.filter_bypass.evaluate import evaluate as evaluate_bypass
from checker.probes.filter_bypass.gather import TRICKS, candidates, encode_path, trick_url
from checker.probes.filter_overhead.evaluate import evaluate as evaluate_overhead
from checker.probes.filter_overhead.gather import pick_pages as overhead_pages
from checker.probes.rta_label.evaluate import evaluate as evaluate_rta
from checker.probes.signals import fold

VERSION = "vcsc-2025.1"
KID_BROWSER = "kid_browser"
NOT_APPLICABLE = {"applicable": False, "missing": ["proxy"], "complete": True}


def outcomes(measurement) -> dict[str, str]:
    return {f.criterion_id: f.outcome for f in judge(measurement, load_set(VERSION), KID_BROWSER)}


def assert_bilingual(measurement) -> None:
    assert measurement.explanation["vi"] and measurement.explanation["en"]
    assert measurement.explanation["vi"] != measurement.explanation["en"]


# ------------------------------------------------------------------------------ rta_label


def rta_record(n: int, verdict: str, rta: str, how: str | None = None) -> dict:
    return {
        "page_id": f"rta-only-vi-{n:04d}",
        "category": "rta_only",
        "language": "vi",
        "rta": rta,
        "harmful": True,
        "url": f"http://blog-{n}.corpus.localhost:8765/p/rta-only-vi-{n:04d}",
        "verdict": verdict,
        "how": how or ("marker_rendered" if verdict == "allowed" else "block_page"),
        "status": 200,
    }


def test_rta_label_all_blocked_passes():
    pages = [rta_record(i, "blocked", "meta" if i % 2 else "header") for i in range(1, 13)]
    m = evaluate_rta({"applicable": True, "pages": pages, "complete": True})
    assert m.measurements == {"rta_block_rate": 1.0}
    assert m.evidence["rta_pages_allowed"] == []
    assert m.evidence["by_label_placement"] == {
        "meta": {"judged": 6, "blocked": 6, "allowed": 0},
        "header": {"judged": 6, "blocked": 6, "allowed": 0},
    }
    assert_bilingual(m)
    assert outcomes(m) == {"CF-06": PASSED}


def test_rta_label_ignored_label_fails_with_the_pages_and_where_the_label_was():
    pages = [
        rta_record(1, "blocked", "meta"),
        rta_record(2, "allowed", "header"),
        rta_record(3, "allowed", "meta"),
        rta_record(4, "undetermined", "meta", how="refused_by_egress_guard"),
    ]
    pages[1]["screenshot"] = "screenshots/rta_label-rta-only-vi-0002.png"
    m = evaluate_rta({"applicable": True, "pages": pages, "complete": True})
    assert m.measurements["rta_block_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert [(a["rta"], a["url"].split("/")[-1]) for a in m.evidence["rta_pages_allowed"]] == [
        ("header", "rta-only-vi-0002"),
        ("meta", "rta-only-vi-0003"),
    ]
    assert m.evidence["undetermined"] == [pages[3]["url"]]
    assert m.evidence["screenshots"] == ["screenshots/rta_label-rta-only-vi-0002.png"]
    assert "meta" in m.explanation["en"] and "HTTP header" in m.explanation["en"]
    assert "thẻ meta" in m.explanation["vi"]
    assert outcomes(m) == {"CF-06": FAILED}


def test_rta_label_without_rta_pages_cannot_tell():
    m = evaluate_rta({"applicable": True, "pages": [], "total": 0, "complete": True})
    assert m.measurements == {"rta_block_rate": None}
    assert m.confidence == 0.0
    assert_bilingual(m)
    assert outcomes(m) == {"CF-06": CANT_TELL}


def test_rta_label_cut_short_cannot_tell_even_when_all_blocked_so_far():
    m = evaluate_rta(
        {
            "applicable": True,
            "pages": [rta_record(1, "blocked", "meta")],
            "complete": False,
            "error": {"vi": "Hết thời gian", "en": "Out of time"},
        }
    )
    assert m.measurements == {"rta_block_rate": 1.0}
    assert outcomes(m) == {"CF-06": CANT_TELL}


def test_rta_label_only_egress_refusals_cannot_tell():
    m = evaluate_rta({"applicable": True, "pages": [rta_record(1, "undetermined", "meta", "refused_by_egress_guard")]})
    assert m.measurements == {"rta_block_rate": None}
    assert outcomes(m) == {"CF-06": CANT_TELL}


def test_rta_label_without_proxy_is_inapplicable():
    m = evaluate_rta(NOT_APPLICABLE)
    assert not m.applicable
    assert_bilingual(m)
    assert outcomes(m) == {"CF-06": INAPPLICABLE}


# -------------------------------------------------------------------------- filter_bypass


def normal_record(page_id: str, category: str, verdict: str) -> dict:
    return {
        "page_id": page_id,
        "category": category,
        "url": f"http://site.corpus.localhost:8765/p/{page_id}",
        "sent_url": f"http://site.corpus.localhost:8765/p/{page_id}",
        "verdict": verdict,
        "how": "block_page" if verdict == "blocked" else "marker_rendered",
    }


def attempt(page_id: str, trick: str, verdict: str, distinct: bool = True) -> dict:
    url = trick_url(
        f"http://site.corpus.localhost:8765/p/{page_id}",
        trick,
        alternate_url=f"http://mirror-3.cdn-alt.localhost:8765/p/{page_id}",
        address="127.0.0.1",
    )
    return {
        "page_id": page_id,
        "category": "adult",
        "trick": trick,
        "url": url,
        "verdict": verdict,
        "original_url": f"http://site.corpus.localhost:8765/p/{page_id}",
        "distinct": distinct,
        "sent_url": url.lower() if trick == "upper_case_host" else url,
        "status": 200,
        "how": "block_page" if verdict == "blocked" else "marker_rendered",
    }


def bypass_artifact(success_tricks: set[str], pages: int = 6) -> dict:
    ids = [f"adult-vi-{i:04d}" for i in range(1, pages + 1)]
    attempts = [
        attempt(pid, trick, "allowed" if trick in success_tricks else "blocked", distinct=trick != "upper_case_host")
        for pid in ids
        for trick in TRICKS
    ]
    return {
        "applicable": True,
        "tricks": list(TRICKS),
        "normal": [normal_record(pid, "adult", "blocked") for pid in ids],
        "blocked_normally": ids,
        "attempts": attempts,
        "unavailable": [],
        "complete": True,
    }


def test_filter_bypass_nothing_gets_through_passes():
    m = evaluate_bypass(bypass_artifact(set()))
    # The browser lower-cases host names, so the upper-case trick sends the same request: not counted.
    assert m.measurements == {"bypass_success_count": 0, "bypass_attempts": 24}
    assert m.evidence["normalised_by_browser"] == ["upper_case_host"]
    assert m.evidence["successful_bypasses"] == []
    assert m.confidence == 1.0
    assert_bilingual(m)
    assert outcomes(m) == {"CF-08": PASSED}


def test_filter_bypass_host_list_tricks_fail_with_each_successful_url():
    m = evaluate_bypass(bypass_artifact({"raw_ip", "alternate_host", "trailing_dot_host"}, pages=2))
    assert m.measurements == {"bypass_success_count": 6, "bypass_attempts": 8}
    tricks = sorted({s["trick"] for s in m.evidence["successful_bypasses"]})
    assert tricks == ["alternate_host", "raw_ip", "trailing_dot_host"]
    urls = {s["url"] for s in m.evidence["successful_bypasses"]}
    assert "http://127.0.0.1:8765/p/adult-vi-0001" in urls
    assert "http://site.corpus.localhost.:8765/p/adult-vi-0001" in urls
    assert m.evidence["per_trick"]["raw_ip"] == {"tried": 2, "succeeded": 2}
    assert "raw IP address 2/2" in m.explanation["en"] and "địa chỉ IP trực tiếp 2/2" in m.explanation["vi"]
    assert outcomes(m) == {"CF-08": FAILED}


def test_filter_bypass_nothing_blocked_normally_cannot_tell():
    normal = [normal_record(f"adult-vi-{i:04d}", "adult", "allowed") for i in range(1, 9)]
    m = evaluate_bypass(
        {"applicable": True, "normal": normal, "blocked_normally": [], "attempts": [], "complete": True}
    )
    assert m.measurements == {"bypass_success_count": None, "bypass_attempts": None}
    assert "blocked none of 8" in m.explanation["en"]
    assert outcomes(m) == {"CF-08": CANT_TELL}


def test_filter_bypass_only_refused_attempts_cannot_tell():
    artifact = bypass_artifact(set(), pages=1)
    for a in artifact["attempts"]:
        a["verdict"], a["how"] = "undetermined", "refused_by_egress_guard"
    m = evaluate_bypass(artifact)
    assert m.measurements == {"bypass_success_count": None, "bypass_attempts": None}
    assert len(m.evidence["undetermined"]) == len(TRICKS)
    assert outcomes(m) == {"CF-08": CANT_TELL}


def test_filter_bypass_cut_short_cannot_tell_unless_a_bypass_was_seen():
    artifact = bypass_artifact(set(), pages=1)
    artifact["complete"] = False
    assert outcomes(evaluate_bypass(artifact)) == {"CF-08": CANT_TELL}
    artifact = bypass_artifact({"raw_ip"}, pages=1)
    artifact["complete"] = False
    assert outcomes(evaluate_bypass(artifact)) == {"CF-08": FAILED}


def test_filter_bypass_without_proxy_is_inapplicable():
    m = evaluate_bypass(NOT_APPLICABLE)
    assert outcomes(m) == {"CF-08": INAPPLICABLE}


def test_bypass_trick_urls():
    url = "http://nha-cai-12.corpus.localhost:8765/p/gambling-vi-0003?x=1"
    mirror = "http://mirror-7.cdn-alt.localhost:8765/p/gambling-vi-0003"
    assert trick_url(url, "raw_ip", address="127.0.0.1") == "http://127.0.0.1:8765/p/gambling-vi-0003?x=1"
    assert trick_url(url, "raw_ip", address="::1") == "http://[::1]:8765/p/gambling-vi-0003?x=1"
    assert trick_url(url, "raw_ip", address=None) is None
    assert trick_url("http://127.0.0.1:8765/p/a", "raw_ip", address="127.0.0.1") is None
    assert trick_url(url, "alternate_host", alternate_url=mirror) == mirror
    assert trick_url(url, "alternate_host") is None
    assert trick_url(url, "upper_case_host") == "http://NHA-CAI-12.CORPUS.LOCALHOST:8765/p/gambling-vi-0003?x=1"
    assert trick_url(url, "trailing_dot_host") == "http://nha-cai-12.corpus.localhost.:8765/p/gambling-vi-0003?x=1"
    encoded = trick_url(url, "percent_encoded_path")
    assert encoded.startswith("http://nha-cai-12.corpus.localhost:8765/%70/%67%61%6D")
    assert "%2D" in encoded and encoded.endswith("?x=1")
    assert encode_path("/p/a-b") == "/%70/%61%2D%62"


def test_bypass_candidates_spread_over_categories_with_markers_first():
    def page(pid, category, marker="M"):
        return CorpusPage(pid, category, "vi", f"http://h/p/{pid}", None, marker, True)

    corpus = [
        page("a1", "adult", None),
        page("a2", "adult"),
        page("a3", "adult"),
        page("g1", "gambling"),
        page("c1", "child_friendly"),
        page("r1", "rta_only"),
    ]
    assert [p.page_id for p in candidates(corpus)] == ["a2", "g1", "a3", "a1"]


def test_bypass_candidates_alternate_languages():
    def page(pid, language):
        return CorpusPage(pid, "adult", language, f"http://h/p/{pid}", None, "M", True)

    corpus = [page("vi1", "vi"), page("vi2", "vi"), page("vi3", "vi"), page("en1", "en"), page("en2", "en")]
    assert [p.page_id for p in candidates(corpus)] == ["vi1", "en1", "vi2", "en2", "vi3"]


# ----------------------------------------------------------------------------- block_page

GOOD_TEXT = (
    "Trang này đã bị chặn\nTrang thuộc danh mục Nội dung người lớn, không phù hợp với con.\n"
    "This page is blocked: Adult content.\nNếu có điều gì khiến con sợ hãi, hãy gọi Tổng đài 111 (miễn phí)."
)


def block_record(
    n: int, *, text: str = GOOD_TEXT, controls=None, how: str = "block_page", status: int = 200, **extra
) -> dict:
    record = {
        "page_id": f"adult-vi-{n:04d}",
        "category": "adult",
        "language": "vi",
        "url": f"http://phim-{n}.corpus.localhost:8765/p/adult-vi-{n:04d}",
        "status": status,
        "verdict": "blocked",
        "how": how,
        "title": "Bị chặn",
        "text": text,
        "forms": [],
        "controls": [{"role": "button", "name": "Hỏi bố mẹ"}, {"role": "link", "name": "Về trang chủ", "url": "/"}]
        if controls is None
        else controls,
        "screenshot": f"screenshots/block_page-adult-vi-{n:04d}.png",
    }
    record.update(extra)
    return record


ASK_USED = {
    "control": {"role": "button", "name": "Hỏi bố mẹ"},
    "clicked": True,
    "navigated": True,
    "text_changed": True,
    "requests": [{"url": "http://portal/ask", "method": "POST", "resource_type": "document"}],
    "responses": [{"url": "http://portal/ask", "status": 200}],
    "text_after": "Đã gửi yêu cầu cho bố mẹ.",
}


def test_block_page_that_explains_asks_parent_and_shows_111_passes():
    pages = [block_record(1, ask_parent_use=ASK_USED), block_record(2)]
    m = evaluate_block_page({"applicable": True, "pages": pages, "complete": True})
    assert m.measurements == {"explains_reason": True, "offers_ask_parent": True, "shows_hotline_111": True}
    assert m.evidence["block_pages"][0]["in_vietnamese"] and m.evidence["block_pages"][0]["names_category"]
    assert m.evidence["screenshots"] == [p["screenshot"] for p in pages]
    assert m.evidence["ask_parent_use"]["control"]["name"] == "Hỏi bố mẹ"
    assert_bilingual(m)
    assert outcomes(m) == {"CF-09": PASSED, "RP-03": PASSED}


def test_bare_403_fails_every_signal_and_says_how_it_blocked():
    pages = [
        {
            "page_id": "adult-vi-0001",
            "url": "http://x/p/adult-vi-0001",
            "verdict": "blocked",
            "how": "error_without_body",
            "status": 403,
            "body_bytes": 0,
            "screenshot": "s.png",
        }
    ]
    m = evaluate_block_page({"applicable": True, "pages": pages, "complete": True})
    assert m.measurements == {"explains_reason": False, "offers_ask_parent": False, "shows_hotline_111": False}
    assert m.evidence["block_pages"][0]["how"] == "error_without_body"
    assert "error status without a body" in m.explanation["en"]
    assert outcomes(m) == {"CF-09": FAILED, "RP-03": FAILED}


def test_forbidden_text_page_explains_nothing():
    pages = [block_record(1, text="403 Forbidden", title="403 Forbidden", controls=[], how="error_status", status=403)]
    m = evaluate_block_page({"applicable": True, "pages": pages})
    assert m.measurements == {"explains_reason": False, "offers_ask_parent": False, "shows_hotline_111": False}
    assert outcomes(m) == {"CF-09": FAILED, "RP-03": FAILED}


def test_refused_connection_counts_as_none_of_the_three():
    pages = [
        {
            "page_id": "g",
            "url": "http://x/p/g",
            "verdict": "blocked",
            "how": "connection_error",
            "error": "ERR_CONNECTION_RESET",
            "status": None,
        }
    ]
    m = evaluate_block_page({"applicable": True, "pages": pages})
    assert m.measurements == {"explains_reason": False, "offers_ask_parent": False, "shows_hotline_111": False}
    assert "refused the connection" in m.explanation["en"]


def test_ask_parent_control_that_does_nothing_is_not_offered():
    dead = {**ASK_USED, "navigated": False, "text_changed": False, "requests": [], "responses": []}
    m = evaluate_block_page({"applicable": True, "pages": [block_record(1, ask_parent_use=dead)]})
    assert m.measurements["offers_ask_parent"] is False
    assert m.measurements["explains_reason"] is True
    assert "did nothing" in m.explanation["en"]
    assert outcomes(m) == {"CF-09": FAILED, "RP-03": PASSED}


def test_english_ask_parent_link_and_form_count():
    link = block_record(1, controls=[{"role": "link", "name": "Ask a parent to unblock"}], ask_parent_use=ASK_USED)
    form = block_record(
        2,
        controls=[{"role": "button", "name": "Send"}],
        forms=[{"index": 0, "text": "Xin phép bố mẹ mở trang này\nSend", "method": "post"}],
    )
    m = evaluate_block_page({"applicable": True, "pages": [link, form]})
    assert m.measurements["offers_ask_parent"] is True


def test_111_without_hotline_context_is_not_the_hotline():
    assert hotline_shown(fold("Gọi Tổng đài 111 miễn phí"))
    assert hotline_shown(fold("Call the child protection hotline: 111"))
    assert not hotline_shown(fold("Mã lỗi 111 – trang bị chặn"))
    assert not hotline_shown(fold("Hotline 1111 or 0111"))
    pages = [block_record(1, text="Trang bị chặn. Mã lỗi 111.", ask_parent_use=ASK_USED)]
    m = evaluate_block_page({"applicable": True, "pages": pages})
    assert m.measurements["shows_hotline_111"] is False
    assert outcomes(m) == {"CF-09": PASSED, "RP-03": FAILED}


def test_tel_111_link_counts_as_the_hotline():
    controls = [{"role": "button", "name": "Hỏi bố mẹ"}, {"role": "link", "name": "111", "url": "tel:111"}]
    m = evaluate_block_page(
        {
            "applicable": True,
            "pages": [block_record(1, text="Trang bị chặn.", controls=controls, ask_parent_use=ASK_USED)],
        }
    )
    assert m.measurements["shows_hotline_111"] is True


def test_every_block_page_must_have_the_signals():
    pages = [
        block_record(1, ask_parent_use=ASK_USED),
        block_record(2, text="Forbidden", title="Forbidden", controls=[]),
    ]
    m = evaluate_block_page({"applicable": True, "pages": pages})
    assert m.measurements == {"explains_reason": False, "offers_ask_parent": False, "shows_hotline_111": False}


def test_nothing_blocked_means_no_block_page_to_judge():
    pages = [{"page_id": "a", "url": "http://x/p/a", "verdict": "allowed", "how": "marker_rendered", "status": 200}]
    m = evaluate_block_page({"applicable": True, "pages": pages, "complete": True})
    assert m.measurements == {"explains_reason": None, "offers_ask_parent": None, "shows_hotline_111": None}
    assert m.evidence["not_blocked"] == ["http://x/p/a"]
    assert outcomes(m) == {"CF-09": CANT_TELL, "RP-03": CANT_TELL}


def test_block_page_without_proxy_is_inapplicable():
    m = evaluate_block_page(NOT_APPLICABLE)
    assert outcomes(m) == {"CF-09": INAPPLICABLE, "RP-03": INAPPLICABLE}


def test_parse_controls_from_aria_snapshot():
    snapshot = (
        '- heading "Trang bị chặn" [level=1]\n- paragraph: Gọi Tổng đài 111\n'
        '- button "Hỏi bố mẹ \\"ngay\\""\n- link "Về trang chủ":\n  - /url: /x\n- textbox "Lý do"\n'
        '- button "Gửi"\n- link "111":\n  - /url: tel:111\n- link\n'
    )
    assert parse_controls(snapshot) == [
        {"role": "button", "name": 'Hỏi bố mẹ "ngay"'},
        {"role": "link", "name": "Về trang chủ", "url": "/x"},
        {"role": "button", "name": "Gửi"},
        {"role": "link", "name": "111", "url": "tel:111"},
        {"role": "link", "name": ""},
    ]


def test_block_page_picks_adult_and_gambling_in_both_languages():
    def page(pid, category, language, marker="M"):
        return CorpusPage(pid, category, language, f"http://h/p/{pid}", None, marker, True)

    corpus = [
        page("a-vi-0", "adult", "vi", None),
        page("a-vi-1", "adult", "vi"),
        page("a-en-1", "adult", "en"),
        page("g-vi-1", "gambling", "vi"),
        page("d-vi-1", "drugs", "vi"),
    ]
    assert [p.page_id for p in block_page_pages(corpus)] == ["a-vi-1", "a-en-1", "g-vi-1"]


# ------------------------------------------------------------------------ filter_overhead


def overhead_artifact(
    direct_ms: float, filtered_ms: float, *, pages: int = 10, rounds: int = 3, timing: bool = True
) -> dict:
    samples = []
    for rnd in range(rounds):
        for i in range(pages):
            for path, base in (("direct", direct_ms), ("filtered", filtered_ms)):
                ms = base + (i % 3) * 0.5
                sample = {
                    "round": rnd,
                    "page_id": f"p{i}",
                    "url": f"http://kids-{i}.corpus.localhost/p/p{i}",
                    "path": path,
                    "ok": True,
                    "status": 200,
                    "wall_ms": ms + 20,
                }
                if timing:
                    sample["load_ms"] = ms
                    sample["timing"] = {"start": 0, "response_end": ms / 4, "load_end": ms}
                samples.append(sample)
    return {"applicable": True, "rounds": rounds, "samples": samples, "complete": True}


def test_overhead_small_passes_both_levels():
    m = evaluate_overhead(overhead_artifact(20.0, 22.0))
    assert m.measurements == {
        "median_load_ratio": pytest.approx(22.5 / 20.5, abs=1e-3),
        "median_load_ms_direct": 20.5,
        "median_load_ms_filtered": 22.5,
    }
    assert m.evidence["paired_loads"] == 30
    assert m.evidence["timed_by"] == ["navigation_timing"]
    assert m.evidence["median_fetch_ms"] == pytest.approx({"direct": 5.125, "filtered": 5.625}, abs=0.01)
    assert m.evidence["per_page"]["http://kids-0.corpus.localhost/p/p0"] == {
        "direct_ms": [20.0] * 3,
        "filtered_ms": [22.0] * 3,
    }
    assert_bilingual(m)
    assert outcomes(m) == {"PERF-01": PASSED, "PERF-02": PASSED}


def test_overhead_fixed_delay_fails():
    m = evaluate_overhead(overhead_artifact(8.0, 70.0))
    assert m.measurements["median_load_ratio"] > 1.5
    assert outcomes(m) == {"PERF-01": FAILED, "PERF-02": FAILED}


def test_overhead_between_the_levels_passes_must_fails_should():
    m = evaluate_overhead(overhead_artifact(20.0, 27.0))
    assert 1.2 < m.measurements["median_load_ratio"] <= 1.5
    assert outcomes(m) == {"PERF-01": PASSED, "PERF-02": FAILED}


def test_overhead_direct_near_zero_uses_the_floor():
    m = evaluate_overhead(overhead_artifact(0.0, 0.5, pages=5, rounds=1))
    assert m.measurements["median_load_ms_direct"] == 0.5
    assert m.measurements["median_load_ratio"] == pytest.approx(1.0)


def test_overhead_falls_back_to_wall_clock_without_navigation_timing():
    m = evaluate_overhead(overhead_artifact(10.0, 12.0, timing=False))
    assert m.evidence["timed_by"] == ["wall_clock"]
    assert m.measurements["median_load_ms_direct"] == 30.5


def test_overhead_pair_without_navigation_timing_uses_wall_clock_for_both():
    artifact = overhead_artifact(10.0, 12.0, pages=5, rounds=1)
    for s in artifact["samples"]:
        if s["path"] == "filtered":
            del s["load_ms"]
    m = evaluate_overhead(artifact)
    assert m.evidence["timed_by"] == ["wall_clock"]
    assert m.measurements["median_load_ms_direct"] == 30.5 and m.measurements["median_load_ms_filtered"] == 32.5


def test_overhead_only_counts_pages_that_arrived_through_both_paths():
    artifact = overhead_artifact(10.0, 11.0, pages=6, rounds=1)
    for s in artifact["samples"]:
        if s["page_id"] == "p5" and s["path"] == "filtered":
            s.update(ok=False, how="page_not_delivered", load_ms=1.0)
    m = evaluate_overhead(artifact)
    assert m.evidence["paired_loads"] == 5
    assert m.evidence["excluded"] == [
        {"url": "http://kids-5.corpus.localhost/p/p5", "round": 0, "direct": "ok", "filtered": "page_not_delivered"}
    ]


def test_overhead_too_few_loads_cannot_tell():
    artifact = overhead_artifact(10.0, 11.0, pages=10, rounds=1)
    for s in artifact["samples"]:
        if s["path"] == "direct" and s["page_id"] not in ("p0", "p1"):
            s.update(ok=False, how="load_error")
    m = evaluate_overhead(artifact)
    assert m.measurements == {"median_load_ratio": None, "median_load_ms_direct": None, "median_load_ms_filtered": None}
    assert outcomes(m) == {"PERF-01": CANT_TELL, "PERF-02": CANT_TELL}


def test_overhead_cut_short_cannot_tell():
    artifact = overhead_artifact(10.0, 11.0)
    artifact["complete"] = False
    assert outcomes(evaluate_overhead(artifact)) == {"PERF-01": CANT_TELL, "PERF-02": CANT_TELL}


def test_overhead_without_proxy_is_inapplicable():
    assert outcomes(evaluate_overhead(NOT_APPLICABLE)) == {"PERF-01": INAPPLICABLE, "PERF-02": INAPPLICABLE}


def test_overhead_sample_alternates_safe_categories():
    def page(pid, category, marker="M"):
        return CorpusPage(pid, category, "vi", f"http://h/p/{pid}", None, marker, False)

    corpus = [page(f"c{i}", "child_friendly") for i in range(8)] + [page(f"e{i}", "education_vi") for i in range(3)]
    corpus.append(page("adult", "adult"))
    chosen = [p.page_id for p in overhead_pages(corpus)]
    assert chosen[:6] == ["c0", "e0", "c1", "e1", "c2", "e2"]
    assert len(chosen) == 10 and "adult" not in chosen
