"""Evaluate: on how many of the pages that collect data a Vietnamese privacy policy is linked."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from checker.probes.base import Measurement, text
from checker.probes.signals import PRIVACY_POLICY_VI, _any, fold

MIN_WORDS = 80  # a stub ("đang cập nhật") is not a policy
MIN_VI_WORD_RATIO = 0.2  # Vietnamese prose: about half the words carry a diacritic; English: none
PERSONAL_DATA = _any([r"du lieu ca nhan", r"thong tin ca nhan", r"quyen rieng tu", r"bao mat thong tin"])
DATA_INPUT_TYPES = ("password", "email", "date", "tel")
DATA_AUTOCOMPLETE = ("email", "bday", "tel", "name", "username", "current-password", "new-password", "street-address")


def _vi_word(word: str) -> bool:
    if "đ" in word or "Đ" in word:
        return True
    return any(unicodedata.category(ch) == "Mn" for ch in unicodedata.normalize("NFD", word))


def language_stats(body: str) -> dict[str, Any]:
    """Words, the share carrying Vietnamese diacritics, and whether personal data is discussed."""
    words = re.findall(r"[^\W\d_]+", body or "")
    vi = sum(1 for w in words if _vi_word(w))
    folded = fold(body or "")
    return {
        "words": len(words),
        "vi_word_ratio": round(vi / len(words), 3) if words else 0.0,
        "mentions_personal_data": bool(PERSONAL_DATA.search(folded)),
        "names_privacy_policy": bool(PRIVACY_POLICY_VI.search(folded)),
    }


def collects_data(fields: list[dict[str, Any]]) -> list[str | None]:
    """The visible fields of a page that collect personal data (by input type or autocomplete purpose)."""
    out = []
    for f in fields:
        if not f.get("visible"):
            continue
        purpose = (f.get("autocomplete") or "").split()
        if f.get("type") in DATA_INPUT_TYPES or any(p.startswith(DATA_AUTOCOMPLETE) for p in purpose):
            out.append(f.get("name") or f.get("type"))
    return out


def is_vi_policy(target: dict[str, Any]) -> bool:
    if target.get("error") or (target.get("status") or 0) >= 400:
        return False
    stats = target.get("stats") or {}
    return bool(
        stats.get("words", 0) >= MIN_WORDS
        and stats.get("vi_word_ratio", 0) >= MIN_VI_WORD_RATIO
        and stats.get("mentions_personal_data", False)
    )


def page_verdict(page: dict[str, Any], targets: dict[str, Any]) -> bool | None:
    """True: a Vietnamese-labelled link leads to a Vietnamese policy; False: none does; None: not loaded."""
    if page.get("error") or (page.get("status") or 0) >= 400:
        return None
    for link in page.get("vi_links", []):
        target = targets.get(link.get("target_key") or "")
        if target and is_vi_policy(target):
            return True
    if any(targets.get(link.get("target_key") or "", {}).get("error") for link in page.get("vi_links", [])):
        return None  # the link is there but its target could not be read
    return False


def evaluate(artifact: dict[str, Any]) -> Measurement:
    pages = artifact.get("pages", [])
    no_data_page = artifact.get("applicable", True) and not any(
        p.get("declared") or p.get("collects") or p.get("collects") is None for p in pages
    )
    if not artifact.get("applicable", True) or no_data_page:
        return Measurement(
            "privacy_policy",
            False,
            {},
            text(
                "Không có trang thu thập dữ liệu nào: manifest không khai báo trang đăng ký hay đăng nhập và trang bắt đầu không có ô nhập dữ liệu cá nhân.",
                "No page collects data: the manifest names no sign-up or log-in page and the start page has no personal-data field.",
            ),
            evidence={
                "pages": [{"url": p.get("url"), "data_fields": p.get("data_fields", [])} for p in pages],
                "missing": artifact.get("missing", []),
            },
        )
    targets = artifact.get("targets", {})
    data_pages = [p for p in artifact.get("pages", []) if p.get("declared") or p.get("collects")]
    unknown_pages = [p for p in artifact.get("pages", []) if not p.get("declared") and p.get("collects") is None]
    verdicts = [(p, page_verdict(p, targets)) for p in data_pages]
    checked = [(p, v) for p, v in verdicts if v is not None]
    without = [p for p, v in checked if v is False]
    unreadable = [p for p, v in verdicts if v is None]
    if not data_pages and unknown_pages:
        measurements: dict[str, int | None] = {"data_pages_checked": None, "data_pages_without_vi_policy": None}
    else:
        # A page known to lack the policy fails the criterion whatever the unreadable ones hold.
        measurements = {
            "data_pages_checked": len(checked),
            "data_pages_without_vi_policy": len(without) if (without or not unreadable) else None,
        }
    policy_urls = sorted(
        {
            targets[link["target_key"]].get("final_url") or link.get("url")
            for p, v in checked
            if v
            for link in p.get("vi_links", [])
            if link.get("target_key") in targets and is_vi_policy(targets[link["target_key"]])
        }
    )
    explanation = text(
        f"Đã xem {len(checked)} trang thu thập dữ liệu; {len(without)} trang không có liên kết tới chính sách quyền riêng tư tiếng Việt"
        f"{' (' + ', '.join(p['url'] for p in without[:4]) + ')' if without else ''}"
        f"{f'; {len(unreadable)} trang không đọc được' if unreadable else ''}.",
        f"Checked {len(checked)} page(s) that collect data; {len(without)} without a link to a Vietnamese privacy policy"
        f"{' (' + ', '.join(p['url'] for p in without[:4]) + ')' if without else ''}"
        f"{f'; {len(unreadable)} page(s) could not be read' if unreadable else ''}.",
    )
    evidence = {
        "data_pages": [
            {
                "url": p["url"],
                "declared_as": p.get("declared"),
                "data_fields": p.get("data_fields", [])[:10],
                "vi_policy_links": [link.get("name") for link in p.get("vi_links", [])][:5],
                "other_privacy_links": [link.get("name") for link in p.get("en_links", [])][:5],
                "linked_vi_policy": v,
            }
            for p, v in verdicts
        ],
        "policy_urls": policy_urls,
        "policy_targets": {
            k: {kk: t.get(kk) for kk in ("url", "final_url", "status", "error", "stats", "excerpt")}
            for k, t in list(targets.items())[:10]
        },
        "screenshots": artifact.get("screenshots", []),
    }
    confidence = 0.9 if not unreadable else 0.6
    return Measurement(
        "privacy_policy",
        True,
        measurements,
        explanation,
        confidence=confidence,
        evidence=evidence,
        complete=artifact.get("complete", True),
    )
