"""Where each tenant lives: its organization id and its PostgreSQL cluster, by slug.

The platform's `orgs` table on the default cluster is the directory. A task knows only the
slug it was sent; before it opens the tenant's unit of work it must know which server holds
the tenant. Lookups are cached briefly per process: a tenant never moves between clusters,
and a deleted one is refused by its own (dropped) role anyway.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import text

from finsight.db import get_engine
from finsight.errors import NotFound

CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class TenantLocation:
    org_id: uuid.UUID
    slug: str
    cluster: str


_cache: dict[str, tuple[float, TenantLocation]] = {}
_lock = threading.Lock()


def locate(slug: str) -> TenantLocation:
    """The live tenant `slug`'s organization id and cluster (NotFound when there is none)."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(slug)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    with get_engine().connect() as connection:
        row = connection.execute(
            text(
                "SELECT id, database_cluster FROM platform.orgs "
                "WHERE slug = :slug AND deleted_at IS NULL"
            ),
            {"slug": slug},
        ).first()
    if row is None:
        forget(slug)
        raise NotFound(f"no organization {slug!r}")
    location = TenantLocation(row.id, slug, row.database_cluster)
    with _lock:
        _cache[slug] = (now, location)
    return location


def forget(slug: str | None = None) -> None:
    """Drop a cached location (all of them with no slug): after a tenant is deleted."""
    with _lock:
        if slug is None:
            _cache.clear()
        else:
            _cache.pop(slug, None)
