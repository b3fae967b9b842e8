"""reporting's evaluate on artifacts shaped as reporting.gather returns them (no browser): what a report form is,
clicks counted from the start page (a form on the start page itself is 0 clicks), the confidence rule, the
cantTell and inapplicable reasons and the explanation in both languages. Complements tests/probes/test_site_probes.py."""

from __future__ import annotations

from checker.probes.base import CANT_TELL, FAILED, INAPPLICABLE, PASSED, Measurement
from checker.probes.reporting.evaluate import NOT_FOUND_CLICKS, evaluate, hotline_seen, is_report_form, report_controls
from checker.probes.testkit import outcomes as judged


def outcomes(measurement: Measurement) -> dict[str, str]:
    return judged(measurement, "children_platform")


SITE = "https://hocvui.vn"
NO_FORMS: list[dict] = []


def form(textareas: int = 0, choices: int = 0, text_fields: int = 0) -> dict:
    """One form as _form_summaries sums it up."""
    return {
        "form": 0,
        "textareas": textareas,
        "choices": choices,
        "text_fields": text_fields,
        "fields": textareas + choices + text_fields,
    }


def state(clicks: int, via: list[str], url: str | None, report_words: bool, forms: list[dict], **changes) -> dict:
    """A page reached after some clicks, as gather's _state records it."""
    record = {
        "clicks": clicks,
        "via": via,
        "url": url,
        "title": "Học Vui",
        "status": 200,
        "error": None,
        "report_words_on_page": report_words,
        "forms": forms,
        "report_controls": [],
        "hotline_snippets": [],
        "kind": "page",
    }
    if clicks:
        record["followed"] = "report" if report_words else "navigation"
    record.update(changes)
    return record


def artifact(states: list[dict], **changes) -> dict:
    start = {
        "url": f"{SITE}/",
        "final_url": f"{SITE}/",
        "status": 200,
        "content_type": "text/html",
        "error": None,
        "ms": 150.0,
    }
    art = {
        "applicable": True,
        "start": start,
        "start_loaded": True,
        "states": states,
        "screenshots": [],
        "start_controls": ["Trang chủ", "Báo cáo nội dung xấu", "Trợ giúp"],
        "start_controls_read": True,
        "hotline_snippets": ["Gọi Tổng đài 111 nếu con cần giúp đỡ"],
        "tel_links": [],
        "activations": len(states) - 1,
        "searched_completely": True,
        "cut_short": False,
    }
    art.update(changes)
    return art


def test_a_report_form_is_report_words_and_a_form_to_fill_in_or_the_mail_program():
    assert is_report_form(state(1, ["Báo cáo"], f"{SITE}/bao-cao", True, [form(choices=1)]))
    assert not is_report_form(state(1, ["Báo cáo"], f"{SITE}/bao-cao", True, [form(text_fields=3)]))
    assert not is_report_form(state(1, ["Liên hệ"], f"{SITE}/lien-he", False, [form(textareas=1)]))
    assert is_report_form({"clicks": 1, "kind": "mailto", "url": "mailto:baocao@hocvui.vn", "forms": []})


def test_report_controls_and_hotline_are_recognised_in_both_languages():
    assert report_controls(["Trang chủ", "Report a problem", "Tố cáo vi phạm", "Reporter"]) == [
        "Report a problem",
        "Tố cáo vi phạm",
    ]
    assert hotline_seen([], ["tel: 111"])
    assert not hotline_seen([], ["tel:1111"])
    assert not hotline_seen(["Liên hệ: 111 Lê Lợi, Hà Nội"], [])


def test_a_form_on_the_start_page_is_zero_clicks_and_says_it_was_the_start_page():
    m = evaluate(artifact([state(0, [], f"{SITE}/", True, [form(textareas=1)])]))
    assert m.measurements["report_control_clicks"] == 0
    assert m.confidence == 1.0
    assert "sau 0 lần nhấn ((trang bắt đầu / start page))" in m.explanation["vi"]
    assert "after 0 click(s) ((trang bắt đầu / start page))" in m.explanation["en"]
    assert outcomes(m) == {"RP-01": PASSED, "RP-02": PASSED}


def test_the_nearest_form_counts_when_several_paths_reach_one():
    states = [
        state(0, [], f"{SITE}/", False, NO_FORMS),
        state(2, ["Trợ giúp", "Báo cáo"], f"{SITE}/tro-giup/bao-cao", True, [form(textareas=1)]),
        state(1, ["Báo cáo nội dung xấu"], f"{SITE}/bao-cao", True, [form(choices=2)]),
    ]
    m = evaluate(artifact(states))
    assert m.measurements["report_control_clicks"] == 1
    assert m.evidence["report_form_url"] == f"{SITE}/bao-cao"
    assert "sau 1 lần nhấn (Báo cáo nội dung xấu)" in m.explanation["vi"]


def test_nothing_found_in_a_complete_search_counts_one_click_too_many_with_lower_confidence():
    states = [
        state(0, [], f"{SITE}/", False, NO_FORMS),
        state(1, ["Trợ giúp"], f"{SITE}/tro-giup", False, NO_FORMS),
        state(2, ["Trợ giúp", "Hỏi đáp"], f"{SITE}/hoi-dap", False, NO_FORMS),
    ]
    m = evaluate(artifact(states, start_controls=["Trang chủ", "Trợ giúp"]))
    assert m.measurements["report_control_clicks"] == NOT_FOUND_CLICKS == 3
    assert m.confidence == 0.8
    assert "không tìm thấy biểu mẫu báo cáo trong 2 lần nhấn (đã thử 2 đường dẫn)" in m.explanation["vi"]
    assert "no report form within 2 clicks (2 path(s) tried)" in m.explanation["en"]
    assert outcomes(m) == {"RP-01": FAILED, "RP-02": FAILED}


def test_a_path_that_failed_to_load_leaves_the_clicks_unknown_even_if_the_search_ran_to_its_end():
    states = [
        state(0, [], f"{SITE}/", False, NO_FORMS),
        state(1, ["Trợ giúp"], None, False, [], error="could_not_return", status=None),
    ]
    m = evaluate(artifact(states, searched_completely=True))
    assert m.measurements["report_control_clicks"] is None
    assert m.confidence == 0.3
    assert "the search was cut short" in m.explanation["en"] and "chưa dò hết" in m.explanation["vi"]
    assert m.evidence["paths_tried"][1] == {"clicks": 1, "via": ["Trợ giúp"], "url": None, "error": "could_not_return"}
    assert outcomes(m)["RP-01"] == CANT_TELL


def test_a_start_page_that_did_not_load_gives_its_error_in_both_languages():
    start = {"url": f"{SITE}/", "final_url": None, "status": None, "content_type": None, "error": "timeout"}
    m = evaluate({"applicable": True, "start": start, "start_loaded": False, "states": [], "screenshots": []})
    assert m.explanation == {
        "vi": "Không tải được trang bắt đầu (timeout); chưa đo được.",
        "en": "The start page did not load (timeout); nothing measured.",
    }
    assert m.confidence == 0.0
    assert outcomes(m) == {"RP-01": CANT_TELL, "RP-02": CANT_TELL}


def test_a_product_without_a_start_address_is_inapplicable_and_says_so():
    m = evaluate({"applicable": False, "reason": "no_web_pages"})
    assert not m.applicable
    assert "không có địa chỉ bắt đầu" in m.explanation["vi"] and "no start address" in m.explanation["en"]
    assert outcomes(m) == {"RP-01": INAPPLICABLE, "RP-02": INAPPLICABLE}
