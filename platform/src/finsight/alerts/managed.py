"""Rules kept by the cluster: the Organization's `spec.alerting.rules`, synced by the operator
into the tenant's alert rules (managed_by 'kubernetes', keyed by the rule's name in the spec).
People see them in the dashboard but cannot change them there."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finsight.alerts import service
from finsight.alerts.models import AlertRule
from finsight.errors import InvalidInput
from finsight.kit.identity import Actor

MANAGER = "kubernetes"


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    deleted: int


def sync_managed_rules(
    session: Session, org_id: uuid.UUID, specs: list[dict[str, Any]], actor: Actor
) -> SyncResult:
    """Make the managed rules exactly `specs` (each: name, kind, severity, params, enabled,
    repeatIntervalMinutes). Validates every spec first: one bad rule changes nothing (422
    naming it)."""
    wanted: dict[str, dict[str, Any]] = {}
    for index, spec in enumerate(specs):
        name = str(spec.get("name") or "").strip()
        if not name or name in wanted:
            raise InvalidInput(
                f"spec.alerting.rules[{index}]: a unique name is required",
                field=f"spec.alerting.rules[{index}].name",
            )
        wanted[name] = spec
    existing = {
        str(rule.managed_key): rule
        for rule in session.scalars(
            select(AlertRule).where(AlertRule.managed_by == MANAGER, AlertRule.deleted_at.is_(None))
        )
    }
    created = updated = deleted = 0
    for name, spec in wanted.items():
        values = {
            "name": name,
            "severity": spec.get("severity", "warning"),
            "params": spec.get("params") or {},
            "enabled": bool(spec.get("enabled", True)),
            "repeat_interval_minutes": int(spec.get("repeatIntervalMinutes", 240)),
        }
        rule = existing.get(name)
        if rule is not None and rule.kind != spec.get("kind"):
            service.delete_rule(session, org_id, rule, actor, managed=True)
            deleted += 1
            rule = None
        if rule is None:
            service.create_rule(
                session,
                org_id,
                kind=str(spec.get("kind")),
                actor=actor,
                managed_by=MANAGER,
                managed_key=name,
                **values,
            )
            created += 1
            continue
        changes = {k: v for k, v in values.items() if getattr(rule, k) != v}
        if "params" in changes:
            from finsight.alerts.rules import validate_params

            if validate_params(rule.kind, changes["params"]) == rule.params:
                changes.pop("params")
        if changes:
            service.update_rule(session, org_id, rule, changes, actor, managed=True)
            updated += 1
    for name, rule in existing.items():
        if name not in wanted:
            service.delete_rule(session, org_id, rule, actor, managed=True)
            deleted += 1
    return SyncResult(created, updated, deleted)
