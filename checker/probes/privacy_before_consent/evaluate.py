"""Evaluate: tracker hosts contacted, third-party cookies and location requests before any consent."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from checker.numbers import number
from checker.probes.base import Measurement, text
from checker.probes.reasons import load_reason
from checker.probes.signals import third_party, tracker_of

MEASURES = ("tracker_requests_before_consent", "third_party_cookies_before_consent", "geolocation_requested_on_load")


def is_third_party(host: str, first_party_hosts: list[str]) -> bool:
    host = (host or "").lstrip(".").lower()
    if not host:
        return False
    return all(third_party(host, fp) for fp in first_party_hosts) if first_party_hosts else False


def third_party_cookies(artifact: dict[str, Any]) -> list[dict[str, Any]]:
    """Unique (domain, name) of cookies set for another site: stored by the browser, or sent
    in a Set-Cookie by another site's response (browsers differ in which they keep)."""
    first = artifact.get("first_party_hosts", [])
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for c in artifact.get("cookies", []):
        if is_third_party(c["domain"], first):
            found.setdefault(
                (c["domain"].lstrip("."), c["name"]), {"domain": c["domain"], "name": c["name"], "how": "stored"}
            )
    for c in artifact.get("set_cookie_headers", []):
        host = urlsplit(c["url"]).hostname or ""
        domain = c.get("domain") or host
        if is_third_party(host, first) and is_third_party(domain, first):
            found.setdefault(
                (domain.lstrip("."), c["name"]),
                {"domain": domain, "name": c["name"], "how": "set_cookie", "url": c["url"]},
            )
    return list(found.values())


def tracker_hosts(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each tracker host once, first seen first: a request over http:// and its retry over https://,
    or the same beacon sent from two pages, are one host contacted."""
    hosts: dict[str, dict[str, Any]] = {}
    for r in requests:
        tracker = r.get("tracker") or tracker_of(r["url"])
        if not tracker:
            continue
        host = (urlsplit(r["url"]).hostname or "").lower()
        entry = hosts.setdefault(
            host, {"host": host, "tracker": tracker, "url": r["url"], "urls": [], "refused_by_our_egress_guard": False}
        )
        if r["url"] not in entry["urls"] and len(entry["urls"]) < 10:
            entry["urls"].append(r["url"])
        entry["refused_by_our_egress_guard"] = entry["refused_by_our_egress_guard"] or bool(r.get("refused_by_guard"))
    return list(hosts.values())


def _seconds(value: float, lang: str) -> str:
    """A number of seconds as each language writes it, without trailing zeros: "2,5" / "2.5", "10"."""
    digits = next((d for d in range(3) if round(value, d) == value), 2)
    return number(value, lang, digits)


def evaluate(artifact: dict[str, Any]) -> Measurement:
    if not artifact.get("applicable", True):
        if artifact.get("reason") == "start_not_a_web_page":
            explanation = text(
                "Địa chỉ bắt đầu không phải là một trang web (không trả về HTML) nên không có trang nào để quan sát trước khi đồng ý.",
                "The start address is not a web page (no HTML), so there is no page to observe before consent.",
            )
        else:
            explanation = text(
                "Sản phẩm không có trang web nào để quan sát trước khi đồng ý.",
                "The product has no web page to observe before consent.",
            )
        return Measurement(
            "privacy_before_consent",
            False,
            {},
            explanation,
            evidence={"start": artifact.get("start"), "missing": artifact.get("missing", [])},
        )
    start = artifact.get("start") or {}
    if not artifact.get("start_loaded"):
        why = load_reason(start.get("error"), start.get("status"))
        return Measurement(
            "privacy_before_consent",
            True,
            {name: None for name in MEASURES},
            text(
                f"Chưa đo được: không tải được trang bắt đầu {start.get('url')} (start_url): {why['vi']}.",
                f"Not measured: the start page {start.get('url')} (start_url) did not load: {why['en']}.",
            ),
            confidence=0.0,
            evidence={"start": start},
            complete=artifact.get("complete", True),
        )
    trackers = tracker_hosts(artifact.get("requests", []))
    cookies = third_party_cookies(artifact)
    calls = artifact.get("geolocation_calls", [])
    measurements = {
        "tracker_requests_before_consent": len(trackers),
        "third_party_cookies_before_consent": len(cookies),
        "geolocation_requested_on_load": bool(calls),
    }
    tracker_names = sorted({t["tracker"] for t in trackers})
    first = artifact.get("first_party_hosts", [])
    other_hosts = sorted(
        {
            urlsplit(r["url"]).hostname
            for r in artifact.get("requests", [])
            if is_third_party(urlsplit(r["url"]).hostname or "", first)
        }
    )
    pages = [load.get("url") for load in artifact.get("loads", [])]
    cookie_list = ", ".join(f"{c['name']}@{c['domain']}" for c in cookies[:5])
    window = artifact.get("watch_window_s")
    watched_vi = f", theo dõi mạng {_seconds(window, 'vi')} giây sau khi tải và sau mỗi thao tác" if window else ""
    watched_en = f", network watched {_seconds(window, 'en')} s after load and after each interaction" if window else ""
    explanation = text(
        f"Chưa nhấn gì trên {len(pages)} trang{watched_vi}: {len(trackers)} máy chủ theo dõi nhận yêu cầu"
        f"{' (' + ', '.join(tracker_names) + ')' if tracker_names else ''}, {len(cookies)} cookie bên thứ ba"
        f"{' (' + cookie_list + ')' if cookies else ''}, {'có' if calls else 'không'} xin vị trí khi tải trang.",
        f"Without any click on {len(pages)} page(s){watched_en}: {len(trackers)} tracker host(s) contacted"
        f"{' (' + ', '.join(tracker_names) + ')' if tracker_names else ''}, {len(cookies)} third-party cookie(s)"
        f"{' (' + cookie_list + ')' if cookies else ''}, location {'requested' if calls else 'not requested'} on load.",
    )
    evidence = {
        "pages": pages,
        "tracker_requests": trackers[:50],
        "third_party_cookies": cookies[:50],
        "third_party_hosts": other_hosts[:50],
        "geolocation_calls": calls[:10],
        "screenshots": artifact.get("screenshots", []),
    }
    # A tracker started after the watch window would be missed; a short window says less.
    confidence = 0.9 if all(not load.get("error") for load in artifact.get("loads", [])) else 0.6
    if window is not None and window < 10:
        confidence = min(confidence, 0.7)
    return Measurement(
        "privacy_before_consent",
        True,
        measurements,
        explanation,
        confidence=confidence,
        evidence=evidence,
        complete=artifact.get("complete", True),
    )
