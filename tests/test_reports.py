"""Conformance reports: combination of claims and probe findings, HTML, PDF, JSON and EARL."""

from __future__ import annotations

import copy
import itertools
import json
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from checker.assessment import checker_for
from checker.criteria import load_set
from checker.verdict import claims_from_evaluation, decisions_from_rows, verdict
from reports.conformance import CONFORMANCE, build_report, inputs_from_run, report_json
from reports.earl import OUTCOME_IRIS, render_earl
from reports.html import render_html

ROOT = Path(__file__).resolve().parent.parent
RUN = json.loads((ROOT / "tests" / "fixtures" / "probe-run-funzone.json").read_text(encoding="utf-8"))
ANSWERS = json.loads((ROOT / "examples" / "answers-kid-browser-basic.json").read_text(encoding="utf-8"))["answers"]
EVIL = '<script>alert("x")</script>FunZone'


def make_report(
    name: str = "FunZone Kids",
    answers: dict | None = None,
    findings=None,
    measurements=None,
    review: dict | None = None,
) -> dict:
    run_findings, run_measurements = inputs_from_run(RUN)
    answers = copy.deepcopy(ANSWERS if answers is None else answers)
    findings = run_findings if findings is None else findings
    claims = claims_from_evaluation(checker_for("vcsc-2025.1", "kid_browser").evaluate(answers).to_dict())
    found = verdict(load_set("vcsc-2025.1"), "kid_browser", claims, findings, decisions_from_rows(review or {}))
    return build_report(
        product={"id": 11, "name": name, "url": "https://funzone.example.vn"},
        vendor={"id": 3, "name": "Công ty TNHH FunZone"},
        submission={
            "id": 42,
            "revision": 2,
            "criteria_version": "vcsc-2025.1",
            "product_type": "kid_browser",
            "answers": answers,
            "status": "submitted",
            "submitted_at": "2026-01-02T03:04:05+00:00",
        },
        verdict=found,
        probe_findings=findings,
        probe_measurements=run_measurements if measurements is None else measurements,
    )


@pytest.fixture(scope="module")
def report():
    return make_report()


def row(report: dict, criterion_id: str) -> dict:
    return next(r for g in report["groups"] for r in g["rows"] if r["criterion_id"] == criterion_id)


# -- the report renders the verdict (the rules themselves: tests/test_verdict.py) ----------------


def test_discrepancies_where_claim_met_but_probe_failed(report):
    found = {d["criterion_id"]: d for d in report["discrepancies"]}
    # FunZone serves plain HTTP without HSTS or security.txt; the vendor claimed both met.
    assert {"SEC-01", "DOC-04", "CF-06", "CD-02"} <= set(found)
    assert found["SEC-01"]["claim"] == "passed" and found["SEC-01"]["probe"] == "failed"
    assert found["SEC-01"]["reason"]["vi"] and found["SEC-01"]["reason"]["en"]
    assert row(report, "SEC-01")["outcome"] == "failed"
    assert row(report, "SEC-01")["conformance"] == CONFORMANCE["failed"]
    # CF-04: the claim itself fails (dating 0), so claim and probe agree: not a discrepancy.
    assert "CF-04" not in found and row(report, "CF-04")["outcome"] == "failed"
    # CF-01: claim and probe both pass.
    assert row(report, "CF-01")["outcome"] == "passed" and row(report, "CF-01")["discrepancy"] is None
    kinds = [d["kind"] for d in report["discrepancies"]]
    assert kinds == sorted(kinds, key=lambda k: k != "failed")


def test_cant_tell_probe_is_a_partial_discrepancy():
    findings, measurements = inputs_from_run(RUN)
    findings = [dict(f, outcome="cantTell") if f["criterion_id"] == "SEC-01" else f for f in findings]
    report = make_report(findings=findings, measurements=measurements)
    sec = row(report, "SEC-01")
    assert sec["outcome"] == "cantTell" and sec["conformance"]["en"] == "Partially supports"
    assert sec["discrepancy"]["kind"] == "cantTell"


def test_level_is_computed_on_combined_outcomes(report):
    # The answers alone reach Basic; the probes' failures on MUST criteria take it away.
    assert report["claimed_level"]["id"] == "basic"
    assert report["level"] is None and report["next_level"]["id"] == "basic"
    blockers = {b["criterion_id"] for b in report["blockers"]}
    assert {"SEC-01", "CF-06", "CD-02"} <= blockers
    assert report["summary"]["counts"]["failed"] > report["summary"]["claim_counts"]["failed"]
    # Without findings, the combined level equals the claimed one.
    assert make_report(findings=[], measurements={})["level"]["id"] == "basic"


def test_missing_answer_is_not_evaluated_and_groups_follow_vocabulary(report):
    answers = {k: v for k, v in ANSWERS.items() if k != "PC-01"}
    other = make_report(answers=answers, findings=[], measurements={})
    assert row(other, "PC-01")["outcome"] == "untested"
    assert row(other, "PC-01")["conformance"] == {"vi": "Chưa đánh giá", "en": "Not evaluated"}
    assert [g["id"] for g in report["groups"]] == ["documentation", "features", "compliance", "security", "performance"]
    assert all(g["title"]["vi"] and g["title"]["en"] for g in report["groups"])


def test_content_filtering_per_category(report):
    cats = {c["category"]: c for c in report["content_filtering"]["categories"]}
    assert cats["adult"]["blocked"] == cats["adult"]["judged"] > 0 and cats["adult"]["block_rate"] == 1.0
    assert cats["violence"]["allowed"] == cats["violence"]["total"] and cats["violence"]["block_rate"] == 0.0
    assert cats["child_friendly"]["expected"] == "allowed"
    assert make_report(findings=[], measurements={})["content_filtering"] is None


def test_json_round_trips(report):
    assert json.loads(report_json(report)) == json.loads(json.dumps(report))


# -- HTML ---------------------------------------------------------------------------------


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.levels, self.scripts, self.external = [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))
        if tag == "script":
            self.scripts += 1
        if tag in ("link", "img", "iframe") or (tag == "style" and attrs.get("src")):
            self.external.append(tag)


def test_html_shows_product_discrepancy_and_acr_words(report):
    html = render_html(report)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="vi">' in html
    assert "FunZone Kids" in html
    discrepancies = html[html.index('id="discrepancies"') : html.index('id="h-criteria"')]
    assert "SEC-01" in discrepancies and "DOC-04" in discrepancies
    for words in ("Hỗ trợ", "Không hỗ trợ", "Không áp dụng"):
        assert words in html
    assert "https://example.vn/bang-chung/pc-01" in html  # evidence as a link
    assert "<svg" in html and "Nội dung người lớn" in html
    parser = _Headings()
    parser.feed(html)
    assert parser.scripts == 0 and parser.external == []
    assert parser.levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(parser.levels))
    # One language per report (?lang=): the Vietnamese report has no English words, and the other way round.
    assert "Does not support" not in html and "Not applicable" not in html
    english = render_html(report, lang="en")
    assert '<html lang="en">' in english and "Does not support" in english and "Not applicable" in english
    assert "Không hỗ trợ" not in english


def test_html_escapes_a_malicious_product_name():
    html = render_html(make_report(name=EVIL))
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_html_rejects_unknown_language(report):
    with pytest.raises(ValueError):
        render_html(report, lang="fr")


def test_html_does_not_link_non_http_evidence():
    answers = copy.deepcopy(ANSWERS)
    answers["PC-01"]["evidence"] = [{"kind": "url", "url": "javascript:alert(1)"}]
    html = render_html(make_report(answers=answers, findings=[], measurements={}))
    assert 'href="javascript:' not in html


# -- EARL ---------------------------------------------------------------------------------


def _strings(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def test_earl_is_self_contained_json_ld(report):
    doc = json.loads(json.dumps(render_earl(report)))
    ctx = doc["@context"]
    assert isinstance(ctx, dict) and "@import" not in ctx
    # Nothing in the document names a context to fetch.
    assert "@context" not in json.dumps(doc["@graph"])
    assert ctx["earl"] == "http://www.w3.org/ns/earl#"
    outcome_iris = set(OUTCOME_IRIS.values())
    for a in doc["@graph"]:
        assert a["@type"] == "Assertion"
        assert a["mode"] in ("earl:automatic", "earl:manual")
        assert a["result"]["@type"] == "TestResult" and a["result"]["outcome"] in outcome_iris
        assert a["test"]["@id"].startswith("https://vcsc.vn/criteria/vcsc-2025.1/")
        assert a["subject"]["name"] == "FunZone Kids"
    # Every term is a namespace, a compact IRI of a defined prefix, or a term definition.
    for term, value in ctx.items():
        if term == "@version":
            assert value == 1.1
        elif isinstance(value, str):
            assert value.endswith(("#", "/")) or value.split(":")[0] in ctx, term
        else:
            assert value["@id"].split(":")[0] in ctx, term
    for a in doc["@graph"]:
        for s in _strings(a):
            if s.startswith(("earl:", "dct:", "foaf:", "vcsc:", "xsd:")):
                assert s.split(":")[0] in ctx


def test_earl_counts_claims_and_findings(report):
    graph = render_earl(report)["@graph"]
    manual = [a for a in graph if a["mode"] == "earl:manual"]
    automatic = [a for a in graph if a["mode"] == "earl:automatic"]
    answered = sum(1 for g in report["groups"] for r in g["rows"] if r["answer"] is not None)
    assert (
        len(manual)
        == answered
        == len(ANSWERS.keys() & {r["criterion_id"] for g in report["groups"] for r in g["rows"]})
    )
    assert len(automatic) == len(report["findings"]) == 9
    sec = {a["mode"]: a for a in graph if a["test"]["@id"].endswith("/SEC-01")}
    assert sec["earl:manual"]["result"]["outcome"] == "earl:passed"
    assert sec["earl:automatic"]["result"]["outcome"] == "earl:failed"
    assert sec["earl:manual"]["combinedOutcome"] == "earl:failed"
    assert sec["earl:automatic"]["assertedBy"]["@id"] == "https://vcsc.vn/probes/transport"


# -- PDF ----------------------------------------------------------------------------------


def pdf_texts(pdf: bytes) -> list[str]:
    """Text runs of a Chromium (Skia) PDF: inflate the streams, read the ToUnicode CMaps and
    decode each text block's 2-byte glyph codes with each CMap (one of them is its font's)."""
    streams = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    cmaps = []
    for s in streams:
        if b"begincmap" not in s:
            continue
        cmap = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", s, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                cmap[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", s, re.S):
            for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    cmap[code] = chr(int(dst, 16) + i)
        cmaps.append(cmap)
    texts = []
    for s in streams:
        for block in re.findall(rb"BT(.*?)ET", s, re.S):
            hexes = b"".join(re.findall(rb"<([0-9A-Fa-f]+)>", block)).decode()
            codes = [int(hexes[i : i + 4], 16) for i in range(0, len(hexes) - 3, 4)]
            texts.extend("".join(cmap.get(c, "\ufffd") for c in codes) for cmap in cmaps)
    return texts


@pytest.mark.slow
def test_pdf_renders_the_report(report):
    from reports.pdf import render_pdf

    pdf = render_pdf(render_html(make_report(name="FunZoneKids Browser")))
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    texts = pdf_texts(pdf)
    assert any("FunZoneKids" in t for t in texts)
    assert any("Không hỗ trợ" in t for t in texts)


def test_a_reviewer_override_is_kept_beside_the_computed_outcome_and_asserted_in_earl():
    reviewed = make_report(
        review={
            "SEC-01": {
                "decision": "override",
                "outcome": "passed",
                "reviewer": "Trần Thẩm Định",
                "comment": "HTTPS đã bật lại; đã kiểm tra thủ công.",
            }
        }
    )
    sec = row(reviewed, "SEC-01")
    assert (sec["computed_outcome"], sec["outcome"]) == ("failed", "passed")
    assert sec["review"]["comment"].startswith("HTTPS đã bật lại")
    assert sec["remarks"][-1]["en"].startswith("Overridden by the reviewer")
    assert row(make_report(), "SEC-01")["outcome"] == "failed"  # without the decision
    # Still listed as a discrepancy (the probe and the claim disagreed), with the decision beside it.
    listed = next(d for d in reviewed["discrepancies"] if d["criterion_id"] == "SEC-01")
    assert listed["review"]["decision"] == "override"
    earl = [a for a in render_earl(reviewed)["@graph"] if a["test"]["@id"].endswith("/SEC-01")]
    by_reviewer = [a for a in earl if "foaf:Person" in a["assertedBy"]["@type"]]
    assert len(by_reviewer) == 1 and by_reviewer[0]["mode"] == "earl:manual"
    assert by_reviewer[0]["result"]["outcome"] == "earl:passed" and by_reviewer[0]["combinedOutcome"] == "earl:passed"
    assert "HTTPS đã bật lại" in render_html(reviewed)
