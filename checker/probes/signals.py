"""Shared signals the probes look for in pages, in Vietnamese and English: words people read,
not markup. One place, so every probe recognises the same things the same way."""

from __future__ import annotations

import re
import unicodedata


def fold(s: str) -> str:
    """Lower-case, without Vietnamese diacritics (đ -> d), whitespace collapsed."""
    s = unicodedata.normalize("NFD", s or "")
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    s = s.replace("đ", "d").replace("Đ", "D")
    return re.sub(r"\s+", " ", s).strip().casefold()


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# Matched against folded text (no diacritics, lower case).
REPORT_WORDS = _any(
    [r"\bbao cao\b", r"\bto cao\b", r"\bphan anh\b", r"\breport\b", r"\bflag\b", r"\bbao (?:cao )?vi pham\b"]
)
# 111 standing alone: not part of 1111, 1.111 or 111,5; a full stop or comma ending the sentence ("Gọi 111.") is fine.
HOTLINE_111 = re.compile(r"(?<![\d.,])111(?!\d|[.,]\d)")
HOTLINE_CONTEXT = _any(
    [
        r"tong dai",
        r"duong day nong",
        r"hotline",
        r"helpline",
        r"bao ve tre em",
        r"child protection",
        r"goi\b",
        r"\bcall\b",
    ]
)
PRIVACY_POLICY_VI = _any(
    [
        r"chinh sach (?:bao mat|quyen rieng tu|ve quyen rieng tu|bao ve du lieu)",
        r"quyen rieng tu",
        r"bao ve du lieu ca nhan",
    ]
)
PRIVACY_POLICY_EN = _any([r"privacy (?:policy|notice|statement)", r"\bprivacy\b", r"data protection"])
ASK_PARENT = _any(
    [
        r"hoi (?:y kien )?(?:bo me|cha me|phu huynh|ba me)",
        r"xin (?:phep|y kien) (?:bo me|cha me|phu huynh)",
        r"bao (?:cho )?(?:bo me|cha me|phu huynh)",
        r"nho (?:bo me|cha me|phu huynh)",
        r"yeu cau mo chan",
        r"gui yeu cau",
        r"ask (?:a |your |my )?(?:parent|grown-?up|guardian|mum|mom|dad)",
        r"request (?:access|a review)",
        r"ask for access",
        r"unblock request",
    ]
)
BLOCK_EXPLAINS = _any(
    [
        r"\bbi chan\b",
        r"\bda chan\b",
        r"\bchan truy cap\b",
        r"\bkhong phu hop\b",
        r"\bdanh muc\b",
        r"\bblocked\b",
        r"\bnot (?:allowed|suitable|appropriate)\b",
        r"\bcategory\b",
        r"\brestricted\b",
    ]
)
PARENT_GATE = _any(
    [
        r"\bma pin\b",
        r"\bpin\b",
        r"mat khau (?:cua )?(?:bo me|cha me|phu huynh)",
        r"(?:bo me|cha me|phu huynh) (?:dang nhap|xac nhan|nhap)",
        r"parent(?:al)? (?:pin|password|login|code|approval)",
        r"ask (?:a |your )?parent",
        r"only (?:a )?parents?",
        r"chi (?:bo me|cha me|phu huynh)",
    ]
)
CONSENT_WORDS = _any([r"dong y", r"chap nhan", r"accept", r"agree", r"allow all", r"cho phep"])
PARENT_FLOW = _any([r"(?:bo me|cha me|phu huynh|nguoi giam ho)", r"parent", r"guardian"])
REFUSED_WORDS = _any(
    [
        r"khong (?:the|duoc)",
        r"tu choi",
        r"chua (?:du|duoc)",
        r"cannot",
        r"can't",
        r"not (?:allowed|possible)",
        r"refused",
        r"denied",
        r"khong hop le",
        r"invalid",
        r"da (?:nhap|khai bao)",
        r"already",
    ]
)

# Third-party hosts whose only job is tracking or advertising (suffix match).
KNOWN_TRACKERS = (
    "google-analytics.com",
    "googletagmanager.com",
    "doubleclick.net",
    "googlesyndication.com",
    "googleadservices.com",
    "facebook.net",
    "facebook.com/tr",
    "connect.facebook.net",
    "analytics.tiktok.com",
    "ads.tiktok.com",
    "hotjar.com",
    "mixpanel.com",
    "segment.io",
    "segment.com",
    "amplitude.com",
    "scorecardresearch.com",
    "adnxs.com",
    "criteo.com",
    "criteo.net",
    "taboola.com",
    "outbrain.com",
    "quantserve.com",
    "yandex.ru/metrika",
    "mc.yandex.ru",
    "appsflyer.com",
    "adjust.com",
    "branch.io",
    "clarity.ms",
    "bat.bing.com",
    "ads-twitter.com",
    "static.ads-twitter.com",
    "admicro.vn",
    "adtima.vn",
    "eclick.vn",
    "ants.vn",
    "gostream.vn",
)


def tracker_of(url: str) -> str | None:
    """The known tracker a URL belongs to, or None."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    for entry in KNOWN_TRACKERS:
        domain, _, path = entry.partition("/")
        if (host == domain or host.endswith("." + domain)) and (not path or parts.path.lstrip("/").startswith(path)):
            return entry
    return None


def registrable_domain(host: str) -> str:
    """A close approximation of the registrable domain (last two labels, three for .com.vn-like)."""
    host = (host or "").lower().rstrip(".")
    if re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):
        return host  # an IP address is its own site
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in ("com", "net", "org", "edu", "gov", "co", "ac") and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def third_party(url_host: str, first_party_host: str) -> bool:
    return registrable_domain(url_host) != registrable_domain(first_party_host)
