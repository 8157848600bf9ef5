"""The analytics pages over HTTP against real api, worker and web processes: Insights
(forecast, anomalies), Rules, Review and Merchants; their forms, CSRF, and viewers' read-only
view."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import httpx
import pytest

from finsight.analytics.models import Merchant, MerchantKey
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import Member, add_user, create_org, login
from support.ledger import insert_transactions
from support.web import WebClient

pytestmark = pytest.mark.integration
FORM_EXPIRED = "This form has expired"


@pytest.fixture
def tenant(client: httpx.Client, unique_slug: str) -> tuple[str, str, Member]:
    email = create_org(unique_slug)
    return unique_slug, email, login(client, email)


def _viewer(web_url: str, slug: str) -> WebClient:
    viewer = WebClient(web_url)
    viewer.sign_in(add_user(slug, "viewer"))
    return viewer


def _no_post_forms(html: str) -> None:
    """A viewer's page offers no form that changes anything (sign-out is the only one)."""
    actions = re.findall(r'<form method="post" action="([^"]+)"', html)
    assert set(actions) <= {"/logout", "/switch"}, actions


def _seed_merchants(slug: str, account: uuid.UUID, names: dict[str, list[str]]) -> dict[str, str]:
    """Merchants (name -> descriptor keys), each key with one transaction, as a merchants run
    leaves them: {name: merchant id}."""
    ids: dict[str, str] = {}
    with tenant_session(slug) as session:
        for name, keys in names.items():
            merchant = Merchant(name=name, name_source="cleaner")
            session.add(merchant)
            session.flush()
            ids[name] = str(merchant.id)
            for key in keys:
                session.add(MerchantKey(key=key, merchant_id=merchant.id, display=key.upper()))
    for n, (name, keys) in enumerate(names.items()):
        insert_transactions(
            slug,
            account,
            [
                {
                    "day": date.today() - timedelta(days=n + i),
                    "amount": "-4.50",
                    "description": key.upper(),
                    "merchant_key": key,
                    "merchant_id": uuid.UUID(ids[name]),
                }
                for i, key in enumerate(keys)
            ],
        )
    return ids


# --- merchants -------------------------------------------------------------------------------


def test_merchants_search_rename_merge_split_and_viewer(
    web: WebClient, client: httpx.Client, tenant, web_url: str
):
    slug, email, owner = tenant
    account = make_account(slug, name="Sapphire")
    ids = _seed_merchants(
        slug,
        account,
        {
            "Blue Bottle": ["blue bottle", "blue bottle coffee"],
            "Bluebottle Cafe": ["bluebottle cafe"],
            "Shell": ["shell oil", "shell service"],
        },
    )
    web.sign_in(email)
    listing = web.get("/merchants")
    assert listing.status_code == 200
    assert all(f'id="m-{i}"' in listing.text for i in ids.values())
    found = web.get("/merchants?q=blue")
    assert f'id="m-{ids["Blue Bottle"]}"' in found.text
    assert f'id="m-{ids["Shell"]}"' not in found.text
    paged = web.get("/merchants?limit=25&q=zzzz-nothing")
    assert "No merchant matches" in paged.text

    renamed = web.post(
        f"/merchants/{ids['Shell']}/rename",
        {"name": "Shell Gas", "return_to": "/merchants?q=shell"},
        csrf_from="/merchants",
    )
    assert renamed.status_code == 303 and renamed.headers["location"] == "/merchants?q=shell"
    assert "Renamed to “Shell Gas”" in web.follow(renamed).text
    stored = client.get(f"/api/analytics/merchants/{ids['Shell']}", headers=owner.headers).json()
    assert stored["name"] == "Shell Gas" and stored["name_source"] == "user"

    merged = web.post(
        "/merchants/merge",
        {
            "source_ids": [ids["Blue Bottle"], ids["Bluebottle Cafe"]],
            "target_id": ids["Blue Bottle"],
        },
        csrf_from="/merchants",
    )
    assert "2 merchants merged into “Blue Bottle”" in web.follow(merged).text
    target = client.get(
        f"/api/analytics/merchants/{ids['Blue Bottle']}", headers=owner.headers
    ).json()
    assert sorted(target["keys"]) == ["blue bottle", "blue bottle coffee", "bluebottle cafe"]
    assert target["transactions"] == 3
    gone = client.get(f"/api/analytics/merchants/{ids['Bluebottle Cafe']}", headers=owner.headers)
    assert gone.status_code == 404
    nothing = web.post("/merchants/merge", {"target_id": ids["Shell"]}, csrf_from="/merchants")
    assert "Select at least one other merchant" in web.follow(nothing).text

    detail = web.get(f"/merchants/{ids['Blue Bottle']}")
    assert detail.status_code == 200 and "BLUEBOTTLE CAFE" in detail.text
    assert f"/transactions?merchant_id={ids['Blue Bottle']}" in detail.text
    refused = web.post(
        f"/merchants/{ids['Blue Bottle']}/split", {"name": "x"}, csrf_from=detail.url.path
    )
    assert refused.status_code == 422 and "Choose the descriptors" in refused.text
    split = web.post(
        f"/merchants/{ids['Blue Bottle']}/split",
        {"keys": ["bluebottle cafe"], "name": "Bluebottle Cafe"},
        csrf_from=f"/merchants/{ids['Blue Bottle']}",
    )
    assert split.status_code == 303
    new_page = web.follow(split)
    assert "1 descriptors split off into “Bluebottle Cafe”" in new_page.text
    new_id = split.headers["location"].rsplit("/", 1)[1]
    created = client.get(f"/api/analytics/merchants/{new_id}", headers=owner.headers).json()
    assert created["keys"] == ["bluebottle cafe"] and created["transactions"] == 1
    mine = web.get(f"/transactions?merchant_id={new_id}")
    assert mine.text.count('name="ids"') == 1 and "BLUEBOTTLE CAFE" in mine.text

    # Without its CSRF token a form is refused and nothing changes.
    forged = web.request(
        "POST", f"/merchants/{ids['Shell']}/rename", data={"name": "Hacked", "csrf_token": "x"}
    )
    assert forged.status_code == 403 and FORM_EXPIRED in forged.text
    again = client.get(f"/api/analytics/merchants/{ids['Shell']}", headers=owner.headers).json()
    assert again["name"] == "Shell Gas"

    viewer = _viewer(web_url, slug)
    seen = viewer.get("/merchants")
    assert seen.status_code == 200 and "Shell Gas" in seen.text
    _no_post_forms(seen.text)
    _no_post_forms(viewer.get(f"/merchants/{ids['Blue Bottle']}").text)
    denied = viewer.post(
        f"/merchants/{ids['Shell']}/rename", {"name": "Viewer"}, csrf_from="/merchants"
    )
    assert denied.status_code == 403  # the API refuses: no analytics:write
    viewer.close()
