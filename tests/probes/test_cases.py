"""Every probe's behaviour-named cases, through the real runner in real Chromium against
the demo products: the cases listed in each probe's definition.yaml must come out exactly
as declared (passed, failed or inapplicable)."""

from __future__ import annotations

import pytest

from checker.probes.registry import all_probes

TIMING_PROBES = {"filter_overhead"}
CASES = [(pid, case) for pid, probe in all_probes().items() for case in probe.definition["cases"]]


def case_outcome(findings) -> str:
    outcomes = {f.outcome for f in findings}
    if "failed" in outcomes:
        return "failed"
    if outcomes == {"inapplicable"}:
        return "inapplicable"
    if outcomes <= {"passed", "inapplicable"}:
        return "passed"  # some criteria of the probe may not apply to the case's product type
    return "cantTell"


@pytest.mark.slow
@pytest.mark.parametrize("probe_id,case", CASES, ids=[f"{pid}-{case['name']}" for pid, case in CASES])
def test_probe_case(run_case, probe_id, case):
    # Timing is measured against a product in its own process, as a vendor's would be.
    result = run_case(probe_id, case["product"], case.get("manifest_changes"), standalone=probe_id in TIMING_PROBES)
    (outcome,) = result.outcomes
    assert outcome.findings, f"{probe_id} gave no findings"
    got = case_outcome(outcome.findings)
    details = [(f.criterion_id, f.outcome, f.measurements, f.failures) for f in outcome.findings]
    assert got == case["expect"], f"{probe_id}/{case['name']}: expected {case['expect']}, got {got}: {details}"
    for finding in outcome.findings:
        assert finding.explanation["vi"] and finding.explanation["en"]
        if finding.outcome == "failed":
            assert finding.evidence, f"{probe_id}: a failure carries evidence"


def test_every_probe_has_a_folder_and_cases():
    from checker.criteria import load_vocabulary

    assert list(all_probes()) == load_vocabulary().ids("probes")
