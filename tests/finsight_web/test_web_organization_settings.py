"""Settings → Organization: the name and the time zone, against real api and web processes."""

from __future__ import annotations

import httpx
import pytest

from support.api import create_org, login
from support.web import WebClient

pytestmark = pytest.mark.integration

PAGE = "/settings/organization"


def test_the_owner_sets_the_time_zone(web: WebClient, client: httpx.Client, unique_slug):
    email = create_org(unique_slug)
    owner = login(client, email)
    web.sign_in(email)
    page = web.get(PAGE)
    assert page.status_code == 200
    assert 'name="time_zone"' in page.text and '<option value="America/New_York">' in page.text

    refused = web.post(
        PAGE, {"name": f"Org {unique_slug}", "time_zone": "Mars/Olympus"}, csrf_from=PAGE
    )
    assert refused.status_code == 422
    assert 'id="time-zone-error"' in refused.text and "unknown time zone" in refused.text
    assert 'value="Mars/Olympus"' in refused.text  # what was typed stays, to be corrected

    saved = web.post(
        PAGE, {"name": "Acme Treasury", "time_zone": "America/New_York"}, csrf_from=PAGE
    )
    assert saved.status_code == 303
    assert "Organization saved." in web.follow(saved).text
    current = client.get("/api/organizations/current", headers=owner.headers).json()
    assert (current["name"], current["time_zone"]) == ("Acme Treasury", "America/New_York")
