"""Evaluate: the share of RTA-only pages the product blocked, with the RTA pages it let
through and how each carried the label."""

from __future__ import annotations

from typing import Any

from checker.probes.base import Measurement, text, without_proxy
from checker.probes.classify import (
    ALLOWED,
    BLOCKED,
    UNDETERMINED,
    UNREACHABLE,
    controls_evidence,
    controls_failed_reason,
)

PROBE_ID = "rta_label"
LABEL_WHERE = {
    "meta": {"vi": "thẻ meta", "en": "meta tag"},
    "header": {"vi": "tiêu đề HTTP", "en": "HTTP header"},
    "both": {"vi": "thẻ meta và tiêu đề HTTP", "en": "meta tag and HTTP header"},
    None: {"vi": "không rõ", "en": "unknown"},
}
FULL_CONFIDENCE_PAGES = 20  # pages judged for full confidence (the built-in corpus has 40)


def evaluate(artifact: dict[str, Any]) -> Measurement:
    if (inapplicable := without_proxy(PROBE_ID, artifact)) is not None:
        return inapplicable
    records = artifact.get("pages", [])
    reason = controls_failed_reason(artifact.get("controls"))
    if reason is not None:
        return Measurement(
            PROBE_ID,
            True,
            {"rta_block_rate": None},
            reason,
            confidence=0.0,
            evidence={"controls": controls_evidence(artifact.get("controls"))},
            complete=artifact.get("complete", True),
        )
    judged = [r for r in records if r.get("verdict") in (ALLOWED, BLOCKED)]
    blocked = [r for r in judged if r["verdict"] == BLOCKED]
    allowed = [r for r in judged if r["verdict"] == ALLOWED]
    by_mode: dict[str, dict[str, Any]] = {}
    for r in judged:
        stats = by_mode.setdefault(r.get("rta") or "unknown", {"judged": 0, "blocked": 0, "allowed": 0})
        stats["judged"] += 1
        stats["blocked" if r["verdict"] == BLOCKED else "allowed"] += 1
    methods: dict[str, int] = {}
    for r in blocked:
        methods[r.get("how") or "unknown"] = methods.get(r.get("how") or "unknown", 0) + 1
    evidence = {
        "rta_pages_allowed": [{"url": r["url"], "rta": r.get("rta"), "status": r.get("status")} for r in allowed][:100],
        "by_label_placement": by_mode,
        "block_methods": methods,
        "screenshots": [r["screenshot"] for r in records if r.get("screenshot")],
        "undetermined": [r["url"] for r in records if r.get("verdict") == UNDETERMINED][:50],
        "unreachable": [
            {"url": r["url"], "how": r.get("how"), "status": r.get("status")}
            for r in records
            if r.get("verdict") == UNREACHABLE
        ][:50],
        "controls": controls_evidence(artifact.get("controls")),
    }
    complete = artifact.get("complete", True)
    if not judged:
        why = (
            text(
                "Bộ trang thử không có trang chỉ mang nhãn RTA (danh mục rta_only); không đo được.",
                "The corpus has no RTA-only pages (category rta_only); nothing to measure.",
            )
            if not records
            else text(
                "Không trang RTA nào được đánh giá (sản phẩm không tới được trang, bộ chặn lưu lượng của công cụ kiểm tra "
                "đã từ chối kết nối hoặc lượt chạy bị ngắt).",
                "No RTA page could be judged (the product could not reach them, our egress guard refused them or the "
                "run was cut short).",
            )
        )
        if artifact.get("error"):
            evidence["error"] = artifact["error"]
        return Measurement(
            PROBE_ID, True, {"rta_block_rate": None}, why, confidence=0.0, evidence=evidence, complete=complete
        )
    rate = round(len(blocked) / len(judged), 4)
    if allowed and not any(r.get("rta") for r in allowed):
        # A club's URL list says a page is RTA-only, not where the page carries the label.
        explanation = text(
            f"Sản phẩm chặn {len(blocked)}/{len(judged)} trang chỉ mang nhãn RTA ({rate:.0%}); "
            f"{len(allowed)} trang có nhãn RTA vẫn hiện ra (danh sách URL không ghi nhãn nằm ở thẻ meta hay tiêu đề HTTP).",
            f"The product blocked {len(blocked)}/{len(judged)} pages carrying only the RTA label ({rate:.0%}); "
            f"{len(allowed)} RTA-labelled pages still reached the page (the URL list does not say whether the label is in "
            "a meta tag or an HTTP header).",
        )
    elif allowed:
        places = sorted({r.get("rta") for r in allowed if r.get("rta")}, key=str)
        where_vi = " hoặc ".join(LABEL_WHERE.get(p, LABEL_WHERE[None])["vi"] for p in places)
        where_en = " or the ".join(LABEL_WHERE.get(p, LABEL_WHERE[None])["en"] for p in places)
        explanation = text(
            f"Sản phẩm chặn {len(blocked)}/{len(judged)} trang chỉ mang nhãn RTA ({rate:.0%}); "
            f"{len(allowed)} trang có nhãn trong {where_vi} vẫn hiện ra.",
            f"The product blocked {len(blocked)}/{len(judged)} pages carrying only the RTA label ({rate:.0%}); "
            f"{len(allowed)} pages labelled in the {where_en} still reached the page.",
        )
    else:
        explanation = text(
            f"Sản phẩm chặn cả {len(judged)} trang chỉ mang nhãn RTA (trong thẻ meta hoặc tiêu đề HTTP).",
            f"The product blocked all {len(judged)} pages carrying only the RTA label (in a meta tag or an HTTP header).",
        )
    confidence = min(1.0, len(judged) / FULL_CONFIDENCE_PAGES)
    if len(by_mode) < 2:
        confidence = min(confidence, 0.7)  # only one way of carrying the label was tried
    return Measurement(
        PROBE_ID,
        True,
        {"rta_block_rate": rate},
        explanation,
        confidence=round(confidence, 3),
        evidence=evidence,
        complete=complete,
    )
