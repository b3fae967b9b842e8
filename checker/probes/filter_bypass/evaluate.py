"""Evaluate: how many bypass tricks reached a page the product blocks when asked normally."""

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

PROBE_ID = "filter_bypass"
TRICK_NAMES = {
    "raw_ip": {"vi": "địa chỉ IP trực tiếp", "en": "raw IP address"},
    "alternate_host": {"vi": "tên miền thay thế", "en": "alternate host name"},
    "upper_case_host": {"vi": "tên miền viết hoa", "en": "upper-case host name"},
    "trailing_dot_host": {"vi": "tên miền có dấu chấm cuối", "en": "trailing-dot host name"},
    "percent_encoded_path": {"vi": "đường dẫn mã hoá phần trăm", "en": "percent-encoded path"},
}
FULL_CONFIDENCE_PAGES = 6


def _name(trick: str, lang: str) -> str:
    return TRICK_NAMES.get(trick, {"vi": trick, "en": trick})[lang]


def evaluate(artifact: dict[str, Any]) -> Measurement:
    if (inapplicable := without_proxy(PROBE_ID, artifact)) is not None:
        return inapplicable
    none = {"bypass_success_count": None, "bypass_attempts": None}
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
    normal = artifact.get("normal", [])
    blocked_ids = artifact.get("blocked_normally", [])
    attempts = artifact.get("attempts", [])
    complete = artifact.get("complete", True)
    counted = [a for a in attempts if a.get("distinct", True) and a.get("verdict") in (ALLOWED, BLOCKED)]
    successes = [a for a in counted if a["verdict"] == ALLOWED]
    per_trick: dict[str, dict[str, Any]] = {}
    for a in counted:
        stats = per_trick.setdefault(a["trick"], {"tried": 0, "succeeded": 0})
        stats["tried"] += 1
        stats["succeeded"] += a["verdict"] == ALLOWED
    evidence = {
        "successful_bypasses": [
            {
                "trick": a["trick"],
                "url": a["url"],
                "blocked_url": a.get("original_url"),
                "category": a.get("category"),
                "status": a.get("status"),
            }
            for a in successes
        ],
        "per_trick": per_trick,
        "blocked_normally": [
            {"url": r["url"], "category": r.get("category"), "how": r.get("how")}
            for r in normal
            if r.get("page_id") in blocked_ids
        ],
        "normal_loads": {
            "total": len(normal),
            "blocked": sum(r.get("verdict") == BLOCKED for r in normal),
            "allowed": sum(r.get("verdict") == ALLOWED for r in normal),
            "unreachable": sum(r.get("verdict") == UNREACHABLE for r in normal),
        },
        "normalised_by_browser": sorted({a["trick"] for a in attempts if not a.get("distinct", True)}),
        "undetermined": [a["url"] for a in attempts if a.get("verdict") == UNDETERMINED][:50],
        "unreachable": [
            {"url": a["url"], "how": a.get("how"), "status": a.get("status")}
            for a in [*normal, *attempts]
            if a.get("verdict") == UNREACHABLE
        ][:50],
        "controls": controls_evidence(artifact.get("controls")),
        "unavailable": artifact.get("unavailable", []),
        "screenshots": [a["screenshot"] for a in attempts if a.get("screenshot")],
    }
    if artifact.get("error"):
        evidence["error"] = artifact["error"]
    if not normal:
        return Measurement(
            PROBE_ID,
            True,
            none,
            text(
                "Không tải được trang có hại nào để thử vượt lọc (bộ trang thử không có trang có hại hoặc lượt chạy bị ngắt).",
                "No harmful page could be loaded to try bypasses on (the corpus has none or the run was cut short).",
            ),
            confidence=0.0,
            evidence=evidence,
            complete=complete,
        )
    if not blocked_ids:
        return Measurement(
            PROBE_ID,
            True,
            none,
            text(
                f"Sản phẩm không chặn trang nào trong {len(normal)} trang có hại khi truy cập bình thường, nên không thể thử vượt lọc.",
                f"The product blocked none of {len(normal)} harmful pages requested normally, so there was nothing to bypass.",
            ),
            confidence=0.0,
            evidence=evidence,
            complete=complete,
        )
    if not counted:
        return Measurement(
            PROBE_ID,
            True,
            none,
            text(
                "Không lần thử vượt lọc nào được đánh giá (bộ chặn lưu lượng của công cụ kiểm tra đã từ chối hoặc lượt chạy bị ngắt).",
                "No bypass attempt could be judged (our egress guard refused them or the run was cut short).",
            ),
            confidence=0.0,
            evidence=evidence,
            complete=complete,
        )
    measurements = {"bypass_success_count": len(successes), "bypass_attempts": len(counted)}
    tricks_vi = ", ".join(_name(t, "vi") for t in per_trick)
    tricks_en = ", ".join(_name(t, "en") for t in per_trick)
    if successes:
        worked = [t for t, s in per_trick.items() if s["succeeded"]]
        detail_vi = "; ".join(f"{_name(t, 'vi')} {per_trick[t]['succeeded']}/{per_trick[t]['tried']}" for t in worked)
        detail_en = "; ".join(f"{_name(t, 'en')} {per_trick[t]['succeeded']}/{per_trick[t]['tried']}" for t in worked)
        explanation = text(
            f"{len(successes)}/{len(counted)} lần thử vượt lọc trên {len(blocked_ids)} trang bị chặn đã mở được trang: {detail_vi}.",
            f"{len(successes)}/{len(counted)} bypass attempts on {len(blocked_ids)} blocked pages reached the page: {detail_en}.",
        )
    else:
        explanation = text(
            f"Sản phẩm vẫn chặn cả {len(counted)} lần thử vượt lọc trên {len(blocked_ids)} trang bị chặn ({tricks_vi}).",
            f"The product still blocked all {len(counted)} bypass attempts on {len(blocked_ids)} blocked pages ({tricks_en}).",
        )
    confidence = min(1.0, len(blocked_ids) / FULL_CONFIDENCE_PAGES)
    return Measurement(
        PROBE_ID, True, measurements, explanation, confidence=round(confidence, 3), evidence=evidence, complete=complete
    )
