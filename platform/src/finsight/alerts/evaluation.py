"""One evaluation of a tenant's rules, start to end, in the caller's transaction: the alerts
it fires and their deliveries commit together (the outbox), then the deliveries are sent."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finsight.alerts.conditions import Context
from finsight.alerts.directory import OrgProfile
from finsight.alerts.engine import Outcome, evaluate
from finsight.alerts.models import Alert, AlertDelivery
from finsight.alerts.routing import follow_up, notify_fired
from finsight.kit.models import utcnow


def evaluate_and_notify(
    session: Session,
    org: OrgProfile,
    kinds: Iterable[str],
    *,
    now: datetime | None = None,
    event: dict[str, Any] | None = None,
    rule_ids: Iterable[uuid.UUID] = (),
) -> tuple[dict[uuid.UUID, Outcome], list[AlertDelivery]]:
    now = now or utcnow()
    ctx = Context(now=now, today=now.astimezone(org.zone).date(), event=event)
    outcomes = evaluate(session, kinds, ctx, rule_ids=rule_ids)
    deliveries = notify_fired(
        session, org, {rule_id: o.fired for rule_id, o in outcomes.items()}, now
    )
    return outcomes, deliveries


def any_firing(session: Session) -> bool:
    return session.scalar(select(Alert.id).where(Alert.status == "firing").limit(1)) is not None


def follow_up_alerts(
    session: Session, org: OrgProfile, *, now: datetime | None = None
) -> list[AlertDelivery]:
    return follow_up(session, org, now or utcnow())
