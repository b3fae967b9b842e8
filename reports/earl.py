"""EARL 1.0 (Evaluation and Report Language) in JSON-LD for a conformance report: one assertion
per vendor claim (earl:manual) and one per probe finding (earl:automatic).

The JSON-LD context is bundled below and embedded in every document, so no processor ever
needs to fetch a remote context (none is referenced).
"""

from __future__ import annotations

import copy
from urllib.parse import quote

from checker.assessment import OUTCOMES

BASE = "https://vcsc.vn"

# The whole context, inline. Titles and descriptions are language maps ({"vi": .., "en": ..}).
CONTEXT: dict = {
    "earl": "http://www.w3.org/ns/earl#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "vcsc": f"{BASE}/ns#",
    "Assertion": "earl:Assertion",
    "Assertor": "earl:Assertor",
    "TestResult": "earl:TestResult",
    "TestSubject": "earl:TestSubject",
    "TestRequirement": "earl:TestRequirement",
    "Software": "earl:Software",
    "Organization": "foaf:Organization",
    "assertedBy": {"@id": "earl:assertedBy", "@type": "@id"},
    "subject": {"@id": "earl:subject", "@type": "@id"},
    "test": {"@id": "earl:test", "@type": "@id"},
    "result": {"@id": "earl:result"},
    "mode": {"@id": "earl:mode", "@type": "@id"},
    "outcome": {"@id": "earl:outcome", "@type": "@id"},
    "info": {"@id": "earl:info", "@container": "@language"},
    "title": {"@id": "dct:title", "@container": "@language"},
    "description": {"@id": "dct:description", "@container": "@language"},
    "date": {"@id": "dct:date", "@type": "xsd:dateTime"},
    "source": {"@id": "dct:source", "@type": "@id"},
    "isPartOf": {"@id": "dct:isPartOf", "@type": "@id"},
    "hasVersion": {"@id": "dct:hasVersion"},
    "name": {"@id": "foaf:name"},
    "homepage": {"@id": "foaf:homepage", "@type": "@id"},
    "maker": {"@id": "foaf:maker", "@type": "@id"},
    "obligation": {"@id": "vcsc:obligation"},
    "measurements": {"@id": "vcsc:measurements", "@type": "@json"},
    "confidence": {"@id": "vcsc:confidence", "@type": "xsd:decimal"},
    "combinedOutcome": {"@id": "vcsc:combinedOutcome", "@type": "@id"},
}
# "@json" values need JSON-LD 1.1.
CONTEXT["@version"] = 1.1

OUTCOME_IRIS = {o: f"earl:{o}" for o in OUTCOMES}
AUTOMATIC, MANUAL = "earl:automatic", "earl:manual"


def context() -> dict:
    """A copy of the bundled JSON-LD context."""
    return copy.deepcopy(CONTEXT)


def _criterion_iri(version: str, criterion_id: str) -> str:
    return f"{BASE}/criteria/{quote(version)}/{quote(criterion_id)}"


def _subject(report: dict) -> dict:
    product, sub = report["product"], report["submission"]
    pid = product.get("id")
    iri = (
        f"{BASE}/products/{quote(str(pid))}"
        if pid is not None
        else f"urn:vcsc:product:{quote(str(product.get('name')))}"
    )
    if sub.get("id") is not None:
        iri = f"{BASE}/submissions/{quote(str(sub['id']))}/revisions/{quote(str(sub.get('revision')))}"
    node = {
        "@id": iri,
        "@type": "TestSubject",
        "name": product.get("name"),
        "hasVersion": str(sub.get("revision")) if sub.get("revision") is not None else None,
    }
    if isinstance(product.get("url"), str) and product["url"].startswith(("http://", "https://")):
        node["homepage"] = product["url"]
    return {k: v for k, v in node.items() if v is not None}


def _vendor(report: dict) -> dict:
    vendor = report["vendor"]
    iri = f"{BASE}/vendors/{quote(str(vendor['id']))}" if vendor.get("id") is not None else "urn:vcsc:vendor"
    return {"@id": iri, "@type": ["Assertor", "Organization"], "name": vendor.get("name") or ""}


def _probe(probe_id: str, title: dict) -> dict:
    return {"@id": f"{BASE}/probes/{quote(probe_id)}", "@type": ["Assertor", "Software"], "title": title}


def render_earl(report: dict) -> dict:
    """The report as an EARL JSON-LD document (a dict; serialise it with json.dumps)."""
    version = report["criteria_version"]["id"]
    subject = _subject(report)
    vendor = _vendor(report)
    date = report["submission"].get("submitted_at")
    graph: list[dict] = []
    for group in report["groups"]:
        for row in group["rows"]:
            test = {
                "@id": _criterion_iri(version, row["criterion_id"]),
                "@type": "TestRequirement",
                "title": row["title"],
                "obligation": row["obligation"],
            }
            if row["answer"] is not None:
                result = {
                    "@type": "TestResult",
                    "outcome": OUTCOME_IRIS[row["claim"]["outcome"]],
                    "description": row["claim"]["reason"],
                }
                if date:
                    result["date"] = str(date)
                graph.append(
                    {
                        "@type": "Assertion",
                        "assertedBy": vendor,
                        "subject": subject,
                        "test": test,
                        "mode": MANUAL,
                        "result": result,
                        "combinedOutcome": OUTCOME_IRIS[row["outcome"]],
                    }
                )
            for f in (row["probe"] or {}).get("findings", []):
                result = {
                    "@type": "TestResult",
                    "outcome": OUTCOME_IRIS[f["outcome"]],
                    "description": f.get("explanation") or {},
                    "measurements": f.get("measurements", {}),
                }
                if f.get("failures"):
                    result["info"] = {"en": "; ".join(f["failures"])}  # one language: JSON Schema's messages
                if f.get("confidence") is not None:
                    result["confidence"] = f["confidence"]
                graph.append(
                    {
                        "@type": "Assertion",
                        "assertedBy": _probe(f["probe_id"], f["probe_title"]),
                        "subject": subject,
                        "test": test,
                        "mode": AUTOMATIC,
                        "result": result,
                        "combinedOutcome": OUTCOME_IRIS[row["outcome"]],
                    }
                )
            review = row.get("review")
            if review:  # the club reviewer's decision on the criterion: a manual assertion of its own
                result = {
                    "@type": "TestResult",
                    "outcome": OUTCOME_IRIS[review["outcome"]],
                    "description": {
                        "vi": review.get("comment") or "Người thẩm định chấp nhận kết quả.",
                        "en": review.get("comment") or "The reviewer accepted the outcome.",
                    },
                }
                graph.append(
                    {
                        "@type": "Assertion",
                        "subject": subject,
                        "test": test,
                        "mode": MANUAL,
                        "assertedBy": {
                            "@id": f"{BASE}/reviewers/{quote(str(review.get('reviewer') or 'vcsc'))}",
                            "@type": ["Assertor", "foaf:Person"],
                            "name": review.get("reviewer") or "VCSC",
                        },
                        "result": result,
                        "combinedOutcome": OUTCOME_IRIS[row["outcome"]],
                    }
                )
    return {"@context": context(), "@graph": graph}
