"""The platform's index of items: which organization an item belongs to. Plaid's webhooks name
only the item, and a tenant's tables live in its own schema (maybe on another cluster), so the
index lives in the platform schema of the default cluster, written in a transaction of its own:
before the tenant's item commits (an entry whose item never committed only makes a webhook
answer "unknown item"), and removed after the item is."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from finsight.db import platform_session
from finsight.organizations.models import Organization
from finsight.plaid.models import PlaidItemIndex


def register(item_id: str, org_id: uuid.UUID) -> None:
    with platform_session() as session:
        session.execute(
            insert(PlaidItemIndex)
            .values(item_id=item_id, org_id=org_id)
            .on_conflict_do_update(index_elements=["item_id"], set_={"org_id": org_id})
        )


def unregister(item_id: str) -> None:
    with platform_session() as session:
        session.execute(delete(PlaidItemIndex).where(PlaidItemIndex.item_id == item_id))


def organization_of(item_id: str) -> str | None:
    """The slug of the live organization the item belongs to, if any."""
    with platform_session() as session:
        return session.scalar(
            select(Organization.slug)
            .join(PlaidItemIndex, PlaidItemIndex.org_id == Organization.id)
            .where(
                PlaidItemIndex.item_id == item_id,
                Organization.deleted_at.is_(None),
                Organization.status == "active",
            )
        )
