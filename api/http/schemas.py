"""Request and response bodies: what the API accepts (strictly) and what it shows (never secrets)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from api.core.errors import CUSTOM_ERROR_TYPE, bilingual
from api.core.jsonsafe import MAX_JSON_DEPTH, json_problems, text_problem  # noqa: F401 (re-exported)
from api.core.models import ORG_KINDS, PLATFORMS, PROBE_RUN_STATUSES, ROLES, SUBMISSION_STATUSES
from api.domain.passwords import password_problem
from api.http import examples as ex
from checker.assessment import OUTCOMES
from checker.criteria import load_vocabulary
from checker.probes.registry import all_probes

MAX_ID = 2**31 - 1  # INTEGER columns; larger ids cannot exist and would overflow the drivers
PRODUCT_TYPES = tuple(load_vocabulary().ids("product_types"))
PROBE_IDS = tuple(all_probes())


def _custom(vi: str, en: str) -> PydanticCustomError:
    return PydanticCustomError(CUSTOM_ERROR_TYPE, bilingual(vi, en).replace("{", "{{").replace("}", "}}"))


def _storable(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise PydanticCustomError(CUSTOM_ERROR_TYPE, problem)
    return value


def _stripped_nonblank(value: str) -> str:
    value = value.strip()
    if not value:
        raise _custom("Không được để trống", "Must not be blank")
    return value


Text = Annotated[str, AfterValidator(_storable)]
Name = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(_storable), AfterValidator(_stripped_nonblank)
]
Email = Annotated[
    str,
    Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    AfterValidator(_storable),
    AfterValidator(str.lower),
]
HttpUrl = Annotated[str, Field(max_length=2000, pattern=r"^https?://[^\s/?#]+[^\s]*$"), AfterValidator(_storable)]


def _strong(value: str) -> str:
    # Without the person's email and name here; api.domain.accounts checks again with them.
    problem = password_problem(value)
    if problem:
        raise _custom(*problem)
    return value


# A new password (what logging in takes is not checked for strength: old passwords must still let people in).
Password = Annotated[str, Field(min_length=10, max_length=256), AfterValidator(_storable), AfterValidator(_strong)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
ProductType = Literal[PRODUCT_TYPES]  # type: ignore[valid-type]
Platform = Literal[PLATFORMS]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]


class Input(BaseModel):
    """Request bodies: unknown fields are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Patch(Input):
    """PATCH bodies: an omitted field stays unchanged; null is refused unless the field is nullable."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise _custom(
                "Không được là null; hãy bỏ trường này nếu không đổi",
                "Must not be null; omit the field to leave it unchanged",
            )
        return value


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


Bilingual = dict[Literal["vi", "en"], str]


# --- auth and people -----------------------------------------------------------------------


class LoginIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.LOGIN_IN))
    email: Annotated[str, Field(max_length=254), AfterValidator(_storable)]
    password: Annotated[str, Field(max_length=256), AfterValidator(_storable)]


class TokenOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.TOKEN_OUT))
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class RegisterIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.REGISTER_IN))
    organisation_name: Name
    email: Email
    name: Name
    password: Password
    contact_email: Email | None = None
    website: HttpUrl | None = None


class AcceptedOut(Output):
    """The one answer to a request that sends account mail, whether or not the address has an account."""

    model_config = ConfigDict(json_schema_extra=ex.examples(ex.ACCEPTED_OUT))
    detail: str


class VerifyEmailIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.VERIFY_EMAIL_IN))
    token: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_storable)]


class PasswordResetIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.PASSWORD_RESET_IN))
    email: Email


class PasswordResetConfirmIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.PASSWORD_RESET_CONFIRM_IN))
    token: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_storable)]
    password: Password


class OrganisationOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.ORGANISATION_OUT))
    id: int
    name: str
    kind: Literal[ORG_KINDS]  # type: ignore[valid-type]
    contact_email: str | None
    website: str | None
    created_at: datetime
    updated_at: datetime


class OrganisationUpdate(Patch):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.ORGANISATION_UPDATE))
    nullable = frozenset({"contact_email", "website"})
    name: Name | None = None
    contact_email: Email | None = None
    website: HttpUrl | None = None


class UserOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.USER_OUT))
    id: int
    email: str
    name: str
    role: Role
    active: bool
    organisation_id: int
    organisation_name: str
    created_at: datetime
    updated_at: datetime


class UserCreate(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.USER_CREATE))
    email: Email
    name: Name
    password: Password
    role: Role = "vendor"
    organisation_id: Id | None = None


class UserUpdate(Patch):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.USER_UPDATE))
    name: Name | None = None
    role: Role | None = None
    active: bool | None = None
    password: Password | None = None
    current_password: Annotated[str, Field(max_length=256), AfterValidator(_storable)] | None = None
    revoke_api_tokens: bool | None = Field(
        None,
        description="Cùng mật khẩu mới: thu hồi mọi mã API / with a new "
        "password: also revoke every API token (sessions always go)",
    )


class ApiTokenCreate(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.API_TOKEN_CREATE))
    name: Annotated[
        str, Field(min_length=1, max_length=100), AfterValidator(_storable), AfterValidator(_stripped_nonblank)
    ]
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class ApiTokenOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.API_TOKEN_OUT))
    id: int
    name: str | None
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = Field(None, description="Lần dùng gần nhất (đến phút) / last used (to the minute)")


class ApiTokenCreated(ApiTokenOut):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.API_TOKEN_CREATED))
    token: str = Field(description="Chỉ hiển thị một lần / shown only once")


# --- products ------------------------------------------------------------------------------


def _unique(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise _custom("Nền tảng bị lặp", "Platforms must not repeat")
    return values


Platforms = Annotated[list[Platform], Field(min_length=1, max_length=len(PLATFORMS)), AfterValidator(_unique)]
Description = Annotated[
    str,
    Field(max_length=2000, description="Sản phẩm làm gì (tuỳ chọn) / what the product does (optional)"),
    AfterValidator(_storable),
    AfterValidator(str.strip),
]


class ProductIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.PRODUCT_IN))
    name: Name
    product_type: ProductType
    url: HttpUrl
    platforms: Platforms
    description: Description = ""
    organisation_id: Id | None = Field(None, description="Chỉ quản trị viên / admins only")


class ProductUpdate(Patch):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.PRODUCT_UPDATE))
    name: Name | None = None
    product_type: ProductType | None = None
    url: HttpUrl | None = None
    platforms: Platforms | None = None
    description: Description | None = None


class ProductOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.PRODUCT_OUT))
    id: int
    organisation_id: int
    organisation_name: str
    name: str
    product_type: str
    url: str
    platforms: list[str]
    description: str = ""
    created_at: datetime
    updated_at: datetime


# --- self-assessments ----------------------------------------------------------------------

Version = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_storable)]


class SubmissionCreate(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.SUBMISSION_CREATE))
    criteria_version: Version
    answers: dict[str, Any] | None = Field(
        None,
        description="Bỏ trống: chép từ lần trước nếu cùng phiên bản / "
        "omitted: copied from the previous revision of the same version",
    )


class AnswersReplace(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.ANSWERS_REPLACE))
    criteria_version: Version | None = Field(
        None, description="Nếu có, phải khớp bản nháp / if given, must match the draft"
    )
    answers: dict[str, Any]


class AnswersPatch(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.ANSWERS_PATCH))
    criteria_version: Version | None = None
    answers: dict[str, Any] = Field(
        description="Mỗi tiêu chí thay thế câu trả lời cũ; null xoá nó / "
        "each criterion replaces its old answer; null removes it"
    )


class LevelOut(Output):
    id: str
    title: Bilingual


class CriterionResultOut(Output):
    criterion_id: str
    group: str
    obligation: str
    outcome: Literal[OUTCOMES]  # type: ignore[valid-type]
    reason: Bilingual
    title: Bilingual


Outcome = Literal[OUTCOMES]  # type: ignore[valid-type]


class EvaluationOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.EVALUATION_OUT))
    criteria_version: str
    product_type: str
    level: LevelOut | None
    next_level: LevelOut | None
    blockers: list[str]
    counts: dict[str, int]
    results: list[CriterionResultOut]
    probe_run_id: int | None = Field(
        None, description="Lần kiểm tra tự động mới nhất đã xong / the latest finished probe run (GET /evaluation only)"
    )
    probe_findings: dict[str, list[Outcome]] | None = Field(
        None, description="Kết quả của probe theo tiêu chí / the probes' outcomes per criterion in that run"
    )


class DecisionOut(Output):
    decision: Literal["accept", "override"]
    outcome: Outcome | None
    comment: str | None
    reviewer: str | None


class CriterionVerdictOut(Output):
    criterion_id: str
    group: str
    obligation: str
    title: Bilingual
    claimed: Outcome = Field(description="Theo tự đánh giá / from the self-assessment")
    claim_reason: Bilingual
    measured: Outcome | None = Field(description="Theo kiểm tra tự động / from the probes (null: they say nothing)")
    measured_by: list[str]
    combined: Outcome
    rule: str = Field(
        description="Dòng của bảng chân trị / the truth-table row that gave `combined` (checker/verdict.py)"
    )
    decided: Outcome = Field(description="Kết quả được tính / what counts, after a reviewer's decision")
    decided_by: Literal["combined", "reviewer"]
    decision: DecisionOut | None
    discrepancy: Outcome | None
    applies: bool


class LevelProgressOut(Output):
    level: LevelOut
    satisfied: int
    required: int


class VerdictOut(Output):
    """The verdict on one revision (checker.verdict.Verdict.to_dict()) and its digest."""

    model_config = ConfigDict(json_schema_extra=ex.examples(ex.VERDICT_OUT))
    format: str
    criteria_version: str
    product_type: str
    criteria: list[CriterionVerdictOut]
    discrepancies: list[str]
    level: LevelOut | None
    next_level: LevelOut | None
    blockers: list[str]
    claimed_level: LevelOut | None
    counts: dict[str, int]
    claim_counts: dict[str, int]
    progress: list[LevelProgressOut]
    digest: str = Field(description="sha256 của JSON chuẩn / sha256 of the canonical JSON (a certificate keeps it)")


class SubmissionSummary(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.SUBMISSION_SUMMARY))
    id: int
    product_id: int
    revision: int
    criteria_version: str
    status: Literal[SUBMISSION_STATUSES]  # type: ignore[valid-type]
    level: str | None
    submitted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SubmissionOut(SubmissionSummary):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.SUBMISSION_OUT))
    created_by_id: int | None
    previous_id: int | None = None
    renews_certificate_id: str | None = None
    answers: dict[str, Any]
    evaluation: EvaluationOut | None


class EvidenceFileOut(Output):
    """A file attached to one criterion of a revision (the bytes: GET .../evidence-files/{file_id})."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra=ex.examples(ex.EVIDENCE_FILE_OUT))
    id: int
    submission_id: int
    criterion_id: str
    name: str = Field(
        description="Tên tệp của nhà cung cấp, đã làm sạch, chỉ để hiển thị / the vendor's file name, "
        "sanitised, for display only"
    )
    media_type: Literal["application/pdf", "image/png", "image/jpeg", "text/plain"] = Field(
        description="Kiểu nhận ra từ nội dung tệp / the type detected from the content"
    )
    size: int = Field(description="Số byte / bytes")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 của nội dung / of the content, hex")
    created_at: datetime


# --- probe runs ----------------------------------------------------------------------------

ProbeId = Literal[PROBE_IDS]  # type: ignore[valid-type]


def _unique_probes(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise _custom("Probe bị lặp", "Probes must not repeat")
    return values


class ProbeRunCreate(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.PROBE_RUN_CREATE))
    manifest: dict[str, Any] = Field(
        description="Cách các probe tiếp cận sản phẩm (checker/probes/manifest.schema.json)"
        " / how the probes reach the product; product_type must be the product's"
    )
    only: (
        Annotated[list[ProbeId], Field(min_length=1, max_length=len(PROBE_IDS)), AfterValidator(_unique_probes)] | None
    ) = Field(None, description="Chỉ chạy các probe này; bỏ trống: tất cả / run only these probes; omitted: all")


class ProbeProgressOut(Output):
    probe: str | None = Field(description="Probe đang chạy / the probe in progress")
    done: int = Field(description="Số trang đã xong của probe đó / pages (steps) done of that probe")
    total: int
    probes_done: int
    probes_total: int


class ProbeRunSummary(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.PROBE_RUN_SUMMARY))
    id: int
    submission_id: int
    product_id: int
    requested_by_id: int | None
    status: Literal[PROBE_RUN_STATUSES]  # type: ignore[valid-type]
    criteria_version: str
    only: list[str] | None
    progress: ProbeProgressOut
    error: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None


class ProbeRunOut(ProbeRunSummary):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.PROBE_RUN_OUT))
    manifest: dict[str, Any] = Field(description="Mật khẩu tài khoản được che / account passwords masked")


class FindingOut(Output):
    model_config = ConfigDict(extra="allow")
    probe_id: str
    criterion_id: str
    outcome: Outcome
    measurements: dict[str, Any]
    threshold: dict[str, Any]
    explanation: dict[str, Any]
    confidence: float
    evidence: dict[str, Any]
    failures: list[str]


class ProbeResultOut(Output):
    probe_id: str
    measurement: dict[str, Any] | None = Field(
        description="Kết quả đo / the probe's measurements (null: the stored artifact could not be evaluated)"
    )
    findings: list[FindingOut]
    created_at: datetime
    evaluated_at: datetime


class ProbeRunFindingsOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.PROBE_RUN_FINDINGS_OUT))
    run_id: int
    status: Literal[PROBE_RUN_STATUSES]  # type: ignore[valid-type]
    criteria_version: str
    product_type: str
    summary: dict[str, list[Outcome]] = Field(description="Tiêu chí -> kết quả / criterion id -> outcomes")
    probes: list[ProbeResultOut]


# --- criteria (read-only views of checker.criteria) ----------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


IsoDate = Annotated[str | None, BeforeValidator(_iso)]


class CriteriaSummaryOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.CRITERIA_SUMMARY_OUT))
    version: str
    title: Bilingual
    status: str
    released: IsoDate
    effective_from: IsoDate
    supersedes: str | None
    criteria_count: int
    retired_count: int
    digest: str


class CriteriaSetOut(CriteriaSummaryOut):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.CRITERIA_SET_OUT))
    meta: dict[str, Any]
    criteria: list[dict[str, Any]]


class CriteriaDiffOut(Output):
    model_config = ConfigDict(populate_by_name=True, json_schema_extra=ex.examples(ex.CRITERIA_DIFF_OUT))
    from_: str = Field(alias="from")
    to: str
    levels_changed: bool
    changes: dict[str, list[dict[str, Any]]]


# --- public lookup -------------------------------------------------------------------------


class PublicCertificate(Output):
    id: str
    level: str
    criteria_version: str
    status: str
    issued_at: datetime
    valid_until: datetime
    note: str | None


class PublicProduct(Output):
    id: int
    name: str
    vendor: str
    product_type: str
    url: str
    platforms: list[str]


class PublicListing(PublicProduct):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.PUBLIC_LISTING))
    certificate: PublicCertificate


class PublicPage(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.PUBLIC_PAGE))
    items: list[PublicListing]
    total: int
    page: int
    per_page: int
    suggestion: str | None = Field(
        None,
        description="Truy vấn đã sửa lỗi gõ mà kết quả trả lời, khi truy vấn như đã gõ "
        "không tìm thấy gì / the typo-corrected query the results answer, "
        "when the query as typed found nothing",
    )


class CertificateLookup(PublicCertificate):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.CERTIFICATE_LOOKUP))
    product: PublicProduct


# --- audit trail -----------------------------------------------------------------------------


class AuditEventOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.AUDIT_EVENT_OUT))
    id: int
    at: datetime
    actor_user_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str | None
    organisation_id: int | None
    before: Any
    after: Any
    prev_hash: str
    hash: str
    request_id: str | None = Field(
        None,
        description="Mã yêu cầu (X-Request-ID) hoặc lần chạy đã tạo sự kiện / "
        "the X-Request-ID of the request (or the id of the job) that made the change",
    )


class AuditHeadOut(Output):
    """The chain's head signed with the audit key: save it elsewhere, give it to `vcsc audit verify --head` later."""

    model_config = ConfigDict(json_schema_extra=ex.examples(ex.AUDIT_HEAD_OUT))
    event_id: int = Field(description="Sự kiện cuối / the last event's id (0: empty)")
    event_hash: str
    event_at: datetime | None
    signed_at: datetime
    kid: str
    jws: str = Field(description="JWS (EdDSA) trên các trường trên / compact JWS over the fields above")
    public_jwk: dict[str, str]


# --- review ----------------------------------------------------------------------------------

Comment = Annotated[str, Field(max_length=5000), AfterValidator(_storable)]
LongComment = Annotated[
    str, Field(min_length=1, max_length=5000), AfterValidator(_storable), AfterValidator(_stripped_nonblank)
]
CriterionId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Z]{2,5}-[0-9]{2,3}$")]


class Action(Output):
    action: str
    to: str


class ReviewQueueItem(Output):
    id: int
    product_id: int
    product_name: str
    vendor: str
    product_type: str
    revision: int
    criteria_version: str
    status: str
    level: str | None
    submitted_at: datetime | None
    reviewer_id: int | None
    previous_id: int | None
    renews_certificate_id: str | None
    assignee_id: int | None = Field(None, description="Người được giao / the reviewer it is assigned to")
    assignee_name: str | None = None
    assigned_at: datetime | None = None
    waiting_seconds: int | None = Field(
        None, description="Đã chờ bao lâu kể từ khi nộp (giây) / seconds since it was submitted"
    )


class ReviewQueuePage(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.REVIEW_QUEUE_PAGE))
    items: list[ReviewQueueItem]
    total: int
    page: int
    per_page: int


class CriterionDecisionIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.CRITERION_DECISION_IN))
    decision: Literal["accept", "override"]
    outcome: Outcome | None = Field(None, description="Bắt buộc khi override / required to override")
    comment: Comment | None = Field(None, description="Bắt buộc khi override / required to override")


class CriterionDecisionOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.CRITERION_DECISION_OUT))
    criterion_id: str
    decision: str
    outcome: str
    comment: str | None
    reviewer: str | None = None
    updated_at: str | None = None


class ReviewDecisionIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.REVIEW_DECISION_IN))
    decision: Literal["approve", "reject", "request_changes"]
    comment: Comment | None = None
    criteria_comments: dict[CriterionId, Comment] = Field(
        default_factory=dict,
        max_length=200,
        description="Nhận xét theo tiêu chí cho nhà cung cấp / comments per criterion for the vendor",
    )


class WithdrawIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.WITHDRAW_IN))
    reason: Comment | None = None


class CommentIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.COMMENT_IN))
    body: LongComment
    criterion_id: CriterionId | None = None


class CommentOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.COMMENT_OUT))
    id: int
    submission_id: int
    author_name: str
    author_role: str
    kind: str
    criterion_id: str | None
    body: str
    created_at: datetime


class ReviewOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.REVIEW_OUT))
    submission_id: int
    revision: int
    status: str
    status_title: Bilingual
    previous_id: int | None
    renews_certificate_id: str | None
    allowed_actions: list[Action]
    reviewer_id: int | None
    review_started_at: datetime | None
    decided_at: datetime | None
    assignee_id: int | None = Field(None, description="Người được giao / the reviewer it is assigned to")
    assigned_at: datetime | None = None
    approvals: int
    approvals_required: int
    approved_by: list[int] | None = None
    decisions: list[CriterionDecisionOut]
    comments: list[CommentOut]
    certificate_id: str | None


class AcceptAgreeingIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.ACCEPT_AGREEING_IN))
    criteria: list[CriterionId] | None = Field(
        None,
        max_length=500,
        description="Các tiêu chí khớp chưa có quyết định mà bạn đã xem; khác với hiện tại thì "
        "409 / the agreeing undecided criteria you looked at; a different set now "
        "gives 409",
    )


class AssignmentIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.ASSIGNMENT_IN))
    assignee_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Người được giao; bỏ trống: chính bạn / the reviewer to assign; omitted: yourself",
    )
    expected_assignee_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Người đang được giao mà bạn thấy; bỏ trống: chưa giao ai. "
        "Khác với hiện tại thì 409 / the assignee you saw; omitted: "
        "nobody. A different current one gives 409",
    )


class ReviewProbeRunIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.REVIEW_PROBE_RUN_IN))
    only: list[Literal[PROBE_IDS]] | None = Field(None, min_length=1)  # type: ignore[valid-type]


# --- certificates ----------------------------------------------------------------------------


class CertificateOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.CERTIFICATE_OUT))
    id: str
    product_id: int
    product_name: str
    vendor: str
    submission_id: int | None
    criteria_version: str
    level: str
    level_title: Bilingual
    status: str = Field(description="Trạng thái hiện tại (hết hạn theo ngày) / current status (expiry by date)")
    status_reason: str | None
    status_changed_at: datetime | None
    issued_at: datetime
    valid_until: datetime
    renews_id: str | None
    report_digest: str | None
    verdict_digest: str | None = Field(
        None,
        description="sha256 của kết quả thẩm định đã phê duyệt / sha256 of the verdict the certificate rests on (GET /certificates/{id}/verdict)",
    )
    flagged_at: datetime | None
    flag_reason: dict[str, Any] | None
    last_monitored_at: datetime | None
    badge_url: str
    allowed_actions: list[Action]
    note: str | None


class CertificatePage(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.CERTIFICATE_PAGE))
    items: list[CertificateOut]
    total: int
    page: int
    per_page: int


class CertificateStatusIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.CERTIFICATE_STATUS_IN))
    reason: Comment | None = Field(
        None, description="Bắt buộc khi đình chỉ hay thu hồi / required to suspend or revoke"
    )


class ClearFlagIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.CLEAR_FLAG_IN))
    comment: LongComment


class VerifyIn(Input):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.VERIFY_IN, ex.VERIFY_IN_JWS))
    credential: Annotated[str, Field(min_length=1, max_length=50_000), AfterValidator(_storable)] | None = Field(
        None, description="Chứng nhận đã ký (JWS rút gọn) / the signed certificate (compact JWS)"
    )
    certificate_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")] | None = None


class VerifiedProduct(Output):
    id: int
    name: str
    vendor: str
    product_type: str
    url: str


class VerifiedCertificate(Output):
    id: str
    status: str
    level: str
    level_title: Bilingual
    criteria_version: str
    issued_at: datetime
    valid_until: datetime
    status_reason: str | None
    product: VerifiedProduct


class VerifyOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.VERIFY_OUT))
    ok: bool
    signature_checked: bool
    signature_valid: bool | None
    status: str | None
    errors: list[Bilingual]
    certificate: VerifiedCertificate | None


class NotificationOut(Output):
    model_config = ConfigDict(json_schema_extra=ex.examples(ex.NOTIFICATION_OUT))
    id: int
    kind: str
    object_type: str
    object_id: str
    message: Bilingual
    created_at: datetime
    read_at: datetime | None
