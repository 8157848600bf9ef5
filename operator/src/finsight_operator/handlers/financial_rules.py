"""spec.alerting.financialRules -> the tenant's managed alert rules (finsight.alerts.managed):
created, changed and deleted to match, in one tenant transaction."""

from __future__ import annotations

from finsight.alerts.managed import SyncResult, sync_managed_rules
from finsight.kit.identity import Actor
from finsight.tenancy import tenant_unit
from finsight_operator.spec import Organization

ACTOR = Actor.system("operator")


def sync(org: Organization) -> SyncResult:
    specs = [
        {
            "name": rule.name,
            "kind": rule.kind,
            "severity": rule.severity,
            "enabled": rule.enabled,
            "params": dict(rule.params),
            "repeatIntervalMinutes": rule.repeat_interval_minutes,
        }
        for rule in org.spec.alerting.financial_rules
    ]
    with tenant_unit(org.slug) as unit:
        return sync_managed_rules(unit.session, unit.org_id, specs, ACTOR)
