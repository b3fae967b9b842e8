"""transport's evaluate on artifacts shaped as transport.gather returns them (no browser): HSTS's 180-day boundary,
which hops count for HTTPS and HSTS, mixed content not measured, security.txt's RFC 9116 rules with a fixed clock,
the confidence rule and the explanation in both languages. Complements tests/probes/test_site_probes.py."""

from __future__ import annotations

import datetime as dt

from checker.probes.base import CANT_TELL, FAILED, PASSED, Measurement
from checker.probes.testkit import outcomes as judged
from checker.probes.transport.evaluate import HSTS_MIN_MAX_AGE, check_security_txt, evaluate


def outcomes(measurement: Measurement) -> dict[str, str]:
    return judged(measurement, "kid_browser")


SITE = "https://hocvui.vn"
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def hop(url: str, status: int | None = 200, hsts: str | None = None, **changes) -> dict:
    """One hop of gather's _chain."""
    record = {
        "url": url,
        "status": status,
        "error": None,
        "hsts": hsts,
        "location": None,
        "content_type": "text/html; charset=utf-8",
        "refused_by_egress_guard": False,
    }
    record.update(changes)
    return record


def security_txt(body: str, **changes) -> dict:
    """gather's _fetch of /.well-known/security.txt."""
    record = {
        "url": f"{SITE}/.well-known/security.txt",
        "status": 200,
        "error": None,
        "final_url": f"{SITE}/.well-known/security.txt",
        "content_type": "text/plain; charset=utf-8",
        "body": body,
    }
    record.update(changes)
    return record


def valid_body() -> str:
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"# Học Vui\nContact: mailto:baomat@hocvui.vn\nExpires: {expires}\n"


def artifact(max_age: int = 31_536_000, **changes) -> dict:
    art = {
        "applicable": True,
        "start_url": f"{SITE}/",
        "screenshots": [],
        "https_chain": [hop(f"{SITE}/", hsts=f"max-age={max_age}")],
        "http_chain": [hop("http://hocvui.vn/", 301, location=f"{SITE}/"), hop(f"{SITE}/", hsts=f"max-age={max_age}")],
        "mixed_content": {
            "pages": [{"url": f"{SITE}/", "final_url": f"{SITE}/", "status": 200, "error": None}],
            "pages_loaded": 1,
            "urls": [],
            "browser_warnings": [],
        },
        "security_txt": security_txt(valid_body()),
    }
    art.update(changes)
    return art


def test_hsts_of_exactly_180_days_counts_and_a_second_less_does_not():
    at_limit = evaluate(artifact(HSTS_MIN_MAX_AGE))
    assert at_limit.measurements["hsts"] is True
    assert outcomes(at_limit) == {"DOC-04": PASSED, "SEC-01": PASSED}
    short = evaluate(artifact(HSTS_MIN_MAX_AGE - 1))
    assert short.measurements["hsts"] is False
    assert "HSTS max-age=15551999" in short.explanation["vi"] and "HSTS max-age=15551999" in short.explanation["en"]
    assert outcomes(short)["SEC-01"] == FAILED


def test_an_hsts_header_sent_over_plain_http_does_not_count():
    art = artifact(
        https_chain=[hop(f"{SITE}/")],
        http_chain=[hop("http://hocvui.vn/", 301, hsts="max-age=31536000", location=f"{SITE}/"), hop(f"{SITE}/")],
    )
    m = evaluate(art)
    assert m.measurements["https"] is True and m.measurements["hsts"] is False
    assert "không có HSTS" in m.explanation["vi"] and "no HSTS" in m.explanation["en"]


def test_an_http_start_address_that_lands_on_https_is_https():
    art = artifact(
        start_url="http://hocvui.vn/",
        https_chain=[hop("https://hocvui.vn/", None, error="ERR_CERT_COMMON_NAME_INVALID")],
        http_chain=[
            hop("http://hocvui.vn/", 301, location="https://www.hocvui.vn/"),
            hop("https://www.hocvui.vn/", hsts="max-age=31536000"),
        ],
    )
    m = evaluate(art)
    assert m.measurements["https"] is True and m.measurements["hsts"] is True
    assert "HTTP chuyển sang HTTPS" in m.explanation["vi"] and "HTTP redirects to HTTPS" in m.explanation["en"]
    assert m.confidence == 0.95


def test_mixed_content_not_measured_when_no_https_page_loaded_cannot_tell():
    art = artifact(
        mixed_content={
            "pages": [{"url": f"{SITE}/", "final_url": None, "status": None, "error": "timeout"}],
            "pages_loaded": 0,
            "urls": [],
            "browser_warnings": [],
        }
    )
    m = evaluate(art)
    assert m.measurements["mixed_content_count"] is None
    assert "nội dung hỗn hợp: chưa đo" in m.explanation["vi"] and "mixed content: not measured" in m.explanation["en"]
    assert outcomes(m) == {"DOC-04": PASSED, "SEC-01": CANT_TELL}


def test_security_txt_with_two_expires_or_a_non_date_is_invalid():
    two = check_security_txt(
        security_txt("Contact: mailto:a@hocvui.vn\nExpires: 2027-01-01T00:00:00Z\nExpires: 2028-01-01T00:00:00Z\n"),
        now=NOW,
    )
    assert two["valid"] is False and two["problems"] == ["more than one Expires field"]
    words = check_security_txt(security_txt("Contact: mailto:a@hocvui.vn\nExpires: next year\n"), now=NOW)
    assert words["problems"] == ["Expires is not a date: 'next year'"]


def test_security_txt_expiry_is_compared_with_the_clock_and_a_date_without_zone_is_utc():
    body = "Contact: mailto:a@hocvui.vn\nExpires: 2026-03-01T12:00:01\n"
    assert check_security_txt(security_txt(body), now=NOW)["valid"] is True
    assert check_security_txt(security_txt(body), now=NOW + dt.timedelta(seconds=1))["problems"] == [
        "expired on 2026-03-01T12:00:01"
    ]


def test_security_txt_missing_or_unreachable():
    missing = check_security_txt(security_txt("Không tìm thấy", status=404, content_type="text/html"), now=NOW)
    assert missing == {
        "valid": False,
        "problems": ["HTTP 404"],
        "problems_vi": ["HTTP 404"],
        "contacts": [],
        "expires": None,
    }
    assert (
        check_security_txt({"url": f"{SITE}/.well-known/security.txt", "status": None, "error": "timeout"}, now=NOW)[
            "valid"
        ]
        is None
    )


def test_an_invalid_security_txt_fails_doc_04_with_its_problems_in_both_languages():
    m = evaluate(artifact(security_txt=security_txt("Contact: mailto:a@hocvui.vn\n")))
    assert m.measurements["security_txt"] is False
    assert "security.txt: không hợp lệ (không có trường Expires)" in m.explanation["vi"]  # no English in it
    assert "security.txt: invalid (no Expires field)" in m.explanation["en"]
    assert outcomes(m) == {"DOC-04": FAILED, "SEC-01": PASSED}


def test_an_unreachable_security_txt_cannot_tell_doc_04_only():
    m = evaluate(
        artifact(
            security_txt={"url": f"{SITE}/.well-known/security.txt", "status": None, "error": "ERR_CONNECTION_RESET"}
        )
    )
    assert m.measurements["security_txt"] is None
    assert "security.txt: chưa đo" in m.explanation["vi"] and "security.txt: not measured" in m.explanation["en"]
    assert outcomes(m) == {"DOC-04": CANT_TELL, "SEC-01": PASSED}
