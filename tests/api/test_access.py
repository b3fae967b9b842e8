"""Who may call what: every endpoint × anonymous, vendor A, vendor B, reviewer, admin, on A's data.

Vendor B touching organisation A's data must get 404 (read and write), so existence never leaks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from api.cli.demo import sample_answers
from api.core.models import (
    Certificate,
    EvidenceFile,
    Notification,
    Organisation,
    ProbeArtifact,
    ProbeRun,
    Product,
    Submission,
    User,
    utcnow,
)
from api.domain.identity import issue_token
from checker.assessment import checker_for
from tests.api.conftest import PASSWORD, VERSION, World, unique

# Expected status per caller:      anonymous, vendor_a, vendor_b, reviewer, admin
PUBLIC_READ = dict(
    zip(("anonymous", "vendor_a", "vendor_b", "reviewer", "admin"), (200, 200, 200, 200, 200), strict=True)
)


def expect(anonymous, vendor_a, vendor_b, reviewer, admin) -> dict:
    return {"anonymous": anonymous, "vendor_a": vendor_a, "vendor_b": vendor_b, "reviewer": reviewer, "admin": admin}


ANY_USER = expect(401, 200, 200, 200, 200)
A_READ = expect(401, 200, 404, 200, 200)  # A's data: B gets 404, staff read
A_WRITE = expect(401, 200, 404, 403, 200)  # reviewers read only
STAFF_ACT = expect(401, 403, 403, 200, 200)  # reviewers and admins act on any vendor's data


@dataclass
class Endpoint:
    name: str
    method: str
    path: str  # formatted with the fresh objects of `targets`
    statuses: dict
    body: Callable[[dict], dict] | None = None
    outside_api: bool = False  # the path is not under /api/v1 (the badge)
    upload: bool = False  # a multipart form with an evidence file instead of a JSON body


ENDPOINTS = [
    # auth
    Endpoint(
        "register",
        "POST",
        "/auth/register",
        expect(202, 202, 202, 202, 202),
        lambda t: {
            "organisation_name": unique("Nhà cung cấp "),
            "email": unique("dk") + "@example.vn",
            "name": "Chủ",
            "password": PASSWORD,
        },
    ),
    # The token is the credential: a wrong one is refused the same for everyone.
    Endpoint(
        "verifyEmail",
        "POST",
        "/auth/verify-email",
        expect(422, 422, 422, 422, 422),
        lambda t: {"token": "sai-ma-xac-nhan-0123456789abcdef"},
    ),
    Endpoint(
        "requestPasswordReset",
        "POST",
        "/auth/password-reset",
        expect(202, 202, 202, 202, 202),
        lambda t: {"email": unique("quen") + "@example.vn"},
    ),
    Endpoint(
        "resetPassword",
        "POST",
        "/auth/password-reset/confirm",
        expect(422, 422, 422, 422, 422),
        lambda t: {"token": "sai-ma-dat-lai-0123456789abcdef", "password": PASSWORD},
    ),
    Endpoint(
        "login",
        "POST",
        "/auth/token",
        expect(200, 200, 200, 200, 200),
        lambda t: {"email": t["colleague_email"], "password": PASSWORD},
    ),
    Endpoint("logout", "DELETE", "/auth/token", expect(401, 204, 204, 204, 204)),
    # users
    Endpoint("me", "GET", "/users/me", ANY_USER),
    Endpoint("list users", "GET", "/users", ANY_USER),
    Endpoint(
        "create user in A",
        "POST",
        "/users",
        expect(401, 201, 404, 403, 201),
        lambda t: {
            "email": unique("moi") + "@example.vn",
            "name": "Người mới",
            "password": PASSWORD,
            "role": "vendor",
            "organisation_id": t["org_a"],
        },
    ),
    Endpoint("get A's user", "GET", "/users/{colleague}", A_READ),
    Endpoint(
        "update A's user", "PATCH", "/users/{colleague}", expect(401, 403, 404, 403, 200), lambda t: {"name": "Tên mới"}
    ),
    Endpoint("list my tokens", "GET", "/users/me/tokens", ANY_USER),
    Endpoint("create my token", "POST", "/users/me/tokens", expect(401, 201, 201, 201, 201), lambda t: {"name": "ci"}),
    Endpoint("delete A's token", "DELETE", "/users/me/tokens/{token_a}", expect(401, 204, 404, 404, 404)),
    # organisations
    Endpoint("list organisations", "GET", "/organisations", ANY_USER),
    Endpoint("get organisation A", "GET", "/organisations/{org_a}", A_READ),
    Endpoint(
        "update organisation A",
        "PATCH",
        "/organisations/{org_a}",
        A_WRITE,
        lambda t: {"website": "https://a.example.vn"},
    ),
    # products
    Endpoint("list products", "GET", "/products", ANY_USER),
    Endpoint(
        "create product in A",
        "POST",
        "/products",
        expect(401, 201, 404, 403, 201),
        lambda t: {
            "name": "Sản phẩm mới",
            "product_type": "kid_browser",
            "url": "https://moi.example.vn",
            "platforms": ["android", "ios"],
            "organisation_id": t["org_a"],
        },
    ),
    Endpoint("get A's product", "GET", "/products/{product}", A_READ),
    Endpoint("update A's product", "PATCH", "/products/{product}", A_WRITE, lambda t: {"name": "Tên mới"}),
    Endpoint("delete A's product", "DELETE", "/products/{bare_product}", expect(401, 204, 404, 403, 204)),
    # submissions
    Endpoint(
        "create draft for A",
        "POST",
        "/products/{bare_product}/submissions",
        expect(401, 201, 404, 403, 201),
        lambda t: {"criteria_version": VERSION},
    ),
    Endpoint("list A's submissions", "GET", "/products/{product}/submissions", A_READ),
    Endpoint("get A's submission", "GET", "/submissions/{draft}", A_READ),
    Endpoint(
        "replace A's answers", "PUT", "/submissions/{draft}/answers", A_WRITE, lambda t: {"answers": t["answers"]}
    ),
    Endpoint(
        "merge A's answers",
        "PATCH",
        "/submissions/{draft}/answers",
        A_WRITE,
        lambda t: {"criteria_version": VERSION, "answers": {"PC-01": {"value": True}}},
    ),
    Endpoint("submit A's draft", "POST", "/submissions/{draft}/submit", A_WRITE),
    Endpoint("evaluate A's draft", "GET", "/submissions/{draft}/evaluation", A_READ),
    Endpoint("evaluate A's submitted", "GET", "/submissions/{submitted}/evaluation", A_READ),
    Endpoint("verdict on A's draft", "GET", "/submissions/{draft}/verdict", A_READ),
    Endpoint("verdict on A's submitted", "GET", "/submissions/{submitted}/verdict", A_READ),
    # evidence files
    Endpoint(
        "attach a file to A's draft",
        "POST",
        "/submissions/{draft}/evidence-files",
        expect(401, 201, 404, 403, 201),
        upload=True,
    ),
    Endpoint("list A's files", "GET", "/submissions/{draft}/evidence-files", A_READ),
    Endpoint("download A's file", "GET", "/submissions/{draft}/evidence-files/{evidence_file}", A_READ),
    Endpoint(
        "delete A's file",
        "DELETE",
        "/submissions/{draft}/evidence-files/{evidence_file}",
        expect(401, 204, 404, 403, 204),
    ),
    # probe runs (queued only: the test app runs no worker)
    Endpoint(
        "start a probe run for A",
        "POST",
        "/submissions/{draft}/probe-runs",
        expect(401, 202, 404, 403, 202),
        lambda t: {"manifest": PROBE_MANIFEST, "only": ["transport"]},
    ),
    Endpoint("list A's probe runs", "GET", "/submissions/{draft}/probe-runs", A_READ),
    # The pre-flight check with a manifest it refuses (422 after the access check): no browser here; the
    # real check runs in tests/jobs/test_probe_check_api.py.
    Endpoint(
        "pre-flight check for A",
        "POST",
        "/submissions/{draft}/probe-runs/check",
        expect(401, 422, 404, 422, 422),
        lambda t: {"manifest": {"product_type": "filtering_app", "filtering": {"mode": "none"}}},
    ),
    Endpoint("get A's probe run", "GET", "/probe-runs/{probe_run}", A_READ),
    Endpoint("A's probe findings", "GET", "/probe-runs/{probe_run}/findings", A_READ),
    Endpoint("A's probe artifact", "GET", "/probe-runs/{probe_run}/artifacts/transport", A_READ),
    Endpoint("A's probe screenshot", "GET", "/probe-runs/{probe_run}/files/screenshots/transport-start.png", A_READ),
    Endpoint("re-evaluate A's probe run", "POST", "/probe-runs/{probe_run}/reevaluate", A_WRITE),
    Endpoint("cancel A's probe run", "POST", "/probe-runs/{queued_run}/cancel", A_WRITE),
    # audit trail (vendors: their organisation's events only)
    Endpoint("audit trail", "GET", "/audit?object_type=submission", ANY_USER),
    Endpoint("A's submission audit", "GET", "/submissions/{draft}/audit", A_READ),
    Endpoint("signed audit head", "GET", "/audit/head", PUBLIC_READ),  # an id, a hash, a time: meant to be copied
    Endpoint("A's conformance report", "GET", "/submissions/{draft}/report?format=json", A_READ),
    # criteria (public)
    Endpoint("criteria versions", "GET", "/criteria", PUBLIC_READ),
    Endpoint("criteria set", "GET", f"/criteria/{VERSION}", PUBLIC_READ),
    Endpoint("criterion", "GET", f"/criteria/{VERSION}/criteria/CF-01", PUBLIC_READ),
    Endpoint("answers schema", "GET", f"/criteria/{VERSION}/schema?product_type=filtering_app", PUBLIC_READ),
    Endpoint("criteria diff", "GET", f"/criteria/diff?from={VERSION}&to={VERSION}", PUBLIC_READ),
    # public lookup
    Endpoint("public products", "GET", "/public/products", PUBLIC_READ),
    Endpoint("public products as CSV", "GET", "/public/products.csv", PUBLIC_READ),
    Endpoint("public product", "GET", "/public/products/{certified}", PUBLIC_READ),
    Endpoint("certificate lookup", "GET", "/public/certificates/{certificate}", PUBLIC_READ),
    Endpoint(
        "verify a certificate", "POST", "/public/verify", PUBLIC_READ, lambda t: {"certificate_id": t["certificate"]}
    ),
    Endpoint("revocation status list", "GET", "/public/status-lists/revocation", PUBLIC_READ),
    Endpoint("badge", "GET", "/badge/{certificate}.svg", PUBLIC_READ, outside_api=True),
    # review (reviewers and admins act; A reads its own review state)
    Endpoint("review queue", "GET", "/reviews/queue", STAFF_ACT),
    Endpoint("A's review state", "GET", "/submissions/{submitted}/review", A_READ),
    Endpoint("take A's submission", "POST", "/submissions/{submitted}/review/take", STAFF_ACT),
    Endpoint(
        "decide a criterion of A's",
        "PUT",
        "/submissions/{in_review}/review/criteria/CF-01",
        STAFF_ACT,
        lambda t: {"decision": "accept"},
    ),
    Endpoint(
        "request changes from A",
        "POST",
        "/submissions/{in_review}/review/decision",
        STAFF_ACT,
        lambda t: {"decision": "request_changes", "comment": "Bổ sung bằng chứng cho CF-01."},
    ),
    Endpoint(
        "re-run A's probes",
        "POST",
        "/submissions/{in_review}/review/probe-runs",
        expect(401, 403, 403, 202, 202),
        lambda t: {"only": ["transport"]},
    ),
    Endpoint(
        "accept A's agreeing criteria",
        "POST",
        "/submissions/{in_review}/review/accept-agreeing",
        STAFF_ACT,
        lambda t: {},
    ),
    Endpoint("assign A's submission to me", "PUT", "/submissions/{submitted}/review/assignee", STAFF_ACT, lambda t: {}),
    Endpoint("unassign A's submission", "DELETE", "/submissions/{submitted}/review/assignee", STAFF_ACT),
    Endpoint("withdraw A's submission", "POST", "/submissions/{submitted}/withdraw", A_WRITE, lambda t: {}),
    Endpoint(
        "comment on A's submission",
        "POST",
        "/submissions/{submitted}/comments",
        expect(401, 201, 404, 201, 201),
        lambda t: {"body": "Đã bổ sung tài liệu."},
    ),
    # certificates
    Endpoint("list certificates", "GET", "/certificates", ANY_USER),
    Endpoint("A's certificate", "GET", "/certificates/{certificate}", A_READ),
    Endpoint("A's signed credential", "GET", "/certificates/{certificate}/credential", A_READ),
    Endpoint("A's approved report", "GET", "/certificates/{certificate}/report", A_READ),
    Endpoint("A's certified verdict", "GET", "/certificates/{certificate}/verdict", A_READ),
    Endpoint(
        "suspend A's certificate",
        "POST",
        "/certificates/{certificate}/suspend",
        STAFF_ACT,
        lambda t: {"reason": "Đang xác minh phản ánh."},
    ),
    Endpoint(
        "reinstate A's certificate", "POST", "/certificates/{suspended_certificate}/reinstate", STAFF_ACT, lambda t: {}
    ),
    Endpoint(
        "revoke A's certificate",
        "POST",
        "/certificates/{certificate}/revoke",
        STAFF_ACT,
        lambda t: {"reason": "Vi phạm tiêu chí CF-01."},
    ),
    Endpoint(
        "clear A's monitoring flag",
        "POST",
        "/certificates/{flagged_certificate}/clear-flag",
        STAFF_ACT,
        lambda t: {"comment": "Đã kiểm tra lại, lỗi tạm thời."},
    ),
    Endpoint("renew A's certificate", "POST", "/certificates/{certificate}/renew", expect(401, 201, 404, 403, 201)),
    Endpoint("my notifications", "GET", "/notifications", ANY_USER),
    Endpoint(
        "read the reviewer's notification",
        "POST",
        "/notifications/{notification}/read",
        expect(401, 404, 404, 200, 404),
    ),
]


PROBE_MANIFEST = {"product_type": "filtering_app", "start_url": "https://a.example.vn/", "filtering": {"mode": "none"}}
INAPPLICABLE_ARTIFACT = {"applicable": False, "missing": ["start_page"], "complete": True}
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


def targets(world: World) -> dict:
    """Fresh objects of organisation A for one call, so a write by one caller cannot spoil the next."""
    api, answers = world.api, sample_answers(VERSION, "filtering_app")
    evaluation = checker_for(VERSION, "filtering_app").evaluate(answers).to_dict()
    now = utcnow()
    with api.sessions.begin() as session:  # one transaction: this runs five times per endpoint
        org = session.get(Organisation, world.org_a.id)
        product, bare, certified, assessed = (
            Product(
                organisation=org,
                name=unique("Sản phẩm "),
                product_type="filtering_app",
                url="https://a.example.vn",
                platforms=["web"],
            )
            for _ in range(4)
        )
        colleague = User(
            organisation=org,
            email=unique("dongnghiep") + "@example.vn",
            name="Đồng nghiệp",
            role="vendor",
            password_hash=api.users["vendor_a"].password_hash,
        )
        draft = Submission(product=product, revision=1, criteria_version=VERSION, answers=answers)
        submitted = Submission(
            product=assessed,
            revision=1,
            criteria_version=VERSION,
            answers=answers,
            status="submitted",
            evaluation=evaluation,
            submitted_at=now,
        )
        certificate = Certificate(
            id=unique("VCSC-2025-"),
            product=certified,
            criteria_version=VERSION,
            level="basic",
            status="valid",
            issued_at=now,
            valid_until=now + timedelta(days=30),
            credential_jws="e30.e30.c2ln",
            report_json="{}",
            verdict_json="{}",
        )
        suspended, flagged = (
            Certificate(
                id=unique("VCSC-2025-"),
                product=certified,
                criteria_version=VERSION,
                level="basic",
                status=status,
                issued_at=now,
                valid_until=now + timedelta(days=30),
                flagged_at=flag,
                flag_reason={"regressions": []} if flag else None,
            )
            for status, flag in (("suspended", None), ("valid", now))
        )
        reviewed = Product(
            organisation=org,
            name=unique("Sản phẩm "),
            product_type="filtering_app",
            url="https://a.example.vn",
            platforms=["web"],
        )
        in_review = Submission(
            product=reviewed,
            revision=1,
            criteria_version=VERSION,
            answers=answers,
            status="in_review",
            evaluation=evaluation,
            submitted_at=now,
        )
        notification = Notification(
            user_id=api.users["reviewer"].id,
            kind="certificate.flagged",
            object_type="certificate",
            object_id="x",
            message={"vi": "a", "en": "a"},
            created_at=now,
        )
        for p in (product, bare, certified, assessed, reviewed):
            p.refresh_search_text()
        # The queued run sits on the submitted assessment, so the draft stays free for a new run.
        done_run, queued_run = (
            ProbeRun(
                submission=sub,
                product=sub.product,
                status=status,
                manifest=PROBE_MANIFEST,
                only=["transport"],
                criteria_version=VERSION,
                created_at=now,
            )
            for sub, status in ((draft, "done"), (submitted, "queued"))
        )
        reviewed_run = ProbeRun(
            submission=in_review,
            product=reviewed,
            status="done",
            manifest=PROBE_MANIFEST,
            only=["transport"],
            criteria_version=VERSION,
            created_at=now,
        )
        session.add_all(
            [
                product,
                bare,
                certified,
                assessed,
                colleague,
                draft,
                submitted,
                certificate,
                done_run,
                queued_run,
                suspended,
                flagged,
                reviewed,
                in_review,
                notification,
                reviewed_run,
            ]
        )
        session.flush()
        session.add(
            ProbeArtifact(
                run_id=done_run.id,
                probe_id="transport",
                artifact=INAPPLICABLE_ARTIFACT,
                measurement=None,
                findings=[],
                created_at=now,
                evaluated_at=now,
            )
        )
        screenshot = api.app.state.settings.run_dir(done_run.id) / "screenshots" / "transport-start.png"
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(PNG)
        key = api.app.state.storage.put(PNG)
        evidence_file = EvidenceFile(
            submission_id=draft.id,
            criterion_id="CF-01",
            name="anh.png",
            media_type="image/png",
            size=len(PNG),
            sha256=key,
            storage_key=key,
        )
        session.add(evidence_file)
        session.flush()
        token, _ = issue_token(session, session.get(User, api.users["vendor_a"].id), "api", timedelta(days=1), "ci")
        return {
            "org_a": org.id,
            "product": product.id,
            "bare_product": bare.id,
            "colleague": colleague.id,
            "colleague_email": colleague.email,
            "token_a": token.id,
            "answers": answers,
            "draft": draft.id,
            "submitted": submitted.id,
            "certified": certified.id,
            "certificate": certificate.id,
            "probe_run": done_run.id,
            "queued_run": queued_run.id,
            "in_review": in_review.id,
            "suspended_certificate": suspended.id,
            "flagged_certificate": flagged.id,
            "notification": notification.id,
            "evidence_file": evidence_file.id,
        }


def test_every_route_is_in_the_table(world):
    """A new route must be added to ENDPOINTS (and so get its access checks)."""
    documented = {
        (m.upper(), p.removeprefix("/api/v1")) for p, ops in world.api.app.openapi()["paths"].items() for m in ops
    }
    tested = set()
    for e in ENDPOINTS:
        path = e.path.split("?")[0]
        for key, template in {
            "{colleague}": "{user_id}",
            "{token_a}": "{token_id}",
            "{org_a}": "{organisation_id}",
            "{bare_product}": "{product_id}",
            "{product}": "{product_id}",
            "{certified}": "{product_id}",
            "{draft}": "{submission_id}",
            "{submitted}": "{submission_id}",
            "{certificate}": "{certificate_id}",
            f"/criteria/{VERSION}": "/criteria/{version}",
            "/CF-01": "/{criterion_id}",
            "/screenshots/transport-start.png": "/{name}",
            "{probe_run}": "{run_id}",
            "{queued_run}": "{run_id}",
            "/transport": "/{probe_id}",
            "{in_review}": "{submission_id}",
            "{suspended_certificate}": "{certificate_id}",
            "{flagged_certificate}": "{certificate_id}",
            "{notification}": "{notification_id}",
            "/revocation": "/{purpose}",
            "{evidence_file}": "{file_id}",
        }.items():
            path = path.replace(key, template)
        tested.add((e.method, path))
    assert documented - tested == set()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_access(world, endpoint):
    mismatches = []
    for role, wanted in endpoint.statuses.items():
        fresh = targets(world)
        body = endpoint.body(fresh) if endpoint.body else None
        path = endpoint.path.format(**fresh)
        if endpoint.outside_api:
            response = world.api.client.request(endpoint.method, path, headers=world.api.headers.get(role, {}))
        elif endpoint.upload:
            response = world.api.request(
                endpoint.method,
                path,
                role,
                data={"criterion_id": "CF-01"},
                files={"file": ("bao-cao.txt", b"Bao cao kiem thu\n", "text/plain")},
            )
        else:
            response = world.api.request(endpoint.method, path, role, json=body)
        if response.status_code != wanted:
            mismatches.append(f"{role}: {response.status_code} (wanted {wanted}) {response.text[:200]}")
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
    assert not mismatches, "\n".join(mismatches)


# list path -> the field naming each row's organisation
LISTS = {
    "/users": "organisation_id",
    "/organisations": "id",
    "/products": "organisation_id",
    "/products?q=la chan": "organisation_id",
}  # "Lá chắn gia đình B" is B's product


@pytest.mark.parametrize("path", LISTS)
def test_lists_never_show_another_vendor(world, path):
    api, key = world.api, LISTS[path]
    a_rows = api.request("GET", path, "vendor_a").json()
    assert {row[key] for row in a_rows} <= {world.org_a.id}
    assert world.org_b.name not in str(a_rows) and world.product_b.name not in str(a_rows)
    assert world.org_b.id in {row[key] for row in api.request("GET", path, "reviewer").json()}


def test_vendor_cannot_reach_other_vendors_submissions(world):
    api = world.api
    draft = api.submission(world.product_b)
    for method, path in [
        ("GET", f"/products/{world.product_b.id}/submissions"),
        ("GET", f"/submissions/{draft.id}"),
        ("GET", f"/submissions/{draft.id}/evaluation"),
        ("POST", f"/submissions/{draft.id}/submit"),
    ]:
        response = api.request(method, path, "vendor_a")
        assert response.status_code == 404, (method, path)
        # The same answer as for an id that does not exist: nothing to tell them apart.
        missing = api.request(
            method, path.replace(str(draft.id), "999999").replace(str(world.product_b.id), "999999"), "vendor_a"
        )
        assert missing.json()["detail"] == response.json()["detail"]
