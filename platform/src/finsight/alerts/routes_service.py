"""Routes (severity → channels, a time window, an escalation delay) and the organization's
business and quiet hours. Never commits."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finsight.alerts.models import AlertRoute, AlertRule, AlertSettings, NotificationChannel
from finsight.alerts.rules import SEVERITIES
from finsight.alerts.windows import WINDOWS
from finsight.audit.service import apply_and_record, record, record_change, soft_delete_and_record
from finsight.errors import InvalidInput, NotFound
from finsight.kit.identity import Actor


def list_routes(session: Session) -> list[AlertRoute]:
    query = select(AlertRoute).where(AlertRoute.deleted_at.is_(None))
    return list(session.scalars(query.order_by(AlertRoute.escalate_after_minutes, AlertRoute.name)))


def get_route(session: Session, route_id: uuid.UUID) -> AlertRoute:
    route = session.get(AlertRoute, route_id)
    if route is None or route.deleted_at is not None:
        raise NotFound("route not found")
    return route


def _check(session: Session, values: dict[str, Any]) -> None:
    severities = values.get("severities")
    if severities is not None:
        if not severities or any(s not in SEVERITIES for s in severities):
            raise InvalidInput(
                f"severities: one or more of {', '.join(SEVERITIES)}", field="severities"
            )
        values["severities"] = sorted(set(severities), key=SEVERITIES.index)
    if values.get("time_window") is not None and values["time_window"] not in WINDOWS:
        raise InvalidInput(f"time_window: one of {', '.join(WINDOWS)}", field="time_window")
    channel_ids = values.get("channel_ids")
    if channel_ids is not None:
        if not channel_ids:
            raise InvalidInput("a route needs at least one channel", field="channel_ids")
        known = set(
            session.scalars(
                select(NotificationChannel.id).where(
                    NotificationChannel.id.in_(channel_ids),
                    NotificationChannel.deleted_at.is_(None),
                )
            )
        )
        missing = [str(c) for c in channel_ids if c not in known]
        if missing:
            raise InvalidInput(f"channel {missing[0]} not found", field="channel_ids")
        values["channel_ids"] = list(dict.fromkeys(channel_ids))
    rule_ids = values.get("rule_ids")
    if rule_ids:
        known = set(
            session.scalars(
                select(AlertRule.id).where(
                    AlertRule.id.in_(rule_ids), AlertRule.deleted_at.is_(None)
                )
            )
        )
        missing = [str(r) for r in rule_ids if r not in known]
        if missing:
            raise InvalidInput(f"rule {missing[0]} not found", field="rule_ids")


def create_route(
    session: Session, org_id: uuid.UUID, values: dict[str, Any], actor: Actor
) -> AlertRoute:
    _check(session, values)
    route = AlertRoute(**values)
    session.add(route)
    session.flush()
    record_change(session, org_id=org_id, actor=actor, action="alert_route.create", target=route)
    return route


def update_route(
    session: Session, org_id: uuid.UUID, route: AlertRoute, changes: dict[str, Any], actor: Actor
) -> AlertRoute:
    for key in ("name", "severities", "channel_ids", "time_window", "escalate_after_minutes"):
        if key in changes and changes[key] is None:
            raise InvalidInput(f"{key} cannot be null", field=key)
    if changes.get("rule_ids") is None and "rule_ids" in changes:
        changes["rule_ids"] = []
    _check(session, changes)
    apply_and_record(
        session, route, changes, org_id=org_id, actor=actor, action="alert_route.update"
    )
    return route


def delete_route(session: Session, org_id: uuid.UUID, route: AlertRoute, actor: Actor) -> None:
    soft_delete_and_record(session, route, org_id=org_id, actor=actor, action="alert_route.delete")


def get_settings_row(session: Session) -> AlertSettings:
    return session.get(AlertSettings, 1) or AlertSettings(
        id=1,
        business_days=[1, 2, 3, 4, 5],
        business_start=time(9),
        business_end=time(17),
        quiet_start=None,
        quiet_end=None,
    )


def update_settings(
    session: Session, org_id: uuid.UUID, values: dict[str, Any], actor: Actor
) -> AlertSettings:
    days = values["business_days"]
    if not days or any(d < 1 or d > 7 for d in days):
        raise InvalidInput("business_days: ISO weekdays 1 (Monday) to 7", field="business_days")
    if values["business_start"] == values["business_end"]:
        raise InvalidInput("business hours cannot start and end together", field="business_end")
    if (values["quiet_start"] is None) != (values["quiet_end"] is None):
        raise InvalidInput("quiet hours need a start and an end", field="quiet_end")
    row = session.get(AlertSettings, 1)
    if row is None:
        row = AlertSettings(id=1)
        session.add(row)
    row.business_days = sorted(set(days))
    row.business_start, row.business_end = values["business_start"], values["business_end"]
    row.quiet_start, row.quiet_end = values["quiet_start"], values["quiet_end"]
    session.flush()
    record(
        session,
        org_id=org_id,
        actor=actor,
        action="alert_settings.update",
        target_type="alert_settings",
        details={k: str(v) for k, v in values.items()},
    )
    return row
