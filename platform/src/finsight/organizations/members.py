"""Members of an organization and their roles (people join through `invitations`). Never
commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from finsight.audit.service import record
from finsight.auth.models import AuthSession
from finsight.errors import Conflict, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.organizations.models import Membership, Organization
from finsight.rbac.models import Role
from finsight.rbac.permissions import OWNER_ROLE
from finsight.rbac.service import ensure_can_grant, role_by_name


@dataclass(frozen=True)
class MembershipOf:
    org_id: uuid.UUID
    slug: str
    name: str
    role: str


# Built once (GET /api/users/me reads it on every call).
_MEMBERSHIPS = (
    select(Organization.id, Organization.slug, Organization.name, Role.name.label("role"))
    .join(Membership, Membership.org_id == Organization.id)
    .join(Role, Role.id == Membership.role_id)
    .where(Membership.user_id == bindparam("user_id"), Organization.deleted_at.is_(None))
    .order_by(Organization.slug)
)


def memberships_of(session: Session, user_id: uuid.UUID) -> list[MembershipOf]:
    """The live organizations a user belongs to, with their role in each, by slug."""
    rows = session.execute(_MEMBERSHIPS, {"user_id": user_id})
    return [MembershipOf(row.id, row.slug, row.name, row.role) for row in rows]


def list_members(session: Session, org: Organization) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership).where(Membership.org_id == org.id).order_by(Membership.created_at)
        )
    )


def page_members(
    session: Session, org_id: uuid.UUID, *, after_id: uuid.UUID | None, limit: int
) -> list[Membership]:
    """A keyset page of the organization's members, by membership id."""
    query = select(Membership).where(Membership.org_id == org_id)
    if after_id:
        query = query.where(Membership.id > after_id)
    return list(session.scalars(query.order_by(Membership.id).limit(limit)))


def get_member(session: Session, org: Organization, user_id: uuid.UUID) -> Membership:
    membership = session.scalar(
        select(Membership).where(Membership.org_id == org.id, Membership.user_id == user_id)
    )
    if membership is None:
        raise NotFound("member not found")
    return membership


def _owner_count(session: Session, org: Organization) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .join(Role, Role.id == Membership.role_id)
            .where(Membership.org_id == org.id, Role.is_builtin, Role.name == OWNER_ROLE)
        )
        or 0
    )


def _ensure_not_last_owner(session: Session, org: Organization, membership: Membership) -> None:
    if (
        membership.role.is_builtin
        and membership.role.name == OWNER_ROLE
        and _owner_count(session, org) <= 1
    ):
        raise Conflict("an organization must keep at least one owner")


def change_member_role(
    session: Session,
    org: Organization,
    user_id: uuid.UUID,
    *,
    role_name: str,
    granter_permissions: frozenset[str],
    actor: Actor,
) -> Membership:
    membership = get_member(session, org, user_id)
    role = role_by_name(session, org.id, role_name)
    ensure_can_grant(granter_permissions, role)
    # Demoting someone more powerful than yourself is an escalation too.
    ensure_can_grant(granter_permissions, membership.role)
    if role.id != membership.role_id:
        _ensure_not_last_owner(session, org, membership)
        previous = membership.role.name
        membership.role_id = role.id
        session.flush()
        session.refresh(membership)
        record(
            session,
            org_id=org.id,
            actor=actor,
            action="member.role.change",
            target_type="user",
            target_id=user_id,
            details={"from": previous, "to": role.name},
        )
    return membership


def remove_member(
    session: Session,
    org: Organization,
    user_id: uuid.UUID,
    *,
    granter_permissions: frozenset[str],
    actor: Actor,
) -> None:
    membership = get_member(session, org, user_id)
    ensure_can_grant(granter_permissions, membership.role)
    _ensure_not_last_owner(session, org, membership)
    email = membership.user.email
    session.delete(membership)
    session.execute(
        update(AuthSession)
        .where(
            AuthSession.org_id == org.id,
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow(), revoked_reason="membership removed")
    )
    session.flush()
    record(
        session,
        org_id=org.id,
        actor=actor,
        action="member.remove",
        target_type="user",
        target_id=user_id,
        details={"email": email},
    )
