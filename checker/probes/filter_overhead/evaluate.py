"""Evaluate: median page-load time through the product and directly, and the median of the paired ratios, on the
loads where the same safe page arrived through both paths in the same round, with a seeded
bootstrap confidence interval: a threshold is decided only when the interval is clear of it."""

from __future__ import annotations

import random
from statistics import median
from typing import Any

from checker.numbers import number, percent
from checker.probes.base import Measurement, text, without_proxy

PROBE_ID = "filter_overhead"
FLOOR_MS = 1.0  # a direct median below this is taken as this, so the ratio stays finite
MIN_PAIRS = 5  # fewer paired loads than this measure nothing
FULL_CONFIDENCE_PAIRS = 30
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 2024
CONFIDENCE_LEVEL = 0.95


def paired_ratio(direct: list[float], filtered: list[float]) -> float:
    """The median of the per-pair ratios filtered / direct: both loads of a pair ran at the same
    moment, so the machine's load, which moves both, cancels out of each ratio."""
    return median(f / max(d, FLOOR_MS) for d, f in zip(direct, filtered, strict=True))


def bootstrap_interval(
    direct: list[float],
    filtered: list[float],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = CONFIDENCE_LEVEL,
) -> dict[str, list[float]]:
    """Percentile bootstrap intervals of the paired ratio and of the filtered median, over the
    paired loads (pairs resampled together, so both paths keep meeting the same moment's load).
    Pure and seeded: the same timings give the same interval."""
    rng = random.Random(seed)
    n = len(direct)
    ratios, filtered_medians = [], []
    for _ in range(resamples):
        picks = [rng.randrange(n) for _ in range(n)]
        d = [direct[i] for i in picks]
        f = [filtered[i] for i in picks]
        ratios.append(paired_ratio(d, f))
        filtered_medians.append(median(f))
    ratios.sort()
    filtered_medians.sort()
    low_at = int((1 - level) / 2 * resamples)
    high_at = min(resamples - 1, int((1 + level) / 2 * resamples))
    return {
        "median_load_ratio": [round(ratios[low_at], 3), round(ratios[high_at], 3)],
        "median_load_ms_filtered": [round(filtered_medians[low_at], 2), round(filtered_medians[high_at], 2)],
    }


def pair_times(direct: dict[str, Any], filtered: dict[str, Any]) -> tuple[float, float, str] | None:
    """(direct ms, filtered ms, how timed) of one pair: Navigation Timing loadEventEnd − startTime
    when the browser gave it for both loads, else the wall-clock time of both; None when neither."""
    if direct.get("load_ms") is not None and filtered.get("load_ms") is not None:
        return float(direct["load_ms"]), float(filtered["load_ms"]), "navigation_timing"
    if direct.get("wall_ms") is not None and filtered.get("wall_ms") is not None:
        return float(direct["wall_ms"]), float(filtered["wall_ms"]), "wall_clock"
    return None


def paired_loads(samples: list[dict[str, Any]]) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
    """(pairs, excluded): each pair is (url, direct sample, filtered sample, direct ms, filtered ms,
    how timed) of one page in one round that arrived through both paths."""
    by_key: dict[tuple[Any, ...], dict[Any, Any]] = {}  # (round, page id) -> {path: sample}
    for s in samples:
        by_key.setdefault((s.get("round"), s.get("page_id")), {})[s.get("path")] = s
    pairs = []  # (url, direct sample, filtered sample, direct ms, filtered ms, how timed)
    excluded: list[dict[str, Any]] = []
    for (rnd, page_id), paths in by_key.items():
        direct, filtered = paths.get("direct"), paths.get("filtered")
        times = (
            pair_times(direct, filtered) if direct and filtered and direct.get("ok") and filtered.get("ok") else None
        )
        if times is not None and direct:  # (times are only measured with both samples)
            pairs.append(((direct.get("url") or page_id), direct, filtered, *times))
        else:
            excluded.append(
                {
                    "url": (direct or filtered or {}).get("url", page_id),
                    "round": rnd,
                    "direct": (direct or {}).get("how", "ok" if direct else "missing"),
                    "filtered": (filtered or {}).get("how", "ok" if filtered else "missing"),
                }
            )
    return pairs, excluded


def evaluate(artifact: dict[str, Any]) -> Measurement:
    if (inapplicable := without_proxy(PROBE_ID, artifact)) is not None:
        return inapplicable
    samples = artifact.get("samples", [])
    complete = artifact.get("complete", True)
    pairs, excluded = paired_loads(samples)
    per_page: dict[str, dict[str, Any]] = {}
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
    evidence = {
        "per_page": per_page,
        "excluded": excluded,
        "paired_loads": len(pairs),
        "median_fetch_ms": {path: round(median(v), 2) if v else None for path, v in fetch.items()},
        "rounds": artifact.get("rounds"),
        "timed_by": timed_by,
        "floor_ms": FLOOR_MS,
    }
    if artifact.get("error"):
        evidence["error"] = artifact["error"]
    none = {"median_load_ratio": None, "median_load_ms_direct": None, "median_load_ms_filtered": None}
    if len(pairs) < MIN_PAIRS:
        return Measurement(
            PROBE_ID,
            True,
            none,
            text(
                f"Chỉ có {len(pairs)} lượt tải cùng một trang an toàn thành công qua cả hai đường (cần ít nhất {MIN_PAIRS}); không đo được độ trễ.",
                f"Only {len(pairs)} loads of the same safe page succeeded through both paths (at least {MIN_PAIRS} needed); "
                "the overhead cannot be measured.",
            ),
            confidence=0.0,
            evidence=evidence,
            complete=complete,
        )
    direct_ms = round(median(p[3] for p in pairs), 2)
    filtered_ms = round(median(p[4] for p in pairs), 2)
    ratio = round(paired_ratio([p[3] for p in pairs], [p[4] for p in pairs]), 3)
    measurements = {
        "median_load_ratio": ratio,
        "median_load_ms_direct": direct_ms,
        "median_load_ms_filtered": filtered_ms,
    }
    intervals = bootstrap_interval([p[3] for p in pairs], [p[4] for p in pairs])
    low, high = intervals["median_load_ratio"]
    evidence["confidence_intervals"] = {
        **intervals,
        "level": CONFIDENCE_LEVEL,
        "method": "percentile bootstrap",
        "resamples": BOOTSTRAP_RESAMPLES,
        "seed": BOOTSTRAP_SEED,
    }
    pages = len(per_page)
    vi = {
        k: number(v, "vi", d)
        for k, v, d in (("f", filtered_ms, 1), ("d", direct_ms, 1), ("r", ratio, 2), ("lo", low, 2), ("hi", high, 2))
    }
    en = {
        k: number(v, "en", d)
        for k, v, d in (("f", filtered_ms, 1), ("d", direct_ms, 1), ("r", ratio, 2), ("lo", low, 2), ("hi", high, 2))
    }
    explanation = text(
        f"Thời gian tải trang trung vị qua sản phẩm {vi['f']} ms so với {vi['d']} ms khi truy cập trực tiếp "
        f"(gấp {vi['r']} lần; khoảng tin cậy {percent(CONFIDENCE_LEVEL, 'vi')}: {vi['lo']}–{vi['hi']} lần), trên "
        f"{len(pairs)} cặp lượt tải của {pages} trang an toàn. Chỉ kết luận khi cả khoảng tin cậy nằm về một phía "
        "của ngưỡng.",
        f"Median page load through the product {en['f']} ms against {en['d']} ms directly "
        f"({en['r']}×; {percent(CONFIDENCE_LEVEL, 'en')} confidence interval {en['lo']}–{en['hi']}×), over "
        f"{len(pairs)} paired loads of {pages} safe pages. A threshold is decided only when the whole interval is on "
        "one side of it.",
    )
    return Measurement(
        PROBE_ID,
        True,
        measurements,
        explanation,
        confidence=round(min(1.0, len(pairs) / FULL_CONFIDENCE_PAIRS), 3),
        evidence=evidence,
        complete=complete,
        intervals=intervals,
    )
