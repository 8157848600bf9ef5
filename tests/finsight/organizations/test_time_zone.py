"""The organization's time zone (report schedules and business hours run in it)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import httpx
import pytest

from finsight.db import platform_session
from finsight.errors import InvalidInput
from finsight.kit.time_zones import parse_time_zone
from finsight.organizations.service import get_organization, time_zone_of

from support.api import add_user, create_org, login

pytestmark = pytest.mark.integration

CURRENT = "/api/organizations/current"


def test_parse_names_the_field_and_suggests_the_spelling():
    assert parse_time_zone("America/New_York") == ZoneInfo("America/New_York")
    with pytest.raises(InvalidInput) as refused:
        parse_time_zone("america/new_york", field="schedule.time_zone")
    assert "did you mean 'America/New_York'" in refused.value.detail
    assert refused.value.errors == [
        {"field": "schedule.time_zone", "message": refused.value.detail}
    ]


def test_a_new_organization_is_in_utc_and_the_owner_changes_it(
    client: httpx.Client, unique_slug: str
):
    owner = login(client, create_org(unique_slug), unique_slug)
    assert client.get(CURRENT, headers=owner.headers).json()["time_zone"] == "UTC"

    changed = client.patch(CURRENT, headers=owner.headers, json={"time_zone": "Europe/Berlin"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["time_zone"] == "Europe/Berlin"
    with platform_session() as session:
        org = get_organization(session, unique_slug)
        assert time_zone_of(org) == ZoneInfo("Europe/Berlin")

    updates = {"action": "organization.update"}
    audit = client.get("/api/audit", headers=owner.headers, params=updates)
    assert audit.json()["items"][0]["details"] == {"time_zone": "Europe/Berlin"}


def test_an_unknown_zone_is_refused_naming_the_field(client: httpx.Client, unique_slug: str):
    owner = login(client, create_org(unique_slug), unique_slug)
    refused = client.patch(CURRENT, headers=owner.headers, json={"time_zone": "Mars/Olympus"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "time_zone"
    assert client.get(CURRENT, headers=owner.headers).json()["time_zone"] == "UTC"


def test_a_viewer_cannot_change_it(client: httpx.Client, unique_slug: str):
    create_org(unique_slug)
    viewer = login(client, add_user(unique_slug, "viewer"), unique_slug)
    refused = client.patch(CURRENT, headers=viewer.headers, json={"time_zone": "Asia/Tokyo"})
    assert refused.status_code == 403


def test_today_is_the_organizations_own():
    """25 hours apart, Kiritimati (UTC+14) is always at least a day ahead of Pago Pago
    (UTC-11): "today" (a budget's current month, its pace) is read in the zone."""
    from finsight.kit.time_zones import today_in

    ahead = today_in("Pacific/Kiritimati") - today_in("Pacific/Pago_Pago")
    assert ahead.days in (1, 2)
