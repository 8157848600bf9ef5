"""The data stores of a development installation, all under one data folder (DATA_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

from finsight.config import get_settings
from finsight.db import reset_engines
from finsight.embedded import DATABASE_NAME, EmbeddedPostgres, EmbeddedRedis


def start_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Start (or join, if another process runs it) the durable PostgreSQL under data_dir."""
    postgres = EmbeddedPostgres(data_dir / "postgres")
    postgres.start(scratch=False)
    return postgres


def embedded_urls(postgres: EmbeddedPostgres) -> tuple[str, str]:
    """(DATABASE_URL, MIGRATION_DATABASE_URL) of the embedded cluster: the application's login,
    and the superuser that owns the platform schema."""
    return postgres.app_url(DATABASE_NAME), postgres.url(DATABASE_NAME)


def start_redis(data_dir: Path, port: int = 0) -> EmbeddedRedis:
    redis = EmbeddedRedis(data_dir / "redis", port=port, persistent=True)
    redis.start()
    return redis


def use_database_url(url: str, migration_url: str | None = None) -> None:
    """Make this process's settings and engines use `url` (and `migration_url`, the schema
    owner's) from now on."""
    os.environ["DATABASE_URL"] = url
    if migration_url:
        os.environ["MIGRATION_DATABASE_URL"] = migration_url
    get_settings.cache_clear()
    reset_engines()
