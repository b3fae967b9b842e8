"""block_page's evaluate on artifacts shaped as block_page.gather returns them (no browser): the rule that an
ask-a-parent control must do something when used, the 111 hotline's context window, the confidence rule, the
cantTell reasons and the explanation in both languages. Complements tests/probes/test_filter_probes.py."""

from __future__ import annotations

from checker.probes.base import CANT_TELL, FAILED, PASSED, Measurement
from checker.probes.block_page.evaluate import HOTLINE_WINDOW, evaluate, hotline_shown, judge_page, use_responded
from checker.probes.signals import fold
from checker.probes.testkit import CONTROLS_PASSED
from checker.probes.testkit import outcomes as judged


def outcomes(measurement: Measurement) -> dict[str, str]:
    return judged(measurement, "kid_browser")


TEXT = (
    "Trang này đã bị chặn vì thuộc danh mục Nội dung người lớn.\nNếu có điều gì khiến con sợ hãi, hãy gọi Tổng đài 111."
)
ASK = {"role": "button", "name": "Hỏi bố mẹ"}


def blocked(n: int, text: str = TEXT, controls: list[dict] | None = None, **extra) -> dict:
    """A page load_block_page recorded as blocked, with the visible text, controls and forms of the block page."""
    url = f"http://phim-{n}.corpus.localhost:8765/p/adult-vi-{n:04d}"
    rec = {
        "page_id": f"adult-vi-{n:04d}",
        "category": "adult",
        "language": "vi",
        "url": url,
        "status": 200,
        "body_bytes": 2048,
        "final_url": url,
        "content_type": "text/html; charset=utf-8",
        "verdict": "blocked",
        "how": "block_page",
        "title": "Bị chặn",
        "text": text,
        "controls": [ASK] if controls is None else controls,
        "forms": [],
        "screenshot": f"screenshots/block_page-adult-vi-{n:04d}.png",
    }
    rec.update(extra)
    return rec


def use(**changes) -> dict:
    """What _try_ask_parent records after clicking the control."""
    record = {
        "control": ASK,
        "clicked": True,
        "url_after": "http://phim-1.corpus.localhost:8765/p/adult-vi-0001",
        "navigated": False,
        "text_changed": False,
        "text_after": "",
        "requests": [],
        "responses": [],
    }
    record.update(changes)
    return record


def artifact(records: list[dict], tried: list[dict] | None = None, complete: bool = True) -> dict:
    if tried is None:
        tried = [{"page_id": r["page_id"], "verdict": r["verdict"]} for r in records]
    return {"applicable": True, "pages": records, "tried": tried, "controls": CONTROLS_PASSED, "complete": complete}


def test_a_click_answered_below_400_counts_as_a_response_and_400_does_not():
    request = [{"url": "http://portal/ask", "method": "POST", "resource_type": "fetch"}]
    assert use_responded(use(requests=request, responses=[{"url": "http://portal/ask", "status": 399}]))
    assert not use_responded(use(requests=request, responses=[{"url": "http://portal/ask", "status": 400}]))
    assert use_responded(use(navigated=True))
    assert use_responded(use(text_changed=True, text_after="Đã gửi cho bố mẹ."))
    assert not use_responded(use())
    assert not use_responded(use(clicked=False, navigated=True, error="Timeout 3000ms exceeded."))


def test_a_control_whose_click_failed_is_not_offered_and_the_block_page_says_why_in_both_languages():
    m = evaluate(
        artifact(
            [
                blocked(
                    1,
                    ask_parent_use=use(
                        requests=[{"url": "http://portal/ask"}], responses=[{"url": "http://portal/ask", "status": 500}]
                    ),
                )
            ]
        )
    )
    assert m.measurements == {"explains_reason": True, "offers_ask_parent": False, "shows_hotline_111": True}
    assert "cho phép hỏi cha mẹ: không (nút không phản hồi khi bấm)" in m.explanation["vi"]
    assert "offers ask-a-parent: no (the control did nothing when used)" in m.explanation["en"]
    assert outcomes(m) == {"CF-09": FAILED, "RP-03": PASSED}


def test_a_control_that_could_not_be_tried_counts_by_its_presence():
    m = evaluate(artifact([blocked(1)]))
    assert m.measurements["offers_ask_parent"] is True
    assert m.evidence["ask_parent_use"] is None


def test_the_hotline_word_must_be_within_the_window_around_111():
    # "goi" starting exactly HOTLINE_WINDOW characters before 111 is inside; one character further is not.
    near = "goi" + " " * (HOTLINE_WINDOW - 3) + "111"
    far = "goi" + " " * (HOTLINE_WINDOW - 2) + "111"
    assert hotline_shown(near)
    assert not hotline_shown(far)
    assert hotline_shown(fold("111 – Child protection hotline"))
    assert not hotline_shown(fold("Gọi 1.111 lần"))


def test_111_ending_a_sentence_is_the_hotline_but_not_a_decimal():
    assert hotline_shown(fold("Nếu con sợ hãi, hãy gọi Tổng đài 111."))
    assert hotline_shown(fold("Call the hotline 111, free of charge"))
    assert not hotline_shown(fold("Gọi tổng đài: mã 111,5"))
    assert not hotline_shown(fold("Hotline 111.5"))


def test_an_english_only_block_page_is_not_in_vietnamese_and_names_no_category_without_its_title():
    judged = judge_page(
        blocked(
            1,
            text="Access blocked. Ask a parent. Call the hotline 111.",
            controls=[{"role": "link", "name": "Ask a parent"}],
            title="Blocked",
        )
    )
    assert judged["explains_reason"] and judged["shows_hotline_111"]
    assert judged["ask_parent_controls"] == [{"role": "link", "name": "Ask a parent"}]
    assert judged["in_vietnamese"] is False and judged["names_category"] is False
    named = judge_page(blocked(2))
    assert named["in_vietnamese"] is True and named["names_category"] is True


def test_confidence_grows_with_the_block_pages_judged():
    assert evaluate(artifact([blocked(1)])).confidence == 0.25
    assert evaluate(artifact([blocked(i) for i in range(1, 5)])).confidence == 1.0


def test_bare_refusals_and_block_pages_together_are_judged_as_block_pages_and_every_one_counts():
    refused = {
        "page_id": "gambling-en-0001",
        "category": "gambling",
        "language": "en",
        "status": None,
        "url": "http://bet-1.corpus.localhost:8765/p/gambling-en-0001",
        "verdict": "blocked",
        "how": "connection_error",
        "error": "ERR_CONNECTION_RESET",
        "screenshot": "s.png",
    }
    m = evaluate(artifact([blocked(1), refused]))
    assert m.measurements == {"explains_reason": False, "offers_ask_parent": False, "shows_hotline_111": False}
    assert "sản phẩm hiện trang chặn, từ chối kết nối" in m.explanation["vi"]
    assert "the product showed a block page, refused the connection" in m.explanation["en"]
    assert outcomes(m) == {"CF-09": FAILED, "RP-03": FAILED}


def test_only_unreachable_harmful_pages_leave_no_block_page_and_say_so():
    pages = [
        {
            "page_id": f"adult-vi-{n:04d}",
            "category": "adult",
            "language": "vi",
            "status": 200,
            "url": f"http://phim-{n}.corpus.localhost:8765/p/adult-vi-{n:04d}",
            "verdict": "unreachable",
            "how": "product_network_error",
            "network_error": "error_text:could not be resolved",
        }
        for n in (1, 2)
    ]
    m = evaluate(artifact(pages))
    assert m.measurements == {"explains_reason": None, "offers_ask_parent": None, "shows_hotline_111": None}
    assert m.evidence["unreachable"][0]["why"] == "error_text:could not be resolved"
    assert "không tới được 2 trang có hại" in m.explanation["vi"]
    assert "could not reach 2 of the harmful pages" in m.explanation["en"]
    assert outcomes(m) == {"CF-09": CANT_TELL, "RP-03": CANT_TELL}


def test_nothing_blocked_names_how_many_pages_were_tried():
    allowed = {
        "page_id": "adult-vi-0003",
        "category": "adult",
        "language": "vi",
        "status": 200,
        "verdict": "allowed",
        "how": "marker_rendered",
        "url": "http://phim-3.corpus.localhost:8765/p/adult-vi-0003",
    }
    tried = [{"page_id": f"adult-vi-{n:04d}", "verdict": "allowed"} for n in range(1, 9)]
    m = evaluate(artifact([allowed], tried=tried))
    assert "trong 8 trang rõ ràng có hại" in m.explanation["vi"] and "none of 8 clearly harmful" in m.explanation["en"]
    assert outcomes(m) == {"CF-09": CANT_TELL, "RP-03": CANT_TELL}


def test_a_run_cut_short_before_any_page_cannot_tell_and_keeps_the_error():
    error = {"vi": "Hết thời gian", "en": "Out of time"}
    m = evaluate({**artifact([], complete=False), "error": error})
    assert m.evidence["error"] == error
    assert "No harmful page could be loaded" in m.explanation["en"]
    assert "Không tải được trang có hại nào" in m.explanation["vi"]
    assert outcomes(m) == {"CF-09": CANT_TELL, "RP-03": CANT_TELL}
