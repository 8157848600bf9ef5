"""The one code path that creates, suspends and deletes an organization (DESIGN §4).

The operator, the CLI and the API all call it. It keeps the organization's row, its owner and
members; its database objects go through finsight.tenancy. Never commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select, text, update
from sqlalchemy.orm import Session

from finsight.audit.service import record
from finsight.auth.models import AuthSession
from finsight.config import get_settings
from finsight.db import get_engine
from finsight.errors import Conflict, InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.kit.query import escape_like
from finsight.kit.time_zones import parse_time_zone
from finsight.organizations.invitations import IssuedInvitation, invite_owner
from finsight.organizations.models import Membership, Organization
from finsight.rbac.permissions import OWNER_ROLE
from finsight.rbac.service import role_by_name
from finsight.tenancy import (
    DeletionPolicy,
    TenantNames,
    deprovision_tenant,
    provision_tenant,
    validate_slug,
)
from finsight.tenancy.directory import forget as forget_location
from finsight.tenancy.migrations import upgrade_cluster_platform
from finsight.users.models import User
from finsight.users.service import find_user_by_email, normalize_email

PLANS = ("free", "standard", "enterprise")


@dataclass(frozen=True)
class OrganizationSpec:
    slug: str
    name: str
    owner_email: str
    plan: str = "standard"
    database_cluster: str = "default"
    time_zone: str = "UTC"
    # True only when the owner is the person running this very command with their own
    # account (`finsight dev` / `seed` for the local developer): they are made owner at once.
    # Everyone else is invited, and accepts (or sets their own password) from the email.
    owner_present: bool = False


@dataclass(frozen=True)
class EnsuredOrganization:
    organization: Organization
    created: bool
    owner_email: str
    # Set when this call invited the owner: the link is shown once (and emailed).
    owner_invitation: IssuedInvitation | None = None


def time_zone_of(org: Organization) -> ZoneInfo:
    """The organization's zone: schedules, business hours and "this month" run in it."""
    return ZoneInfo(org.time_zone)


def find_organization(session: Session, slug: str) -> Organization | None:
    return session.scalar(
        select(Organization).where(Organization.slug == slug, Organization.deleted_at.is_(None))
    )


def get_organization(session: Session, slug: str) -> Organization:
    org = find_organization(session, slug)
    if org is None:
        raise NotFound(f"no organization {slug!r}")
    return org


def search_organizations(
    session: Session,
    *,
    status: str | None = None,
    text: str | None = None,
    after_slug: str | None = None,
    limit: int,
) -> list[Organization]:
    """Live organizations by slug: a status, a substring of slug or name, after a slug."""
    query = select(Organization).where(Organization.deleted_at.is_(None))
    if status:
        query = query.where(Organization.status == status)
    if text:
        pattern = f"%{escape_like(text)}%"
        query = query.where(Organization.slug.ilike(pattern) | Organization.name.ilike(pattern))
    if after_slug is not None:
        query = query.where(Organization.slug > after_slug)
    return list(session.scalars(query.order_by(Organization.slug).limit(limit)))


def list_organizations(session: Session) -> list[Organization]:
    return list(
        session.scalars(
            select(Organization)
            .where(Organization.deleted_at.is_(None))
            .order_by(Organization.slug)
        )
    )


@contextmanager
def tenant_database(session: Session, cluster: str) -> Iterator[Connection]:
    """The default cluster shares the caller's transaction, so creating an organization there is
    atomic; another cluster gets its own transaction, and a rerun converges (each step is
    idempotent)."""
    if cluster == "default":
        yield session.connection()
        return
    with get_engine(cluster).begin() as connection:
        yield connection


def _mirror_on_cluster(connection: Connection, org: Organization) -> None:
    """A tenant cluster's copy of its organizations' rows (the default cluster's are the truth):
    row security there maps a tenant role to its organization, as it does on the default."""
    connection.execute(
        text(
            "INSERT INTO platform.orgs (id, slug, name, plan, status, schema_name, "
            "database_cluster, deleted_at) VALUES (:id, :slug, :name, :plan, :status, :schema, "
            ":cluster, :deleted_at) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, "
            "plan = EXCLUDED.plan, status = EXCLUDED.status, deleted_at = EXCLUDED.deleted_at, "
            "updated_at = now()"
        ),
        {
            "id": org.id,
            "slug": org.slug,
            "name": org.name,
            "plan": org.plan,
            "status": org.status,
            "schema": org.schema_name,
            "cluster": org.database_cluster,
            "deleted_at": org.deleted_at,
        },
    )


def _validate_spec(spec: OrganizationSpec) -> None:
    validate_slug(spec.slug)
    if not spec.name.strip():
        raise InvalidInput("organization name must not be empty", field="name")
    if spec.plan not in PLANS:
        raise InvalidInput(f"plan must be one of {', '.join(PLANS)}", field="plan")
    if spec.database_cluster != "default" and spec.database_cluster not in (
        get_settings().database_clusters
    ):
        raise InvalidInput(
            f"unknown database cluster {spec.database_cluster!r} (configure DATABASE_CLUSTERS)",
            field="database_cluster",
        )
    parse_time_zone(spec.time_zone)


def ensure_organization(
    session: Session, spec: OrganizationSpec, actor: Actor
) -> EnsuredOrganization:
    """Create the organization or complete a half-made one; on a complete one, change nothing.

    The owner is invited (an open invitation is left alone), unless `spec.owner_present`."""
    _validate_spec(spec)
    org = find_organization(session, spec.slug)
    created = org is None
    if org is None:
        org = Organization(
            slug=spec.slug,
            name=spec.name.strip(),
            plan=spec.plan,
            schema_name=TenantNames.for_slug(spec.slug).schema,
            database_cluster=spec.database_cluster,
            time_zone=spec.time_zone,
        )
        session.add(org)
        session.flush()
    if org.database_cluster != "default":
        # Another cluster carries the platform schema too: its tenants' audit chains live
        # there, next to their data, so a change and its audit entry commit together. Made
        # here, at provisioning (and by `db upgrade`), not on every use of the cluster, by the
        # owner of that schema (MIGRATION_DATABASE_CLUSTERS) as on the default cluster.
        upgrade_cluster_platform(org.database_cluster)
    with tenant_database(session, org.database_cluster) as connection:
        provision_tenant(connection, org.slug)
        if org.database_cluster != "default":
            _mirror_on_cluster(connection, org)

    owner_email = normalize_email(spec.owner_email)
    invitation = None
    owner = find_user_by_email(session, owner_email) if spec.owner_present else None
    if owner is not None:
        owner_role = role_by_name(session, org.id, OWNER_ROLE)
        member = select(Membership.id).where(
            Membership.org_id == org.id, Membership.user_id == owner.id
        )
        if session.scalar(member) is None:
            session.add(Membership(org_id=org.id, user_id=owner.id, role_id=owner_role.id))
            session.flush()
    else:
        invitation = invite_owner(session, org, owner_email, actor)
    if created:
        details = {
            "slug": org.slug,
            "plan": org.plan,
            "owner": owner_email,
            "time_zone": org.time_zone,
        }
        record(
            session,
            org_id=None,
            actor=actor,
            action="organization.create",
            target_type="organization",
            target_id=org.id,
            details=details,
        )
        record(
            session,
            org_id=org.id,
            actor=actor,
            action="organization.create",
            target_type="organization",
            target_id=org.id,
            details=details,
        )
    return EnsuredOrganization(org, created, owner_email, invitation)


def create_organization(
    session: Session, spec: OrganizationSpec, actor: Actor
) -> EnsuredOrganization:
    """Create a new organization; an existing slug is a conflict."""
    _validate_spec(spec)
    if find_organization(session, spec.slug) is not None:
        raise Conflict(f"organization {spec.slug!r} exists")
    if not get_settings().enable_multitenancy:
        existing = list_organizations(session)
        if existing:
            raise Conflict(
                "multitenancy is disabled (ENABLE_MULTITENANCY=false): this installation holds "
                f"its one organization {existing[0].slug!r}"
            )
    return ensure_organization(session, spec, actor)


def _require_two_factor(session: Session, org: Organization, actor: Actor) -> None:
    """Turn the requirement on: the one asking must have 2FA (or they lock themselves out),
    and members without it lose their sessions in this organization at once."""
    requester = session.get(User, actor.user_id) if actor.user_id else None
    if requester is not None and not requester.two_factor_enabled:
        raise Conflict(
            "turn on your own two-factor sign-in first (Settings, Two-factor sign-in): "
            "requiring it would lock you out"
        )
    without = select(User.id).where(User.totp_enabled_at.is_(None))
    session.execute(
        update(AuthSession)
        .where(
            AuthSession.org_id == org.id,
            AuthSession.revoked_at.is_(None),
            AuthSession.user_id.in_(without),
        )
        .values(revoked_at=utcnow(), revoked_reason="two-factor sign-in required")
    )


def update_organization(
    session: Session,
    org: Organization,
    *,
    name: str | None,
    plan: str | None,
    actor: Actor,
    require_two_factor: bool | None = None,
    time_zone: str | None = None,
) -> Organization:
    changes: dict[str, str | bool] = {}
    if time_zone is not None and time_zone != org.time_zone:
        parse_time_zone(time_zone)
        changes["time_zone"] = org.time_zone = time_zone
    if require_two_factor is not None and require_two_factor != org.require_two_factor:
        if require_two_factor:
            _require_two_factor(session, org, actor)
        changes["require_two_factor"] = org.require_two_factor = require_two_factor
    if name is not None:
        if not name.strip():
            raise InvalidInput("organization name must not be empty", field="name")
        changes["name"] = org.name = name.strip()
    if plan is not None:
        if plan not in PLANS:
            raise InvalidInput(f"plan must be one of {', '.join(PLANS)}", field="plan")
        changes["plan"] = org.plan = plan
    session.flush()
    record(
        session,
        org_id=org.id,
        actor=actor,
        action="organization.update",
        target_type="organization",
        target_id=org.id,
        details=changes,
    )
    return org


def _end_sessions(session: Session, org: Organization, reason: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.org_id == org.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


def set_suspended(session: Session, slug: str, suspended: bool, actor: Actor) -> Organization:
    """Suspend (sign-ins refused, sessions ended) or reactivate. Idempotent."""
    org = get_organization(session, slug)
    status = "suspended" if suspended else "active"
    if org.status != status:
        org.status = status
        if suspended:
            _end_sessions(session, org, "organization suspended")
        record(
            session,
            org_id=org.id,
            actor=actor,
            action=f"organization.{'suspend' if suspended else 'resume'}",
            target_type="organization",
            target_id=org.id,
        )
        session.flush()
    return org


def delete_organization(
    session: Session, slug: str, policy: DeletionPolicy, actor: Actor
) -> str | None:
    """Delete an organization: its sign-ins end, its members leave, and its schema is archived
    (`Retain`, name returned) or dropped (`Delete`)."""
    org = get_organization(session, slug)
    org.deleted_at = utcnow()
    with tenant_database(session, org.database_cluster) as connection:
        archived = deprovision_tenant(connection, org.slug, policy)
        if org.database_cluster != "default":
            _mirror_on_cluster(connection, org)
    _end_sessions(session, org, "organization deleted")
    for membership in session.scalars(select(Membership).where(Membership.org_id == org.id)):
        session.delete(membership)
    forget_location(org.slug)
    details = {"slug": org.slug, "policy": policy.value, "archived_schema": archived}
    record(
        session,
        org_id=org.id,
        actor=actor,
        action="organization.delete",
        target_type="organization",
        target_id=org.id,
        details=details,
    )
    record(
        session,
        org_id=None,
        actor=actor,
        action="organization.delete",
        target_type="organization",
        target_id=org.id,
        details=details,
    )
    session.flush()
    return archived


def organization_by_id(session: Session, org_id: uuid.UUID) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or org.deleted_at is not None:
        raise NotFound("organization not found")
    return org
