"""Alerts in a real browser: the bell in the top bar counts an in-app notification, opens the
feed, and the Alerts page acknowledges and resolves with who did it."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from finsight.alerts.delivery import deliver
from finsight.alerts.directory import org_profile
from finsight.alerts.evaluation import evaluate_and_notify
from finsight.alerts.models import AlertDelivery
from finsight.tenancy import tenant_unit

from support.api import PASSWORD, create_org, login

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_bell_then_acknowledge_and_resolve(
    page: Page, web_url: str, client: httpx.Client, unique_slug: str, shot
) -> None:
    email = create_org(unique_slug)
    owner = login(client, email)
    bell = client.post(
        "/api/notification-channels", headers=owner.headers, json={"name": "Bell", "kind": "in_app"}
    ).json()
    client.post(
        "/api/alert-routes",
        headers=owner.headers,
        json={
            "name": "All",
            "severities": ["info", "warning", "critical"],
            "channel_ids": [bell["id"]],
        },
    )
    client.post(
        "/api/alert-rules",
        headers=owner.headers,
        json={"name": "Imports", "kind": "import_failed", "severity": "critical"},
    )
    with tenant_unit(unique_slug) as unit:
        event = {"kind": "import.failed", "subject_id": str(uuid.uuid4()), "data": {"error": "x"}}
        evaluate_and_notify(unit.session, org_profile(unit.org_id), ["import_failed"], event=event)
    with tenant_unit(unique_slug) as unit:
        pending = list(unit.session.scalars(select(AlertDelivery.id)))
    for delivery_id in pending:
        deliver(unique_slug, delivery_id)

    page.goto(web_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    bell_link = page.get_by_role("link", name="Notifications: 1 unread")
    expect(bell_link).to_be_visible()
    shot("bell")
    bell_link.click()
    expect(page.locator("#notifications")).to_contain_text("Import failed")
    page.get_by_role("button", name="Mark all as seen").click()
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    expect(page.locator("#open-alerts")).to_contain_text("Import failed")
    page.get_by_role("button", name="Acknowledge Import failed").click()
    expect(page.locator("#open-alerts")).to_contain_text(f"by {email}")
    page.get_by_role("button", name="Resolve Import failed").click()
    expect(page.locator("#recent-alerts")).to_contain_text("dismissed")
    shot("alerts")
