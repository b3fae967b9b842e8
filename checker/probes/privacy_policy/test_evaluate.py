"""privacy_policy's evaluate on artifacts shaped as privacy_policy.gather returns them (no browser): what a
Vietnamese policy is (at least MIN_WORDS words, MIN_VI_WORD_RATIO of them Vietnamese, speaking of personal data),
a link whose target could not be read, the confidence rule and the explanation in both languages.
Complements tests/probes/test_site_probes.py."""

from __future__ import annotations

import pytest

from checker.probes.base import CANT_TELL, FAILED, PASSED, Measurement
from checker.probes.privacy_policy.evaluate import (
    MIN_VI_WORD_RATIO,
    MIN_WORDS,
    collects_data,
    evaluate,
    is_vi_policy,
    language_stats,
)
from checker.probes.testkit import outcomes as judged


def outcomes(measurement: Measurement) -> dict[str, str]:
    return judged(measurement, "children_platform")


SITE = "https://hocvui.vn"
POLICY = f"{SITE}/chinh-sach-quyen-rieng-tu"
POLICY_TEXT = (
    "Chính sách quyền riêng tư của Học Vui. Chúng tôi chỉ thu thập dữ liệu cá nhân cần thiết: email "
    "và ngày sinh của cha mẹ, và chỉ xử lý khi cha mẹ đồng ý. "
) * 5


def target(stats: dict | None = None, **changes) -> dict:
    """A followed policy link as gather stores it: login.goto's record, the text's stats and an excerpt."""
    record = {
        "url": POLICY,
        "final_url": POLICY,
        "status": 200,
        "content_type": "text/html",
        "error": None,
        "ms": 120.0,
        "stats": language_stats(POLICY_TEXT) if stats is None else stats,
        "excerpt": POLICY_TEXT[:300],
    }
    record.update(changes)
    return record


def data_page(url: str, declared: str | None, linked: bool = True, **changes) -> dict:
    page = {
        "url": url,
        "declared": declared,
        "final_url": url,
        "status": 200,
        "error": None,
        "collects": True,
        "data_fields": ["Email", "Mật khẩu"],
        "vi_links": [{"name": "Chính sách quyền riêng tư", "url": POLICY, "role": "link", "target_key": POLICY}]
        if linked
        else [],
        "en_links": [],
    }
    page.update(changes)
    return page


def stats(words: int, ratio: float, personal: bool = True) -> dict:
    return {"words": words, "vi_word_ratio": ratio, "mentions_personal_data": personal, "names_privacy_policy": True}


@pytest.mark.parametrize(
    "words,ratio,personal,expected",
    [
        (MIN_WORDS, MIN_VI_WORD_RATIO, True, True),
        (MIN_WORDS - 1, 0.6, True, False),  # a stub ("đang cập nhật") is not a policy
        (400, MIN_VI_WORD_RATIO - 0.001, True, False),  # English with a few Vietnamese words
        (400, 0.6, False, False),  # long Vietnamese text that never speaks of personal data
    ],
)
def test_what_counts_as_a_vietnamese_policy(words, ratio, personal, expected):
    assert is_vi_policy(target(stats(words, ratio, personal))) is expected


def test_a_policy_page_answering_an_error_is_no_policy():
    assert not is_vi_policy(target(status=404))
    assert not is_vi_policy(target(status=None, error="timeout"))


def test_language_stats_count_letters_only_and_see_the_d_with_stroke():
    result = language_stats("Điều 13: đ 2024 data")
    assert result["words"] == 3  # "Điều", "đ", "data": numbers are not words
    assert result["vi_word_ratio"] == 0.667
    assert language_stats("")["vi_word_ratio"] == 0.0


def test_collects_data_reads_the_purpose_after_a_section_token():
    fields = [
        {"visible": True, "type": "text", "name": "Email của bố mẹ", "autocomplete": "section-parent email"},
        {"visible": True, "type": "text", "name": "Mã lớp", "autocomplete": "off"},
        {"visible": True, "type": "tel", "name": "Số điện thoại", "autocomplete": ""},
    ]
    assert collects_data(fields) == ["Email của bố mẹ", "Số điện thoại"]


def test_a_link_whose_policy_could_not_be_read_cannot_tell_and_lowers_the_confidence():
    art = {
        "applicable": True,
        "pages": [data_page(f"{SITE}/dang-ky", "signup")],
        "targets": {POLICY: target(status=None, error="ERR_CONNECTION_RESET", stats=language_stats(""))},
        "screenshots": [],
    }
    m = evaluate(art)
    assert m.measurements == {"data_pages_checked": 0, "data_pages_without_vi_policy": None}
    assert m.confidence == 0.6
    assert "1 trang không đọc được" in m.explanation["vi"] and "1 page(s) could not be read" in m.explanation["en"]
    assert outcomes(m) == {"CD-02": CANT_TELL}


def test_one_page_without_the_link_fails_and_is_named_in_both_languages():
    pages = [data_page(f"{SITE}/dang-ky", "signup"), data_page(f"{SITE}/dang-nhap", "login", linked=False)]
    m = evaluate({"applicable": True, "pages": pages, "targets": {POLICY: target()}, "screenshots": []})
    assert m.measurements == {"data_pages_checked": 2, "data_pages_without_vi_policy": 1}
    assert m.confidence == 0.9
    assert (
        f"1 trang không có liên kết tới chính sách quyền riêng tư tiếng Việt ({SITE}/dang-nhap)" in m.explanation["vi"]
    )
    assert f"1 without a link to a Vietnamese privacy policy ({SITE}/dang-nhap)" in m.explanation["en"]
    assert outcomes(m) == {"CD-02": FAILED}


def test_the_policy_is_listed_once_by_its_final_address():
    moved = f"{SITE}/phap-ly/quyen-rieng-tu"
    pages = [data_page(f"{SITE}/dang-ky", "signup"), data_page(f"{SITE}/dang-nhap", "login")]
    m = evaluate({"applicable": True, "pages": pages, "targets": {POLICY: target(final_url=moved)}, "screenshots": []})
    assert m.evidence["policy_urls"] == [moved]
    assert [p["linked_vi_policy"] for p in m.evidence["data_pages"]] == [True, True]
    assert outcomes(m) == {"CD-02": PASSED}


def test_a_start_page_with_a_personal_data_field_is_a_data_page_too():
    start = data_page(f"{SITE}/", None, data_fields=["Email"])
    m = evaluate({"applicable": True, "pages": [start], "targets": {POLICY: target()}, "screenshots": []})
    assert m.applicable
    assert m.measurements == {"data_pages_checked": 1, "data_pages_without_vi_policy": 0}
    assert m.evidence["data_pages"][0]["declared_as"] is None
