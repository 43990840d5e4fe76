"""Settings are read once at the edge (CLI/API start-up) and passed down; no module reads the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRUCE_", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path.home() / ".local" / "share" / "cruce")
    database_url: str | None = None
    alert_threshold: float = 0.80
    workers: int = 2
    # How long a writer waits for its turn before a retryable `database_busy` error (issue 21).
    write_wait_s: float = 30.0
    # SQLite only: NORMAL loses nothing to a killed process; FULL also nothing to a power cut (see README).
    sqlite_synchronous: str = "NORMAL"
    # Versions of each list kept after an import or update (0: keep every version); older ones are pruned.
    list_retention: int = Field(default=0, ge=0)
    # A background job's lease: a job whose server process died is resumed by another after at most this.
    job_lease_s: float = Field(default=30.0, gt=0)
    # Sync with a partner: tries per request (connection failures, 5xx, 429), the first wait (doubling).
    sync_tries: int = Field(default=3, ge=1, le=10)
    sync_backoff_s: float = Field(default=0.5, ge=0)
    node_country: str | None = None  # this node's country (ISO trigraph): TLP onward-sharing rule of TAXII
    # API: how long a server process trusts a verified token without asking the database again. A token
    # revoked through another process (worker, node, CLI) stops working after at most this; 0: never cached.
    token_cache_s: float = Field(default=2.0, ge=0, le=60)
    # Password hashing (argon2id): memory per hash, passes, and how many hashes may run at once per process.
    argon2_memory_kib: int = Field(default=19 * 1024, ge=8, le=4 * 1024 * 1024)
    argon2_time_cost: int = Field(default=2, ge=1, le=100)
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    # Sign-in throttling: failures before a lockout (per account, per client address) and its first length.
    signin_account_failures: int = Field(default=5, ge=1)
    signin_address_failures: int = Field(default=20, ge=1)
    signin_lockout_s: float = Field(default=30.0, gt=0)
    # Operations: `console` (key=value lines) or `json` logs; the bearer token /metrics asks for (unset: off).
    log_format: Literal["console", "json"] = "console"
    metrics_token: str | None = Field(default=None, min_length=16)
    # Migrants' personal data: kept this long per purpose (seconds or ISO 8601, e.g. P90D), then deleted
    # (audited) by the server at start and every `purge_interval_s`, and by `cruce incidents` commands.
    retention_rescue: timedelta = timedelta(days=90)
    retention_repatriation: timedelta = timedelta(days=365)
    retention_case: timedelta = timedelta(days=5 * 365)
    purge_interval_s: float = Field(default=3600.0, gt=0)

    @field_validator("retention_rescue", "retention_repatriation", "retention_case", mode="before")
    @classmethod
    def _seconds(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return timedelta(seconds=float(value))
            except (ValueError, OverflowError):
                return value.strip()
        return value

    @field_validator("retention_rescue", "retention_repatriation", "retention_case")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be a positive duration (seconds, or ISO 8601 such as P90D)")
        return value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def resolved_database_url(self) -> str:
        """The configured database, or a SQLite file in the data directory (the embedded default)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'cruce.db'}"

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir
