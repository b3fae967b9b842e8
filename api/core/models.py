"""The database tables: organisations, users, tokens, products, submissions, certificates and probe runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from api.core.search import fold

ORG_KINDS = ("vendor", "club")
ROLES = ("vendor", "reviewer", "admin")
TOKEN_KINDS = ("session", "api")
ACCOUNT_TOKEN_PURPOSES = ("verify", "reset")  # confirm a sign-up's e-mail address; reset a forgotten password
# The review life cycle (api.domain.review holds the transitions): a revision sent back with "changes_requested"
# is followed by a new revision that is "resubmitted"; approved, rejected and withdrawn are final.
SUBMISSION_STATUSES = (
    "draft",
    "submitted",
    "in_review",
    "changes_requested",
    "resubmitted",
    "approved",
    "rejected",
    "withdrawn",
)
REVIEW_DECISIONS = ("accept", "override")
COMMENT_KINDS = ("request_changes", "reject", "approve", "note", "response")
PROBE_RUN_PURPOSES = ("assessment", "review", "monitoring")
CERTIFICATE_STATUSES = ("valid", "suspended", "revoked", "expired")
PROBE_RUN_STATUSES = ("queued", "running", "done", "failed", "cancelled")
PROBE_RUN_ACTIVE = ("queued", "running")
PLATFORMS = ("android", "ios", "windows", "macos", "linux", "chromeos", "web", "router", "dns")


def utcnow() -> datetime:
    return datetime.now(UTC)


def effective_status(status: str, valid_until: datetime, now: datetime) -> str:
    """A certificate's status now: a 'valid' one past its end date reads as expired (expiry is by date)."""
    return "expired" if status == "valid" and valid_until < now else status


class UTCDateTime(sa.TypeDecorator):
    """Aware UTC datetimes on every back end (SQLite stores them naive, so tag them on the way out)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB on PostgreSQL (indexable, compact); JSON text elsewhere.
JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")


def _enum_check(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=f"{column}_allowed")


class Base(DeclarativeBase):
    # Named constraints so later migrations (SQLite batch mode included) can address them.
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Organisation(Timestamped, Base):
    __tablename__ = "organisations"
    __table_args__ = (_enum_check("kind", ORG_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    website: Mapped[str | None] = mapped_column(sa.String(2000))

    users: Mapped[list[User]] = relationship(back_populates="organisation")
    products: Mapped[list[Product]] = relationship(back_populates="organisation")


class User(Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (_enum_check("role", ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(16))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation] = relationship(back_populates="users", lazy="joined")

    @property
    def organisation_name(self) -> str:
        return self.organisation.name


class Token(Base):
    __tablename__ = "tokens"
    __table_args__ = (_enum_check("kind", TOKEN_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str | None] = mapped_column(sa.String(100))
    # Only the sha256 of the secret is kept: a leaked database yields no usable token.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # API tokens: to the minute

    user: Mapped[User] = relationship(lazy="joined")


class AccountToken(Base):
    """A single-use secret sent by e-mail (api.domain.self_service): only its sha256 is kept; spent when used."""

    __tablename__ = "account_tokens"
    __table_args__ = (_enum_check("purpose", ACCOUNT_TOKEN_PURPOSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class Product(Timestamped, Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    product_type: Mapped[str] = mapped_column(sa.String(64))
    url: Mapped[str] = mapped_column(sa.String(2000))
    platforms: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    # What the product does, in the vendor's words ("" when not given).
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # fold(name + vendor name): lets "bao ve tre em" find "Bảo vệ trẻ em" with a plain LIKE.
    search_text: Mapped[str] = mapped_column(sa.String(500), default="")

    organisation: Mapped[Organisation] = relationship(back_populates="products", lazy="joined")
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Submission.revision"
    )
    certificates: Mapped[list[Certificate]] = relationship(back_populates="product")

    @property
    def organisation_name(self) -> str:
        return self.organisation.name

    def refresh_search_text(self) -> None:
        self.search_text = fold(f"{self.name} {self.organisation.name}")[:500]


class Submission(Timestamped, Base):
    __tablename__ = "submissions"
    # One revision number per product; also stops two concurrent "new draft" requests.
    __table_args__ = (
        sa.UniqueConstraint("product_id", "revision", name="uq_submissions_product_revision"),
        _enum_check("status", SUBMISSION_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    criteria_version: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(24), default="draft")
    answers: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    level: Mapped[str | None] = mapped_column(sa.String(32))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The revision this one follows (a resubmission after "changes requested", or any later revision).
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submissions.id", ondelete="SET NULL"))
    # A renewal: the certificate this submission is meant to replace.
    renews_certificate_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="SET NULL", use_alter=True)
    )
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    review_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The reviewer the submission is given to in the queue (api.domain.review.assign), and since when.
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship(back_populates="submissions", lazy="joined")


class EvidenceFile(Base):
    """A file a vendor attached to one criterion of a revision (api.domain.evidence). The bytes are a blob in the
    storage (api.core.storage) under `storage_key`, the SHA-256 of the bytes; a later revision carries the row
    forward as a copy naming the same blob, so a submitted revision's list never changes."""

    __tablename__ = "evidence_files"
    __table_args__ = (
        sa.Index("ix_evidence_files_submission_criterion", "submission_id", "criterion_id"),
        sa.Index("ix_evidence_files_storage_key", "storage_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"))
    criterion_id: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))  # the vendor's file name, sanitised, for display only
    media_type: Mapped[str] = mapped_column(sa.String(64))  # detected from the content, never the client's
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewDecision(Timestamped, Base):
    """A reviewer's decision on one criterion of a submission: accept the combined outcome, or override it."""

    __tablename__ = "review_decisions"
    __table_args__ = (
        sa.UniqueConstraint("submission_id", "criterion_id", name="uq_review_decisions_criterion"),
        _enum_check("decision", REVIEW_DECISIONS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[str] = mapped_column(sa.String(32))
    decision: Mapped[str] = mapped_column(sa.String(16))
    outcome: Mapped[str] = mapped_column(sa.String(16))  # the outcome that counts after this decision
    comment: Mapped[str | None] = mapped_column(sa.Text)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class ReviewComment(Base):
    """What reviewers tell the vendor (and the vendor's answers); every comment is visible to both sides."""

    __tablename__ = "review_comments"
    __table_args__ = (_enum_check("kind", COMMENT_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(sa.String(200))
    author_role: Mapped[str] = mapped_column(sa.String(16))
    kind: Mapped[str] = mapped_column(sa.String(16))
    criterion_id: Mapped[str | None] = mapped_column(sa.String(32))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Approval(Base):
    """One reviewer's approval; the club may require two distinct reviewers before a certificate is issued."""

    __tablename__ = "approvals"
    __table_args__ = (sa.UniqueConstraint("submission_id", "reviewer_id", name="uq_approvals_submission_reviewer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """A message for one user (e.g. a monitoring regression for every reviewer)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(32))
    object_id: Mapped[str] = mapped_column(sa.String(64))
    message: Mapped[dict[str, str]] = mapped_column(JSONDoc)  # {"vi": ..., "en": ...}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailOutbox(Base):
    """An e-mail queued in the transaction that had something to say; delivered after commit (api.domain.mail)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (sa.Index("ix_mail_outbox_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipients: Mapped[list[str]] = mapped_column(JSONDoc)
    subject: Mapped[str] = mapped_column(sa.String(500))
    text: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Due from then; a delivery in progress pushes it forward (its claim), a failed one by a growing pause.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # gave up after smtp_max_attempts


class Certificate(Timestamped, Base):
    __tablename__ = "certificates"
    __table_args__ = (_enum_check("status", CERTIFICATE_STATUSES),)

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # e.g. VCSC-2025-000123
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    # Unique: one approval, one certificate, whatever the races.
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submissions.id"), unique=True)
    criteria_version: Mapped[str] = mapped_column(sa.String(32))
    level: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16), default="valid")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)
    # Position in the issuer's bitstring status lists (revocation and suspension); unique per issuer.
    status_index: Mapped[int | None] = mapped_column(unique=True)
    credential_jws: Mapped[str | None] = mapped_column(sa.Text)  # the signed Open Badges 3.0 credential
    report_digest: Mapped[str | None] = mapped_column(sa.String(71))  # "sha256:" + hex of report_json
    report_json: Mapped[str | None] = mapped_column(sa.Text)  # the report as approved: its digest is above
    verdict_json: Mapped[str | None] = mapped_column(sa.Text)  # checker.verdict.Verdict as approved (canonical JSON)
    verdict_digest: Mapped[str | None] = mapped_column(sa.String(71))  # "sha256:" + hex of verdict_json
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renews_id: Mapped[str | None] = mapped_column(sa.ForeignKey("certificates.id", ondelete="SET NULL"))
    # Monitoring: when the product was last re-probed, and a MUST regression awaiting a reviewer.
    last_monitored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flag_reason: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    # When the holders were told the certificate expires soon (once per certificate; api.domain.alerts).
    expiry_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship(back_populates="certificates", lazy="joined")

    def effective_status(self, now: datetime) -> str:
        return effective_status(self.status, self.valid_until, now)


class ProbeRun(Base):
    """One job running probes against a submission's product; its artifacts are stored as each probe finishes."""

    __tablename__ = "probe_runs"
    __table_args__ = (
        _enum_check("status", PROBE_RUN_STATUSES),
        _enum_check("purpose", PROBE_RUN_PURPOSES),
        sa.Index("ix_probe_runs_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(16), default="assessment", server_default="assessment")
    certificate_id: Mapped[str | None] = mapped_column(sa.ForeignKey("certificates.id", ondelete="SET NULL"))
    # Denormalised from the submission: access checks and listings need no join.
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    manifest: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    only: Mapped[list[str] | None] = mapped_column(JSONDoc)
    criteria_version: Mapped[str] = mapped_column(sa.String(32))
    progress_probe: Mapped[str | None] = mapped_column(sa.String(64))
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    probes_done: Mapped[int] = mapped_column(default=0)
    probes_total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)  # how many times a worker has started it
    worker: Mapped[str | None] = mapped_column(sa.String(200))  # host:pid:tag of the last worker that claimed it
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    submission: Mapped[Submission] = relationship(lazy="joined")
    product: Mapped[Product] = relationship(lazy="joined")

    @property
    def product_type(self) -> str:
        return self.manifest["product_type"]

    @property
    def progress(self) -> dict[str, Any]:
        return {
            "probe": self.progress_probe,
            "done": self.progress_done,
            "total": self.progress_total,
            "probes_done": self.probes_done,
            "probes_total": self.probes_total,
        }


class ProbeArtifact(Base):
    """What one probe gathered in a run, and what the code made of it (re-computable without a browser)."""

    __tablename__ = "probe_artifacts"
    __table_args__ = (sa.UniqueConstraint("run_id", "probe_id", name="uq_probe_artifacts_run_probe"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("probe_runs.id", ondelete="CASCADE"))
    probe_id: Mapped[str] = mapped_column(sa.String(64))
    artifact: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    measurement: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(Base):
    """One recorded state change. Append-only and hash-chained: see api.domain.audit (no update or delete paths;
    database triggers refuse both). No foreign keys: events outlive the objects and people they name."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # set by api.domain.audit.record: the order
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[int | None] = mapped_column()
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(32))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    organisation_id: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[Any] = mapped_column(JSONDoc, nullable=True)
    after: Mapped[Any] = mapped_column(JSONDoc, nullable=True)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The X-Request-ID of the request (or the id of the probe job) that made the change, as in the log lines and
    # problem details; covered by the hash when set (migration 0014; earlier events have none).
    request_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)


class AuditCheckpoint(Base):
    """A signed head of the audit chain (event id and hash, Ed25519, the audit key): stored when events are
    recorded, at most every VCSC_AUDIT_CHECKPOINT_EVENTS events or _MINUTES minutes. Append-only like the events
    (migration 0007); see api.domain.audit for what they do and do not prove."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(unique=True)  # no foreign key: a checkpoint must outlive a deleted event
    event_hash: Mapped[str] = mapped_column(sa.String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kid: Mapped[str] = mapped_column(sa.String(64))
    jws: Mapped[str] = mapped_column(sa.Text)  # the signed head; its payload is what counts, the columns help queries


# --- the public registry's read model (api.domain.registry reads it) --------------------------------------
# Written only by database triggers (migration 0006), in the transaction of each change to products,
# organisations and certificates: the application never writes these rows, so no write path can forget them.


class RegistryProduct(Base):
    """One row per product with what the public pages show, and its certificates' status in summary: expiry is
    by date, so the rows keep the end dates (`valid_until_max`) and readers compare them with the time now."""

    __tablename__ = "public_products"
    __table_args__ = (sa.Index("ix_public_products_name_product_id", "name", "product_id"),)

    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    organisation_id: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    vendor: Mapped[str] = mapped_column(sa.String(200))
    product_type: Mapped[str] = mapped_column(sa.String(64))
    url: Mapped[str] = mapped_column(sa.String(2000))
    platforms: Mapped[str] = mapped_column(sa.Text)  # JSON text, as stored in products.platforms
    # Over the certificates whose status column says 'valid': the latest and the earliest end dates.
    valid_until_max: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    valid_until_min: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended: Mapped[int] = mapped_column(default=0)  # how many certificates are suspended, revoked, 'expired'
    revoked: Mapped[int] = mapped_column(default=0)
    expired: Mapped[int] = mapped_column(default=0)


class RegistryCertificate(Base):
    """One row per certificate with its public fields; `version` grows with every change to the certificate."""

    __tablename__ = "public_certificates"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    product_id: Mapped[int] = mapped_column(index=True)
    criteria_version: Mapped[str] = mapped_column(sa.String(32))
    level: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)


class RegistryVersion(Base):
    """One row (id 1) whose `version` grows with every change to the read model above, by triggers (migration 0015):
    what tells a process keeping public answers on SQLite that the registry changed (api.core.readcache; PostgreSQL
    has NOTIFY instead and keeps it at 0)."""

    __tablename__ = "registry_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger)
