"""Routes: which channels hear of an alert, when (business or quiet hours in the organization's
time zone) and after how long unacknowledged (escalation). Every notification is an outbox row
(`AlertDelivery`) written in the caller's transaction and sent after commit.

Alerts of one rule found in one evaluation go out as one message per channel (grouping); a
firing alert nobody acknowledged is told again after its rule's repeat interval.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from finsight.alerts.directory import OrgProfile
from finsight.alerts.domain import DELIVER_TASK
from finsight.alerts.messages import alert_payload
from finsight.alerts.models import (
    Alert,
    AlertDelivery,
    AlertRoute,
    AlertRouteMark,
    AlertRule,
    AlertSettings,
    NotificationChannel,
)
from finsight.alerts.windows import Hours, window_open
from finsight.worker.enqueue import enqueue_after_commit


def hours(session: Session) -> Hours:
    row = session.get(AlertSettings, 1)
    if row is None:  # never set: weekdays 9 to 5, no quiet hours
        return Hours((1, 2, 3, 4, 5), time(9), time(17), None, None)
    return Hours(
        tuple(row.business_days),
        row.business_start,
        row.business_end,
        row.quiet_start,
        row.quiet_end,
    )


def _routes(session: Session) -> list[AlertRoute]:
    query = select(AlertRoute).where(AlertRoute.deleted_at.is_(None), AlertRoute.enabled)
    return list(session.scalars(query.order_by(AlertRoute.id)))


def _matches(route: AlertRoute, rule: AlertRule) -> bool:
    return rule.severity in route.severities and (not route.rule_ids or rule.id in route.rule_ids)


def _channels(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, NotificationChannel]:
    wanted = set(ids)
    if not wanted:
        return {}
    query = select(NotificationChannel).where(
        NotificationChannel.id.in_(wanted),
        NotificationChannel.deleted_at.is_(None),
        NotificationChannel.enabled,
    )
    return {channel.id: channel for channel in session.scalars(query)}


def queue_delivery(
    session: Session,
    org: OrgProfile,
    channel: NotificationChannel,
    *,
    kind: str,
    payload: dict[str, Any],
    alert_ids: Sequence[uuid.UUID] = (),
    route_id: uuid.UUID | None = None,
    now: datetime,
) -> AlertDelivery:
    delivery = AlertDelivery(
        channel_id=channel.id,
        route_id=route_id,
        kind=kind,
        event_type=payload["type"],
        alert_ids=list(alert_ids),
        payload=payload,
        next_attempt_at=now,
    )
    session.add(delivery)
    session.flush()
    enqueue_after_commit(session, DELIVER_TASK, org.slug, delivery_id=str(delivery.id))
    return delivery


def _mark(session: Session, alerts: Sequence[Alert], route_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        insert(AlertRouteMark)
        .values([{"alert_id": a.id, "route_id": route_id, "notified_at": now} for a in alerts])
        .on_conflict_do_nothing()
    )


def _send(
    session: Session,
    org: OrgProfile,
    rule: AlertRule,
    alerts: Sequence[Alert],
    routes: Sequence[AlertRoute],
    *,
    kind: str,
    event_type: str,
    now: datetime,
) -> list[AlertDelivery]:
    """One delivery per channel of `routes` (a channel in two routes hears once)."""
    channels = _channels(session, (c for r in routes for c in r.channel_ids))
    payload = alert_payload(event_type, org.slug, org.name, rule, alerts, now)
    sent: set[uuid.UUID] = set()
    deliveries = []
    for route in routes:
        for channel_id in route.channel_ids:
            channel = channels.get(channel_id)
            if channel is None or channel_id in sent:
                continue
            sent.add(channel_id)
            deliveries.append(
                queue_delivery(
                    session,
                    org,
                    channel,
                    kind=kind,
                    payload=payload,
                    alert_ids=[a.id for a in alerts],
                    route_id=route.id,
                    now=now,
                )
            )
        _mark(session, alerts, route.id, now)
    for alert in alerts:
        alert.last_notified_at, alert.notifications = now, alert.notifications + 1
    return deliveries


def notify_fired(
    session: Session, org: OrgProfile, fired: dict[uuid.UUID, list[Alert]], now: datetime
) -> list[AlertDelivery]:
    """Tell the immediate routes (no escalation delay, window open now) of newly fired
    alerts, one message per rule and channel. Routes whose window is closed hear later, from
    `follow_up`, if the alert is still unacknowledged when it opens."""
    if not any(fired.values()):
        return []
    routes, office = _routes(session), hours(session)
    deliveries = []
    for rule_id, alerts in fired.items():
        rule = session.get(AlertRule, rule_id)
        if rule is None or not alerts:
            continue
        now_routes = [
            r
            for r in routes
            if _matches(r, rule)
            and r.escalate_after_minutes == 0
            and window_open(r.time_window, office, now, org.zone)
        ]
        deliveries += _send(
            session, org, rule, alerts, now_routes, kind="alert", event_type="alert.fired", now=now
        )
    return deliveries


def follow_up(session: Session, org: OrgProfile, now: datetime) -> list[AlertDelivery]:
    """The beat's pass over firing (unacknowledged) alerts: escalation steps now due, routes
    whose window has opened since, and repeats of what nobody acknowledged."""
    routes, office = _routes(session), hours(session)
    firing = list(session.scalars(select(Alert).where(Alert.status == "firing").order_by(Alert.id)))
    if not firing:
        return []
    marks: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for alert_id, route_id in session.execute(
        select(AlertRouteMark.alert_id, AlertRouteMark.route_id).where(
            AlertRouteMark.alert_id.in_([a.id for a in firing])
        )
    ):
        marks[alert_id].add(route_id)
    rules = {
        r.id: r
        for r in session.scalars(
            select(AlertRule).where(AlertRule.id.in_({a.rule_id for a in firing}))
        )
    }
    due: dict[tuple[uuid.UUID, uuid.UUID], list[Alert]] = defaultdict(list)
    repeat: dict[uuid.UUID, list[Alert]] = defaultdict(list)
    for alert in firing:
        rule = rules[alert.rule_id]
        for route in routes:
            if (
                route.id in marks[alert.id]
                or not _matches(route, rule)
                or alert.fired_at < route.created_at
                or now < alert.fired_at + timedelta(minutes=route.escalate_after_minutes)
                or not window_open(route.time_window, office, now, org.zone)
            ):
                continue
            due[(rule.id, route.id)].append(alert)
        interval = timedelta(minutes=rule.repeat_interval_minutes)
        if alert.last_notified_at is not None and now >= alert.last_notified_at + interval:
            repeat[rule.id].append(alert)
    by_id = {route.id: route for route in routes}
    deliveries = []
    for (rule_id, route_id), alerts in due.items():
        route = by_id[route_id]
        escalated = route.escalate_after_minutes > 0
        deliveries += _send(
            session,
            org,
            rules[rule_id],
            alerts,
            [route],
            kind="escalation" if escalated else "alert",
            event_type="alert.escalated" if escalated else "alert.fired",
            now=now,
        )
    for rule_id, alerts in repeat.items():
        rule = rules[rule_id]
        immediate = [
            r
            for r in routes
            if _matches(r, rule)
            and r.escalate_after_minutes == 0
            and window_open(r.time_window, office, now, org.zone)
        ]
        deliveries += _send(
            session, org, rule, alerts, immediate, kind="repeat", event_type="alert.repeat", now=now
        )
    return deliveries
