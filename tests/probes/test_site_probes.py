"""The site probes' evaluate() on hand-written artifacts (no browser): reporting,
privacy_before_consent, privacy_policy, age_assurance, settings_locked and transport, each
passing, failing, cantTell and inapplicable, judged with the real criteria; and the pure
helpers they share (ARIA snapshot parsing, negated "account created" text, age fields,
security.txt)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from checker.criteria import load_set
from checker.probes.age_assurance.evaluate import age_fields, classify, prefilled
from checker.probes.age_assurance.evaluate import evaluate as evaluate_age
from checker.probes.base import CANT_TELL, FAILED, INAPPLICABLE, PASSED, judge
from checker.probes.login import account_created_text, new_lines, parse_aria_snapshot, signed_in
from checker.probes.privacy_before_consent.evaluate import evaluate as evaluate_consent
from checker.probes.privacy_before_consent.evaluate import third_party_cookies
from checker.probes.privacy_policy.evaluate import collects_data, language_stats
from checker.probes.privacy_policy.evaluate import evaluate as evaluate_policy
from checker.probes.reporting.evaluate import NOT_FOUND_CLICKS, hotline_seen
from checker.probes.reporting.evaluate import evaluate as evaluate_reporting
from checker.probes.settings_locked.evaluate import evaluate as evaluate_settings
from checker.probes.transport.evaluate import check_security_txt, parse_hsts
from checker.probes.transport.evaluate import evaluate as evaluate_transport

VERSION = "vcsc-2025.1"
KID_BROWSER = "kid_browser"
SK = "https://safekid.localhost:8443"
FZ = "http://funzone.localhost:8080"


def outcomes(measurement, product_type: str = KID_BROWSER) -> dict[str, str]:
    return {f.criterion_id: f.outcome for f in judge(measurement, load_set(VERSION), product_type)}


def assert_bilingual(measurement) -> None:
    assert measurement.explanation["vi"] and measurement.explanation["en"]
    assert measurement.explanation["vi"] != measurement.explanation["en"]


def runner_inapplicable(*missing: str) -> dict:
    """What the runner stores, without calling gather, when the manifest lacks a need."""
    return {"applicable": False, "missing": list(missing), "complete": True}


# ------------------------------------------------------------------------------ shared helpers

SNAPSHOT = '''- banner:
  - link "Bảo vệ trẻ em SafeKid":
    - /url: /
  - navigation "Điều hướng chính / Main navigation":
    - list:
      - listitem:
        - link "Báo cáo vi phạm / Report abuse":
          - /url: /bao-cao
      - listitem:
        - button "☰ Menu" [expanded=false]
- main:
  - heading "Xin chào \\"bạn\\"" [level=1]
  - paragraph:
    - text: Gọi
    - link "111":
      - /url: tel:111
  - textbox "Email"
  - tab "Cài đặt" [selected]
'''


def test_aria_snapshot_gives_clickable_controls_with_names_and_absolute_urls():
    controls = parse_aria_snapshot(SNAPSHOT, "https://safekid.localhost:8443/hoc-tap")
    assert controls == [
        {"role": "link", "name": "Bảo vệ trẻ em SafeKid", "url": "https://safekid.localhost:8443/", "expanded": None},
        {
            "role": "link",
            "name": "Báo cáo vi phạm / Report abuse",
            "url": "https://safekid.localhost:8443/bao-cao",
            "expanded": None,
        },
        {"role": "button", "name": "☰ Menu", "url": None, "expanded": False},
        {"role": "link", "name": "111", "url": "tel:111", "expanded": None},
        {"role": "tab", "name": "Cài đặt", "url": None, "expanded": None},
    ]


def test_account_created_text_ignores_negations_in_both_languages():
    assert account_created_text("Chào mừng! Tài khoản đã được tạo. Welcome! Your account is ready.")
    assert account_created_text("Đăng ký thành công")
    assert not account_created_text("Chúng tôi chưa tạo tài khoản nào. No account was created.")
    assert not account_created_text("Tài khoản của con sẽ được tạo khi bố mẹ đồng ý.")
    assert signed_in({"controls": [{"role": "button", "name": "Đăng xuất / Log out"}], "text": ""})
    assert not signed_in({"controls": [{"role": "link", "name": "Đăng nhập / Log in"}], "text": "Xin chào"})


def test_new_lines_drop_the_header_and_footer_shared_with_the_page_before():
    before = "SafeKid\nTrang chủ\nĐăng ký\nNgày sinh\nTổng đài 111"
    after = "SafeKid\nTrang chủ\nCần cha mẹ đăng ký\nTổng đài 111"
    assert new_lines(before, after) == "Cần cha mẹ đăng ký"


# ------------------------------------------------------------------------------ reporting


def reporting_artifact(**changes) -> dict:
    artifact = {
        "applicable": True,
        "start_loaded": True,
        "complete": True,
        "searched_completely": True,
        "start": {
            "url": f"{SK}/",
            "final_url": f"{SK}/",
            "status": 200,
            "content_type": "text/html; charset=utf-8",
            "error": None,
        },
        "start_controls": ["Bảo vệ trẻ em SafeKid", "Trang chủ / Home", "Báo cáo vi phạm / Report abuse", "111"],
        "hotline_snippets": ["Tổng đài quốc gia bảo vệ trẻ em 111 — miễn phí, 24/7."],
        "tel_links": ["tel:111"],
        "states": [
            {
                "clicks": 0,
                "via": [],
                "url": f"{SK}/",
                "kind": "page",
                "report_words_on_page": True,
                "error": None,
                "forms": [],
                "report_controls": ["Báo cáo vi phạm / Report abuse"],
            },
            {
                "clicks": 1,
                "via": ["Báo cáo vi phạm / Report abuse"],
                "url": f"{SK}/bao-cao",
                "kind": "page",
                "error": None,
                "report_words_on_page": True,
                "forms": [{"form": 0, "textareas": 1, "choices": 1, "text_fields": 2, "fields": 4}],
                "report_controls": ["Báo cáo vi phạm / Report abuse"],
                "followed": "report",
            },
        ],
        "screenshots": [],
    }
    artifact.update(changes)
    return artifact


def test_reporting_one_click_to_the_form_and_111_passes():
    m = evaluate_reporting(reporting_artifact())
    assert m.measurements == {"report_control_clicks": 1, "shows_hotline_111": True, "reporting_link_visible": True}
    assert m.evidence["report_form_url"] == f"{SK}/bao-cao"
    assert_bilingual(m)
    assert outcomes(m) == {"RP-01": PASSED, "RP-02": PASSED}


def test_reporting_form_behind_the_help_page_is_two_clicks_and_still_passes():
    states = [
        {
            "clicks": 0,
            "via": [],
            "url": f"{SK}/",
            "kind": "page",
            "report_words_on_page": False,
            "forms": [],
            "error": None,
        },
        {
            "clicks": 1,
            "via": ["Trợ giúp"],
            "url": f"{SK}/tro-giup",
            "kind": "page",
            "report_words_on_page": True,
            "forms": [],
            "error": None,
        },
        {
            "clicks": 2,
            "via": ["Trợ giúp", "Báo cáo nội dung xấu"],
            "url": f"{SK}/tro-giup/bao-cao",
            "kind": "page",
            "report_words_on_page": True,
            "forms": [{"textareas": 1, "choices": 0}],
            "error": None,
        },
    ]
    m = evaluate_reporting(reporting_artifact(states=states, start_controls=["Trợ giúp"]))
    assert m.measurements["report_control_clicks"] == 2
    assert m.measurements["reporting_link_visible"] is False
    assert m.evidence["report_form_path"] == ["Trợ giúp", "Báo cáo nội dung xấu"]
    assert outcomes(m) == {"RP-01": PASSED, "RP-02": FAILED}


def test_reporting_nothing_found_after_a_complete_search_fails_as_more_than_two_clicks():
    states = [
        {
            "clicks": 0,
            "via": [],
            "url": f"{FZ}/",
            "kind": "page",
            "report_words_on_page": False,
            "forms": [],
            "error": None,
        },
        # A contact form is a form, but nothing on that page speaks of reporting.
        {
            "clicks": 1,
            "via": ["Liên hệ / Contact"],
            "url": f"{FZ}/lien-he",
            "kind": "page",
            "report_words_on_page": False,
            "forms": [{"textareas": 1, "choices": 0, "text_fields": 2}],
            "error": None,
        },
    ]
    m = evaluate_reporting(
        reporting_artifact(
            states=states,
            start_controls=["FunZone", "Liên hệ / Contact"],
            hotline_snippets=[],
            tel_links=[],
            screenshots=["screenshots/reporting-start-page.png"],
        )
    )
    assert m.measurements == {
        "report_control_clicks": NOT_FOUND_CLICKS,
        "shows_hotline_111": False,
        "reporting_link_visible": False,
    }
    assert m.evidence["screenshots"] == ["screenshots/reporting-start-page.png"]
    findings = judge(m, load_set(VERSION), KID_BROWSER)
    assert {f.criterion_id: f.outcome for f in findings} == {"RP-01": FAILED, "RP-02": FAILED}
    assert all(f.evidence for f in findings)


def test_reporting_search_cut_short_cannot_tell_the_clicks():
    states = [
        {
            "clicks": 0,
            "via": [],
            "url": f"{SK}/",
            "kind": "page",
            "report_words_on_page": False,
            "forms": [],
            "error": None,
        },
        {"clicks": 1, "via": ["Trợ giúp"], "url": None, "kind": "page", "error": "timeout", "forms": []},
    ]
    m = evaluate_reporting(reporting_artifact(states=states, searched_completely=False))
    assert m.measurements["report_control_clicks"] is None
    assert outcomes(m) == {"RP-01": CANT_TELL, "RP-02": PASSED}


def test_reporting_start_page_that_did_not_load_cannot_tell():
    m = evaluate_reporting(
        {
            "applicable": True,
            "start_loaded": False,
            "states": [],
            "start": {"url": f"{SK}/", "error": "ERR_CONNECTION_REFUSED", "status": None},
        }
    )
    assert set(m.measurements.values()) == {None}
    assert outcomes(m) == {"RP-01": CANT_TELL, "RP-02": CANT_TELL}


def test_reporting_unreadable_accessibility_tree_is_not_a_missing_link():
    states = [
        {
            "clicks": 0,
            "via": [],
            "url": f"{SK}/",
            "kind": "page",
            "report_words_on_page": False,
            "forms": [],
            "error": "controls_unreadable",
        }
    ]
    m = evaluate_reporting(reporting_artifact(states=states, start_controls=[], start_controls_read=False))
    assert m.measurements["reporting_link_visible"] is None and m.measurements["report_control_clicks"] is None
    assert outcomes(m) == {"RP-01": CANT_TELL, "RP-02": CANT_TELL}


def test_reporting_mailto_report_link_counts_as_reaching_a_channel():
    states = [
        {"clicks": 0, "via": [], "url": f"{SK}/", "kind": "page", "report_words_on_page": True, "forms": []},
        {"clicks": 1, "via": ["Báo cáo vi phạm"], "url": "mailto:abuse@example.vn", "kind": "mailto", "forms": []},
    ]
    assert evaluate_reporting(reporting_artifact(states=states)).measurements["report_control_clicks"] == 1


def test_hotline_needs_hotline_words_or_a_tel_link():
    assert hotline_seen(["Gọi ngay Tổng đài 111 miễn phí"], [])
    assert hotline_seen([], ["tel:111"])
    assert not hotline_seen(["Mã sản phẩm 111 - áo phông"], [])


def test_reporting_inapplicable_when_the_start_address_is_not_a_web_page_or_criteria_do_not_apply():
    m = evaluate_reporting(
        {
            "applicable": False,
            "reason": "start_not_a_web_page",
            "start": {"url": f"{SK}/pac", "content_type": "application/x-ns-proxy-autoconfig"},
        }
    )
    assert not m.applicable
    assert_bilingual(m)
    assert outcomes(m) == {"RP-01": INAPPLICABLE, "RP-02": INAPPLICABLE}
    # A DNS/proxy filter has no children's pages: the criteria themselves do not apply.
    assert outcomes(evaluate_reporting(reporting_artifact()), "dns_proxy_filter") == {
        "RP-01": INAPPLICABLE,
        "RP-02": INAPPLICABLE,
    }


# ------------------------------------------------------------------------------ privacy_before_consent


def consent_artifact(**changes) -> dict:
    artifact = {
        "applicable": True,
        "start_loaded": True,
        "complete": True,
        "start": {"url": f"{SK}/", "status": 200, "error": None},
        "loads": [
            {"url": f"{SK}/", "final_url": f"{SK}/", "status": 200, "error": None},
            {"url": f"{SK}/dang-ky", "final_url": f"{SK}/dang-ky", "status": 200, "error": None},
        ],
        "first_party_hosts": ["safekid.localhost"],
        "requests": [
            {"url": f"{SK}/", "method": "GET", "resource_type": "document", "frame_url": f"{SK}/", "tracker": None},
            {
                "url": f"{SK}/static/site.css",
                "method": "GET",
                "resource_type": "stylesheet",
                "frame_url": f"{SK}/",
                "tracker": None,
            },
        ],
        "cookies": [],
        "set_cookie_headers": [],
        "geolocation_calls": [],
        "screenshots": [],
    }
    artifact.update(changes)
    return artifact


def test_privacy_before_consent_quiet_page_passes():
    m = evaluate_consent(consent_artifact())
    assert m.measurements == {
        "tracker_requests_before_consent": 0,
        "third_party_cookies_before_consent": 0,
        "geolocation_requested_on_load": False,
    }
    assert_bilingual(m)
    assert outcomes(m) == {"CD-04": PASSED, "CD-07": PASSED}


def test_privacy_before_consent_trackers_ad_cookie_and_location_fail_with_evidence():
    requests = [
        {"url": f"{FZ}/", "method": "GET", "resource_type": "document", "frame_url": f"{FZ}/", "tracker": None},
        # Refused by our egress guard: the product still sent it.
        {
            "url": "https://www.google-analytics.com/analytics.js",
            "method": "GET",
            "resource_type": "script",
            "frame_url": f"{FZ}/",
            "tracker": "google-analytics.com",
            "refused_by_guard": True,
        },
        {
            "url": "https://connect.facebook.net/en_US/fbevents.js",
            "method": "GET",
            "resource_type": "script",
            "frame_url": f"{FZ}/",
            "tracker": "facebook.net",
            "refused_by_guard": True,
        },
        {
            "url": "http://ads.funzone-ads.localhost:8080/banner.svg?slot=/",
            "method": "GET",
            "resource_type": "image",
            "frame_url": f"{FZ}/",
            "tracker": None,
        },
    ]
    artifact = consent_artifact(
        first_party_hosts=["funzone.localhost"],
        requests=requests,
        start={"url": f"{FZ}/", "status": 200, "error": None},
        loads=[{"url": f"{FZ}/", "status": 200, "error": None}],
        # The browser refused to keep a Secure cookie sent over HTTP; the product still set it.
        set_cookie_headers=[
            {"url": "http://ads.funzone-ads.localhost:8080/banner.svg?slot=/", "name": "fzads_uid", "domain": ""},
            {
                "url": "http://ads.funzone-ads.localhost:8080/banner.svg?slot=/dang-ky",
                "name": "fzads_uid",
                "domain": "",
            },
            {"url": f"{FZ}/", "name": "fz_session", "domain": ""},
        ],
        geolocation_calls=[{"method": "getCurrentPosition", "at": 1, "frame": f"{FZ}/"}],
        screenshots=["screenshots/privacy_before_consent-start-page.png"],
    )
    m = evaluate_consent(artifact)
    assert m.measurements == {
        "tracker_requests_before_consent": 2,
        "third_party_cookies_before_consent": 1,
        "geolocation_requested_on_load": True,
    }
    assert [t["tracker"] for t in m.evidence["tracker_requests"]] == ["google-analytics.com", "facebook.net"]
    assert all(t["refused_by_our_egress_guard"] for t in m.evidence["tracker_requests"])
    assert m.evidence["third_party_cookies"][0]["name"] == "fzads_uid"
    assert "ads.funzone-ads.localhost" in m.evidence["third_party_hosts"]
    assert outcomes(m) == {"CD-04": FAILED, "CD-07": FAILED}


def test_third_party_cookies_keep_first_party_subdomains_out():
    artifact = consent_artifact(
        first_party_hosts=["www.safekid.com.vn"],
        cookies=[
            {"name": "sid", "domain": ".safekid.com.vn"},
            {"name": "_ga", "domain": ".google-analytics.com"},
            {"name": "IDE", "domain": ".doubleclick.net"},
            {"name": "IDE", "domain": ".doubleclick.net"},
        ],
    )
    assert sorted(c["name"] for c in third_party_cookies(artifact)) == ["IDE", "_ga"]


def test_privacy_before_consent_start_page_that_did_not_load_cannot_tell():
    m = evaluate_consent(consent_artifact(start_loaded=False, start={"url": f"{SK}/", "error": "timeout"}))
    assert outcomes(m) == {"CD-04": CANT_TELL, "CD-07": CANT_TELL}


def test_privacy_before_consent_inapplicable():
    m = evaluate_consent({"applicable": False, "reason": "start_not_a_web_page", "start": {"url": f"{SK}/api"}})
    assert not m.applicable
    assert_bilingual(m)
    assert outcomes(m) == {"CD-04": INAPPLICABLE, "CD-07": INAPPLICABLE}
    assert outcomes(evaluate_consent(consent_artifact()), "filtering_app") == {
        "CD-04": INAPPLICABLE,
        "CD-07": INAPPLICABLE,
    }


# ------------------------------------------------------------------------------ privacy_policy

VI_POLICY = (
    "Chính sách quyền riêng tư. Chúng tôi thu thập những gì: email và ngày sinh của bố mẹ. Dữ liệu cá nhân của trẻ "
    "chỉ được xử lý khi có sự đồng ý của cha mẹ theo Nghị định 13/2023. "
) * 6
EN_POLICY = (
    "Privacy Policy. FunZone collects information you provide (name, email, date of birth) and shares it with "
    "advertising partners. "
) * 8
POLICY_URL = f"{SK}/chinh-sach-quyen-rieng-tu"


def data_page(url: str, declared: str | None, vi_links: list | None = None, **changes) -> dict:
    page = {
        "url": url,
        "declared": declared,
        "final_url": url,
        "status": 200,
        "error": None,
        "collects": True,
        "data_fields": ["Email", "Mật khẩu / Password"],
        "vi_links": vi_links or [],
        "en_links": [],
    }
    page.update(changes)
    return page


def policy_link(target: str = POLICY_URL) -> dict:
    return {"name": "Chính sách quyền riêng tư", "url": target, "role": "link", "target_key": target}


def test_language_stats_tell_vietnamese_from_english():
    vi, en = language_stats(VI_POLICY), language_stats(EN_POLICY)
    assert vi["vi_word_ratio"] > 0.4 and vi["mentions_personal_data"]
    assert en["vi_word_ratio"] == 0 and not en["mentions_personal_data"]


def test_collects_data_by_input_type_or_purpose():
    fields = [
        {"visible": True, "type": "text", "name": "Tìm kiếm", "autocomplete": ""},
        {"visible": True, "type": "text", "name": "Họ tên", "autocomplete": "name"},
        {"visible": False, "type": "email", "name": "Email", "autocomplete": ""},
        {"visible": True, "type": "date", "name": "Ngày sinh", "autocomplete": ""},
    ]
    assert collects_data(fields) == ["Họ tên", "Ngày sinh"]


def test_privacy_policy_linked_on_every_data_page_passes():
    artifact = {
        "applicable": True,
        "pages": [
            data_page(f"{SK}/dang-ky", "signup", [policy_link()]),
            data_page(f"{SK}/dang-nhap", "login", [policy_link()]),
            data_page(f"{SK}/", None, collects=False, data_fields=[]),
        ],
        "targets": {
            POLICY_URL: {
                "url": POLICY_URL,
                "final_url": POLICY_URL,
                "status": 200,
                "error": None,
                "stats": language_stats(VI_POLICY),
                "excerpt": VI_POLICY[:100],
            }
        },
    }
    m = evaluate_policy(artifact)
    assert m.measurements == {"data_pages_checked": 2, "data_pages_without_vi_policy": 0}
    assert m.evidence["policy_urls"] == [POLICY_URL]
    assert_bilingual(m)
    assert outcomes(m) == {"CD-02": PASSED}


def test_privacy_policy_english_only_and_missing_links_fail():
    en_url = f"{FZ}/privacy"
    link = {"name": "Chính sách bảo mật", "url": en_url, "role": "link", "target_key": en_url}
    artifact = {
        "applicable": True,
        "pages": [
            data_page(f"{FZ}/dang-ky", "signup", [], en_links=[{"name": "Privacy Policy", "url": en_url}]),
            # A Vietnamese label on a link to an English policy is not a Vietnamese policy.
            data_page(f"{FZ}/dang-nhap", "login", [link]),
            data_page(f"{FZ}/", None, collects=False, data_fields=[]),
        ],
        "targets": {
            en_url: {
                "url": en_url,
                "final_url": en_url,
                "status": 200,
                "error": None,
                "stats": language_stats(EN_POLICY),
            }
        },
        "screenshots": ["screenshots/privacy_policy-no-vi-policy-link-0.png"],
    }
    m = evaluate_policy(artifact)
    assert m.measurements == {"data_pages_checked": 2, "data_pages_without_vi_policy": 2}
    assert [p["linked_vi_policy"] for p in m.evidence["data_pages"]] == [False, False]
    assert m.evidence["data_pages"][0]["other_privacy_links"] == ["Privacy Policy"]
    assert outcomes(m) == {"CD-02": FAILED}


def test_privacy_policy_unreadable_page_cannot_tell_unless_another_already_fails():
    unreadable = data_page(f"{SK}/dang-nhap", "login", status=None, error="timeout", collects=None)
    good = data_page(f"{SK}/dang-ky", "signup", [policy_link()])
    targets = {POLICY_URL: {"url": POLICY_URL, "status": 200, "error": None, "stats": language_stats(VI_POLICY)}}
    m = evaluate_policy({"applicable": True, "pages": [good, unreadable], "targets": targets})
    assert m.measurements == {"data_pages_checked": 1, "data_pages_without_vi_policy": None}
    assert outcomes(m) == {"CD-02": CANT_TELL}
    bad = data_page(f"{SK}/dang-ky", "signup", [])
    m = evaluate_policy({"applicable": True, "pages": [bad, unreadable], "targets": {}})
    assert m.measurements["data_pages_without_vi_policy"] == 1
    assert outcomes(m) == {"CD-02": FAILED}


def test_privacy_policy_inapplicable_without_any_page_that_collects_data():
    artifact = {"applicable": True, "pages": [data_page(f"{SK}/", None, collects=False, data_fields=[])], "targets": {}}
    m = evaluate_policy(artifact)
    assert not m.applicable
    assert_bilingual(m)
    assert outcomes(m) == {"CD-02": INAPPLICABLE}
    assert not evaluate_policy({"applicable": True, "pages": [], "targets": {}}).applicable
    # The start page that did not load might collect data: that is not "inapplicable".
    unknown = {
        "applicable": True,
        "pages": [data_page(f"{SK}/", None, collects=None, error="timeout", status=None)],
        "targets": {},
    }
    assert outcomes(evaluate_policy(unknown)) == {"CD-02": CANT_TELL}


# ------------------------------------------------------------------------------ age_assurance

DATE_FIELD = {
    "index": 0,
    "tag": "input",
    "type": "date",
    "name": "Ngày sinh của bạn / Your date of birth",
    "label_text": "",
    "group": "",
    "value": "",
    "checked": False,
    "visible": True,
    "autocomplete": "bday",
    "placeholder": "",
    "selected_index": None,
    "options": None,
    "form": 0,
}
EMAIL_FIELD = {**DATE_FIELD, "index": 1, "type": "email", "name": "Email", "autocomplete": "email"}


def funzone_fields() -> list[dict]:
    base = {
        "tag": "select",
        "type": "select-one",
        "group": "",
        "checked": False,
        "visible": True,
        "autocomplete": "",
        "placeholder": "",
        "form": 0,
    }
    days = [{"value": str(d), "text": str(d)} for d in range(1, 32)]
    months = [{"value": str(m), "text": str(m)} for m in range(1, 13)]
    years = [{"value": str(y), "text": str(y)} for y in range(2025, 1939, -1)]
    return [
        EMAIL_FIELD,
        {
            **base,
            "index": 2,
            "name": "Ngày / Day",
            "label_text": "Ngày sinh / Date of birth",
            "value": "1",
            "selected_index": 0,
            "options": days,
        },
        {
            **base,
            "index": 3,
            "name": "Tháng / Month",
            "label_text": "",
            "value": "1",
            "selected_index": 0,
            "options": months,
        },
        {
            **base,
            "index": 4,
            "name": "Năm / Year",
            "label_text": "",
            "value": "2000",
            "selected_index": 25,
            "options": years,
        },
        {
            **base,
            "index": 5,
            "tag": "input",
            "type": "checkbox",
            "name": "Tôi trên 18 tuổi / I am over 18",
            "label_text": "",
            "value": "1",
            "checked": True,
            "selected_index": None,
            "options": None,
        },
        {
            **base,
            "index": 6,
            "tag": "input",
            "type": "checkbox",
            "name": "Nhận tin khuyến mãi",
            "label_text": "",
            "value": "1",
            "checked": True,
            "selected_index": None,
            "options": None,
        },
    ]


def test_age_fields_found_by_label_including_day_month_year_boxes_named_only_by_their_part():
    found = {f["name"]: f["part"] for f in age_fields(funzone_fields())}
    assert found == {
        "Ngày / Day": "day",
        "Tháng / Month": "month",
        "Năm / Year": "year",
        "Tôi trên 18 tuổi / I am over 18": "checkbox",
    }
    assert [f["part"] for f in age_fields([DATE_FIELD, EMAIL_FIELD])] == ["date"]


def test_prefilled_age_answers():
    fields = {f["name"]: f for f in age_fields(funzone_fields())}
    assert prefilled(fields["Năm / Year"]) and prefilled(fields["Tôi trên 18 tuổi / I am over 18"])
    placeholder_first = {
        **fields["Năm / Year"],
        "selected_index": 0,
        "value": "",
        "options": [{"value": "", "text": "— Năm —"}, {"value": "2010", "text": "2010"}],
    }
    assert not prefilled(placeholder_first)
    assert not prefilled(age_fields([DATE_FIELD])[0])


def age_artifact(**changes) -> dict:
    artifact = {
        "applicable": True,
        "complete": True,
        "signup": {"url": f"{SK}/dang-ky", "final_url": f"{SK}/dang-ky", "status": 200, "error": None},
        "initial_fields": [DATE_FIELD, EMAIL_FIELD],
        "under16": {
            "birth_date": "2013-05-01",
            "result": {
                "url": f"{SK}/dang-ky/cha-me",
                "title": "Cần cha mẹ đăng ký / A parent must register",
                "signed_in": False,
                "new_text": "Cần cha mẹ đăng ký\nVới các bạn dưới 16 tuổi, bố mẹ hoặc người giám hộ sẽ tạo tài khoản. "
                "Chúng tôi chưa tạo tài khoản nào.\nNo account was created.",
                "age_fields_again": False,
            },
        },
        "retry_adult": {
            "birth_date": "1995-05-01",
            "result": {
                "url": f"{SK}/dang-ky",
                "title": "Không thể đổi ngày sinh",
                "signed_in": False,
                "new_text": "Bạn đã khai báo ngày sinh trong lần đăng ký này nên không thể nhập một ngày sinh khác. "
                "Nếu đã nhập nhầm, hãy nhờ bố mẹ giúp.",
                "age_fields_again": False,
            },
        },
        "test_emails": ["vcsc-probe-1-a@example.com", "vcsc-probe-1-b@example.com"],
    }
    artifact.update(changes)
    return artifact


def test_age_assurance_neutral_parent_flow_and_refused_retry_passes():
    m = evaluate_age(age_artifact())
    assert m.measurements == {
        "age_question_neutral": True,
        "under16_routed_to_parent": True,
        "age_retry_accepted_silently": False,
    }
    assert m.evidence["under16"]["outcome"] == "parent_flow" and m.evidence["retry_adult"]["outcome"] == "refused"
    assert_bilingual(m)
    assert outcomes(m, "children_platform") == {"AA-01": PASSED, "AA-05": PASSED}
    # AA-05 is for parental dashboards and children's platforms, not kid browsers.
    assert outcomes(m) == {"AA-01": PASSED, "AA-05": INAPPLICABLE}


def test_age_assurance_prefilled_year_child_account_and_accepted_retry_fail():
    account = {
        "url": f"{FZ}/tai-khoan?moi=1",
        "title": "Tài khoản / Account",
        "signed_in": True,
        "new_text": "Đăng xuất / Log out\nChào mừng! Tài khoản đã được tạo.",
        "age_fields_again": False,
    }
    m = evaluate_age(
        age_artifact(
            signup={"url": f"{FZ}/dang-ky", "status": 200, "error": None},
            initial_fields=funzone_fields(),
            under16={
                "birth_date": "2013-05-01",
                "result": account,
                "screenshot": "screenshots/age_assurance-under16.png",
            },
            retry_adult={"birth_date": "1995-05-01", "result": account},
        )
    )
    assert m.measurements == {
        "age_question_neutral": False,
        "under16_routed_to_parent": False,
        "age_retry_accepted_silently": True,
    }
    assert {f["label"]: f["shown"] for f in m.evidence["age_fields"] if f["prefilled"]} == {
        "Ngày / Day": "1",
        "Tháng / Month": "1",
        "Năm / Year": "2000",
        "Tôi trên 18 tuổi / I am over 18": "ticked",
    }
    assert m.evidence["under16"]["screenshot"] == "screenshots/age_assurance-under16.png"
    assert outcomes(m, "children_platform") == {"AA-01": FAILED, "AA-05": FAILED}


def test_age_assurance_form_that_came_back_cannot_tell():
    again = {
        "url": f"{SK}/dang-ky",
        "title": "Đăng ký",
        "signed_in": False,
        "new_text": "",
        "age_fields_again": True,
        "validation": ["Please fill out this field."],
    }
    m = evaluate_age(age_artifact(under16={"result": again}, retry_adult={"error": "no_age_question"}))
    assert m.measurements == {
        "age_question_neutral": True,
        "under16_routed_to_parent": None,
        "age_retry_accepted_silently": None,
    }
    assert outcomes(m, "children_platform") == {"AA-01": CANT_TELL, "AA-05": CANT_TELL}


def test_age_assurance_outright_refusal_of_a_child_is_not_called_a_parent_flow():
    refused = {"signed_in": False, "new_text": "Bạn chưa đủ tuổi để đăng ký.", "age_fields_again": False}
    assert classify(refused) == "refused"
    assert evaluate_age(age_artifact(under16={"result": refused})).measurements["under16_routed_to_parent"] is None


def test_age_assurance_signup_page_that_stops_asking_this_session():
    parent_page = {
        "url": f"{SK}/dang-ky/cha-me",
        "title": "Cần cha mẹ đăng ký",
        "signed_in": False,
        "new_text": "Cần cha mẹ đăng ký\nHãy nhờ bố mẹ tạo tài khoản cho con.",
        "age_fields_again": False,
    }
    m = evaluate_age(age_artifact(retry_adult={"error": "no_age_question", "result": parent_page}))
    assert m.measurements["age_retry_accepted_silently"] is False
    # Sent to the account made by the first attempt: that says nothing about the retry.
    account_page = {"url": f"{FZ}/tai-khoan", "signed_in": True, "new_text": "Xin chào", "age_fields_again": False}
    m = evaluate_age(age_artifact(retry_adult={"error": "no_age_question", "result": account_page}))
    assert m.measurements["age_retry_accepted_silently"] is None


def test_age_assurance_signup_page_that_did_not_load_cannot_tell():
    m = evaluate_age(age_artifact(signup={"url": f"{SK}/dang-ky", "status": 502, "error": None}))
    assert outcomes(m, "children_platform") == {"AA-01": CANT_TELL, "AA-05": CANT_TELL}


def test_age_assurance_inapplicable_without_a_signup_page():
    m = evaluate_age(runner_inapplicable("signup"))
    assert not m.applicable
    assert_bilingual(m)
    assert outcomes(m, "children_platform") == {"AA-01": INAPPLICABLE, "AA-05": INAPPLICABLE}


# ------------------------------------------------------------------------------ settings_locked


def settings_artifact(**changes) -> dict:
    artifact = {
        "applicable": True,
        "complete": True,
        "screenshots": ["screenshots/settings_locked-after-child-change.png"],
        "login": {"role": "child", "ok": True, "error": None, "signed_in": True, "steps": []},
        "settings": {
            "url": f"{SK}/cai-dat",
            "status": 200,
            "error": None,
            "bounced_to_login": False,
            "excerpt": "Cài đặt bảo vệ. Chỉ bố mẹ mới thay đổi được các cài đặt này: cần nhập mã PIN của cha mẹ.",
        },
        "pin_field": True,
        "attempts": [
            {
                "setting": "filter_level",
                "label": "Mức lọc / Filter level",
                "kind": "select",
                "from": "00+",
                "to": "12+",
                "after_reload": "00+",
                "stuck": False,
            },
            {
                "setting": "time_limit",
                "label": "Giới hạn thời gian mỗi ngày (phút)",
                "kind": "number",
                "from": "120",
                "to": "135",
                "after_reload": "120",
                "stuck": False,
            },
        ],
        "response": {"url": f"{SK}/cai-dat", "excerpt": "Cần mã PIN của cha mẹ. Cài đặt chưa được thay đổi."},
    }
    artifact.update(changes)
    return artifact


def test_settings_locked_child_change_refused_passes():
    m = evaluate_settings(settings_artifact())
    assert m.measurements == {"child_changes_accepted": 0, "settings_attempted": 2}
    assert m.evidence["parent_gate_shown"] is True
    assert_bilingual(m)
    assert outcomes(m) == {"PC-01": PASSED}


def test_settings_locked_child_changes_that_stick_fail_and_say_what_changed():
    artifact = settings_artifact(
        pin_field=False,
        restored=True,
        response={"excerpt": "Đã lưu! Saved!"},
        attempts=[
            {
                "setting": "filter_level",
                "label": "Mức lọc / Filter level",
                "kind": "select",
                "from": "co-ban",
                "to": "tat",
                "after_reload": "tat",
                "stuck": True,
            },
            {
                "setting": "time_limit",
                "label": "Giới hạn thời gian",
                "kind": "number",
                "from": "180",
                "to": "195",
                "after_reload": "195",
                "stuck": True,
            },
        ],
    )
    m = evaluate_settings(artifact)
    assert m.measurements == {"child_changes_accepted": 2, "settings_attempted": 2}
    assert "co-ban → tat" in m.explanation["vi"] and "co-ban → tat" in m.explanation["en"]
    assert m.evidence["restored_afterwards"] is True
    assert outcomes(m) == {"PC-01": FAILED}


def test_settings_locked_read_only_page_with_parent_gate_passes_with_lower_confidence():
    m = evaluate_settings(
        settings_artifact(
            attempts=[],
            settings={
                "url": f"{SK}/cai-dat",
                "status": 403,
                "error": None,
                "excerpt": "Chỉ phụ huynh mới mở được trang này.",
            },
        )
    )
    assert m.measurements == {"child_changes_accepted": 0, "settings_attempted": 0}
    assert m.confidence < 0.9
    assert outcomes(m) == {"PC-01": PASSED}


@pytest.mark.parametrize(
    "changes",
    [
        {"login": {"role": "child", "ok": False, "error": "still_on_login_form"}},
        {"settings": {"url": f"{SK}/cai-dat", "status": 200, "error": None, "bounced_to_login": True}},
        {
            "attempts": [],
            "settings": {"url": f"{SK}/cai-dat", "status": 200, "error": None, "excerpt": "Giao diện: sáng / tối"},
        },
        # Nothing read back and an answer that neither confirms nor refuses.
        {
            "attempts": [
                {"setting": "filter_level", "label": "Mức lọc", "kind": "select", "from": "a", "to": "b", "stuck": None}
            ],
            "response": {"status": 200, "excerpt": ""},
        },
    ],
    ids=["login_failed", "bounced_to_login", "no_controls_recognised", "not_read_back"],
)
def test_settings_locked_cannot_tell(changes):
    assert outcomes(evaluate_settings(settings_artifact(**changes))) == {"PC-01": CANT_TELL}


def test_settings_locked_inapplicable_without_accounts():
    m = evaluate_settings(runner_inapplicable("accounts"))
    assert not m.applicable
    assert "accounts" in m.explanation["en"]
    assert outcomes(m) == {"PC-01": INAPPLICABLE}


# ------------------------------------------------------------------------------ transport

SECURITY_TXT = "Contact: mailto:security@safekid.test\nExpires: {expires}\nPreferred-Languages: vi, en\n"


def transport_artifact(**changes) -> dict:
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    artifact = {
        "applicable": True,
        "complete": True,
        "start_url": f"{SK}/",
        "screenshots": [],
        "https_chain": [{"url": f"{SK}/", "status": 200, "error": None, "hsts": "max-age=31536000; includeSubDomains"}],
        "http_chain": [
            {"url": "http://safekid.localhost:8443/", "status": 301, "error": None, "hsts": None, "location": f"{SK}/"},
            {"url": f"{SK}/", "status": 200, "error": None, "hsts": "max-age=31536000; includeSubDomains"},
        ],
        "mixed_content": {"pages": [{"url": f"{SK}/"}], "pages_loaded": 3, "urls": []},
        "security_txt": {
            "url": f"{SK}/.well-known/security.txt",
            "final_url": f"{SK}/.well-known/security.txt",
            "status": 200,
            "content_type": "text/plain; charset=utf-8",
            "error": None,
            "body": SECURITY_TXT.format(expires=expires),
        },
    }
    artifact.update(changes)
    return artifact


def test_transport_https_hsts_clean_and_security_txt_passes():
    m = evaluate_transport(transport_artifact())
    assert m.measurements == {"https": True, "hsts": True, "mixed_content_count": 0, "security_txt": True}
    assert m.evidence["hsts"]["max_age"] == 31536000 and m.evidence["hsts"]["include_subdomains"]
    assert_bilingual(m)
    assert outcomes(m) == {"DOC-04": PASSED, "SEC-01": PASSED}


def test_transport_plain_http_only_fails():
    artifact = transport_artifact(
        start_url=f"{FZ}/",
        https_chain=[{"url": "https://funzone.localhost:8080/", "status": None, "error": "ERR_SSL_PROTOCOL_ERROR"}],
        http_chain=[{"url": f"{FZ}/", "status": 200, "error": None, "hsts": None}],
        mixed_content={"pages": [], "pages_loaded": 0, "urls": []},
        security_txt={
            "url": f"{FZ}/.well-known/security.txt",
            "status": 404,
            "content_type": "text/html",
            "error": None,
            "body": "<h1>Không tìm thấy</h1>",
        },
    )
    m = evaluate_transport(artifact)
    assert m.measurements == {"https": False, "hsts": False, "mixed_content_count": None, "security_txt": False}
    assert outcomes(m) == {"DOC-04": FAILED, "SEC-01": FAILED}


def test_transport_short_hsts_and_mixed_content_fail():
    artifact = transport_artifact(
        https_chain=[{"url": f"{SK}/", "status": 200, "error": None, "hsts": "max-age=300"}],
        http_chain=[],
        mixed_content={
            "pages_loaded": 1,
            "urls": [{"url": "http://cdn.example.vn/logo.png", "seen_as": "browser_warning"}],
        },
    )
    m = evaluate_transport(artifact)
    assert m.measurements["hsts"] is False and m.measurements["mixed_content_count"] == 1
    assert m.evidence["mixed_content"][0]["url"] == "http://cdn.example.vn/logo.png"
    assert outcomes(m)["SEC-01"] == FAILED


def test_transport_nothing_answering_cannot_tell():
    artifact = transport_artifact(
        https_chain=[{"url": f"{SK}/", "error": "ERR_CONNECTION_REFUSED"}],
        http_chain=[{"url": "http://safekid.localhost:8443/", "error": "ERR_CONNECTION_REFUSED"}],
        mixed_content={"pages_loaded": 0, "urls": []},
        security_txt={"url": f"{SK}/.well-known/security.txt", "error": "ECONNREFUSED"},
    )
    m = evaluate_transport(artifact)
    assert set(m.measurements.values()) == {None}
    assert outcomes(m) == {"DOC-04": CANT_TELL, "SEC-01": CANT_TELL}


@pytest.mark.parametrize(
    "body,content_type,final_url,problem",
    [
        ("Expires: 2099-01-01T00:00:00Z\n", "text/plain", None, "no Contact field"),
        ("Contact: mailto:a@b.vn\n", "text/plain", None, "no Expires field"),
        ("Contact: mailto:a@b.vn\nExpires: 2001-01-01T00:00:00Z\n", "text/plain", None, "expired on"),
        ("Contact: mailto:a@b.vn\nExpires: 2099-01-01T00:00:00Z\n", "text/html", None, "not text/plain"),
        (
            "Contact: mailto:a@b.vn\nExpires: 2099-01-01T00:00:00Z\n",
            "text/plain",
            "http://x.vn/.well-known/security.txt",
            "not served over HTTPS",
        ),
    ],
)
def test_security_txt_rfc9116_problems(body, content_type, final_url, problem):
    fetch = {
        "url": "https://x.vn/.well-known/security.txt",
        "final_url": final_url or "https://x.vn/.well-known/security.txt",
        "status": 200,
        "content_type": content_type,
        "error": None,
        "body": body,
    }
    result = check_security_txt(fetch)
    assert result["valid"] is False
    assert any(problem in p for p in result["problems"])


def test_parse_hsts():
    assert parse_hsts('max-age="15552000"; preload') == {
        "value": 'max-age="15552000"; preload',
        "max_age": 15552000,
        "include_subdomains": False,
        "preload": True,
    }
    assert parse_hsts(None) is None


def test_transport_inapplicable_without_web_pages():
    m = evaluate_transport({"applicable": False, "reason": "no_web_pages"})
    assert not m.applicable
    assert_bilingual(m)
    assert outcomes(m) == {"DOC-04": INAPPLICABLE, "SEC-01": INAPPLICABLE}


# ------------------------------------------------------------------------------ every probe


@pytest.mark.parametrize(
    "evaluate,artifact",
    [
        (evaluate_reporting, reporting_artifact()),
        (evaluate_consent, consent_artifact()),
        (evaluate_age, age_artifact()),
        (evaluate_settings, settings_artifact()),
        (evaluate_transport, transport_artifact()),
    ],
    ids=["reporting", "privacy_before_consent", "age_assurance", "settings_locked", "transport"],
)
def test_evaluate_is_pure_and_replayable(evaluate, artifact):
    kept = copy.deepcopy(artifact)
    first, second = evaluate(artifact), evaluate(artifact)
    assert artifact == kept
    assert first.to_dict() == second.to_dict()


@pytest.mark.parametrize(
    "evaluate",
    [evaluate_reporting, evaluate_consent, evaluate_policy, evaluate_age, evaluate_settings, evaluate_transport],
)
def test_incomplete_run_cannot_pass(evaluate):
    artifacts = {
        evaluate_reporting: reporting_artifact(),
        evaluate_consent: consent_artifact(),
        evaluate_age: age_artifact(),
        evaluate_settings: settings_artifact(),
        evaluate_transport: transport_artifact(),
        evaluate_policy: {"applicable": True, "pages": [data_page(f"{SK}/dang-ky", "signup", [])], "targets": {}},
    }
    m = evaluate({**artifacts[evaluate], "complete": False})
    assert PASSED not in set(outcomes(m, "children_platform").values())
