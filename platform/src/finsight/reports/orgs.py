"""What reports need of an organization's platform record: its name and time zone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from finsight.db import platform_session
from finsight.organizations.models import Organization


@dataclass(frozen=True)
class OrgProfile:
    name: str
    time_zone: str

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def today(self, now: datetime) -> date:
        """The organization's date at `now` (reports' "last month" is its last month)."""
        return now.astimezone(self.zone).date()


def org_profile(org_id: uuid.UUID) -> OrgProfile:
    with platform_session() as session:
        row = session.execute(
            select(Organization.name, Organization.time_zone).where(Organization.id == org_id)
        ).one()
    return OrgProfile(row.name, row.time_zone or "UTC")
