"""Evaluate: does the block page the child sees explain itself, offer a way to ask a parent,
and show hotline 111 — judged on visible text (Vietnamese and English, folded) and on the
ARIA roles and names of its controls."""

from __future__ import annotations

import re
from typing import Any

from checker.corpus.model import CATEGORY_TITLES, EXPECTED_BLOCKED
from checker.probes.base import Measurement, text, without_proxy
from checker.probes.classify import controls_evidence, controls_failed_reason
from checker.probes.signals import ASK_PARENT, BLOCK_EXPLAINS, HOTLINE_111, HOTLINE_CONTEXT, fold

PROBE_ID = "block_page"
BARE = {"connection_error", "timeout", "error_without_body"}
HOTLINE_WINDOW = 80  # characters either side of "111" searched for a hotline context
VIETNAMESE_LETTERS = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)
HOW = {
    "connection_error": {"vi": "từ chối kết nối", "en": "refused the connection"},
    "timeout": {"vi": "không trả lời", "en": "did not answer"},
    "error_without_body": {"vi": "trả mã lỗi không kèm nội dung", "en": "returned an error status without a body"},
    "error_status": {"vi": "trả mã lỗi kèm một trang", "en": "returned an error status with a page"},
    "block_page": {"vi": "hiện trang chặn", "en": "showed a block page"},
}
FULL_CONFIDENCE_PAGES = 4


def hotline_shown(folded: str) -> bool:
    """A standalone 111 with a hotline word (hotline, tổng đài, gọi, child protection...) nearby."""
    for match in HOTLINE_111.finditer(folded):
        window = folded[max(0, match.start() - HOTLINE_WINDOW) : match.end() + HOTLINE_WINDOW]
        if HOTLINE_CONTEXT.search(window):
            return True
    return False


def ask_parent_controls(record: dict[str, Any]) -> list[dict[str, Any]]:
    found = [
        {"role": c["role"], "name": c["name"]}
        for c in record.get("controls", [])
        if ASK_PARENT.search(fold(c.get("name", "")))
    ]
    found += [
        {"role": "form", "name": f.get("text", "")[:120]}
        for f in record.get("forms", [])
        if ASK_PARENT.search(fold(f.get("text", "")))
    ]
    return found


def use_responded(use: dict[str, Any]) -> bool:
    """The ask-a-parent control did something: a request answered, a navigation or a visible change."""
    if not use.get("clicked"):
        return False
    answered = any(r.get("status") is not None and r["status"] < 400 for r in use.get("responses", []))
    return answered or bool(use.get("navigated")) or bool(use.get("text_changed"))


def judge_page(record: dict[str, Any]) -> dict[str, Any]:
    """The three signals on one block page, with what supports them."""
    if record.get("how") in BARE:
        return {
            "url": record["url"],
            "how": record["how"],
            "status": record.get("status"),
            "explains_reason": False,
            "ask_parent_controls": [],
            "shows_hotline_111": False,
            "in_vietnamese": False,
            "names_category": False,
            "screenshot": record.get("screenshot"),
        }
    body = f"{record.get('title', '')}\n{record.get('text', '')}"
    folded = fold(body)
    tel_111 = any(
        c.get("role") == "link" and re.fullmatch(r"tel:\s*111", c.get("url", "").strip(), re.I)
        for c in record.get("controls", [])
    )
    names_category = any(fold(CATEGORY_TITLES[c][lang]) in folded for c in EXPECTED_BLOCKED for lang in ("vi", "en"))
    return {
        "url": record["url"],
        "how": record.get("how"),
        "status": record.get("status"),
        "explains_reason": bool(BLOCK_EXPLAINS.search(folded)),
        "ask_parent_controls": ask_parent_controls(record),
        "shows_hotline_111": hotline_shown(folded) or tel_111,
        "in_vietnamese": bool(VIETNAMESE_LETTERS.search(body)),
        "names_category": names_category,
        "screenshot": record.get("screenshot"),
        "excerpt": re.sub(r"\s+", " ", record.get("text", "")).strip()[:300],
    }


def _yes(value: bool, lang: str) -> str:
    return {"vi": ("có", "không"), "en": ("yes", "no")}[lang][0 if value else 1]


def evaluate(artifact: dict[str, Any]) -> Measurement:
    if (inapplicable := without_proxy(PROBE_ID, artifact)) is not None:
        return inapplicable
    records = artifact.get("pages", [])
    none = {"explains_reason": None, "offers_ask_parent": None, "shows_hotline_111": None}
    reason = controls_failed_reason(artifact.get("controls"))
    if reason is not None:
        return Measurement(
            PROBE_ID,
            True,
            none,
            reason,
            confidence=0.0,
            evidence={"controls": controls_evidence(artifact.get("controls"))},
            complete=artifact.get("complete", True),
        )
    blocked = [r for r in records if r.get("verdict") == "blocked"]
    judged = [judge_page(r) for r in blocked]
    uses = [r["ask_parent_use"] for r in blocked if r.get("ask_parent_use")]
    evidence = {
        "block_pages": judged,
        "not_blocked": [r["url"] for r in records if r.get("verdict") == "allowed"],
        "undetermined": [r["url"] for r in records if r.get("verdict") == "undetermined"],
        "unreachable": [
            {"url": r["url"], "how": r.get("how"), "status": r.get("status"), "why": r.get("network_error")}
            for r in records
            if r.get("verdict") == "unreachable"
        ],
        "pages_tried": artifact.get("tried", []),
        "controls": controls_evidence(artifact.get("controls")),
        "ask_parent_use": uses[0] if uses else None,
        "screenshots": [r["screenshot"] for r in records if r.get("screenshot")],
    }
    if artifact.get("error"):
        evidence["error"] = artifact["error"]
    complete = artifact.get("complete", True)
    if not judged:
        unreachable = evidence["unreachable"]
        tried = len(artifact.get("tried", [])) or len(records)
        why = (
            text(
                f"Sản phẩm không tới được {len(unreachable)} trang có hại đã thử (trang lỗi mạng của chính sản phẩm hoặc "
                "chính trang cũng không tải được khi truy cập trực tiếp), nên không có trang chặn để xem.",
                f"The product could not reach {len(unreachable)} of the harmful pages tried (its own network-error "
                "page, or the page failed directly too), so there was no block page to look at.",
            )
            if unreachable and len(unreachable) == len(records)
            else text(
                f"Sản phẩm không chặn trang nào trong {tried} trang rõ ràng có hại, nên không có trang chặn để xem.",
                f"The product blocked none of {tried} clearly harmful pages, so there was no block page to look at.",
            )
            if records
            else text(
                "Không tải được trang có hại nào (bộ trang thử không có trang người lớn, cờ bạc hoặc lượt chạy bị ngắt).",
                "No harmful page could be loaded (the corpus has no adult or gambling page, or the run was cut short).",
            )
        )
        return Measurement(PROBE_ID, True, none, why, confidence=0.0, evidence=evidence, complete=complete)
    explains = all(j["explains_reason"] for j in judged)
    has_control = all(j["ask_parent_controls"] for j in judged)
    # A control that does nothing when used offers nothing; when it could not be tried, its presence counts.
    responds = use_responded(uses[0]) if uses else has_control
    offers = has_control and responds
    hotline = all(j["shows_hotline_111"] for j in judged)
    measurements = {"explains_reason": explains, "offers_ask_parent": offers, "shows_hotline_111": hotline}
    hows = sorted({j["how"] for j in judged})
    how_vi = ", ".join(HOW.get(h, {"vi": h, "en": h})["vi"] for h in hows)
    how_en = ", ".join(HOW.get(h, {"vi": h, "en": h})["en"] for h in hows)
    if all(h in BARE for h in hows):
        explanation = text(
            f"Khi chặn {len(judged)} trang, sản phẩm {how_vi}: trẻ không được giải thích, không có cách hỏi cha mẹ, không thấy Tổng đài 111.",
            f"When blocking {len(judged)} pages the product {how_en}: no explanation, no way to ask a parent, no hotline 111.",
        )
    else:
        dead = has_control and not responds
        explanation = text(
            f"Trang chặn ({len(judged)} trang; sản phẩm {how_vi}): nêu lý do chặn: {_yes(explains, 'vi')}; "
            f"cho phép hỏi cha mẹ: {_yes(offers, 'vi')}{' (nút không phản hồi khi bấm)' if dead else ''}; "
            f"Tổng đài 111: {_yes(hotline, 'vi')}.",
            f"Block page ({len(judged)} pages; the product {how_en}): explains why: {_yes(explains, 'en')}; "
            f"offers ask-a-parent: {_yes(offers, 'en')}{' (the control did nothing when used)' if dead else ''}; "
            f"hotline 111: {_yes(hotline, 'en')}.",
        )
    confidence = min(1.0, len(judged) / FULL_CONFIDENCE_PAGES)
    return Measurement(
        PROBE_ID, True, measurements, explanation, confidence=round(confidence, 3), evidence=evidence, complete=complete
    )
