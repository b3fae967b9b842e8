"""Evaluate: median page-load time through the product and directly, and their ratio, on the
loads where the same safe page arrived through both paths in the same round."""
from __future__ import annotations

from statistics import median

from checker.probes.base import Measurement, text, without_proxy

PROBE_ID = "filter_overhead"
FLOOR_MS = 1.0           # a direct median below this is taken as this, so the ratio stays finite
MIN_PAIRS = 5            # fewer paired loads than this measure nothing
FULL_CONFIDENCE_PAIRS = 30


def pair_times(direct: dict, filtered: dict) -> tuple[float, float, str] | None:
    """(direct ms, filtered ms, how timed) of one pair: Navigation Timing loadEventEnd − startTime
    when the browser gave it for both loads, else the wall-clock time of both; None when neither."""
    if direct.get("load_ms") is not None and filtered.get("load_ms") is not None:
        return float(direct["load_ms"]), float(filtered["load_ms"]), "navigation_timing"
    if direct.get("wall_ms") is not None and filtered.get("wall_ms") is not None:
        return float(direct["wall_ms"]), float(filtered["wall_ms"]), "wall_clock"
    return None


def evaluate(artifact: dict) -> Measurement:
    if (inapplicable := without_proxy(PROBE_ID, artifact)) is not None:
        return inapplicable
    samples = artifact.get("samples", [])
    complete = artifact.get("complete", True)
    by_key: dict[tuple, dict] = {}
    for s in samples:
        by_key.setdefault((s.get("round"), s.get("page_id")), {})[s.get("path")] = s
    pairs = []  # (url, direct sample, filtered sample, direct ms, filtered ms, how timed)
    excluded: list[dict] = []
    for (rnd, page_id), paths in by_key.items():
        direct, filtered = paths.get("direct"), paths.get("filtered")
        times = pair_times(direct, filtered) if direct and filtered and direct.get("ok") and filtered.get("ok") else None
        if times is not None:
            pairs.append(((direct.get("url") or page_id), direct, filtered, *times))
        else:
            excluded.append({"url": (direct or filtered or {}).get("url", page_id), "round": rnd,
                             "direct": (direct or {}).get("how", "ok" if direct else "missing"),
                             "filtered": (filtered or {}).get("how", "ok" if filtered else "missing")})
    per_page: dict[str, dict] = {}
    for url, _, _, direct_ms, filtered_ms, _ in pairs:
        entry = per_page.setdefault(url, {"direct_ms": [], "filtered_ms": []})
        entry["direct_ms"].append(round(direct_ms, 2))
        entry["filtered_ms"].append(round(filtered_ms, 2))
    timed_by = sorted({p[5] for p in pairs})
    # The document's arrival alone (responseEnd), without rendering: where a filter's delay shows most plainly.
    fetch: dict[str, list[float]] = {"direct": [], "filtered": []}
    for _, direct, filtered, *_ in pairs:
        for path, sample in (("direct", direct), ("filtered", filtered)):
            timing = sample.get("timing") or {}
            if timing.get("response_end") is not None:
                fetch[path].append(timing["response_end"] - timing.get("start", 0))
    evidence = {"per_page": per_page, "excluded": excluded, "paired_loads": len(pairs),
                "median_fetch_ms": {path: round(median(v), 2) if v else None for path, v in fetch.items()},
                "rounds": artifact.get("rounds"), "timed_by": timed_by, "floor_ms": FLOOR_MS}
    if artifact.get("error"):
        evidence["error"] = artifact["error"]
    none = {"median_load_ratio": None, "median_load_ms_direct": None, "median_load_ms_filtered": None}
    if len(pairs) < MIN_PAIRS:
        return Measurement(PROBE_ID, True, none, text(
            f"Chỉ có {len(pairs)} lượt tải cùng một trang an toàn thành công qua cả hai đường (cần ít nhất {MIN_PAIRS}); không đo được độ trễ.",
            f"Only {len(pairs)} loads of the same safe page succeeded through both paths (at least {MIN_PAIRS} needed); "
            "the overhead cannot be measured."), confidence=0.0, evidence=evidence, complete=complete)
    direct_ms = round(median(p[3] for p in pairs), 2)
    filtered_ms = round(median(p[4] for p in pairs), 2)
    ratio = round(filtered_ms / max(direct_ms, FLOOR_MS), 3)
    measurements = {"median_load_ratio": ratio, "median_load_ms_direct": direct_ms, "median_load_ms_filtered": filtered_ms}
    pages = len(per_page)
    explanation = text(
        f"Thời gian tải trang trung vị qua sản phẩm {filtered_ms:.1f} ms so với {direct_ms:.1f} ms khi truy cập trực tiếp "
        f"(gấp {ratio:.2f} lần), trên {len(pairs)} cặp lượt tải của {pages} trang an toàn.",
        f"Median page load through the product {filtered_ms:.1f} ms against {direct_ms:.1f} ms directly "
        f"({ratio:.2f}×), over {len(pairs)} paired loads of {pages} safe pages.")
    return Measurement(PROBE_ID, True, measurements, explanation,
                       confidence=round(min(1.0, len(pairs) / FULL_CONFIDENCE_PAIRS), 3), evidence=evidence,
                       complete=complete)
