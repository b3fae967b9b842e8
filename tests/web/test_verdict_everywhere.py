"""One verdict everywhere: a reviewer's override changes the level, and the report, the certificate (level,
credential, stored verdict digest), the badge, the public product page and the vendor's page all say the
same thing, through the real API and pages."""

from __future__ import annotations

import hashlib
import json

import jwt

from api.core.models import Certificate
from tests.web.conftest import in_review, text_of


def test_a_reviewer_override_changes_the_level_consistently_everywhere(world):
    api, site = world.api, world.site
    submission = in_review(world, discrepancy=False)  # every criterion claimed met, no probe disagrees
    api.login(site.people["reviewer"], "reviewer")
    api.login(site.people["vendor_a"], "vendor_a")
    api.login(site.people["vendor_b"], "vendor_b")

    before = api.request("GET", f"/submissions/{submission.id}/report?format=json", "reviewer").json()
    assert before["level"]["id"] == "advanced" and before["claimed_level"]["id"] == "advanced"

    # The reviewer finds DOC-06's evidence lacking: a SHOULD criterion, so Advanced is lost and Basic kept.
    decided = api.request(
        "PUT",
        f"/submissions/{submission.id}/review/criteria/DOC-06",
        "reviewer",
        json={"decision": "override", "outcome": "cantTell", "comment": "Thiếu báo cáo kiểm thử."},
    )
    assert decided.status_code == 200, decided.text
    report = api.request("GET", f"/submissions/{submission.id}/report?format=json", "reviewer").json()
    assert report["level"]["id"] == "basic" and report["next_level"]["id"] == "advanced"
    assert [b["criterion_id"] for b in report["blockers"]] == ["DOC-06"]
    assert report["claimed_level"]["id"] == "advanced"  # what the answers alone reach is still shown apart
    doc06 = next(r for g in report["groups"] for r in g["rows"] if r["criterion_id"] == "DOC-06")
    assert (doc06["computed_outcome"], doc06["outcome"], doc06["decided_by"]) == ("passed", "cantTell", "reviewer")

    approved = api.request(
        "POST", f"/submissions/{submission.id}/review/decision", "reviewer", json={"decision": "approve"}
    )
    assert approved.status_code == 200, approved.text
    cert_id = approved.json()["certificate_id"]
    verdict = api.request("GET", f"/submissions/{submission.id}/verdict", "vendor_a")
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["level"]["id"] == "basic" and verdict.json()["claimed_level"]["id"] == "advanced"
    doc06_verdict = next(c for c in verdict.json()["criteria"] if c["criterion_id"] == "DOC-06")
    assert (doc06_verdict["claimed"], doc06_verdict["decided"], doc06_verdict["decided_by"]) == (
        "passed",
        "cantTell",
        "reviewer",
    )
    assert api.request("GET", f"/submissions/{submission.id}/verdict", "vendor_b").status_code == 404

    # The certificate: its level, its signed credential, the approved report and the verdict it rests on.
    cert = api.request("GET", f"/certificates/{cert_id}", "reviewer").json()
    assert cert["level"] == "basic" and cert["level_title"]["vi"] == "Cơ bản"
    with api.sessions() as session:
        row = session.get(Certificate, cert_id)
        stored_verdict, verdict_digest, jws = row.verdict_json, row.verdict_digest, row.credential_jws
    assert verdict_digest == "sha256:" + hashlib.sha256(stored_verdict.encode("utf-8")).hexdigest()
    assert verdict_digest == verdict.json()["digest"]  # the vendor reads the verdict the certificate rests on
    assert json.loads(stored_verdict)["level"]["id"] == "basic"
    approved_report = api.request("GET", f"/certificates/{cert_id}/report", "reviewer").json()
    assert approved_report["level"]["id"] == "basic" and approved_report["verdict_digest"] == verdict_digest
    verdict_bytes = api.request("GET", f"/certificates/{cert_id}/verdict", "vendor_a").content
    assert "sha256:" + hashlib.sha256(verdict_bytes).hexdigest() == verdict_digest == cert["verdict_digest"]
    claims = jwt.decode(jws, options={"verify_signature": False})
    evidence = {e["genre"]: e for e in claims["evidence"]}
    assert evidence["verdict"]["id"] == "urn:vcsc:verdict:" + verdict_digest
    achievement = json.dumps(claims, ensure_ascii=False)
    assert "Cơ bản" in achievement and "Nâng cao" not in achievement

    # The badge and the public lookup.
    badge = api.client.get(f"/badge/{cert_id}.svg")
    assert badge.status_code == 200 and "Cơ bản" in badge.text and "Nâng cao" not in badge.text
    public = api.request("GET", f"/public/products/{world.product_a.id}").json()
    assert public["certificate"]["level"] == "basic"

    # The public product page shows the decided outcomes of the certified revision, not the claims.
    page = site.browser().get(f"/products/{world.product_a.id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Hỗ trợ một phần" in text and "Do người thẩm định quyết định" in text
    assert 'href="/criteria/vcsc-2025.1#DOC-06"' in page.text  # named as decided by the reviewer
    english = site.browser().get(f"/products/{world.product_a.id}?lang=en")
    assert "Partially supports" in text_of(english.text) and "Decided by a reviewer" in text_of(english.text)

    # The vendor's page says Basic was reached, with what the answers alone would reach beside it.
    vendor = site.browser("vendor_a").get(f"/dashboard/submissions/{submission.id}")
    vendor_text = text_of(vendor.text)
    assert "Mức đạt được: Cơ bản" in vendor_text and "Mức đạt được: Nâng cao" not in vendor_text
    assert "Kết quả được chứng nhận" in vendor_text
