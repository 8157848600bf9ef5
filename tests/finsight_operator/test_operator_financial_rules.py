"""spec.alerting.financialRules synced by the real operator (against the emulated API server)
into the tenant's alert rules: created, changed, removed; managed (read-only in the API); a
bad rule is reported in the status naming its field, and nothing is synced from it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from finsight.alerts.models import AlertRule
from finsight.tenancy import tenant_session

from support.kube_emulator import KubeEmulator, wait_for

pytestmark = pytest.mark.integration


def _managed(slug: str) -> dict[str, dict[str, Any]]:
    with tenant_session(slug) as session:
        rules = session.scalars(
            select(AlertRule).where(
                AlertRule.deleted_at.is_(None), AlertRule.managed_by.is_not(None)
            )
        )
        return {
            r.name: {
                "kind": r.kind,
                "severity": r.severity,
                "params": r.params,
                "enabled": r.enabled,
            }
            for r in rules
        }


def test_financial_rules_follow_the_spec(kube: KubeEmulator, operator, unique_slug: str):
    low = {"name": "Low balance", "kind": "balance_below", "params": {"amount": "500"}}
    big = {
        "name": "Big spend",
        "kind": "transaction_over",
        "severity": "critical",
        "params": {"amount": "2000"},
    }
    kube.create_organization(
        unique_slug,
        {"owner": f"owner@{unique_slug}.example.com", "alerting": {"financialRules": [low, big]}},
    )
    org = kube.wait_for_phase(unique_slug, "Ready")
    ready = {c["type"]: c for c in org["status"]["conditions"]}["AlertRulesReady"]
    assert "2 financial rules synced" in ready["message"]
    rules = _managed(unique_slug)
    assert rules["Low balance"]["params"]["amount"] == "500"
    assert rules["Big spend"]["severity"] == "critical"

    # Changed in Git: one rule's threshold, the other removed, a third added.
    kube.patch_organization(
        unique_slug,
        {
            "alerting": {
                "financialRules": [
                    {**low, "params": {"amount": "250"}, "enabled": False},
                    {"name": "Pile", "kind": "uncategorized", "params": {"count": 40}},
                ]
            }
        },
    )
    wait_for(
        lambda: (
            set(_managed(unique_slug)) == {"Low balance", "Pile"}
            and _managed(unique_slug)["Low balance"]["params"]["amount"] == "250"
        ),
        what="the managed rules to follow the spec",
    )
    assert _managed(unique_slug)["Low balance"]["enabled"] is False

    # A rule with a bad parameter: reported in the status with its field; rules unchanged.
    kube.patch_organization(
        unique_slug,
        {
            "alerting": {
                "financialRules": [
                    {"name": "Bad", "kind": "uncategorized", "params": {"count": "lots"}}
                ]
            }
        },
    )
    org = kube.wait_for_organization(
        unique_slug,
        lambda o: (
            o["status"].get("phase") == "Invalid"
            or "financialRules[0].params.count" in str(o["status"])
        ),
        what="the invalid rule to be reported",
    )
    assert "spec.alerting.financialRules[0].params.count" in str(org["status"])
    assert set(_managed(unique_slug)) == {"Low balance", "Pile"}
