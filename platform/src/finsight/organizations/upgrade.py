"""`finsight db upgrade`: the platform schema, then every live organization's tenant schema.

Each tenant upgrades in its own transaction, so one failure names that tenant and the others
still upgrade; a tenant already at head is passed over, so a rerun resumes where one stopped.
Tenants upgrade in parallel, in worker processes (Alembic keeps the running migration in a
process-wide context, so threads cannot), a bounded number per cluster so that no server is
flooded with DDL.
"""

from __future__ import annotations

import logging
import multiprocessing
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from psycopg.errors import InFailedSqlTransaction
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from finsight.audit.service import record
from finsight.db import app_login, cluster_names, migration_session, platform_session
from finsight.kit.identity import Actor
from finsight.organizations.models import Organization
from finsight.organizations.service import tenant_database
from finsight.tenancy import inspect_tenant, migrate_tenant, provision_tenant
from finsight.tenancy.migrations import (
    PLATFORM_SCHEMA,
    current_revision,
    head,
    upgrade_cluster_platform,
    upgrade_platform,
)

logger = logging.getLogger(__name__)

# Tenants migrated at once on one cluster: DDL takes locks and fills the WAL; more than a few
# parallel migrations per server gain little (BENCHMARKS.md).
DEFAULT_JOBS_PER_CLUSTER = 4


@dataclass(frozen=True)
class LiveTenant:
    org_id: uuid.UUID
    slug: str
    cluster: str


@dataclass(frozen=True)
class TenantUpgrade:
    slug: str
    previous: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class TenantRevision:
    slug: str
    revision: str | None
    error: str | None = None


@dataclass
class UpgradeReport:
    platform_previous: str | None
    platform_head: str
    tenants: list[TenantUpgrade] = field(default_factory=list)

    @property
    def failures(self) -> list[TenantUpgrade]:
        return [t for t in self.tenants if not t.ok]


def _cause(exc: BaseException) -> BaseException:
    """The error that aborted the transaction, not a later statement refused because of it."""
    current: BaseException | None = exc
    while current is not None:
        original = current.orig if isinstance(current, DBAPIError) else current
        if not isinstance(original, InFailedSqlTransaction):
            return current
        current = current.__context__
    return exc


def one_line(exc: BaseException) -> str:
    """A database error's first line (not the SQL and parameters SQLAlchemy appends)."""
    exc = _cause(exc)
    source = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(source).strip().splitlines()
    return text[0] if text else type(exc).__name__


def live_tenants() -> list[LiveTenant]:
    with platform_session() as session:
        rows = session.execute(
            select(Organization.id, Organization.slug, Organization.database_cluster)
            .where(Organization.deleted_at.is_(None))
            .order_by(Organization.slug)
        )
        return [LiveTenant(row.id, row.slug, row.database_cluster) for row in rows]


def platform_revision() -> str | None:
    with platform_session() as session:
        return current_revision(session.connection(), PLATFORM_SCHEMA)


def upgrade_platform_schema(actor: Actor) -> str | None:
    """Migrate the platform tree to head on every cluster (another cluster keeps its tenants'
    audit chains in it); returns the default cluster's revision before."""
    target = head("platform")
    with migration_session() as session:
        previous = current_revision(session.connection(), PLATFORM_SCHEMA)
        upgrade_platform(session.connection(), app_login=app_login())
        if previous != target:
            _record_platform_migration(session, actor, "default", previous, target)
        for cluster in cluster_names()[1:]:
            before = upgrade_cluster_platform(cluster)
            if before != target:
                _record_platform_migration(session, actor, cluster, before, target)
    return previous


def _record_platform_migration(
    session: Session, actor: Actor, cluster: str, previous: str | None, target: str
) -> None:
    record(
        session,
        org_id=None,
        actor=actor,
        action="platform.migrate",
        target_type="schema",
        target_id=PLATFORM_SCHEMA,
        details={"from": previous, "to": target, "cluster": cluster},
    )


def upgrade_tenant_schema(tenant: LiveTenant, actor: Actor) -> TenantUpgrade:
    """Migrate one tenant to head in its own transaction; a failure is reported, not raised."""
    target = head("tenant")
    try:
        with platform_session() as session:
            with tenant_database(session, tenant.cluster) as connection:
                state = inspect_tenant(connection, tenant.slug)
                previous = state.revision
                if previous == target:
                    return TenantUpgrade(tenant.slug, previous=previous)
                if state.role_exists and state.schema_exists and previous is not None:
                    migrate_tenant(connection, tenant.slug)
                else:
                    provision_tenant(connection, tenant.slug)
            record(
                session,
                org_id=tenant.org_id,
                actor=actor,
                action="tenant.migrate",
                target_type="schema",
                target_id=tenant.slug,
                details={"from": previous, "to": target},
            )
    except Exception as exc:
        logger.warning("tenant %s did not upgrade: %s", tenant.slug, one_line(exc))
        return TenantUpgrade(tenant.slug, error=one_line(exc))
    return TenantUpgrade(tenant.slug, previous=previous)


def upgrade_all(
    actor: Actor,
    *,
    jobs_per_cluster: int = DEFAULT_JOBS_PER_CLUSTER,
    on_start: Callable[[int], None] | None = None,
    on_tenant: Callable[[TenantUpgrade], None] | None = None,
) -> UpgradeReport:
    """The platform first (tenants depend on it), then every live tenant, `jobs_per_cluster`
    at a time on each cluster."""
    report = UpgradeReport(upgrade_platform_schema(actor), head("platform"))
    tenants = live_tenants()
    if on_start:
        on_start(len(tenants))

    def done(result: TenantUpgrade) -> None:
        report.tenants.append(result)
        if on_tenant:
            on_tenant(result)

    if jobs_per_cluster <= 1 or len(tenants) <= 1:
        for tenant in tenants:
            done(upgrade_tenant_schema(tenant, actor))
        return report
    by_cluster: dict[str, list[LiveTenant]] = {}
    for tenant in tenants:
        by_cluster.setdefault(tenant.cluster, []).append(tenant)
    # Spawned, not forked: the caller may have threads (a test runner, a server), and a fork
    # copies their locks in whatever state they are. Children read the same environment.
    context = multiprocessing.get_context("spawn")
    pools = [
        ProcessPoolExecutor(min(jobs_per_cluster, len(members)), mp_context=context)
        for members in by_cluster.values()
    ]
    try:
        futures = {
            pool.submit(upgrade_tenant_schema, tenant, actor): tenant
            for pool, members in zip(pools, by_cluster.values(), strict=True)
            for tenant in members
        }
        for future in as_completed(futures):
            try:
                done(future.result())
            except Exception as exc:  # the worker process itself died
                done(TenantUpgrade(futures[future].slug, error=one_line(exc)))
    finally:
        for pool in pools:
            pool.shutdown(cancel_futures=True)
    return report


def tenant_revisions() -> list[TenantRevision]:
    """Each live tenant's migration revision (None: not migrated; error: unreachable)."""
    revisions = []
    for tenant in live_tenants():
        try:
            with (
                platform_session() as session,
                tenant_database(session, tenant.cluster) as connection,
            ):
                revision = inspect_tenant(connection, tenant.slug).revision
        except Exception as exc:
            revisions.append(TenantRevision(tenant.slug, None, one_line(exc)))
            continue
        revisions.append(TenantRevision(tenant.slug, revision))
    return revisions
