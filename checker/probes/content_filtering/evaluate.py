"""Evaluate: block rate per harmful category and over-block rate on safe pages, with the misjudged URLs."""

from __future__ import annotations

from typing import Any

from checker.corpus.model import CATEGORY_TITLES, HARMFUL, SAFE
from checker.numbers import number, percent
from checker.probes.base import Measurement, text, without_proxy
from checker.probes.classify import controls_evidence, controls_failed_reason, summarise


def evaluate(artifact: dict[str, Any]) -> Measurement:
    if (inapplicable := without_proxy("content_filtering", artifact)) is not None:
        return inapplicable
    records = artifact.get("pages", [])
    names = [f"block_rate_{c}" for c in HARMFUL] + ["over_block_rate"]
    controls = controls_evidence(artifact.get("controls"))
    reason = controls_failed_reason(artifact.get("controls"))
    if reason is not None:
        return Measurement(
            "content_filtering",
            True,
            {n: None for n in names},
            reason,
            confidence=0.0,
            evidence={"controls": controls},
            complete=artifact.get("complete", True),
        )
    summary = summarise(records)
    measurements = {}
    for category in HARMFUL:
        stats = summary["categories"].get(category)
        measurements[f"block_rate_{category}"] = stats["block_rate"] if stats and stats["judged"] else None
    safe = [summary["categories"][c] for c in SAFE if c in summary["categories"]]
    safe_judged = sum(s["judged"] for s in safe)
    measurements["over_block_rate"] = round(sum(s["blocked"] for s in safe) / safe_judged, 4) if safe_judged else None
    missed = [r["url"] for r in records if r["harmful"] and r["verdict"] == "allowed"]
    over = [{"url": r["url"], "how": r["how"]} for r in records if not r["harmful"] and r["verdict"] == "blocked"]
    judged = sum(s["judged"] for s in summary["categories"].values())
    # Category names and numbers as each language writes them ("Nội dung người lớn 97%", "chặn nhầm 2,5%").
    rates = {
        lang: ", ".join(
            f"{CATEGORY_TITLES[c][lang]} {percent(rate, lang)}"
            for c in HARMFUL
            if (rate := measurements[f"block_rate_{c}"]) is not None
        )
        for lang in ("vi", "en")
    }
    over_rate = measurements["over_block_rate"]
    unreachable = summary["unreachable"]
    evidence = {
        "categories": summary["categories"],
        "block_methods": summary["methods"],
        "harmful_allowed": missed[:200],
        "safe_blocked": over[:200],
        "screenshots": [r["screenshot"] for r in records if r.get("screenshot")],
        "undetermined": summary["undetermined"][:50],
        "unreachable": unreachable[:100],
        "controls": controls,
    }
    if not judged:
        why = (
            text(
                f"Không trang nào trong {len(records)} trang được đánh giá: {len(unreachable)} trang sản phẩm không tới được "
                "hoặc chính trang không tải được khi truy cập trực tiếp; chưa kết luận về bộ lọc.",
                f"None of {len(records)} pages could be judged: {len(unreachable)} were unreachable through the product "
                "or failed when fetched directly too; no filter verdict is given.",
            )
            if records
            else text("Bộ trang thử không có trang nào để tải.", "The corpus has no page to load.")
        )
        return Measurement(
            "content_filtering",
            True,
            measurements,
            why,
            confidence=0.0,
            evidence=evidence,
            complete=artifact.get("complete", True),
        )
    note_vi = f" {len(unreachable)} trang không tới được, không tính." if unreachable else ""
    note_en = f" {len(unreachable)} unreachable pages not counted." if unreachable else ""
    return Measurement(
        "content_filtering",
        True,
        measurements,
        text(
            (
                f"Đã tải {number(judged, 'vi')} trang qua sản phẩm; tỷ lệ chặn: {rates['vi']}; chặn nhầm "
                f"{percent(over_rate, 'vi', 1)} trang an toàn."
                if over_rate is not None
                else f"Đã tải {number(judged, 'vi')} trang qua sản phẩm; tỷ lệ chặn: {rates['vi']}."
            )
            + note_vi,
            (
                f"Loaded {number(judged, 'en')} pages through the product; block rates: {rates['en']}; over-blocked "
                f"{percent(over_rate, 'en', 1)} of safe pages."
                if over_rate is not None
                else f"Loaded {number(judged, 'en')} pages through the product; block rates: {rates['en']}."
            )
            + note_en,
        ),
        confidence=min(1.0, judged / 500) if judged else 0.0,
        evidence=evidence,
        complete=artifact.get("complete", True),
    )
