"""The service's settings, read once from the environment into one `Settings` object."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Environment: DATABASE_URL and VCSC_* variables (e.g. VCSC_MAX_BODY_BYTES)."""

    model_config = SettingsConfigDict(env_prefix="VCSC_", populate_by_name=True, extra="ignore")

    # The conventional unprefixed name is what hosting platforms set for PostgreSQL.
    database_url: str = Field("sqlite:///./var/vcsc.db",
                              validation_alias=AliasChoices("DATABASE_URL", "VCSC_DATABASE_URL", "database_url"))
    max_body_bytes: int = Field(1024 * 1024, ge=1)
    token_ttl_hours: int = Field(12, ge=1, le=24 * 90)
    api_token_ttl_days: int = Field(365, ge=1, le=3650)
    sql_echo: bool = False
    # The Ed25519 key that signs certificates: made on first start, kept outside the database
    # (every instance must share this folder).
    keys_dir: Path = Path("var/keys")
    # Where the public reaches this service: the issuer id, status-list and badge URLs inside certificates.
    public_url: str = Field("http://localhost:8000", pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$")
    # The club's address for vulnerability reports (mailto: or https:), served in /.well-known/security.txt
    # (RFC 9116); unset: that file answers 404 rather than name a contact nobody reads.
    security_contact: str | None = Field(None, pattern=r"^(mailto:[^\s@]+@[^\s@]+|https://\S+)$")

    # --- HTTP limits (api/http/limits.py; `vcsc serve` passes the server-side ones to uvicorn) -----------
    max_url_bytes: int = Field(8192, ge=256, le=65536)  # path + query; longer: 414 problem+json
    # uvicorn/h11's own cap on an unfinished request head (request line + headers): beyond it the server answers
    # a short plain-text 400 itself. Kept above max_url_bytes so our 414 is what a long URL normally gets.
    max_request_head_bytes: int = Field(16 * 1024, ge=4096, le=1024 * 1024)
    header_timeout_seconds: float = Field(10.0, gt=0, le=300)  # a request head must arrive in full within this
    body_timeout_seconds: float = Field(30.0, gt=0, le=3600)  # the whole request body, once the head is in
    keep_alive_seconds: int = Field(5, ge=1, le=300)  # an idle kept-alive connection is closed after this

    # --- audit trail ----------------------------------------------------------------------------
    # A signed checkpoint of the chain head is stored with the event that comes this many events, or this many
    # minutes, after the previous checkpoint (the audit key: keys_dir/audit/ed25519.pem, apart from certificates').
    audit_checkpoint_events: int = Field(100, ge=1, le=1_000_000)
    audit_checkpoint_minutes: float = Field(60.0, gt=0)

    # --- sign-in throttling (POST /api/v1/auth/token and /sign-in) --------------------------------
    # Failed sign-ins allowed per account and per client address in a moving window; then 429 until the oldest
    # failure leaves the window. Storage: a `limits` storage URI (memory:// is per process; redis://... is shared
    # by every instance and needs the redis client installed).
    login_failures_per_account: int = Field(10, ge=1, le=10_000)
    login_failures_per_address: int = Field(50, ge=1, le=100_000)
    login_window_seconds: int = Field(900, ge=1, le=7 * 24 * 3600)
    login_limit_storage: str = "memory://"

    # --- review and certification ----------------------------------------------------------------
    # How many distinct reviewers must approve a submission before its certificate is issued.
    review_approvals_required: int = Field(1, ge=1, le=2)
    certificate_validity_days: int = Field(365, ge=1, le=3 * 366)
    # Certified products are re-probed this often (0: never); a MUST regression flags the certificate.
    monitor_interval_days: float = Field(30.0, ge=0)
    monitor_check_seconds: float = Field(3600.0, gt=0)  # how often the scheduler looks for due certificates

    # --- probe-run jobs ------------------------------------------------------------------------
    # inprocess: a thread of the server runs the jobs (the embedded SQLite default);
    # procrastinate: `vcsc worker` processes on the same PostgreSQL run them.
    jobs: Literal["inprocess", "procrastinate"] = "inprocess"
    # inprocess only: whether this server process runs jobs itself (off: a `vcsc worker` does).
    jobs_worker: bool = True
    artifacts_dir: Path = Path("var/artifacts")  # screenshots, one folder per run
    job_heartbeat_seconds: float = Field(5.0, gt=0, le=600)
    # A running job whose heartbeat is older than this is taken for dead and queued again.
    job_stale_after_seconds: float = Field(90.0, gt=0)
    job_max_attempts: int = Field(3, ge=1, le=100)
    job_poll_seconds: float = Field(2.0, gt=0, le=600)  # fallback when no wake-up reaches the worker

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/")

    def run_dir(self, run_id: int) -> Path:
        return self.artifacts_dir / str(run_id)
