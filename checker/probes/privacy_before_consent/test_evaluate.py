"""privacy_before_consent's evaluate on artifacts shaped as privacy_before_consent.gather returns them (no browser):
what counts as third party, each measurement deciding its own criterion, the confidence rule of the watch window,
the cantTell and inapplicable reasons and the explanation in both languages (the window in each language's numbers).
Complements tests/probes/test_site_probes.py and tests/probes/test_site_signals.py."""

from __future__ import annotations

from checker.probes.base import CANT_TELL, FAILED, INAPPLICABLE, PASSED, Measurement
from checker.probes.privacy_before_consent.evaluate import evaluate, is_third_party, third_party_cookies
from checker.probes.testkit import outcomes as judged


def outcomes(measurement: Measurement) -> dict[str, str]:
    return judged(measurement, "kid_browser")


SITE = "https://hocvui.vn"


def load(url: str, **changes) -> dict:
    """A page load as login.goto records it, with the watch fields gather adds."""
    record = {
        "url": url,
        "final_url": url,
        "status": 200,
        "content_type": "text/html; charset=utf-8",
        "error": None,
        "refused_by_egress_guard": False,
        "ms": 180.0,
        "watched_s": 10.0,
        "interactions": ["scroll"],
    }
    record.update(changes)
    return record


def request(url: str, tracker: str | None = None, **changes) -> dict:
    record = {
        "url": url,
        "method": "GET",
        "resource_type": "script",
        "frame_url": f"{SITE}/",
        "tracker": tracker,
        "refused_by_guard": False,
    }
    record.update(changes)
    return record


def artifact(**changes) -> dict:
    art = {
        "applicable": True,
        "start": load(f"{SITE}/"),
        "loads": [load(f"{SITE}/"), load(f"{SITE}/dang-ky")],
        "start_loaded": True,
        "first_party_hosts": ["hocvui.vn"],
        "requests": [
            request(f"{SITE}/", resource_type="document"),
            request(f"{SITE}/static/app.js"),
            request("https://cdn.hocvui.vn/fonts/roboto.woff2", resource_type="font"),
        ],
        "cookies": [{"name": "sid", "domain": "hocvui.vn", "path": "/", "secure": True, "same_site": "Lax"}],
        "set_cookie_headers": [],
        "geolocation_calls": [],
        "refused_hosts": [],
        "watch_window_s": 10.0,
        "screenshots": [],
    }
    art.update(changes)
    return art


def test_without_first_party_hosts_nothing_is_called_third_party():
    assert not is_third_party("www.google-analytics.com", [])
    assert not is_third_party("", ["hocvui.vn"])
    assert is_third_party(".doubleclick.net", ["hocvui.vn"])
    assert not is_third_party("static.hocvui.vn", ["www.hocvui.vn"])


def test_a_cookie_sent_by_another_site_for_the_first_party_domain_is_not_third_party():
    art = artifact(
        set_cookie_headers=[
            {"url": "https://ads.quangcao.vn/pixel.gif", "name": "uid", "domain": "hocvui.vn"},
            {"url": "https://ads.quangcao.vn/pixel.gif", "name": "uid2", "domain": ".quangcao.vn"},
            {"url": f"{SITE}/", "name": "sid", "domain": ""},
        ]
    )
    assert third_party_cookies(art) == [
        {"domain": ".quangcao.vn", "name": "uid2", "how": "set_cookie", "url": "https://ads.quangcao.vn/pixel.gif"}
    ]


def test_a_quiet_site_passes_with_its_pages_and_window_in_both_languages():
    m = evaluate(artifact())
    assert m.measurements == {
        "tracker_requests_before_consent": 0,
        "third_party_cookies_before_consent": 0,
        "geolocation_requested_on_load": False,
    }
    assert m.evidence["third_party_hosts"] == []  # a first-party subdomain (cdn.) is not a third party
    assert m.confidence == 0.9  # the default 10 s window, every page loaded
    assert m.explanation["vi"].startswith("Chưa nhấn gì trên 2 trang, theo dõi mạng 10 giây")
    assert m.explanation["en"].startswith("Without any click on 2 page(s), network watched 10 s")
    assert outcomes(m) == {"CD-04": PASSED, "CD-07": PASSED}


def test_a_short_window_is_written_with_a_decimal_comma_and_lowers_the_confidence():
    m = evaluate(artifact(watch_window_s=2.5))
    assert "theo dõi mạng 2,5 giây" in m.explanation["vi"]
    assert "network watched 2.5 s" in m.explanation["en"]
    assert m.confidence == 0.7
    assert outcomes(m) == {"CD-04": PASSED, "CD-07": PASSED}


def test_a_page_that_failed_to_load_lowers_the_confidence():
    m = evaluate(artifact(loads=[load(f"{SITE}/"), load(f"{SITE}/dang-ky", status=None, error="timeout")]))
    assert m.confidence == 0.6


def test_location_asked_alone_fails_only_its_criterion():
    call = {"method": "getCurrentPosition", "at": 812.4, "frame": f"{SITE}/"}
    m = evaluate(artifact(geolocation_calls=[call]))
    assert m.measurements["geolocation_requested_on_load"] is True
    assert m.evidence["geolocation_calls"] == [call]
    assert "có xin vị trí khi tải trang" in m.explanation["vi"] and "location requested on load" in m.explanation["en"]
    assert outcomes(m) == {"CD-04": PASSED, "CD-07": FAILED}


def test_one_tracker_host_fails_and_is_named_with_the_third_party_hosts():
    requests = [
        request(f"{SITE}/"),
        request("https://www.googletagmanager.com/gtag/js?id=G-1", "googletagmanager.com"),
        request("https://www.googletagmanager.com/gtag/js?id=G-1", "googletagmanager.com"),
        request("https://fonts.gstatic.com/s/roboto.woff2", resource_type="font"),
    ]
    m = evaluate(artifact(requests=requests))
    assert m.measurements["tracker_requests_before_consent"] == 1
    assert m.evidence["third_party_hosts"] == ["fonts.gstatic.com", "www.googletagmanager.com"]
    assert "1 máy chủ theo dõi nhận yêu cầu (googletagmanager.com)" in m.explanation["vi"]
    assert "1 tracker host(s) contacted (googletagmanager.com)" in m.explanation["en"]
    assert outcomes(m) == {"CD-04": FAILED, "CD-07": PASSED}


def test_a_start_page_that_did_not_load_names_the_page_and_the_reason():
    start = load(f"{SITE}/", status=503, final_url=f"{SITE}/")
    m = evaluate(artifact(start=start, loads=[start], start_loaded=False))
    assert all(v is None for v in m.measurements.values())
    assert f"{SITE}/ (start_url)" in m.explanation["vi"] and "máy chủ trả về mã HTTP 503" in m.explanation["vi"]
    assert f"{SITE}/ (start_url)" in m.explanation["en"] and "the server answered HTTP 503" in m.explanation["en"]
    assert m.confidence == 0.0
    assert outcomes(m) == {"CD-04": CANT_TELL, "CD-07": CANT_TELL}


def test_a_product_without_web_pages_is_inapplicable_and_says_so():
    m = evaluate({"applicable": False, "reason": "no_web_pages"})
    assert not m.applicable
    assert m.explanation == {
        "vi": "Sản phẩm không có trang web nào để quan sát trước khi đồng ý.",
        "en": "The product has no web page to observe before consent.",
    }
    assert outcomes(m) == {"CD-04": INAPPLICABLE, "CD-07": INAPPLICABLE}
