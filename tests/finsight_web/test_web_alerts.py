"""The dashboard's alerting pages against real api and web processes: Budgets (and the
overview's card) with pace, Alerts (acknowledge, resolve), the bell, Settings → Alert rules
(managed rules read-only) and Settings → Channels and routing (a webhook's secret shown once)."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest
from sqlalchemy import select

from finsight.alerts.delivery import deliver
from finsight.alerts.directory import org_profile
from finsight.alerts.evaluation import evaluate_and_notify
from finsight.alerts.managed import sync_managed_rules
from finsight.alerts.models import AlertDelivery
from finsight.tenancy import tenant_unit

from support.accounts import make_account
from support.api import TEST_ACTOR, create_org, login
from support.ledger import insert_transactions
from support.web import WebClient

pytestmark = pytest.mark.integration


def test_budgets_and_the_overview(web: WebClient, client: httpx.Client, unique_slug: str):
    email = create_org(unique_slug)
    owner = login(client, email)
    web.sign_in(email)
    categories = client.get("/api/categories", headers=owner.headers).json()
    coffee = next(c["id"] for c in categories if c["path"] == "Restaurants > Coffee shops")
    refused = web.post(
        "/budgets", {"category_id": coffee, "amount": "-5", "currency": "USD"}, csrf_from="/budgets"
    )
    assert refused.status_code == 422 and 'id="amount-error"' in refused.text
    added = web.post(
        "/budgets",
        {"category_id": coffee, "amount": "100", "currency": "USD", "rollover": "on"},
        csrf_from="/budgets",
    )
    assert added.status_code == 303 and "Budget added." in web.follow(added).text
    account = make_account(unique_slug)
    insert_transactions(
        unique_slug,
        account,
        [{"day": date.today().replace(day=1), "amount": "-90", "category_id": uuid.UUID(coffee)}],
    )
    page = web.get("/budgets").text
    assert "Restaurants &gt; Coffee shops" in page and "90%" in page and "at this pace" in page
    overview = web.get("/").text
    assert 'id="overview-budgets"' in overview and "at this pace" in overview


def test_alerts_bell_and_alerting_settings(web: WebClient, client: httpx.Client, unique_slug: str):
    email = create_org(unique_slug)
    owner = login(client, email)
    web.sign_in(email)
    # A webhook channel from the settings page: its secret is on that page only.
    created = web.post(
        "/settings/channels",
        {"name": "Ops hook", "kind": "webhook", "url": "https://hooks.example.com/finsight"},
        csrf_from="/settings/channels",
    )
    assert created.status_code == 201 and 'id="channel-secret"' in created.text
    assert "whsec_" in created.text
    assert "whsec_" not in web.get("/settings/channels").text
    bell = web.post(
        "/settings/channels", {"name": "Bell", "kind": "in_app"}, csrf_from="/settings/channels"
    )
    assert bell.status_code == 303
    channels = client.get("/api/notification-channels", headers=owner.headers).json()
    in_app = next(c["id"] for c in channels if c["kind"] == "in_app")
    route = web.post(
        "/settings/routes",
        {"name": "Everything", "severities[]": ["warning", "critical"], "channel_ids[]": [in_app]},
        csrf_from="/settings/channels",
    )
    assert route.status_code == 303 and "Route Everything added." in web.follow(route).text

    bad = web.post(
        "/settings/alert-rules",
        {"name": "Low", "kind": "balance_below", "severity": "critical", "params": "{}"},
        csrf_from="/settings/alert-rules",
    )
    assert bad.status_code == 422 and 'id="params-error"' in bad.text
    made = web.post(
        "/settings/alert-rules",
        {"name": "Failed imports", "kind": "import_failed", "severity": "critical", "params": "{}"},
        csrf_from="/settings/alert-rules",
    )
    assert made.status_code == 303
    with tenant_unit(unique_slug) as unit:
        sync_managed_rules(
            unit.session,
            unit.org_id,
            [{"name": "Cluster rule", "kind": "uncategorized", "params": {"count": 5}}],
            TEST_ACTOR,
        )
    rules_page = web.get("/settings/alert-rules").text
    assert "managed by the cluster" in rules_page and "read-only here" in rules_page

    with tenant_unit(unique_slug) as unit:
        event = {"kind": "import.failed", "subject_id": str(uuid.uuid4()), "data": {"error": "x"}}
        evaluate_and_notify(unit.session, org_profile(unit.org_id), ["import_failed"], event=event)
    with tenant_unit(unique_slug) as unit:
        pending = list(unit.session.scalars(select(AlertDelivery.id)))
    for delivery_id in pending:
        deliver(unique_slug, delivery_id)
    home = web.get("/").text
    assert 'id="bell"' in home and 'class="bell-count">1<' in home
    feed = web.get("/notifications").text
    assert "Import failed" in feed
    web.post("/notifications/seen", {}, csrf_from="/notifications")
    assert 'class="bell-count"' not in web.get("/").text
    alerts = web.get("/alerts").text
    assert "Import failed" in alerts and "Acknowledge" in alerts
    (alert,) = client.get("/api/alerts", headers=owner.headers).json()["items"]
    acked = web.post(f"/alerts/{alert['id']}/acknowledge", {}, csrf_from="/alerts")
    assert acked.status_code == 303 and "acknowledged" in web.follow(acked).text
    resolved = web.post(f"/alerts/{alert['id']}/resolve", {}, csrf_from="/alerts")
    assert "resolved" in web.follow(resolved).text
    detail = web.get(f"/alerts/{alert['id']}").text
    assert f"by {email}" in detail
