"""The service's settings, read once from the environment into one `Settings` object."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr

from checker.settings import CheckerSettings


class Settings(CheckerSettings):
    """Environment: DATABASE_URL and VCSC_* variables (e.g. VCSC_MAX_BODY_BYTES), or a .env file. Extends the
    checker's settings (probe runs, browser, logging: checker/settings.py): one object, read once, passed in.
    `vcsc settings` lists them all; the README's settings table must name each (tests/test_settings.py)."""

    # The conventional unprefixed name is what hosting platforms set for PostgreSQL.
    database_url: str = Field(
        "sqlite:///./var/vcsc.db",
        validation_alias=AliasChoices("DATABASE_URL", "VCSC_DATABASE_URL", "database_url"),
        description="SQLAlchemy URL of the database (SQLite file or postgresql+psycopg://)",
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1,
        description="largest request body accepted (JSON and forms; "
        "evidence uploads have their own limits), in bytes; larger: 413",
    )
    token_ttl_hours: int = Field(
        12, ge=1, le=24 * 90, description="lifetime of a sign-in (bearer token and page session), in hours"
    )
    api_token_ttl_days: int = Field(365, ge=1, le=3650, description="default lifetime of a named API token, in days")
    sql_echo: bool = Field(False, description="log every SQL statement (debugging)")
    # The Ed25519 key that signs certificates: made on first start, kept outside the database
    # (every instance must share this folder).
    keys_dir: Path = Field(
        Path("var/keys"),
        description="folder of the signing keys (certificates, audit "
        "checkpoints, manifest sealing); shared by every instance",
    )
    # Where the public reaches this service: the issuer id, status-list and badge URLs inside certificates.
    public_url: str = Field(
        "http://localhost:8000",
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="where the public reaches this service (certificate issuer, status-list and badge URLs)",
    )
    # The club's address for vulnerability reports (mailto: or https:), served in /.well-known/security.txt
    # (RFC 9116); unset: that file answers 404 rather than name a contact nobody reads.
    security_contact: str | None = Field(
        None,
        pattern=r"^(mailto:[^\s@]+@[^\s@]+|https://\S+)$",
        description="mailto: or https: contact of /.well-known/security.txt; unset: that file answers 404",
    )

    # --- HTTP limits (api/http/limits.py; `vcsc serve` passes the server-side ones to uvicorn) -----------
    max_url_bytes: int = Field(8192, ge=256, le=65536, description="longest path + query, in bytes; longer: 414")
    # uvicorn/h11's own cap on an unfinished request head (request line + headers): beyond it the server answers
    # a short plain-text 400 itself. Kept above max_url_bytes so our 414 is what a long URL normally gets.
    max_request_head_bytes: int = Field(
        16 * 1024,
        ge=4096,
        le=1024 * 1024,
        description="largest request head (request line + headers) the server reads, in bytes; larger: 400",
    )
    header_timeout_seconds: float = Field(
        10.0, gt=0, le=300, description="a request head must arrive in full within this many seconds"
    )
    body_timeout_seconds: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="the whole request body must arrive within this many seconds once the head is in",
    )
    keep_alive_seconds: int = Field(
        5, ge=1, le=300, description="an idle kept-alive connection is closed after this many seconds"
    )

    # --- audit trail ----------------------------------------------------------------------------
    # A signed checkpoint of the chain head is stored with the event that comes this many events, or this many
    # minutes, after the previous checkpoint (the audit key: keys_dir/audit/ed25519.pem, apart from certificates').
    audit_checkpoint_events: int = Field(
        100, ge=1, le=1_000_000, description="a signed audit checkpoint every this many events"
    )
    audit_checkpoint_minutes: float = Field(60.0, gt=0, description="or every this many minutes, whichever comes first")

    # --- sign-in throttling (POST /api/v1/auth/token and /sign-in) --------------------------------
    # Failed sign-ins allowed per account and per client address in a moving window; then 429 until the oldest
    # failure leaves the window. Storage: a `limits` storage URI (memory:// is per process; redis://... is shared
    # by every instance and needs the redis client installed).
    login_failures_per_account: int = Field(
        10, ge=1, le=10_000, description="failed sign-ins per account in the window; then 429"
    )
    login_failures_per_address: int = Field(
        50, ge=1, le=100_000, description="failed sign-ins per client address in the window; then 429"
    )
    login_window_seconds: int = Field(
        900, ge=1, le=7 * 24 * 3600, description="moving window of the sign-in limits, in seconds"
    )
    login_limit_storage: str = Field(
        "memory://",
        description="`limits` storage URI of the request limits "
        "(memory:// per process; redis://... shared by every instance)",
    )

    # --- self-service accounts (sign-up, e-mail verification, password reset) -------------------------
    account_mails_per_email: int = Field(
        3,
        ge=1,
        le=1000,
        description="sign-up and password-reset requests per "
        "e-mail address in the window (account_mail_window_seconds); then 429",
    )
    account_mails_per_address: int = Field(
        20,
        ge=1,
        le=100_000,
        description="sign-up and password-reset requests per client address in the window; then 429",
    )
    account_mail_window_seconds: int = Field(
        3600, ge=1, le=7 * 24 * 3600, description="moving window of the two limits above (storage: login_limit_storage)"
    )
    verify_token_ttl_hours: float = Field(
        48.0, gt=0, le=30 * 24, description="how long an e-mail verification link works (single use)"
    )
    reset_token_ttl_minutes: float = Field(
        60.0, gt=0, le=7 * 24 * 60, description="how long a password reset link works (single use)"
    )

    # --- review and certification ----------------------------------------------------------------
    # How many distinct reviewers must approve a submission before its certificate is issued.
    review_approvals_required: int = Field(
        1, ge=1, le=2, description="distinct reviewers who must approve a submission before its certificate is issued"
    )
    certificate_validity_days: int = Field(365, ge=1, le=3 * 366, description="validity of a certificate, in days")
    # Certified products are re-probed this often (0: never); a MUST regression flags the certificate.
    monitor_interval_days: float = Field(
        30.0, ge=0, description="certified products are re-probed this often, in days (0: never)"
    )
    monitor_check_seconds: float = Field(
        3600.0, gt=0, description="how often the scheduler looks for due certificates, in seconds"
    )

    # --- public reads --------------------------------------------------------------------------------
    public_cache: bool = Field(
        True,
        description="keep public answers (lookups, badges, search pages and rankings, blocks of rows) in each "
        "process, emptied by every change to the registry (PostgreSQL: LISTEN/NOTIFY; SQLite: its data version, "
        "then the registry's version) and by expiry dates (api/core/readcache.py)",
    )

    # --- e-mail (api/domain/mail.py): notifications and account mail through an SMTP server ---------------
    # No host: no e-mail is sent (notifications stay in the app only).
    smtp_host: str | None = Field(None, description="SMTP server host name; unset: no e-mail is sent")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP server port (587 starttls, 465 tls, 25 none)")
    smtp_tls: Literal["none", "starttls", "tls"] = Field(
        "starttls", description="none: plain SMTP; starttls: upgrade after connecting; tls: TLS from the start"
    )
    smtp_username: str | None = Field(None, description="SMTP login name; unset: no AUTH")
    smtp_password: SecretStr | None = Field(None, description="SMTP login password")
    smtp_from: str = Field("VCSC <no-reply@localhost>", description="From address of the service's e-mail")
    smtp_timeout_seconds: float = Field(10.0, gt=0, le=300, description="SMTP connect and command timeout")
    # The server's certificate is checked against the system's trusted roots, plus this PEM file if given.
    smtp_ca_file: Path | None = Field(None, description="PEM file of extra CA certificates the SMTP server may use")
    # Failed deliveries (server down, refused) are tried again, with a growing pause, up to this many times.
    smtp_max_attempts: int = Field(8, ge=1, le=100, description="delivery attempts per queued e-mail")
    # A certificate's holders are told once, this many days before it expires.
    expiry_notice_days: int = Field(30, ge=1, le=365, description="days before expiry the holders are told")

    # --- evidence files (api/domain/evidence.py): what vendors upload per criterion ------------------------
    storage_dir: Path = Field(
        Path("var/storage"), description="folder of the uploaded evidence files (content-addressed blobs)"
    )
    # s3: the same blobs in a bucket of an S3-compatible service, for several machines (api/core/storage.py;
    # boto3 from the `s3` extra). Credentials: boto3's own chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    # AWS_PROFILE, an instance role), never a VCSC setting. Files are still served through the app only.
    storage_backend: Literal["folder", "s3"] = Field(
        "folder",
        description="where evidence files are kept: folder (storage_dir) or s3 (an S3-compatible bucket, s3_bucket)",
    )
    s3_bucket: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$",
        description="s3: the bucket of the evidence files (required with storage_backend=s3)",
    )
    s3_endpoint_url: str | None = Field(
        None,
        pattern=r"^https?://[^/?#\s]+/?$",
        description="s3: URL of an S3-compatible service (MinIO, Ceph; path-style addressing); unset: AWS S3",
    )
    s3_region: str | None = Field(
        None,
        pattern=r"^[a-z0-9-]{1,40}$",
        description="s3: the region; unset: boto3's default (AWS_DEFAULT_REGION, its config file, else us-east-1)",
    )
    s3_prefix: str = Field(
        "",
        max_length=200,
        pattern=r"^([A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*/?)?$",
        description="s3: key prefix of the blobs in the bucket (e.g. vcsc/evidence/); unset: the bucket's top",
    )
    evidence_max_file_bytes: int = Field(
        10 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024, description="largest evidence file accepted, in bytes"
    )
    evidence_max_submission_bytes: int = Field(
        50 * 1024 * 1024,
        ge=1,
        le=16 * 1024 * 1024 * 1024,
        description="all evidence files of one revision together, in bytes",
    )

    # --- probe-run jobs ------------------------------------------------------------------------
    # inprocess: a thread of the server runs the jobs (the embedded SQLite default);
    # procrastinate: `vcsc worker` processes on the same PostgreSQL run them.
    jobs: Literal["inprocess", "procrastinate"] = Field(
        "inprocess", description="who runs probe-run jobs: inprocess (a server thread) or procrastinate (workers)"
    )
    # inprocess only: whether this server process runs jobs itself (off: a `vcsc worker` does).
    jobs_worker: bool = Field(
        True, description="inprocess: this server process runs jobs itself (off: a `vcsc worker` does)"
    )
    artifacts_dir: Path = Field(Path("var/artifacts"), description="probe-run screenshots, one folder per run")
    job_heartbeat_seconds: float = Field(
        5.0, gt=0, le=600, description="a running job's heartbeat interval, in seconds"
    )
    # A running job whose heartbeat is older than this is taken for dead and queued again.
    job_stale_after_seconds: float = Field(
        90.0, gt=0, description="a running job whose heartbeat is older is taken for dead and queued again, in seconds"
    )
    job_max_attempts: int = Field(3, ge=1, le=100, description="attempts per probe-run job")
    job_poll_seconds: float = Field(
        2.0,
        gt=0,
        le=600,
        description="workers look for queued jobs this often when no wake-up reaches them, in seconds",
    )

    # --- the command line --------------------------------------------------------------------------------
    password: SecretStr | None = Field(
        None,
        description="`vcsc users create`: the new user's password when "
        "--password is not given (kept out of the shell history)",
    )

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/")

    def run_dir(self, run_id: int) -> Path:
        return self.artifacts_dir / str(run_id)
