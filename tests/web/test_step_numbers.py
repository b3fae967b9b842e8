"""The self-assessment step: a step with one error still saves its valid answers, the error summary names the
criterion, and numbers are read as people type them (Vietnamese thousands, decimal comma, percentages for rates)."""

from __future__ import annotations

from tests.web.conftest import text_of
from tests.web.test_vendor_pages import draft_of, field_block, start_draft


def _features(world):
    browser = world.site.browser("vendor_a")
    start_draft(world, browser)
    return browser, f"/dashboard/submissions/{draft_of(world).id}/steps/features"


def test_one_error_does_not_lose_the_other_answers_of_the_step(world):
    browser, step = _features(world)
    bad = browser.post(
        step,
        {
            "a.CF-01.v.block_rate": "1.200",
            "a.CF-01.v.corpus_size": "1.200",  # rate: 1200 > 1
            "a.CF-05.v": "92 %",
            "go": "stay",
        },
    )
    assert bad.status_code == 422
    assert "Đã lưu các câu trả lời hợp lệ của bước này" in bad.text
    answers = draft_of(world).answers
    assert answers["CF-05"] == {"value": 0.92} and "CF-01" not in answers  # CF-05 saved, CF-01 keeps nothing
    summary = text_of(
        bad.text[
            bad.text.index('class="error-summary"') : bad.text.index("</ul>", bad.text.index('class="error-summary"'))
        ]
    )
    assert "CF-01 Chặn nội dung người lớn: Phải nhỏ hơn hoặc bằng 1." in summary
    assert 'value="1.200"' in bad.text  # what was typed stays in the field
    en = browser.post(step + "?lang=en", {"a.CF-01.v.block_rate": "1.5", "a.CF-01.v.corpus_size": "600", "go": "stay"})
    assert "CF-01 Adult content blocked: Must be at most 1." in text_of(en.text)


def test_numbers_in_vietnamese_and_english_style_and_percentages(world):
    browser, step = _features(world)
    saved = browser.post(
        step,
        {
            "a.CF-01.v.block_rate": "97,5%",
            "a.CF-01.v.corpus_size": "1.200",
            "a.CF-01.ev_doc": "Báo cáo",
            "a.CF-05.v": "0,91",
            "go": "stay",
        },
    )
    assert saved.status_code == 303, text_of(saved.text)[:500]
    answers = draft_of(world).answers
    assert answers["CF-01"]["value"] == {"block_rate": 0.975, "corpus_size": 1200}
    assert answers["CF-05"] == {"value": 0.91}
    page = browser.get(step).text  # shown back with the page's decimal comma, read back the same
    assert 'value="0,975"' in page and 'value="1200"' in page
    assert 'value="0.975"' in browser.get(step + "?lang=en").text
    english = browser.post(
        step + "?lang=en",
        {
            "a.CF-01.v.block_rate": "0.975",
            "a.CF-01.v.corpus_size": "1,200",
            "a.CF-01.ev_doc": "Báo cáo",
            "a.CF-05.v": "91%",
            "go": "stay",
        },
    )
    assert english.status_code == 303
    assert draft_of(world).answers["CF-01"]["value"] == {"block_rate": 0.975, "corpus_size": 1200}
    assert draft_of(world).answers["CF-05"] == {"value": 0.91}


def test_a_percentage_is_refused_where_no_rate_is_asked(world):
    browser, step = _features(world)
    bad = browser.post(step, {"a.CF-01.v.block_rate": "0,97", "a.CF-01.v.corpus_size": "60%", "go": "stay"})
    assert bad.status_code == 422
    assert "Hãy nhập một số nguyên." in field_block(bad.text, "f-a-CF-01-v-corpus_size")
