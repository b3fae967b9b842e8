"""What every probe shares: its measurement result, findings per criterion, and judging
measurements against the thresholds (JSON Schemas) that criteria set for the probe."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from checker.criteria import CriteriaSet

PASSED, FAILED, CANT_TELL, INAPPLICABLE, UNTESTED = "passed", "failed", "cantTell", "inapplicable", "untested"


def text(vi: str, en: str) -> dict[str, Any]:
    """A user-visible string, Vietnamese first."""
    return {"vi": vi, "en": en}


@dataclass
class Measurement:
    """What a probe's `evaluate` concludes from one artifact, before any criterion is applied.

    `measurements` are the named values that criteria thresholds constrain (see
    criteria/vocabulary.yaml). `applicable` is False when the product offers nothing to
    measure (no sign-up page, no proxy...); `complete` is False when the run was cut short.
    """

    probe_id: str
    applicable: bool
    measurements: dict[str, Any]
    explanation: dict[str, Any]
    confidence: float = 1.0
    evidence: dict[str, Any] = field(default_factory=dict)
    complete: bool = True
    # Confidence intervals [low, high] of measurements that are estimates (a timing ratio): a
    # threshold is decided only when the whole interval is on one side of it, else cantTell.
    intervals: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


NO_PROXY = text(
    "Sản phẩm không có proxy lọc để kiểm tra (manifest không khai báo).",
    "The product has no filtering proxy to test (none in the manifest).",
)


def without_proxy(probe_id: str, artifact: dict[str, Any]) -> Measurement | None:
    """The inapplicable measurement of a probe that needs the product's proxy, or None when it ran."""
    if artifact.get("applicable", True):
        return None
    return Measurement(probe_id, False, {}, NO_PROXY)


@dataclass
class Finding:
    """A probe's verdict on one criterion (EARL outcome), with the values and evidence behind it."""

    probe_id: str
    criterion_id: str
    outcome: str
    measurements: dict[str, Any]
    threshold: dict[str, Any]
    explanation: dict[str, Any]
    confidence: float
    evidence: dict[str, Any]
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _threshold_failures(threshold: dict[str, Any], measurements: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(missing measurement names, messages of threshold violations)."""
    required = threshold.get("required", [])
    missing = [name for name in required if measurements.get(name) is None]
    present = {k: v for k, v in measurements.items() if v is not None}
    violations = [
        f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message}"
        for e in Draft202012Validator(threshold).iter_errors(present)
        if e.validator != "required"
    ]
    return missing, violations


def _interval_outcome(
    threshold: dict[str, Any], measurements: dict[str, Any], intervals: dict[str, Any]
) -> tuple[str | None, list[str]]:
    """FAILED when a measurement's whole interval breaks the threshold, CANT_TELL when its
    interval straddles it (with a message naming the interval), else None."""
    straddles, breaks = [], []
    for name, bounds in sorted(intervals.items()):
        if name not in threshold.get("properties", {}) or measurements.get(name) is None or not bounds:
            continue
        low, high = bounds
        # This measurement's own constraint only: another measurement's value must not decide it.
        own = {"properties": {name: threshold["properties"][name]}}
        ends_fail = [bool(_threshold_failures(own, {name: end})[1]) for end in (low, high)]
        if all(ends_fail):
            breaks.append(
                f"{name}: cả khoảng tin cậy [{low}, {high}] vượt ngưỡng / the whole interval [{low}, {high}] "
                "breaks the threshold"
            )
        elif any(ends_fail):
            straddles.append(
                f"{name}: khoảng tin cậy [{low}, {high}] chứa ngưỡng, chưa kết luận được / the interval "
                f"[{low}, {high}] straddles the threshold, so it cannot be decided"
            )
    if breaks:
        return FAILED, breaks
    if straddles:
        return CANT_TELL, straddles
    return None, []


def judge(result: Measurement, cset: CriteriaSet, product_type: str) -> list[Finding]:
    """Findings for every active criterion of `cset` that names this probe."""
    findings = []
    for criterion in cset.active_criteria():
        for use in criterion.probes:
            if use["id"] != result.probe_id:
                continue
            threshold = use["threshold"]
            names = set(threshold.get("properties", {})) | set(threshold.get("required", []))
            values = {k: result.measurements.get(k) for k in sorted(names)}
            failures: list[str] = []
            if not criterion.applies(product_type):
                outcome = INAPPLICABLE
                explanation = text(
                    "Tiêu chí không áp dụng cho loại sản phẩm này.",
                    "The criterion does not apply to this product type.",
                )
            elif not result.applicable:
                outcome, explanation = INAPPLICABLE, result.explanation
            else:
                missing, failures = _threshold_failures(threshold, result.measurements)
                intervals = result.intervals or {}
                decided, why = _interval_outcome(threshold, result.measurements, intervals)
                if decided is not None and not missing:
                    # A measurement without an interval that breaks the threshold still fails.
                    plain = {k: v for k, v in result.measurements.items() if k not in intervals}
                    rest = {
                        **threshold,
                        "properties": {k: v for k, v in threshold.get("properties", {}).items() if k not in intervals},
                    }
                    others = _threshold_failures(rest, plain)[1]
                    outcome, failures = (FAILED, why + others) if decided == FAILED or others else (decided, why)
                elif failures:
                    outcome = FAILED
                elif missing or not result.complete:
                    outcome = CANT_TELL
                    failures = [f"{name}: chưa đo được / not measured" for name in missing]
                else:
                    outcome = PASSED
                explanation = result.explanation
            findings.append(
                Finding(
                    result.probe_id,
                    criterion.id,
                    outcome,
                    values,
                    threshold,
                    explanation,
                    result.confidence,
                    result.evidence,
                    failures,
                )
            )
    return findings
