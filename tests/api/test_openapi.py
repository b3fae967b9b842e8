"""The OpenAPI document as a contract: every operation has a stable operation id, a description, its problem+json
errors, and examples (valid against their own schemas) for its request body and its JSON responses."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from api.app import create_app
from api.core.errors import PROBLEM_MEDIA_TYPE
from api.core.settings import Settings
from api.http.openapi import OPERATION_ID

METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
WRITES = {"put", "post", "patch", "delete"}

# Published operation ids: generated clients call these names, so none may disappear or be renamed (add new ones
# here when a route is added; removing one is a breaking change that needs /api/v2).
PUBLISHED = {
    "register",
    "login",
    "logout",
    "me",
    "listUsers",
    "addUser",
    "listTokens",
    "createToken",
    "deleteToken",
    "getUser",
    "updateUser",
    "listOrganisations",
    "getOrganisation",
    "updateOrganisation",
    "listProducts",
    "createProduct",
    "getProduct",
    "updateProduct",
    "deleteProduct",
    "createSubmission",
    "listSubmissions",
    "getSubmission",
    "replaceAnswers",
    "mergeAnswers",
    "submitSubmission",
    "getVerdict",
    "getEvaluation",
    "startProbeRun",
    "checkProbeRun",
    "listProbeRuns",
    "getProbeRun",
    "getProbeRunFindings",
    "getProbeArtifact",
    "getProbeRunFile",
    "reevaluateProbeRun",
    "cancelProbeRun",
    "listCriteriaSets",
    "diff",
    "getCriteriaSet",
    "getCriterion",
    "getAnswersSchema",
    "listCertified",
    "getCertified",
    "verifyCertificate",
    "verify",
    "statusList",
    "listAuditEvents",
    "submissionAudit",
    "auditHead",
    "getReport",
    "reviewQueue",
    "getReview",
    "take",
    "decideCriterion",
    "decide",
    "rerunProbes",
    "withdraw",
    "addComment",
    "listCertificates",
    "getCertificate",
    "getCredential",
    "getApprovedReport",
    "suspendCertificate",
    "reinstateCertificate",
    "revokeCertificate",
    "clearFlag",
    "renew",
    "myNotifications",
    "readNotification",
    "badge",
    "getCertifiedVerdict",
    "assignSubmission",
    "unassignSubmission",
    "acceptAgreeing",
    "uploadEvidenceFile",
    "listEvidenceFiles",
    "downloadEvidenceFile",
    "deleteEvidenceFile",
    "verifyEmail",
    "requestPasswordReset",
    "resetPassword",
    "exportCertified",
}

# Operations that can answer with no 4xx at all: no parameters, no body, no sign-in, nothing to look up.
NO_CLIENT_ERRORS = {
    "listCriteriaSets": "the list of criteria versions: public, takes nothing",
    "auditHead": "the signed audit head: public, takes nothing",
}
# 2xx JSON responses without a schema to give an example for: documents rendered by reports/, not models.
UNSCHEMED_JSON = {
    "getReport": "the conformance report in one of four formats (reports/formats.py)",
    "getApprovedReport": "the report exactly as approved, byte for byte (its sha256 is report_digest)",
    "getCertifiedVerdict": "the verdict exactly as approved, byte for byte (its sha256 is verdict_digest)",
}
# Public operations (no bearer token) that still answer 401: a refusal of the credentials they are given.
PUBLIC_401 = {"login": "a wrong email or password"}
ROLE_WORDS = re.compile(r"\b(public|anyone|vendors?|reviewers?|admins?|signed-in)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    folder = tmp_path_factory.mktemp("openapi")
    app = create_app(
        Settings(
            database_url=f"sqlite:///{folder / 'vcsc.db'}",
            jobs_worker=False,
            keys_dir=folder / "keys",
            artifacts_dir=folder / "artifacts",
        )
    )
    document = app.openapi()
    yield document
    app.state.engine.dispose()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", method, operation


def validator(spec, schema: dict) -> Draft202012Validator:
    """A validator for `schema`, its "#/components/..." references resolved against the whole document."""
    return Draft202012Validator({"allOf": [schema], "components": spec["components"]}, format_checker=FormatChecker())


def resolve(spec, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def examples_of(spec, media: dict) -> list:
    """The examples a media type gives: its own, or its schema's (an array's: its items' examples, as a list)."""
    if "example" in media:
        return [media["example"]]
    if media.get("examples"):
        return [e["value"] for e in media["examples"].values()]
    schema = resolve(spec, media.get("schema", {}))
    if schema.get("examples"):
        return list(schema["examples"])
    if schema.get("type") == "array" and "items" in schema:
        items = resolve(spec, schema["items"])
        if items.get("examples"):
            return [list(items["examples"])]
    return []


def test_the_document_has_operations(spec):
    assert len(list(operations(spec))) >= len(PUBLISHED)


def test_operation_ids_are_stable_and_unique(spec):
    ids = [op.get("operationId", "") for _, _, op in operations(spec)]
    assert [i for i in ids if not OPERATION_ID.match(i)] == []
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []
    assert sorted(PUBLISHED - set(ids)) == [], "a published operation id disappeared (renamed route function?)"


def test_every_operation_has_a_description(spec):
    problems = []
    for name, _, op in operations(spec):
        description, summary = op.get("description", "").strip(), op.get("summary", "").strip()
        if len(description) < 40 or description == summary or not ROLE_WORDS.search(description):
            problems.append(f"{name}: {description[:60]!r}")
    assert problems == [], "each route function needs a docstring: what it does, who may call it, refusals"


def test_every_operation_documents_its_problem_responses(spec):
    problems = []
    for name, method, op in operations(spec):
        opid, responses = op["operationId"], op["responses"]
        client_errors = {s for s in responses if s.startswith("4")}
        for status in client_errors:
            media = responses[status].get("content", {})
            if (opid, status) == ("badge", "404") and list(media) == ["image/svg+xml"]:
                continue  # an <img> shows an image, not JSON: the unknown number's badge says so (an SVG)
            if list(media) != [PROBLEM_MEDIA_TYPE] or media[PROBLEM_MEDIA_TYPE]["schema"] != {
                "$ref": "#/components/schemas/Problem"
            }:
                problems.append(f"{name} {status}: not application/problem+json with the Problem schema")
            elif "example" not in media[PROBLEM_MEDIA_TYPE]:
                problems.append(f"{name} {status}: no example")
        if not client_errors and opid not in NO_CLIENT_ERRORS:
            problems.append(f"{name}: no 4xx problem response")
        signed_in = bool(op.get("security"))
        if signed_in and "401" not in responses:
            problems.append(f"{name}: needs a token but does not document 401")
        if not signed_in and "403" in responses:
            problems.append(f"{name}: public but documents 403")
        if not signed_in and "401" in responses and opid not in PUBLIC_401:
            problems.append(f"{name}: public but documents 401")
        if "requestBody" in op and not {"400", "413", "415", "422"} <= client_errors:
            problems.append(f"{name}: takes a body but does not document 400, 413, 415 and 422")
        if op.get("parameters") and "422" not in responses:
            problems.append(f"{name}: takes parameters but does not document 422")
        if any(p["in"] == "path" for p in op.get("parameters", [])) and "404" not in responses and opid != "statusList":
            problems.append(f"{name}: names an object in its path but does not document 404")
        if (
            method in WRITES
            and signed_in
            and "403" not in responses
            and "409" not in responses
            and opid not in {"logout", "deleteToken", "readNotification", "checkProbeRun"}
        ):
            problems.append(f"{name}: changes something but documents neither 403 nor 409")
    assert problems == []
    assert "429" in next(op for _, _, op in operations(spec) if op["operationId"] == "login")["responses"]
    assert set(NO_CLIENT_ERRORS) <= {op["operationId"] for _, _, op in operations(spec)}


def test_problem_examples_match_the_problem_schema(spec):
    check = validator(spec, {"$ref": "#/components/schemas/Problem"})
    for name, _, op in operations(spec):
        for status, response in op["responses"].items():
            media = response.get("content", {}).get(PROBLEM_MEDIA_TYPE)
            if media:
                assert media["example"]["status"] == int(status), f"{name} {status}"
                check.validate(media["example"])


def test_request_bodies_have_valid_examples(spec):
    problems = []
    for name, _, op in operations(spec):
        if "requestBody" not in op:
            continue
        content = op["requestBody"]["content"]
        # JSON, or a file upload's form (multipart/form-data; its example names each part)
        media = content["application/json"] if "application/json" in content else content["multipart/form-data"]
        examples = examples_of(spec, media)
        if not examples:
            problems.append(f"{name}: no request example")
        check = validator(spec, media["schema"])
        problems += [f"{name}: {e.message} at {list(e.absolute_path)}" for x in examples for e in check.iter_errors(x)]
    assert problems == []


def test_json_responses_have_valid_examples(spec):
    problems = []
    for name, _, op in operations(spec):
        for status, response in op["responses"].items():
            media = response.get("content", {}).get("application/json")
            if not status.startswith("2") or media is None:
                continue
            if "schema" not in media:
                if op["operationId"] not in UNSCHEMED_JSON:
                    problems.append(f"{name} {status}: JSON without a schema")
                continue
            examples = examples_of(spec, media)
            if not examples:
                problems.append(f"{name} {status}: no response example")
            check = validator(spec, media["schema"])
            problems += [
                f"{name} {status}: {e.message} at {list(e.absolute_path)}"
                for x in examples
                for e in check.iter_errors(x)
            ]
    assert problems == []


def test_the_checks_can_fail(spec):
    """The helpers above see a missing example and a wrong one."""
    assert examples_of(spec, {"schema": {"type": "object"}}) == []
    bad = {"type": "about:blank", "title": "x", "status": "404", "detail": "x"}
    assert list(validator(spec, {"$ref": "#/components/schemas/Problem"}).iter_errors(bad))
