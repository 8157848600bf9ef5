"""The in-app feed (the bell in the dashboard's top bar): what in-app channels received, and
each member's "seen up to" mark."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from finsight.alerts.models import InAppNotification, InAppSeen
from finsight.kit.models import utcnow

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def seen_at(session: Session, user_id: uuid.UUID) -> datetime:
    row = session.get(InAppSeen, user_id)
    return row.seen_at if row is not None else EPOCH


def feed(session: Session, *, before_id: uuid.UUID | None, limit: int) -> list[InAppNotification]:
    query = select(InAppNotification)
    if before_id:
        query = query.where(InAppNotification.id < before_id)
    return list(
        session.scalars(
            query.order_by(InAppNotification.created_at.desc(), InAppNotification.id.desc()).limit(
                limit
            )
        )
    )


def unread(session: Session, user_id: uuid.UUID) -> int:
    since = seen_at(session, user_id)
    return int(
        session.scalar(select(func.count()).where(InAppNotification.created_at > since)) or 0
    )


def mark_seen(session: Session, user_id: uuid.UUID) -> datetime:
    now = utcnow()
    session.execute(
        insert(InAppSeen)
        .values(user_id=user_id, seen_at=now)
        .on_conflict_do_update(index_elements=["user_id"], set_={"seen_at": now})
    )
    return now
