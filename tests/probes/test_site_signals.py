"""The pure parts behind the site probes on products nobody here wrote (no browser): the manifest's
parent PIN and logged-in marker, address patterns, redaction of secrets, how a login is decided
from signals, what a product answered to a child's change, tracker hosts counted once, error codes
and the bilingual reasons of every cantTell."""

from __future__ import annotations

import pytest

from api.domain.probe_runs import masked_manifest
from checker.probes.base import CANT_TELL, FAILED, PASSED
from checker.probes.login import decide_login, error_code
from checker.probes.manifest import (
    MASK,
    load_manifest,
    redact,
    url_matches,
    validate_manifest,
)
from checker.probes.privacy_before_consent.evaluate import evaluate as evaluate_consent
from checker.probes.privacy_before_consent.evaluate import tracker_hosts
from checker.probes.reasons import login_reason
from checker.probes.settings_locked.evaluate import classify_answer, judge_attempt
from checker.probes.settings_locked.evaluate import evaluate as evaluate_settings
from tests.probes.test_site_probes import consent_artifact, outcomes, settings_artifact

BASE = {
    "product_type": "parental_dashboard",
    "start_url": "https://nest.example.vn/",
    "filtering": {"mode": "none"},
    "accounts": {
        "parent": {"username": "me@x.vn", "password": "pw-parent", "parental_pin": "4826"},
        "child": {"username": "kid@x.vn", "password": "pw-child"},
    },
    "login_steps": [{"action": "goto", "url": "https://nest.example.vn/signin"}],
}


def pointers(data: dict) -> set[str]:
    return {i.pointer for i in validate_manifest(data)}


# ------------------------------------------------------------------------------ the manifest


def test_parent_pin_and_logged_in_marker_are_optional_and_read():
    assert validate_manifest(BASE) == []
    with_marker = {**BASE, "logged_in": {"selector": "[data-page=dashboard]", "url_pattern": "/home*"}}
    assert validate_manifest(with_marker) == []
    manifest = load_manifest(with_marker)
    assert manifest.parental_pin() == "4826" and manifest.parental_pin("child") == "4826"
    assert manifest.logged_in_marker == {"selector": "[data-page=dashboard]", "url_pattern": "/home*"}
    assert manifest.secrets() == ["pw-parent", "pw-child", "4826"]
    assert load_manifest({k: v for k, v in BASE.items() if k != "accounts"}).parental_pin() is None


@pytest.mark.parametrize("pin", ["12", "1234567890abcdefg", "12 34", "１２３４", 4826, "<script>"])
def test_a_bad_parent_pin_is_pointed_at(pin):
    data = {**BASE, "accounts": {"parent": {**BASE["accounts"]["parent"], "parental_pin": pin}}}
    assert "/accounts/parent/parental_pin" in pointers(data)


@pytest.mark.parametrize(
    "marker,pointer",
    [
        ({}, "/logged_in"),
        ({"selector": ""}, "/logged_in/selector"),
        ({"selector": "x" * 301}, "/logged_in/selector"),
        ({"url_pattern": "javascript:alert(1)"}, "/logged_in/url_pattern"),
        ({"url_pattern": "/home page"}, "/logged_in/url_pattern"),
        ({"url_pattern": 7}, "/logged_in/url_pattern"),
        ({"regex": ".*"}, "/logged_in"),
    ],
)
def test_a_bad_logged_in_marker_is_pointed_at(marker, pointer):
    assert pointer in pointers({**BASE, "logged_in": marker})


@pytest.mark.parametrize(
    "pattern,url,expected",
    [
        ("/home", "https://a.vn/home", True),
        ("/home", "https://a.vn/home/x", False),
        ("/home*", "https://a.vn/home/x?y=1", True),
        ("/app/*/settings", "https://a.vn/app/42/settings", True),
        ("/app/*/settings", "https://a.vn/app/settings", False),
        ("https://a.vn/*", "https://a.vn/anything", True),
        ("https://a.vn/*", "https://b.vn/anything", False),
        ("*dashboard*", "https://a.vn/x/dashboard?tab=1", True),
        ("/a?b=1", "https://a.vn/a?b=1", True),  # "?" and "[" are literal, not wildcards
        ("/a?b=1", "https://a.vn/aXb=1", False),
    ],
)
def test_url_patterns_only_know_the_star(pattern, url, expected):
    assert url_matches(pattern, url) is expected


def test_a_pattern_full_of_stars_against_a_long_address_stays_fast():
    import time

    started = time.perf_counter()
    assert not url_matches("*a*a*a*a*a*a*a*a*a*a*b", "https://x.vn/" + "a" * 1900)
    assert time.perf_counter() - started < 0.05


def test_secrets_are_redacted_as_whole_tokens_only():
    artifact = {
        "response": {"excerpt": "Mã PIN 4826 không đúng"},
        "urls": ["http://127.0.0.1:48261/x", "pw-child!"],
        "n": 4826,
    }
    shown = redact(artifact, ["4826", "pw-child"])
    assert shown == {
        "response": {"excerpt": f"Mã PIN {MASK} không đúng"},
        "urls": ["http://127.0.0.1:48261/x", f"{MASK}!"],
        "n": 4826,
    }


def test_masked_manifest_hides_the_parent_pin_too():
    shown = masked_manifest(BASE)
    assert shown["accounts"]["parent"] == {"username": "me@x.vn", "password": MASK, "parental_pin": MASK}
    assert "4826" not in str(shown)


# ------------------------------------------------------------------------------ login decided by behaviour


def signals(**changes) -> dict:
    base = {
        "url": "https://a.vn/signin",
        "ready": True,
        "logout_controls": [],
        "left_login_page": False,
        "login_fields_visible": 2,
        "login_fields_gone": False,
        "login_error_text": [],
        "new_cookies": [],
    }
    base.update(changes)
    return base


def test_a_settings_page_with_a_pin_box_after_login_is_logged_in():
    # The old rule ("a password box and no visible log-out") called this the login form.
    after = signals(
        url="https://a.vn/family/controls", left_login_page=True, login_fields_visible=0, login_fields_gone=True
    )
    assert decide_login(after, {}, True) == (True, "login_fields_gone")


@pytest.mark.parametrize(
    "changes,expected",
    [
        ({"logout_controls": [{"name": "Đăng xuất", "shown": False}]}, (True, "logout_control")),
        ({"login_error_text": ["sai mat khau"]}, (False, "login_error_shown")),
        ({"left_login_page": True}, (True, "left_login_page")),
        ({}, (None, None)),
        ({"ready": False, "login_fields_gone": True, "login_fields_visible": 0}, (None, None)),
    ],
)
def test_login_signals_in_order(changes, expected):
    assert decide_login(signals(**changes), {}, True) == expected


def test_login_without_filled_fields_may_be_decided_by_a_session_cookie():
    assert decide_login(signals(login_fields_visible=0, new_cookies=["sid@a.vn"]), {}, False) == (
        True,
        "session_cookie",
    )
    assert decide_login(signals(new_cookies=["sid@a.vn"]), {}, True) == (None, None)


def test_a_declared_marker_overrides_every_other_signal():
    marker = {"selector": "#dash", "url_pattern": "/home"}
    gone = signals(
        login_fields_gone=True,
        login_fields_visible=0,
        left_login_page=True,
        logout_controls=[{"name": "Log out", "shown": True}],
    )
    assert decide_login({**gone, "marker_selector": True, "marker_url": False}, marker, True) == (None, None)
    assert decide_login({**gone, "marker_selector": True, "marker_url": True}, marker, True) == (
        True,
        "declared_marker",
    )


def test_login_reasons_are_actionable_in_both_languages():
    reason = login_reason({"role": "child", "ok": False, "error": "declared_marker_not_reached"})
    assert "login did not reach a page matching the declared logged-in marker" in reason["en"]
    assert "dấu hiệu đã đăng nhập khai báo" in reason["vi"]
    step_failed = login_reason(
        {
            "role": "parent",
            "ok": False,
            "error": "timeout",
            "steps": [{"action": "fill", "selector": "#email", "ok": False}],
        }
    )
    assert "#email" in step_failed["en"] and "#email" in step_failed["vi"] and "in time" in step_failed["en"]
    assert "log-out control" in login_reason({"ok": True, "decided_by": "logout_control"})["en"]


@pytest.mark.parametrize(
    "message,code",
    [
        ("APIRequestContext.get: connect ECONNREFUSED 127.0.0.1:4000", "ECONNREFUSED"),
        ("APIRequestContext.get: Request context disposed.", "Request context disposed."),
        ("APIRequestContext.get: Timeout 10000ms exceeded.", "timeout"),
        ("page.goto: net::ERR_SSL_PROTOCOL_ERROR at https://x/", "ERR_SSL_PROTOCOL_ERROR"),
        ("APIRequestContext.get: write EPROTO 80F8:error:0A00010B:SSL routines::wrong version number", "EPROTO"),
        ("APIRequestContext.fetch: socket hang up", "socket hang up"),
        ("page.goto: net::ERR_NAME_NOT_RESOLVED at https://EXAMPLE.VN/", "ERR_NAME_NOT_RESOLVED"),
        ("APIRequestContext.get: getaddrinfo ENOTFOUND KIDS.EXAMPLE.VN", "ENOTFOUND"),
    ],
)
def test_error_codes_are_whole_words_never_fragments(message, code):
    assert error_code(message) == code


# ------------------------------------------------------------------------------ what the product answered


@pytest.mark.parametrize(
    "response,kind",
    [
        ({"status": 200, "excerpt": "Đã lưu cài đặt."}, "accepted"),
        ({"status": 303, "excerpt": "Saved!"}, "accepted"),
        ({"status": 200, "excerpt": "Sai mã PIN. Cài đặt chưa được thay đổi."}, "refused"),
        ({"status": 200, "excerpt": "PIN required"}, "refused"),
        ({"status": 200, "excerpt": "Đã xảy ra lỗi, vui lòng thử lại"}, "refused"),
        ({"status": 200, "excerpt": "Settings were not saved"}, "refused"),
        ({"status": 403, "excerpt": "Đã lưu"}, "refused"),
        ({"status": 200, "excerpt": "Cài đặt chưa được lưu"}, "refused"),
        ({"status": 200, "excerpt": ""}, "unknown"),
        ({"status": 502, "excerpt": ""}, "unknown"),
    ],
)
def test_classify_the_products_answer(response, kind):
    assert classify_answer(response)[0] == kind


def test_saved_without_pin_fails_even_when_the_reload_looks_unchanged():
    attempts = [
        {
            "setting": "filter_level",
            "label": "Bộ lọc",
            "kind": "select",
            "from": "strict",
            "to": "off",
            "after_reload": "strict",
            "stuck": False,
            "after_fresh_login": "strict",
            "stuck_after_fresh_login": False,
        }
    ]
    m = evaluate_settings(settings_artifact(attempts=attempts, response={"status": 200, "excerpt": "Đã lưu cài đặt."}))
    assert m.measurements["child_changes_accepted"] == 1
    assert m.evidence["attempts"][0]["decided_by"] == "server_answer"
    assert "the server's answer" in m.explanation["en"] and "câu trả lời của máy chủ" in m.explanation["vi"]
    assert outcomes(m) == {"PC-01": FAILED}


def test_a_value_changed_after_a_fresh_login_fails_whatever_the_page_said():
    attempt = {"from": "60", "to": "75", "stuck": False, "stuck_after_fresh_login": True}
    assert judge_attempt(attempt, {"status": 200, "excerpt": "Sai mã PIN"}) == ("accepted", "after_fresh_login")
    assert judge_attempt({"stuck": False, "stuck_after_fresh_login": False}, {"status": 200, "excerpt": ""}) == (
        "refused",
        "after_fresh_login",
    )
    assert judge_attempt({"stuck": None, "stuck_after_fresh_login": None}, {"status": 200, "excerpt": ""}) == (
        None,
        None,
    )


def test_an_error_text_answered_with_200_passes_and_says_so():
    m = evaluate_settings(settings_artifact(response={"status": 200, "excerpt": "Sai mã PIN. / Wrong PIN."}))
    assert m.measurements["child_changes_accepted"] == 0 and outcomes(m) == {"PC-01": PASSED}
    assert "HTTP 200" in m.explanation["en"] and "HTTP 200" in m.explanation["vi"]


def test_settings_cant_tell_names_an_actionable_reason():
    m = evaluate_settings(
        settings_artifact(login={"role": "child", "ok": False, "error": "declared_marker_not_reached"})
    )
    assert outcomes(m) == {"PC-01": CANT_TELL}
    assert "declared logged-in marker" in m.explanation["en"] and "dấu hiệu đã đăng nhập" in m.explanation["vi"]
    m = evaluate_settings(
        settings_artifact(
            attempts=[],
            settings={"url": "https://a.vn/s", "status": 200, "error": None, "excerpt": "Giao diện: sáng / tối"},
        )
    )
    assert "label" in m.explanation["en"] and "nhãn" in m.explanation["vi"]
    m = evaluate_settings(
        settings_artifact(settings={"url": "https://a.vn/s", "status": None, "error": "ERR_CONNECTION_REFUSED"})
    )
    assert "refused the connection" in m.explanation["en"] and "từ chối kết nối" in m.explanation["vi"]


# ------------------------------------------------------------------------------ trackers counted once


def test_a_tracker_over_http_and_its_https_retry_is_one_host():
    requests = [
        {"url": "http://www.google-analytics.com/analytics.js", "refused_by_guard": True},
        {"url": "https://www.google-analytics.com/analytics.js", "refused_by_guard": True},
        {"url": "https://www.google-analytics.com/collect?v=1"},
        {"url": "https://connect.facebook.net/sdk.js"},
        {"url": "https://nest.example.vn/app.js"},
    ]
    hosts = tracker_hosts(requests)
    assert [h["host"] for h in hosts] == ["www.google-analytics.com", "connect.facebook.net"]
    assert len(hosts[0]["urls"]) == 3 and hosts[0]["refused_by_our_egress_guard"]
    m = evaluate_consent(consent_artifact(requests=requests, watch_window_s=10))
    assert m.measurements["tracker_requests_before_consent"] == 2
    assert "10 s" in m.explanation["en"] and "10 giây" in m.explanation["vi"]
    assert outcomes(m)["CD-04"] == FAILED
