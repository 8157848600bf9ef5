"""The daily refresh: an organization whose analytics have not run for a while gets a run.

Imports start runs, but part of what analytics says depends on the date alone: a monthly charge
is "missed" once its date passes, a forecast starts at the current month, a category is "ahead of
its usual pace" only within a month. Without a refresh, an organization that stops importing
would keep seeing the last import's picture with dates in the past.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from finsight.analytics.models import AnalyticsRun
from finsight.analytics.service import start_run
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.transactions.models import Transaction

SCHEDULER = Actor.system("worker:scheduler")


def refresh_if_stale(
    session: Session, *, org_id: uuid.UUID, org_slug: str, older_than: timedelta
) -> AnalyticsRun | None:
    """Start an "all" run unless one is waiting or running, one was started within
    `older_than`, or the organization has no transactions; the run started, else None."""
    recent = select(AnalyticsRun.id).where(
        AnalyticsRun.kind == "all",
        or_(
            AnalyticsRun.status.in_(("queued", "running")),
            AnalyticsRun.created_at >= utcnow() - older_than,
        ),
    )
    if session.scalar(select(exists(recent))):
        return None
    if not session.scalar(select(exists(select(Transaction.id)))):
        return None
    hours = round(older_than.total_seconds() / 3600, 2)
    return start_run(
        session,
        "all",
        org_id=org_id,
        org_slug=org_slug,
        actor=SCHEDULER,
        parameters={"trigger": "schedule", "after_hours": hours},
    )
