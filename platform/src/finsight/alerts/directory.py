"""What alerting needs from the platform tables: the organization's time zone and name, and
its members' addresses by role. Read in a platform transaction of its own (the tenant's may
be on another cluster)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from finsight.db import platform_session
from finsight.organizations.models import Membership, Organization
from finsight.rbac.models import Role
from finsight.users.models import User


@dataclass(frozen=True)
class OrgProfile:
    id: uuid.UUID
    slug: str
    name: str
    time_zone: str

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")


def org_profile(org_id: uuid.UUID) -> OrgProfile:
    with platform_session() as session:
        org = session.get(Organization, org_id)
        if org is None:
            raise LookupError(f"organization {org_id} not found")
        return OrgProfile(org.id, org.slug, org.name, org.time_zone or "UTC")


def member_emails(org_id: uuid.UUID, roles: list[str]) -> list[str]:
    """Active members holding one of `roles` (built-in or custom role names)."""
    if not roles:
        return []
    with platform_session() as session:
        query = (
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .join(Role, Role.id == Membership.role_id)
            .where(Membership.org_id == org_id, Role.name.in_(roles), User.is_active.is_(True))
            .order_by(User.email)
        )
        return list(dict.fromkeys(session.scalars(query)))
