"""Evaluate: HTTPS, HSTS, mixed content and security.txt (RFC 9116) of the product's web origin."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from checker.probes.base import Measurement, text

HSTS_MIN_MAX_AGE = 15_552_000  # 180 days: shorter policies lapse between visits (Mozilla Observatory's bar)


def parse_hsts(value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    max_age = re.search(r"max-age\s*=\s*\"?(\d+)", value, re.IGNORECASE)
    return {
        "value": value[:300],
        "max_age": int(max_age.group(1)) if max_age else None,
        "include_subdomains": bool(re.search(r"includesubdomains", value, re.IGNORECASE)),
        "preload": bool(re.search(r"\bpreload\b", value, re.IGNORECASE)),
    }


def _parse_expires(value: str) -> dt.datetime | None:
    value = value.strip()
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def check_security_txt(fetch: dict[str, Any] | None, now: dt.datetime | None = None) -> dict[str, Any]:
    """RFC 9116: served over HTTPS with 200 and text/plain, at least one Contact, exactly one Expires in the future.
    `problems` in English (the evidence), `problems_vi` the same in Vietnamese (the explanation)."""
    if not fetch or fetch.get("error"):
        error = (fetch or {}).get("error")
        return {"valid": None, "problems": [f"not fetched: {error}"], "problems_vi": [f"không tải được: {error}"]}
    now = now or dt.datetime.now(dt.UTC)
    problems: list[str] = []
    problems_vi: list[str] = []

    def problem(vi: str, en: str) -> None:
        problems_vi.append(vi)
        problems.append(en)

    final = fetch.get("final_url") or fetch.get("url") or ""
    if fetch.get("status") != 200:
        return {
            "valid": False,
            "problems": [f"HTTP {fetch.get('status')}"],
            "problems_vi": [f"HTTP {fetch.get('status')}"],
            "contacts": [],
            "expires": None,
        }
    if not final.startswith("https://"):
        problem("không phục vụ qua HTTPS", "not served over HTTPS")
    if "text/plain" not in (fetch.get("content_type") or "").lower():
        problem(
            f"kiểu nội dung {fetch.get('content_type')!r}, không phải text/plain",
            f"content type {fetch.get('content_type')!r}, not text/plain",
        )
    fields: dict[str, list[str]] = {}
    for line in (fetch.get("body") or "").splitlines():
        if line.startswith("#") or ":" not in line:
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name.strip().lower(), []).append(value.strip())
    contacts = fields.get("contact", [])
    if not contacts:
        problem("không có trường Contact", "no Contact field")
    expires_values = fields.get("expires", [])
    expires = _parse_expires(expires_values[0]) if len(expires_values) == 1 else None
    if not expires_values:
        problem("không có trường Expires", "no Expires field")
    elif len(expires_values) > 1:
        problem("có hơn một trường Expires", "more than one Expires field")
    elif expires is None:
        problem(f"Expires không phải ngày giờ: {expires_values[0]!r}", f"Expires is not a date: {expires_values[0]!r}")
    elif expires <= now:
        problem(f"đã hết hạn ngày {expires_values[0]}", f"expired on {expires_values[0]}")
    return {
        "valid": not problems,
        "problems": problems,
        "problems_vi": problems_vi,
        "contacts": contacts[:5],
        "expires": expires_values[0] if expires_values else None,
    }


def _final(chain: list[dict[str, Any]]) -> dict[str, Any] | None:
    return chain[-1] if chain else None


def evaluate(artifact: dict[str, Any]) -> Measurement:
    if not artifact.get("applicable", True):
        return Measurement(
            "transport",
            False,
            {},
            text(
                "Sản phẩm không có trang web nào để kiểm tra đường truyền.",
                "The product has no web page whose transport could be checked.",
            ),
            evidence={"missing": artifact.get("missing", [])},
        )
    https_chain = artifact.get("https_chain", [])
    http_chain = artifact.get("http_chain", [])
    final_https, final_http = _final(https_chain), _final(http_chain)

    def loaded_over_https(hop: dict[str, Any] | None) -> bool:
        if not hop:
            return False
        return not hop.get("error") and hop["url"].startswith("https://") and (hop.get("status") or 0) < 400

    redirects_to_https = loaded_over_https(final_http) and (artifact.get("start_url") or "").startswith("http://")
    if loaded_over_https(final_https) or redirects_to_https:
        https = True
    elif (final_https and not final_https.get("error")) or (final_http and not final_http.get("error")):
        https = False  # the site answers, but not over HTTPS
    else:
        https = None  # nothing answered at all: cannot tell
    hsts_hops = [h for h in https_chain + http_chain if h["url"].startswith("https://") and not h.get("error")]
    hsts_info = next((parse_hsts(h.get("hsts")) for h in reversed(hsts_hops) if h.get("hsts")), None)
    if https is None:
        hsts = None
    elif not hsts_hops:
        hsts = False
    else:
        hsts = bool(hsts_info and (hsts_info["max_age"] or 0) >= HSTS_MIN_MAX_AGE)
    mixed = artifact.get("mixed_content")
    mixed_count = None
    if https and mixed is not None and mixed.get("pages_loaded"):
        mixed_count = len(mixed.get("urls", []))
    sectxt = check_security_txt(artifact.get("security_txt"))
    measurements = {"https": https, "hsts": hsts, "mixed_content_count": mixed_count, "security_txt": sectxt["valid"]}

    hsts_vi = "không có HSTS" if not hsts_info else f"HSTS max-age={hsts_info['max_age']}"
    http_note_vi = (
        "HTTP chuyển sang HTTPS"
        if redirects_to_https or (final_http and final_http["url"].startswith("https://"))
        else "HTTP không chuyển sang HTTPS"
        if final_http and not final_http.get("error")
        else "không có HTTP"
    )
    http_note_en = (
        "HTTP redirects to HTTPS"
        if redirects_to_https or (final_http and final_http["url"].startswith("https://"))
        else "HTTP does not redirect to HTTPS"
        if final_http and not final_http.get("error")
        else "no plain HTTP"
    )
    explanation = text(
        f"HTTPS: {'có' if https else 'không' if https is False else 'chưa rõ'} ({http_note_vi}); {hsts_vi}; "
        f"nội dung hỗn hợp: {mixed_count if mixed_count is not None else 'chưa đo'}; security.txt: "
        f"{'hợp lệ' if sectxt['valid'] else 'không hợp lệ (' + '; '.join(sectxt['problems_vi']) + ')' if sectxt['valid'] is False else 'chưa đo'}.",
        f"HTTPS: {'yes' if https else 'no' if https is False else 'unknown'} ({http_note_en}); "
        f"{'no HSTS' if not hsts_info else 'HSTS max-age=' + str(hsts_info['max_age'])}; "
        f"mixed content: {mixed_count if mixed_count is not None else 'not measured'}; security.txt: "
        f"{'valid' if sectxt['valid'] else 'invalid (' + '; '.join(sectxt['problems']) + ')' if sectxt['valid'] is False else 'not measured'}.",
    )
    evidence = {
        "start_url": artifact.get("start_url"),
        "https_chain": https_chain,
        "http_chain": http_chain,
        "hsts": hsts_info,
        "mixed_content": (mixed or {}).get("urls", [])[:50],
        "pages_scanned": (mixed or {}).get("pages", []),
        "security_txt": {"url": (artifact.get("security_txt") or {}).get("url"), **sectxt},
        "screenshots": artifact.get("screenshots", []),
    }
    return Measurement(
        "transport",
        True,
        measurements,
        explanation,
        confidence=0.95 if https is not None else 0.0,
        evidence=evidence,
        complete=artifact.get("complete", True),
    )
