"""The one place that scopes a database transaction to a tenant (DESIGN §4).

`SET LOCAL` lasts until the transaction ends, so pooled connections (and PgBouncer in
transaction mode) never carry a tenant's role into someone else's work. Every unit of tenant
work runs on the tenant's own cluster.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from finsight.db import session_factory
from finsight.tenancy.directory import TenantLocation, locate
from finsight.tenancy.names import TenantNames

_SCOPE = text("SELECT set_config('role', :role, true), set_config('search_path', :schema, true)")
_SCOPE_WAITING = text(
    "SELECT set_config('role', :role, true), set_config('search_path', :schema, true), "
    "set_config('lock_timeout', :lock_timeout, true)"
)


def scope_to_tenant(
    bind: Session | Connection, names: TenantNames, *, lock_timeout_ms: int | None = None
) -> None:
    """Make the rest of the current transaction run as the tenant's role inside its schema.

    From here on PostgreSQL itself refuses any other tenant's schema, whatever SQL runs.
    `lock_timeout_ms` (requests) bounds every lock wait of the transaction: waiting longer
    fails with LockNotAvailable, which the API answers as 409.
    """
    # set_config(..., is_local => true) is SET LOCAL: all in one round trip, as bound values.
    if lock_timeout_ms is None:
        bind.execute(_SCOPE, {"role": names.role, "schema": names.schema})
    else:
        bind.execute(
            _SCOPE_WAITING,
            {"role": names.role, "schema": names.schema, "lock_timeout": f"{lock_timeout_ms}ms"},
        )


def unscope(bind: Session | Connection) -> None:
    """Return the current transaction to the platform role and search path."""
    bind.execute(text("RESET ROLE"))
    bind.execute(text("SET LOCAL search_path TO DEFAULT"))


@dataclass(frozen=True)
class TenantUnit:
    """A tenant's unit of work: the scoped session on its cluster, and where it lives."""

    session: Session
    location: TenantLocation

    @property
    def slug(self) -> str:
        return self.location.slug

    @property
    def org_id(self) -> uuid.UUID:
        return self.location.org_id


@contextmanager
def scoped_session(
    slug: str, cluster: str, *, lock_timeout_ms: int | None = None
) -> Iterator[Session]:
    """A transaction on `cluster` scoped to tenant `slug`: commits on success, rolls back on
    error."""
    with session_factory(cluster)() as session, session.begin():
        scope_to_tenant(session, TenantNames.for_slug(slug), lock_timeout_ms=lock_timeout_ms)
        yield session


@contextmanager
def tenant_unit(slug: str) -> Iterator[TenantUnit]:
    """The one way a task opens tenant work by slug: found in the directory, on its cluster."""
    location = locate(slug)
    with scoped_session(slug, location.cluster) as session:
        yield TenantUnit(session, location)


@contextmanager
def tenant_session(slug: str) -> Iterator[Session]:
    """`tenant_unit` for callers that need only the session."""
    with tenant_unit(slug) as unit:
        yield unit.session
