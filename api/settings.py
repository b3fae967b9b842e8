"""The service's settings, read once from the environment into one `Settings` object."""
from __future__ import annotations

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
