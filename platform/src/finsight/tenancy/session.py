"""The one place that scopes a database transaction to a tenant (DESIGN §4).

`SET LOCAL` lasts until the transaction ends, so pooled connections (and PgBouncer in
transaction mode) never carry a tenant's role into someone else's work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from finsight.db import session_factory
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


@contextmanager
def tenant_session(slug: str) -> Iterator[Session]:
    """A unit of work inside one tenant: commits on success, rolls back on error."""
    names = TenantNames.for_slug(slug)
    with session_factory()() as session, session.begin():
        scope_to_tenant(session, names)
        yield session
