"""Settings from the environment and `.env` (no prefix), shared by every service and the CLI."""

from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

JWT_SECRET_FILE = "jwt-secret"

Environment = Literal["development", "test", "production"]

MIN_JWT_SECRET_BYTES = 32


class InsecureConfiguration(RuntimeError):
    """Raised at start-up when production settings would be unsafe."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    environment: Environment = "development"

    # --- data stores -------------------------------------------------------------------------
    # Unset in development: the embedded PostgreSQL / Redis under DATA_DIR are used.
    database_url: str | None = None
    # The owner of the platform schema, used only to run its migrations; DATABASE_URL is then the
    # application's login, which holds only the privileges it needs (it cannot rewrite or
    # disable the audit log). Unset: DATABASE_URL does both (a single-role install).
    migration_database_url: str | None = None
    # Other PostgreSQL clusters by name, for `spec.database.cluster`; "default" is DATABASE_URL.
    database_clusters: dict[str, str] = Field(default_factory=dict)
    # The owner of each other cluster's platform schema (JSON name -> URL), as
    # MIGRATION_DATABASE_URL is for the default one: migrations and provisioning only. A cluster
    # missing here is single-role (its DATABASE_CLUSTERS login owns its platform schema).
    migration_database_clusters: dict[str, str] = Field(default_factory=dict)
    redis_url: str | None = None
    data_dir: Path = Path(".finsight")
    db_pool_size: int = 10
    db_max_overflow: int = 20

    # --- identity ----------------------------------------------------------------------------
    jwt_secret: SecretStr | None = None
    # The root of every organization's category-model signing key (each organization's key is
    # derived from it); unset, the JWT secret serves. Given to the api, the shared workers and
    # the operator, never to a tenant's namespace.
    model_signing_key: SecretStr | None = None
    # Set only in a tenant's own worker (the operator writes it into the tenant's Secret): that
    # organization's derived key, so the worker never holds the root.
    tenant_model_signing_key: SecretStr | None = None
    # Earlier secrets still accepted for verification while tokens signed with them live.
    jwt_previous_secrets: list[SecretStr] = Field(default_factory=list)
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65536
    argon2_parallelism: int = 4
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 30
    login_failure_window_seconds: int = 900

    # --- imports ---------------------------------------------------------------------------
    import_max_bytes: int = 200 * 1024 * 1024
    # A batch queued (or running without progress) this long is sent to its queue again; safe,
    # since running a finished batch again does nothing.
    import_stale_seconds: int = 600
    # The same for analytics runs. A run still being worked on is safe to send again: the
    # second delivery finds the run's lock held and leaves.
    analytics_stale_seconds: int = 900
    # An organization with transactions and no "all" analytics run for this many hours gets
    # one from the beat (recurring statuses, forecasts and this month's pace depend on the
    # date, not only on imports); 0 turns the refresh off.
    analytics_refresh_hours: int = 24
    # A request waits at most this long for a lock (PostgreSQL lock_timeout), then answers 409
    # with Retry-After: a person's edit never hangs behind a run or a long import; 0 waits.
    request_lock_timeout_ms: int = 2000

    # --- hardening (issue 19) -----------------------------------------------------------------
    # Refusals of anonymous callers are counted per address, action and status in windows of
    # this many seconds; the audit log gets a summary row at counts 1, 10, 100, ...
    audit_anonymous_window_seconds: int = 300
    # Redis hands a task that was delivered and not acknowledged for this long to another
    # worker: after a killed worker, its tasks come back within about this time. Tasks still
    # running past it are delivered again and leave at once (their locks are held).
    celery_visibility_timeout_seconds: int = 60
    # A request that queues work checks the broker first, waiting at most this long, and
    # answers 503 (with nothing written) when it cannot be reached.
    broker_connect_timeout_seconds: float = 2.0

    # --- feature flags -----------------------------------------------------------------------
    enable_rbac: bool = True
    enable_multitenancy: bool = True
    enable_monitoring: bool = True
    # The analytics engine: its API routes, its command, and the run after every import.
    enable_analytics: bool = True

    # --- services ----------------------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Addresses whose X-Forwarded-For is believed (uvicorn's forwarded_allow_ips).
    forwarded_allow_ips: str = "127.0.0.1"
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    # POST /api/organizations creates an Organization resource for the operator to provision
    # (finsight.organizations.kubernetes) instead of provisioning in the request.
    kubernetes_mode: bool = False

    # --- email (finsight.notifications) ------------------------------------------------------
    # Unset SMTP_HOST: mail waits in the outbox (`finsight dev` points these at its catcher).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None  # never logged (SecretStr), never in a task argument
    smtp_starttls: bool = False
    smtp_from: str = "finsight <no-reply@finsight.localhost>"
    smtp_timeout_seconds: float = 10.0
    # Attempts per message (the first and its retries, with exponential backoff from the base).
    smtp_max_attempts: int = 6
    smtp_retry_backoff_seconds: int = 30
    # Where people open the dashboard: links in emails (invitations) point here.
    public_web_url: str = "http://127.0.0.1:8080"

    # --- reports (finsight.reports) -----------------------------------------------------------
    # Generated reports (and their files) are deleted this many days after they were made.
    reports_retention_days: int = Field(default=30, ge=1)
    # A scheduled report's files larger than this (together) are linked, not attached.
    reports_attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=0)
    # A report queued, or running without an update, this long is sent to a worker again.
    reports_stale_seconds: int = Field(default=900, ge=60)
    # --- alerts (finsight.alerts) ------------------------------------------------------------
    enable_alerts: bool = True
    # Outbound webhooks (Slack, generic) to loopback, private or link-local addresses are refused
    # (checked on the resolved address at send time); development and tests turn this on.
    alerts_allow_private_addresses: bool = False
    alerts_http_timeout_seconds: float = 10.0
    # Delays before each retry (Standard Webhooks: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
    alerts_retry_schedule_seconds: list[int] = Field(
        default_factory=lambda: [5, 300, 1800, 7200, 18000, 36000, 36000]
    )
    # An endpoint failing for this long is disabled and its owner told (410 Gone at once).
    alerts_disable_after_days: float = 5.0

    # --- invitations and two-factor sign-in -------------------------------------------------
    invitation_ttl_hours: int = 7 * 24
    # How long the "second factor required" challenge of a sign-in stays valid.
    two_factor_challenge_ttl_seconds: int = 300

    # --- bank sync (finsight.plaid) -----------------------------------------------------------
    plaid_client_id: str | None = None
    plaid_secret: SecretStr | None = None  # never logged (SecretStr)
    plaid_env: Literal["sandbox", "production"] = "sandbox"
    # Any base URL instead of PLAID_ENV's (`finsight dev` and the tests: the local emulator).
    plaid_host: str | None = None
    # Where Plaid sends webhooks (this API's /api/plaid/webhook as the internet reaches it).
    plaid_webhook_url: str | None = None
    # Unset: on exactly when PLAID_CLIENT_ID and PLAID_SECRET are set.
    enable_plaid_integration: bool | None = None
    # "Connect a test bank" (/sandbox/public_token/create): sandbox credentials or `make dev`.
    plaid_sandbox_institution_id: str = "ins_109508"
    # A sync queued, or syncing without a heartbeat, this long is marked stale and sent again.
    plaid_sync_stale_seconds: int = 600
    # Every item is synced at least this often (the beat's refresh; webhooks do the rest).
    plaid_refresh_hours: int = 24
    # Rate limits and Plaid 5xx: attempts per sync, exponential backoff from the base.
    plaid_max_attempts: int = 6
    plaid_retry_backoff_seconds: int = 30
    plaid_timeout_seconds: float = 30.0

    # --- secrets at rest, audit anchoring, post-quantum option (finsight.crypto) -------------
    # JSON key id -> key-encryption key (`finsight secrets generate-key`); the active one wraps
    # new secrets, the others still decrypt (rotation). Development generates them in DATA_DIR.
    data_encryption_keys: dict[str, SecretStr] = Field(default_factory=dict)
    data_encryption_key_id: str | None = None
    # Hybrid X25519 + ML-KEM-768 key wrapping and Ed25519 + ML-DSA-65 checkpoint signatures.
    enable_post_quantum_crypto: bool = False
    # Signs audit checkpoints (`finsight audit generate-key`): `ed25519:...` and `ml-dsa-65:...`.
    audit_signing_key: SecretStr | None = None
    audit_signing_pq_key: SecretStr | None = None
    # Public keys `audit verify` also trusts (JSON list; `finsight audit public-key` prints them):
    # a verifier on another machine needs no signing key, and retired keys stay verifiable.
    audit_verify_keys: list[str] = Field(default_factory=list)
    # Append-only directory of signed chain heads; unset: DATA_DIR/audit-checkpoints.
    audit_checkpoint_dir: Path | None = None

    @model_validator(mode="after")
    def _production_needs_real_stores(self) -> Settings:
        if self.environment == "production" and not self.database_url:
            raise ValueError("DATABASE_URL is required when ENVIRONMENT=production")
        return self

    @property
    def plaid_enabled(self) -> bool:
        """ENABLE_PLAID_INTEGRATION, or by default whether Plaid credentials are set."""
        if self.enable_plaid_integration is not None:
            return self.enable_plaid_integration
        return bool(self.plaid_client_id and self.plaid_secret)

    @property
    def is_development(self) -> bool:
        return self.environment != "production"

    def require_safe_secrets(self) -> None:
        """Refuse to serve outside development with a missing, default or short JWT secret."""
        if self.is_development:
            return
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if len(secret.encode()) < MIN_JWT_SECRET_BYTES or "change-me" in secret:
            raise InsecureConfiguration(
                f"JWT_SECRET must be a random value of at least {MIN_JWT_SECRET_BYTES} bytes "
                "when ENVIRONMENT=production (generate one: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        self.require_keys()

    def require_keys(self) -> None:
        """Outside development, refuse to start without data encryption and audit signing keys
        (or with malformed ones)."""
        if self.is_development:
            return
        from finsight.crypto.keyring import keyring_from_settings
        from finsight.crypto.signing import signing_key_from_settings

        keyring_from_settings(self)
        signing_key_from_settings(self)

    def single_role_warning(self) -> str | None:
        """Outside development, say so when the application's login also owns the schema."""
        if self.is_development or self.migration_database_url:
            return None
        return (
            "MIGRATION_DATABASE_URL is not set: the application's database login owns the "
            "platform schema and can rewrite the audit log; run migrations as another role"
        )

    @property
    def checkpoint_dir(self) -> Path:
        return self.audit_checkpoint_dir or self.data_dir / "audit-checkpoints"

    def signing_secret(self) -> str:
        """The JWT secret (also the key models are signed with). In development an unset one is
        kept in DATA_DIR, so every process of one install (api, worker, CLI) signs alike and
        sign-ins survive restarts; elsewhere an unset one refuses to start."""
        if self.jwt_secret is None:
            self.require_safe_secrets()
            self.jwt_secret = SecretStr(kept_secret(self.data_dir / JWT_SECRET_FILE))
        return self.jwt_secret.get_secret_value()

    def model_signing_root(self) -> str:
        """MODEL_SIGNING_KEY, or the JWT secret when it is unset."""
        if self.model_signing_key is not None:
            return self.model_signing_key.get_secret_value()
        return self.signing_secret()


def kept_secret(path: Path) -> str:
    """A random secret stored in `path` (created once, readable by its owner only)."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of the install made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret


@functools.cache
def get_settings() -> Settings:
    return Settings()
