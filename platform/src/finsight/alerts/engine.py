"""Rules evaluated into alerts: dedup, fire, clear, repeat.

A condition found true opens an alert unless one is open for it (then it is only seen again,
and updated if its fingerprint changed) or the last one was dismissed by a person with the same
fingerprint (a dismissed condition stays dismissed; a changed one fires again). A state rule's
open alert whose condition is gone clears by itself. New alerts are handed to routing, which
writes their deliveries in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from finsight.alerts.conditions import EVALUATORS, STATE_KINDS, Condition, Context, event_scope
from finsight.alerts.models import Alert, AlertRule
from finsight.kit.query import advisory_xact_lock
from finsight.observability.logging import get_logger

log = get_logger(__name__)
EVALUATION_LOCK = "finsight.alerts.evaluate"


@dataclass
class Outcome:
    fired: list[Alert] = field(default_factory=list)  # new, or fired again (changed)
    cleared: int = 0
    seen: int = 0


def _open_alerts(session: Session, rule_id: uuid.UUID) -> dict[str, Alert]:
    query = select(Alert).where(Alert.rule_id == rule_id, Alert.status != "resolved")
    return {alert.dedup_key: alert for alert in session.scalars(query)}


def _last_resolved(
    session: Session, rule_id: uuid.UUID, keys: list[str]
) -> dict[str, tuple[str, str | None]]:
    """dedup key -> (fingerprint, resolution) of the condition's latest resolved alert."""
    if not keys:
        return {}
    query = (
        select(Alert.dedup_key, Alert.fingerprint, Alert.resolution)
        .where(Alert.rule_id == rule_id, Alert.status == "resolved", Alert.dedup_key.in_(keys))
        .order_by(Alert.id.desc())
    )
    latest: dict[str, tuple[str, str | None]] = {}
    for key, fingerprint, resolution in session.execute(query):
        latest.setdefault(key, (fingerprint, resolution))
    return latest


def apply(
    session: Session,
    rule: AlertRule,
    found: Iterable[Condition],
    *,
    now: datetime,
    clear_scope: str | bool | None,
) -> Outcome:
    """Bring the rule's alerts in line with what was found. `clear_scope`: False for an event
    rule (nothing clears), True to clear every open alert not found, a dedup key to clear only
    that one."""
    outcome = Outcome()
    conditions = {c.dedup_key: c for c in found}
    open_alerts = _open_alerts(session, rule.id)
    fresh = [key for key in conditions if key not in open_alerts]
    history = _last_resolved(session, rule.id, fresh)
    for key, condition in conditions.items():
        alert = open_alerts.get(key)
        if alert is not None:
            outcome.seen += 1
            alert.last_seen_at = now
            if alert.fingerprint != condition.fingerprint:
                _refresh(alert, condition)
                alert.status, alert.fired_at = "firing", now
                alert.acknowledged_at = alert.acknowledged_by = alert.acknowledged_by_email = None
                outcome.fired.append(alert)
            continue
        before = history.get(key)
        if before is not None:
            fingerprint, resolution = before
            # Dismissed and unchanged: stays quiet. An event that already fired: once only.
            if fingerprint == condition.fingerprint and (
                resolution == "dismissed" or rule.kind not in STATE_KINDS
            ):
                continue
        alert = Alert(
            rule_id=rule.id,
            dedup_key=key,
            status="firing",
            severity=rule.severity,
            fired_at=now,
            last_seen_at=now,
        )
        _refresh(alert, condition)
        session.add(alert)
        outcome.fired.append(alert)
    if clear_scope is not False:
        for key, alert in open_alerts.items():
            if key in conditions or (clear_scope is not True and key != clear_scope):
                continue
            alert.status, alert.resolved_at, alert.resolution = "resolved", now, "cleared"
            outcome.cleared += 1
    session.flush()
    return outcome


def _refresh(alert: Alert, condition: Condition) -> None:
    alert.fingerprint = condition.fingerprint
    alert.title = condition.title[:500]
    alert.body = condition.body[:2000]
    alert.details = condition.details


def evaluate(
    session: Session, kinds: Iterable[str], ctx: Context, *, rule_ids: Iterable[uuid.UUID] = ()
) -> dict[uuid.UUID, Outcome]:
    """Evaluate the enabled rules of `kinds` (or only `rule_ids`), one evaluation at a time
    per tenant (the lock: two at once could both open the same alert)."""
    advisory_xact_lock(session, EVALUATION_LOCK, per_schema=True)
    query = select(AlertRule).where(
        AlertRule.deleted_at.is_(None),
        AlertRule.enabled.is_(True),
        AlertRule.kind.in_(list(kinds)),
    )
    wanted = list(rule_ids)
    if wanted:
        query = query.where(AlertRule.id.in_(wanted))
    outcomes: dict[uuid.UUID, Outcome] = {}
    for rule in session.scalars(query.order_by(AlertRule.id)):
        found = EVALUATORS[rule.kind](session, rule, ctx)
        if rule.kind in STATE_KINDS:
            scope: str | bool = event_scope(rule.kind, ctx) or True
        else:
            scope = False
        outcomes[rule.id] = apply(session, rule, found, now=ctx.now, clear_scope=scope)
        rule.watermark = ctx.now
    fired = sum(len(o.fired) for o in outcomes.values())
    if fired:
        log.info("alerts.fired", count=fired, rules=len(outcomes))
    return outcomes
