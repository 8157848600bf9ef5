"""Alert rules and alerts: create and change rules; acknowledge and resolve alerts (who, when).

Never commits. Managed rules (the cluster's, from the Organization's spec.alerting) are changed
only by the operator's sync (`finsight.alerts.managed`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from finsight.alerts.models import Alert, AlertDelivery, AlertRule, DeliveryAttempt
from finsight.alerts.rules import SEVERITIES, validate_params
from finsight.audit.service import apply_and_record, record_change
from finsight.errors import Conflict, InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow

ALERT_STATUSES = ("firing", "acknowledged", "resolved")


# --- rules -------------------------------------------------------------------------------


def list_rules(session: Session, *, kind: str | None = None) -> list[AlertRule]:
    query = select(AlertRule).where(AlertRule.deleted_at.is_(None))
    if kind:
        query = query.where(AlertRule.kind == kind)
    return list(session.scalars(query.order_by(AlertRule.name, AlertRule.id)))


def get_rule(session: Session, rule_id: uuid.UUID) -> AlertRule:
    rule = session.get(AlertRule, rule_id)
    if rule is None or rule.deleted_at is not None:
        raise NotFound("alert rule not found")
    return rule


def _check_severity(severity: str) -> None:
    if severity not in SEVERITIES:
        raise InvalidInput(f"severity must be one of {', '.join(SEVERITIES)}", field="severity")


def create_rule(
    session: Session,
    org_id: uuid.UUID,
    *,
    name: str,
    kind: str,
    severity: str,
    params: dict[str, Any] | None,
    enabled: bool = True,
    repeat_interval_minutes: int = 240,
    actor: Actor,
    managed_by: str | None = None,
    managed_key: str | None = None,
) -> AlertRule:
    _check_severity(severity)
    rule = AlertRule(
        name=name,
        kind=kind,
        severity=severity,
        params=validate_params(kind, params),
        enabled=enabled,
        repeat_interval_minutes=repeat_interval_minutes,
        managed_by=managed_by,
        managed_key=managed_key,
        watermark=utcnow(),
    )
    session.add(rule)
    session.flush()
    record_change(session, org_id=org_id, actor=actor, action="alert_rule.create", target=rule)
    return rule


def _refuse_managed(rule: AlertRule) -> None:
    if rule.managed_by:
        raise Conflict(
            f"rule {rule.name!r} is managed by the cluster (the Organization's spec.alerting): "
            "change it there"
        )


def update_rule(
    session: Session,
    org_id: uuid.UUID,
    rule: AlertRule,
    changes: dict[str, Any],
    actor: Actor,
    *,
    managed: bool = False,
) -> AlertRule:
    """`changes` holds only the fields sent; `kind` cannot change (make a new rule)."""
    if not managed:
        _refuse_managed(rule)
    for key in ("name", "severity", "enabled", "repeat_interval_minutes", "params"):
        if key in changes and changes[key] is None:
            raise InvalidInput(f"{key} cannot be null", field=key)
    if "severity" in changes:
        _check_severity(changes["severity"])
    if "params" in changes:
        changes["params"] = validate_params(rule.kind, changes["params"])
    changed = apply_and_record(
        session, rule, changes, org_id=org_id, actor=actor, action="alert_rule.update"
    )
    if "enabled" in changed and rule.enabled:
        # Turned back on: what happened while off is not news.
        rule.watermark = utcnow()
        session.flush()
    return rule


def delete_rule(
    session: Session, org_id: uuid.UUID, rule: AlertRule, actor: Actor, *, managed: bool = False
) -> None:
    """Soft delete; its open alerts are resolved (nothing will clear them any more)."""
    if not managed:
        _refuse_managed(rule)
    now = utcnow()
    rule.deleted_at = now
    session.execute(
        update(Alert)
        .where(Alert.rule_id == rule.id, Alert.status != "resolved")
        .values(status="resolved", resolved_at=now, resolution="cleared")
    )
    session.flush()
    record_change(session, org_id=org_id, actor=actor, action="alert_rule.delete", target=rule)


# --- alerts ------------------------------------------------------------------------------


def list_alerts(
    session: Session,
    *,
    status: str | None = None,
    severity: str | None = None,
    rule_id: uuid.UUID | None = None,
    open_only: bool = False,
    before_id: uuid.UUID | None = None,
    limit: int = 50,
) -> list[Alert]:
    query = select(Alert)
    if status:
        query = query.where(Alert.status == status)
    if open_only:
        query = query.where(Alert.status != "resolved")
    if severity:
        query = query.where(Alert.severity == severity)
    if rule_id:
        query = query.where(Alert.rule_id == rule_id)
    if before_id:
        query = query.where(Alert.id < before_id)
    return list(session.scalars(query.order_by(Alert.id.desc()).limit(limit)))


def count_open(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Alert.status, func.count()).where(Alert.status != "resolved").group_by(Alert.status)
    )
    return {status: count for status, count in rows}


def get_alert(session: Session, alert_id: uuid.UUID) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("alert not found")
    return alert


def acknowledge(session: Session, org_id: uuid.UUID, alert: Alert, actor: Actor) -> Alert:
    """Someone is on it: escalation and repeats stop. Acknowledging twice is a no-op."""
    if alert.status == "resolved":
        raise Conflict("the alert is resolved")
    if alert.status == "firing":
        alert.status = "acknowledged"
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by, alert.acknowledged_by_email = actor.user_id, actor.email
        session.flush()
        record_change(session, org_id=org_id, actor=actor, action="alert.acknowledge", target=alert)
    return alert


def resolve(session: Session, org_id: uuid.UUID, alert: Alert, actor: Actor) -> Alert:
    """Dismissed by a person: the same condition stays quiet until it changes."""
    if alert.status == "resolved":
        return alert
    alert.status, alert.resolved_at, alert.resolution = "resolved", utcnow(), "dismissed"
    alert.resolved_by, alert.resolved_by_email = actor.user_id, actor.email
    session.flush()
    record_change(session, org_id=org_id, actor=actor, action="alert.resolve", target=alert)
    return alert


def deliveries_of_alert(session: Session, alert_id: uuid.UUID) -> list[AlertDelivery]:
    query = select(AlertDelivery).where(AlertDelivery.alert_ids.contains([alert_id]))
    return list(session.scalars(query.order_by(AlertDelivery.id)))


def attempts_of(
    session: Session, delivery_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[DeliveryAttempt]]:
    found: dict[uuid.UUID, list[DeliveryAttempt]] = {d: [] for d in delivery_ids}
    if delivery_ids:
        query = select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(delivery_ids))
        for attempt in session.scalars(query.order_by(DeliveryAttempt.attempt)):
            found[attempt.delivery_id].append(attempt)
    return found
