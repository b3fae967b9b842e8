"""Demo data: the club, two vendors with realistic products, and self-assessments at each stage of review,
two of them approved with real signed certificates (marked as demo data)."""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.errors import ApiError
from api.core.models import Organisation, Product, Submission, User
from api.core.settings import Settings
from api.domain import assessments, review
from api.domain.accounts import create_organisation, create_user, find_organisation
from api.domain.products import create_product
from checker.criteria import Criterion, load_set

DEMO_ACTOR = "demo"  # the audit events of seeding
DEMO_NOTE = (
    "Dữ liệu mẫu để thử hệ thống, không phải chứng nhận thật / Demo data for trying the system, not a real certificate"
)
CLUB = "CLB An toàn trẻ em trên không gian mạng (VCSC)"

# (organisation, kind, [(email, name, role, password)], [(product name, type, url, platforms)])
ORGANISATIONS = [
    (
        CLUB,
        "club",
        [
            ("admin@vcsc.example", "Nguyễn Thị Quản Trị", "admin", "demo-admin-2025"),
            ("reviewer@vcsc.example", "Trần Văn Thẩm Định", "reviewer", "demo-reviewer-2025"),
        ],
        [],
    ),
    (
        "Công ty TNHH SafeKid Việt Nam",
        "vendor",
        [("an@safekid.example", "Lê Minh An", "vendor", "demo-safekid-2025")],
        [
            ("Bảo vệ trẻ em SafeKid", "filtering_app", "https://safekid.example/bao-ve", ["android", "ios", "windows"]),
            ("SafeKid Trình duyệt Bé Vui", "kid_browser", "https://safekid.example/be-vui", ["android", "ios"]),
            (
                "SafeKid Bảng điều khiển Phụ huynh",
                "parental_dashboard",
                "https://safekid.example/phu-huynh",
                ["web", "android", "ios"],
            ),
        ],
    ),
    (
        "Công ty Cổ phần Gia Đình Số",
        "vendor",
        [("binh@giadinhso.example", "Phạm Thanh Bình", "vendor", "demo-giadinh-2025")],
        [
            ("Gia Đình An Toàn DNS", "dns_proxy_filter", "https://giadinhso.example/dns", ["router", "dns"]),
            ("Góc Học Tập Nhí", "children_platform", "https://giadinhso.example/hoc-tap", ["web", "android"]),
        ],
    ),
]
CERTIFIED = ["Bảo vệ trẻ em SafeKid", "Gia Đình An Toàn DNS"]  # approved through the review workflow
IN_QUEUE = "SafeKid Trình duyệt Bé Vui"  # submitted, waiting for a reviewer
CHANGES_REQUESTED = "Góc Học Tập Nhí"  # the reviewer asked for more evidence


# --- sample answers that pass a criterion -----------------------------------------------


def _number(schema: dict, rule: dict, integer: bool) -> float | int:
    low = max([schema.get("minimum", -math.inf), rule.get("minimum", -math.inf)])
    high = min([schema.get("maximum", math.inf), rule.get("maximum", math.inf)])
    # The rule's own bound is the value a product that just meets it would report.
    value = rule.get("minimum", rule.get("maximum", low if low > -math.inf else 0))
    value = min(max(value, low), high)
    floor = max(schema.get("exclusiveMinimum", -math.inf), rule.get("exclusiveMinimum", -math.inf))
    if value <= floor:
        value = min(floor + 1, high)
    return math.ceil(value) if integer else value


def sample_value(schema: dict, rule: dict | None = None) -> Any:
    """A value valid for `schema` that satisfies the pass `rule` (for the shapes criteria use)."""
    rule = rule or {}
    if "const" in rule or "const" in schema:
        return rule.get("const", schema.get("const"))
    if "enum" in rule or "enum" in schema:
        allowed = [v for v in (schema["enum"] if "enum" in schema else rule["enum"]) if v in rule.get("enum", [v])]
        return allowed[0]
    kind = schema.get("type", rule.get("type"))
    if kind == "boolean":
        return True
    if kind in ("number", "integer"):
        return _number(schema, rule, kind == "integer")
    if kind == "string":
        if schema.get("format") == "uri" or str(schema.get("pattern", "")).startswith("^http"):
            return "https://demo.vcsc.example/tai-lieu"
        return "Có, xem tài liệu đính kèm / Yes, see the attached document"
    if kind == "array":
        items = schema.get("items", {})
        return list(items["enum"]) if "enum" in items else [sample_value(items)] * max(1, schema.get("minItems", 1))
    if kind == "object":
        props, rules = schema.get("properties", {}), rule.get("properties", {})
        return {key: sample_value(sub, rules.get(key)) for key, sub in props.items()}
    return True


def sample_answer(criterion: Criterion) -> dict:
    """A passing answer with the evidence the criterion asks for."""
    question = criterion.question
    answer = {"value": sample_value(question["answer_schema"], question["pass_rule"])}
    if question["evidence"]["required"]:
        if question["evidence"]["kinds"][0] == "url":
            answer["evidence"] = [{"kind": "url", "url": f"https://demo.vcsc.example/bang-chung/{criterion.id}"}]
        else:
            answer["evidence"] = [{"kind": "document", "title": f"Báo cáo kiểm thử {criterion.id} / Test report"}]
    return answer


def sample_answers(version: str, product_type: str) -> dict[str, dict]:
    return {c.id: sample_answer(c) for c in load_set(version).applicable(product_type)}


latest_published_version = assessments.current_version


# --- seeding ---------------------------------------------------------------------------


def _organisation(session: Session, name: str, kind: str) -> Organisation:
    return find_organisation(session, name) or create_organisation(session, name, kind, actor=DEMO_ACTOR)


def _product(
    session: Session, org: Organisation, name: str, product_type: str, url: str, platforms: list[str]
) -> Product:
    product = session.scalar(sa.select(Product).where(Product.organisation_id == org.id, Product.name == name))
    if product is None:
        product = create_product(
            session, DEMO_ACTOR, org, name=name, product_type=product_type, url=url, platforms=platforms
        )
    return product


def _assess(session: Session, product: Product, author: User, warnings: list[str]) -> Submission | None:
    """The product's latest submission, or a new one with passing sample answers, submitted."""
    latest = session.scalar(
        sa.select(Submission).where(Submission.product_id == product.id).order_by(Submission.revision.desc()).limit(1)
    )
    if latest is not None and latest.status != "draft":
        return latest
    version = latest_published_version()
    submission = latest or assessments.new_draft(
        session, product, author, version, sample_answers(version, product.product_type)
    )
    try:
        assessments.submit(session, author, submission)
    except ApiError as exc:
        warnings.append(
            f"Chưa nộp được bản tự đánh giá mẫu / could not submit the sample self-assessment: "
            f"{exc.detail} {[e.get('pointer') for e in exc.errors][:5]}"
        )
        return None
    return submission


def seed(session: Session, settings: Settings | None = None) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Create whatever demo data is missing; returns (email, password, role) logins and warnings.

    Everything goes through the real workflow: sample self-assessments are submitted by the vendors, taken and
    approved by the club's reviewer (and admin, when two approvals are required), which issues signed certificates
    (marked as demo data in their public note). One product waits in the review queue and one has changes
    requested, so every page has something to show."""
    settings = settings or Settings()
    logins: list[tuple[str, str, str]] = []
    warnings: list[str] = []
    products: dict[str, tuple[Product, User]] = {}
    staff: dict[str, User] = {}
    for org_name, kind, people, items in ORGANISATIONS:
        org = _organisation(session, org_name, kind)
        for email, name, role, password in people:
            user = session.scalar(sa.select(User).where(User.email == email)) or create_user(
                session, org, email=email, name=name, password=password, role=role, actor=DEMO_ACTOR
            )
            logins.append((email, password, role))
            staff.setdefault(role, user)
        for name, product_type, url, platforms in items:  # a vendor's products are authored by its user
            products[name] = (_product(session, org, name, product_type, url, platforms), user)

    reviewers = [staff["reviewer"], staff["admin"]][: settings.review_approvals_required]
    for name in CERTIFIED:
        product, author = products[name]
        submission = _assess(session, product, author, warnings)
        if submission is None or submission.status in ("approved", "rejected", "withdrawn"):
            continue
        try:
            if submission.status in ("submitted", "resubmitted"):
                review.take(session, reviewers[0], submission)
            if submission.status == "in_review":
                for reviewer in reviewers:
                    cert = review.approve(
                        session,
                        settings,
                        reviewer,
                        submission,
                        "Đạt yêu cầu (dữ liệu mẫu) / Meets the criteria (demo data)",
                    )
                if cert is not None:
                    cert.note = DEMO_NOTE
        except ApiError as exc:
            warnings.append(f"Chưa cấp được chứng nhận mẫu cho {name} / could not certify {name}: {exc.detail}")

    queued, _ = products[IN_QUEUE]
    _assess(session, queued, products[IN_QUEUE][1], warnings)

    product, author = products[CHANGES_REQUESTED]
    submission = _assess(session, product, author, warnings)
    if submission is not None and submission.status in ("submitted", "resubmitted"):
        review.take(session, staff["reviewer"], submission)
        review.request_changes(
            session,
            staff["reviewer"],
            submission,
            "Vui lòng bổ sung báo cáo kiểm thử lọc nội dung của bên thứ ba. / "
            "Please add a third-party content-filtering test report.",
            {},
        )
    session.flush()
    return logins, warnings
