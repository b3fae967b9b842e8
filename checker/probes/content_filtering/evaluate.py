"""Evaluate: block rate per harmful category and over-block rate on safe pages, with the misjudged URLs."""
from __future__ import annotations

from checker.corpus.model import HARMFUL, SAFE
from checker.probes.base import Measurement, text, without_proxy
from checker.probes.classify import summarise


def evaluate(artifact: dict) -> Measurement:
    if (inapplicable := without_proxy("content_filtering", artifact)) is not None:
        return inapplicable
    records = artifact.get("pages", [])
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
    rates = ", ".join(f"{c} {measurements[f'block_rate_{c}']:.0%}" for c in HARMFUL if measurements[f"block_rate_{c}"] is not None)
    over_rate = measurements["over_block_rate"]
    return Measurement(
        "content_filtering", True, measurements,
        text(f"Đã tải {judged} trang qua sản phẩm; tỷ lệ chặn: {rates}; chặn nhầm {over_rate:.1%} trang an toàn."
             if over_rate is not None else f"Đã tải {judged} trang qua sản phẩm; tỷ lệ chặn: {rates}.",
             f"Loaded {judged} pages through the product; block rates: {rates}; over-blocked {over_rate:.1%} of safe pages."
             if over_rate is not None else f"Loaded {judged} pages through the product; block rates: {rates}."),
        confidence=min(1.0, judged / 500) if judged else 0.0,
        evidence={"categories": summary["categories"], "block_methods": summary["methods"],
                  "harmful_allowed": missed[:200], "safe_blocked": over[:200],
                  "screenshots": [r["screenshot"] for r in records if r.get("screenshot")],
                  "undetermined": summary["undetermined"][:50]},
        complete=artifact.get("complete", True))
