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


def scope_to_tenant(bind: Session | Connection, names: TenantNames) -> None:
    """Make the rest of the current transaction run as the tenant's role inside its schema.

    From here on PostgreSQL itself refuses any other tenant's schema, whatever SQL runs.
    """
    # set_config(..., is_local => true) is SET LOCAL: both in one round trip, as bound values.
    bind.execute(
        text("SELECT set_config('role', :role, true), set_config('search_path', :schema, true)"),
        {"role": names.role, "schema": names.schema},
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
def scoped_session(slug: str, cluster: str) -> Iterator[Session]:
    """A transaction on `cluster` scoped to tenant `slug`: commits on success, rolls back on
    error."""
    with session_factory(cluster)() as session, session.begin():
        scope_to_tenant(session, TenantNames.for_slug(slug))
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
