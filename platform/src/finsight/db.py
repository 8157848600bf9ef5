"""Engines (one per PostgreSQL cluster) and the platform-scope session factory.

Tenant scoping lives in finsight.tenancy.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from finsight.config import get_settings

_engines: dict[str, Engine] = {}
# Key of the schema owner's engine among the clusters' (not a valid cluster name: it has a space).
MIGRATION_ENGINE = "migration default"
_engines_lock = threading.Lock()


def normalize_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` and always drive psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10) -> Engine:
    return create_engine(
        normalize_url(url), pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True
    )


def cluster_url(cluster: str) -> str:
    """`default` is DATABASE_URL; other names come from DATABASE_CLUSTERS (JSON name -> URL)."""
    settings = get_settings()
    url = settings.database_url if cluster == "default" else settings.database_clusters.get(cluster)
    if not url:
        raise RuntimeError(
            "DATABASE_URL is not set (run `finsight dev`, or set it)"
            if cluster == "default"
            else f"unknown database cluster {cluster!r}: add it to DATABASE_CLUSTERS"
        )
    return url


def get_engine(cluster: str = "default") -> Engine:
    with _engines_lock:
        if cluster not in _engines:
            settings = get_settings()
            _engines[cluster] = make_engine(
                cluster_url(cluster),
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
            )
        return _engines[cluster]


def migration_url(cluster: str = "default") -> str | None:
    """The owner's URL of `cluster`'s platform schema (MIGRATION_DATABASE_URL for the default
    one, MIGRATION_DATABASE_CLUSTERS for others); None on a single-role cluster."""
    settings = get_settings()
    if cluster == "default":
        return settings.migration_database_url
    return settings.migration_database_clusters.get(cluster)


def get_migration_engine(cluster: str = "default") -> Engine:
    """`cluster` as the owner of its platform schema (else as the application's login, on a
    single-role cluster): platform migrations and provisioning only, never the request path."""
    url = migration_url(cluster) or cluster_url(cluster)
    key = MIGRATION_ENGINE if cluster == "default" else f"migration {cluster}"
    with _engines_lock:
        if key not in _engines:
            _engines[key] = make_engine(url, pool_size=1, max_overflow=2)
        return _engines[key]


def app_login(cluster: str = "default") -> str | None:
    """The application's database role on `cluster` (its DATABASE_URL / DATABASE_CLUSTERS
    user) when migrations there run as another one; None for a single-role cluster."""
    owner_url = migration_url(cluster)
    if not owner_url:
        return None
    login = make_url(cluster_url(cluster)).username
    owner = make_url(owner_url).username
    return login if login and login != owner else None


@contextmanager
def migration_session() -> Iterator[Session]:
    """A unit of work as the schema owner: commits on success, rolls back on error."""
    with Session(bind=get_migration_engine(), expire_on_commit=False) as session, session.begin():
        yield session


@functools.cache
def session_factory(cluster: str = "default") -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(cluster), expire_on_commit=False)


def cluster_names() -> list[str]:
    """Every configured cluster, `default` first."""
    return ["default", *sorted(get_settings().database_clusters)]


@contextmanager
def platform_session() -> Iterator[Session]:
    """A platform-scope unit of work: commits on success, rolls back on error."""
    with session_factory()() as session, session.begin():
        yield session


def reset_engines() -> None:
    """Dispose every engine (after a fork, or when settings change at run time)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
    session_factory.cache_clear()
