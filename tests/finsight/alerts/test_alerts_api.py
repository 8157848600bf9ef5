"""The alerting API: rules validated per kind, permissions, managed rules read-only, alerts'
life cycle with who and when, routes and channels validated, tenants isolated."""

from __future__ import annotations

import uuid

import httpx
import pytest

from finsight.alerts.managed import sync_managed_rules
from finsight.tenancy import tenant_unit

from support.alerting import Alerting
from support.api import TEST_ACTOR, add_user, create_org, login

pytestmark = pytest.mark.integration


def test_rules_validated_per_kind(alerting: Alerting):
    kinds = alerting.client.get("/api/alert-rules/kinds", headers=alerting.h).json()
    assert {"balance_below", "anomaly", "bank_reauth"} <= {k["kind"] for k in kinds}
    for body, field in (
        ({"name": "x", "kind": "nope"}, "kind"),
        ({"name": "x", "kind": "balance_below", "params": {}}, "params.amount"),
        ({"name": "x", "kind": "transaction_over", "params": {"amount": "-5"}}, "params.amount"),
        ({"name": "x", "kind": "uncategorized", "params": {"count": 0}}, "params.count"),
        ({"name": "x", "kind": "anomaly", "params": {"bogus": 1}}, "params.bogus"),
        ({"name": "", "kind": "anomaly"}, "name"),
        ({"name": "x", "kind": "anomaly", "severity": "page"}, "severity"),
    ):
        refused = alerting.client.post("/api/alert-rules", headers=alerting.h, json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["errors"][0]["field"] == field, refused.json()
    rule = alerting.rule("transaction_over", {"amount": "1,000"}, severity="critical")
    assert rule["params"] == {"amount": "1000", "direction": "expense", "account_id": None}
    changed = alerting.client.patch(
        f"/api/alert-rules/{rule['id']}",
        headers=alerting.h,
        json={"enabled": False, "params": {"amount": "50", "direction": "any"}},
    ).json()
    assert changed["enabled"] is False and changed["params"]["direction"] == "any"
    assert (
        alerting.client.delete(f"/api/alert-rules/{rule['id']}", headers=alerting.h).status_code
        == 204
    )
    assert (
        alerting.client.get(f"/api/alert-rules/{rule['id']}", headers=alerting.h).status_code == 404
    )


def test_permissions(client: httpx.Client, alerting: Alerting):
    viewer = login(client, add_user(alerting.slug, "viewer"), alerting.slug)
    analyst = login(client, add_user(alerting.slug, "analyst"), alerting.slug)
    assert client.get("/api/alerts", headers=viewer.headers).status_code == 200
    body = {"name": "x", "kind": "import_failed"}
    assert client.post("/api/alert-rules", headers=viewer.headers, json=body).status_code == 403
    assert client.post("/api/alert-rules", headers=analyst.headers, json=body).status_code == 201
    channel = {"name": "c", "kind": "in_app"}
    assert (
        client.post("/api/notification-channels", headers=analyst.headers, json=channel).status_code
        == 403
    )


def test_managed_rules_are_read_only(alerting: Alerting):
    with tenant_unit(alerting.slug) as unit:
        result = sync_managed_rules(
            unit.session,
            unit.org_id,
            [{"name": "low-balance", "kind": "balance_below", "params": {"amount": "100"}}],
            TEST_ACTOR,
        )
    assert result.created == 1
    (rule,) = alerting.client.get("/api/alert-rules", headers=alerting.h).json()
    assert rule["managed_by"] == "kubernetes"
    for response in (
        alerting.client.patch(
            f"/api/alert-rules/{rule['id']}", headers=alerting.h, json={"enabled": False}
        ),
        alerting.client.delete(f"/api/alert-rules/{rule['id']}", headers=alerting.h),
    ):
        assert response.status_code == 409 and "spec.alerting" in response.json()["detail"]


def test_alert_life_cycle_and_tenant_isolation(
    alerting: Alerting, client: httpx.Client, sender_in_test
):
    alerting.rule("import_failed")
    event = {"kind": "import.failed", "subject_id": str(uuid.uuid4()), "data": {}}
    alerting.evaluate(["import_failed"], event=event)
    (alert,) = alerting.alerts()
    assert alert["status"] == "firing" and alert["acknowledged_at"] is None
    assert alerting.client.get("/api/alerts/counts", headers=alerting.h).json() == {
        "firing": 1,
        "acknowledged": 0,
    }

    other_slug = "t" + uuid.uuid4().hex[:12]
    other = login(client, create_org(other_slug), other_slug)
    assert client.get("/api/alerts", headers=other.headers).json()["items"] == []
    for path in (f"/api/alerts/{alert['id']}", f"/api/alerts/{alert['id']}/deliveries"):
        assert client.get(path, headers=other.headers).status_code == 404
    assert (
        client.post(f"/api/alerts/{alert['id']}/acknowledge", headers=other.headers).status_code
        == 404
    )

    acked = client.post(f"/api/alerts/{alert['id']}/acknowledge", headers=alerting.h).json()
    assert (
        acked["status"] == "acknowledged" and acked["acknowledged_by_email"] == alerting.owner.email
    )
    resolved = client.post(f"/api/alerts/{alert['id']}/resolve", headers=alerting.h).json()
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    assert (
        client.post(f"/api/alerts/{alert['id']}/acknowledge", headers=alerting.h).status_code == 409
    )
    assert alerting.alerts(state="open") == [] and len(alerting.alerts(status="resolved")) == 1
    audit = client.get("/api/audit", headers=alerting.h, params={"limit": 50}).json()["items"]
    assert {"alert.acknowledge", "alert.resolve", "alert_rule.create"} <= {
        e["action"] for e in audit
    }


def test_routes_and_channels_validated(alerting: Alerting):
    for body, field in (
        ({"name": "r", "severities": [], "channel_ids": [str(uuid.uuid4())]}, "severities"),
        ({"name": "r", "severities": ["info"], "channel_ids": [str(uuid.uuid4())]}, "channel_ids"),
        ({"name": "r", "severities": ["loud"], "channel_ids": [str(uuid.uuid4())]}, "severities.0"),
    ):
        refused = alerting.client.post("/api/alert-routes", headers=alerting.h, json=body)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field
    for body, field in (
        ({"name": "c", "kind": "webhook"}, "url"),
        ({"name": "c", "kind": "webhook", "url": "ftp://example.com"}, "url"),
        ({"name": "c", "kind": "email"}, "addresses"),
        ({"name": "c", "kind": "email", "addresses": ["nope"]}, "addresses.0"),
        ({"name": "c", "kind": "pager"}, "kind"),
    ):
        refused = alerting.client.post("/api/notification-channels", headers=alerting.h, json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["errors"][0]["field"] == field, refused.json()
    channel = alerting.channel("in_app")
    test = alerting.post(f"/api/notification-channels/{channel['id']}/test", {}, status=202)
    assert test["kind"] == "test" and test["event_type"] == "channel.test"
    listed = alerting.client.get(
        f"/api/notification-channels/{channel['id']}/deliveries", headers=alerting.h
    ).json()["items"]
    assert [d["id"] for d in listed] == [test["id"]]
    route = alerting.route([channel])
    busy = alerting.client.delete(f"/api/notification-channels/{channel['id']}", headers=alerting.h)
    assert busy.status_code == 409 and "route" in busy.json()["detail"]
    assert (
        alerting.client.delete(f"/api/alert-routes/{route['id']}", headers=alerting.h).status_code
        == 204
    )
    assert (
        alerting.client.delete(
            f"/api/notification-channels/{channel['id']}", headers=alerting.h
        ).status_code
        == 204
    )
    bad_hours = alerting.client.put(
        "/api/alert-settings", headers=alerting.h, json={"quiet_start": "22:00"}
    )
    assert bad_hours.status_code == 422 and bad_hours.json()["errors"][0]["field"] == "quiet_end"
