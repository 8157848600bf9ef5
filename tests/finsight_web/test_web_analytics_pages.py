"""The analytics pages over HTTP against real api, worker and web processes: Insights
(forecast, anomalies), Rules, Review and Merchants; their forms, CSRF, and viewers' read-only
view."""

from __future__ import annotations

import re
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest

from finsight.analytics.categorization import store
from finsight.analytics.categorization.classifier import CategoryClassifier
from finsight.analytics.categorization.features import Example
from finsight.analytics.models import Merchant, MerchantKey
from finsight.tenancy import tenant_session
from finsight_web.formatting import money

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


# --- rules -----------------------------------------------------------------------------------


def _category_id(client: httpx.Client, member: Member, path: str) -> str:
    tree = client.get("/api/categories", headers=member.headers).json()
    return str(next(c["id"] for c in tree if c["path"] == path))


def _rules(client: httpx.Client, member: Member) -> list[dict]:
    return list(client.get("/api/analytics/rules", headers=member.headers).json())


def _run_kinds(client: httpx.Client, member: Member) -> list[str]:
    runs = client.get("/api/analytics/runs", headers=member.headers).json()["items"]
    return [run["kind"] for run in runs]


def test_rules_preview_create_errors_reorder_edit_delete_and_viewer(
    web: WebClient, client: httpx.Client, tenant, web_url: str
):
    slug, email, owner = tenant
    account = make_account(slug, name="Sapphire")
    insert_transactions(
        slug,
        account,
        [
            {"day": date.today() - timedelta(days=n), "amount": f"-{4 + n}.50", "description": d}
            for n, d in enumerate(["BLUE BOTTLE 1", "BLUE BOTTLE 2", "SHELL OIL 5531"])
        ],
    )
    coffee = _category_id(client, owner, "Restaurants")
    web.sign_in(email)
    assert "No rules yet" in web.get("/rules").text
    form = {
        "name": "Coffee",
        "description_contains": "blue bottle",
        "direction": "expense",
        "category_id": coffee,
        "add_tags": "caffeine",
        "enabled": "true",
    }
    # The preview tries the form against existing transactions and saves nothing.
    preview = web.post("/rules/preview", form, csrf_from="/rules/new")
    assert preview.status_code == 200
    assert 'id="preview-matched">2<' in preview.text
    assert 'id="preview-changed">2<' in preview.text
    sample = preview.text.split('id="preview-sample"')[1].split("</table>")[0]
    assert sample.count("BLUE BOTTLE") == 2 and "SHELL" not in sample
    assert 'value="blue bottle"' in preview.text  # the form is shown again, filled in
    assert _rules(client, owner) == []

    # Field errors from the API are shown next to their fields.
    refused = web.post(
        "/rules/new",
        {**form, "description_regex": "(unclosed", "amount_min": "-5"},
        csrf_from="/rules/new",
    )
    assert refused.status_code == 422
    assert re.search(r'id="(description_regex|amount_min)-error"', refused.text)
    assert 'aria-invalid="true"' in refused.text and 'value="(unclosed"' in refused.text
    assert _rules(client, owner) == []

    created = web.post("/rules/new", form, csrf_from="/rules/new")
    assert created.status_code == 303 and "Rule “Coffee” created" in web.follow(created).text
    fuel = web.post(
        "/rules/new",
        {
            "name": "Fuel",
            "description_contains": "shell",
            "add_tags": "car",
            "stop_processing": "true",
        },
        csrf_from="/rules/new",
    )
    assert fuel.status_code == 303, fuel.text[:2000]
    first, second = _rules(client, owner)
    assert (first["name"], second["name"]) == ("Coffee", "Fuel")
    assert first["actions"] == {"category_id": coffee, "add_tags": ["caffeine"]}
    assert second["stop_processing"] and not second["enabled"]  # its box was left unchecked
    listing = web.get("/rules").text
    assert listing.index('id="r-' + first["id"]) < listing.index('id="r-' + second["id"])
    assert ">stop<" in listing and ">disabled<" in listing and "Restaurants" in listing
    # Rules apply at the next run, or now: a categorize run is queued.
    applied = web.post("/rules/apply", {}, csrf_from="/rules")
    assert "Applying the rules to your transactions" in web.follow(applied).text
    assert "categorize" in _run_kinds(client, owner)

    moved = web.post(f"/rules/{second['id']}/move", {"direction": "up"}, csrf_from="/rules")
    assert "Rule moved up" in web.follow(moved).text
    assert [r["name"] for r in _rules(client, owner)] == ["Fuel", "Coffee"]

    edit = web.get(f"/rules/{first['id']}/edit")
    assert edit.status_code == 200 and 'value="blue bottle"' in edit.text
    # An edit is previewed in the rule's own place, not after itself...
    in_place = web.post(
        "/rules/preview", {**form, "rule_id": first["id"]}, csrf_from=f"/rules/{first['id']}/edit"
    )
    assert 'id="preview-matched">2<' in in_place.text
    assert "preview-preempted" not in in_place.text
    # ...while the same conditions as a new rule go last, where the stored rule decides first.
    again = web.post("/rules/preview", form, csrf_from="/rules/new")
    assert 'id="preview-preempted">2<' in again.text and "Move this rule up" in again.text
    saved = web.post(
        f"/rules/{first['id']}/edit",
        {**form, "name": "Coffee shops", "description_contains": "blue bottle, starbucks"},
        csrf_from=f"/rules/{first['id']}/edit",
    )
    assert saved.status_code == 303
    stored = client.get(f"/api/analytics/rules/{first['id']}", headers=owner.headers).json()
    assert stored["name"] == "Coffee shops"
    assert stored["conditions"]["description_contains"] == ["blue bottle", "starbucks"]

    forged = web.request("POST", f"/rules/{first['id']}/delete", data={"csrf_token": "nope"})
    assert forged.status_code == 403 and FORM_EXPIRED in forged.text
    assert len(_rules(client, owner)) == 2

    viewer = _viewer(web_url, slug)
    seen = viewer.get("/rules")
    assert seen.status_code == 200 and "Coffee shops" in seen.text
    _no_post_forms(seen.text)
    assert 'href="/rules/new"' not in seen.text
    for editor in ("/rules/new", f"/rules/{first['id']}/edit"):
        refused_page = viewer.get(editor)
        assert refused_page.status_code == 403, editor
        assert "have access to this page" in refused_page.text
    viewer.close()

    deleted = web.post(f"/rules/{first['id']}/delete", {}, csrf_from="/rules")
    assert "Rule deleted" in web.follow(deleted).text
    assert [r["name"] for r in _rules(client, owner)] == ["Fuel"]


# --- review ----------------------------------------------------------------------------------


def test_review_resolve_accept_proposal_and_viewer(
    web: WebClient, client: httpx.Client, tenant, web_url: str
):
    slug, email, owner = tenant
    account = make_account(slug, name="Sapphire")
    groceries = _category_id(client, owner, "Groceries")
    coffee = _category_id(client, owner, "Restaurants")
    ids = _seed_merchants(slug, account, {"Trader Joe's": ["trader joes 1", "trader joes 2"]})
    today = date.today()
    more = insert_transactions(
        slug,
        account,
        [
            {
                "day": today - timedelta(days=5),
                "amount": "-31.20",
                "description": "TRADER JOES 3",
                "merchant_key": "trader joes 1",
                "merchant_id": uuid.UUID(ids["Trader Joe's"]),
            },
            # Categorized by the model, but unsure: a suggestion to accept.
            {
                "day": today - timedelta(days=6),
                "amount": "-3.75",
                "description": "PHILZ COFFEE",
                "category_id": uuid.UUID(coffee),
                "category_source": "model",
                "category_confidence": 0.55,
            },
        ],
    )
    web.sign_in(email)
    page = web.get("/review")
    assert page.status_code == 200
    assert page.text.count('name="ids"') == 4
    assert "the shared starter model" in page.text
    assert "55% sure" in page.text and 'action="/review/accept"' in page.text
    unsure = web.get("/review?reason=low_confidence")
    assert unsure.text.count('name="ids"') == 1 and "PHILZ" in unsure.text
    first = web.get("/review?limit=25&reason=uncategorized")
    assert first.text.count('name="ids"') == 3 and "PHILZ" not in first.text

    accepted = web.post(
        "/review/accept",
        {"transaction_id": str(more[1]), "category_id": coffee, "return_to": "/review"},
        csrf_from="/review",
    )
    assert "Suggestion accepted" in web.follow(accepted).text
    stored = client.get(f"/api/transactions/{more[1]}", headers=owner.headers).json()
    assert stored["category_id"] == coffee

    rows = [
        r["id"] for r in client.get("/api/analytics/review", headers=owner.headers).json()["items"]
    ]
    assert len(rows) == 3
    nothing = web.post("/review/resolve", {"category_id": groceries}, csrf_from="/review")
    assert "Select transactions first" in web.follow(nothing).text
    resolved = web.post(
        "/review/resolve",
        {"ids": rows, "category_id": groceries, "return_to": "/review?reason=uncategorized"},
        csrf_from="/review",
    )
    assert resolved.headers["location"] == "/review?reason=uncategorized"
    after = web.follow(resolved).text
    assert "3 transactions categorized" in after and "Nothing to review" in after

    # Three consistent corrections for one merchant propose a rule.
    proposed = web.get("/review").text
    assert "Suggested rules" in proposed and "Trader Joe" in proposed
    proposal = client.get(
        "/api/analytics/proposals", params={"status": "proposed"}, headers=owner.headers
    ).json()[0]
    viewer = _viewer(web_url, slug)
    seen = viewer.get("/review")
    assert seen.status_code == 200 and "Trader Joe" in seen.text
    _no_post_forms(seen.text)
    viewer.close()
    categorize_runs = _run_kinds(client, owner).count("categorize")
    forged = web.request(
        "POST",
        f"/review/proposals/{proposal['id']}",
        data={"decision": "accept", "csrf_token": "forged"},
    )
    assert forged.status_code == 403
    taken = web.post(
        f"/review/proposals/{proposal['id']}", {"decision": "accept"}, csrf_from="/review"
    )
    assert "Rule created from the proposal" in web.follow(taken).text
    # The organization's model, once trained, is named with what it learnt from.
    with tenant_session(slug) as session:
        classifier = CategoryClassifier.train(
            [Example(d, "", Decimal("-5")) for d in ("TRADER JOES", "PHILZ COFFEE")],
            [groceries, coffee],
            prior=(),
            calibrate=False,
        )
        store.save(session, classifier, labels=1234, metrics={}, run=None)
    named = web.get("/review").text
    assert "model, version 1" in named and "from 1,234 transactions" in named
    assert _run_kinds(client, owner).count("categorize") == categorize_runs + 1
    assert [r["actions"].get("category_id") for r in _rules(client, owner)] == [groceries]
    assert "Suggested rules" not in web.get("/review").text


# --- insights: forecast and anomalies ------------------------------------------------------------


def _months_back(today: date, back: int, day: int) -> date:
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, day)


def _wait_for_runs(client: httpx.Client, member: Member, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = client.get("/api/analytics/runs", headers=member.headers).json()["items"]
        if runs and all(r["status"] in ("succeeded", "failed") for r in runs):
            assert all(r["status"] == "succeeded" for r in runs), [r.get("error") for r in runs]
            return
        time.sleep(0.3)
    raise AssertionError("the analytics run did not finish")


def test_insights_forecast_band_and_anomaly_feedback(
    web: WebClient, client: httpx.Client, tenant, worker_process, web_url: str
):
    slug, email, owner = tenant
    account = make_account(slug, name="Sapphire")
    today = date.today()
    rows: list[dict] = []
    for back in range(18, 0, -1):
        monthly = [
            (1, "3200.00", "ACME PAYROLL"),
            (3, "-1450.00", "RENT LLC"),
            (5, "-15.49", "NETFLIX.COM"),
            (12, f"-{180 + (back * 37) % 90}.25", "WHOLE FOODS MARKET"),
        ]
        rows += [
            {"day": _months_back(today, back, day), "amount": amount, "description": text}
            for day, amount, text in monthly
        ]
    recent = today - timedelta(days=2)
    rows += [
        {"day": recent, "amount": "-89.99", "description": "BESTBUY 0042"},
        {"day": recent, "amount": "-89.99", "description": "BESTBUY 0042"},
        {"day": recent, "amount": "-2480.00", "description": "LUXURY WATCHES GENEVA"},
    ]
    insert_transactions(slug, account, rows)
    web.sign_in(email)
    assert "No forecast yet" in web.get("/insights").text
    web.post("/insights/run", {}, csrf_from="/insights")
    _wait_for_runs(client, owner)

    page = web.get(f"/insights?account_id={account}&months=2")
    assert page.status_code == 200
    assert 'id="forecast-chart"' in page.text and '<polygon points="' in page.text
    table = page.text.split('id="forecast-table"')[1].split("</table>")[0]
    assert 'id="category-forecast-usd"' in page.text
    forecast = client.get(
        "/api/analytics/forecast",
        params={"scope": "account", "account_id": str(account), "months": 2},
        headers=owner.headers,
    ).json()
    points = forecast["series"][0]["points"]
    # Header, 12 actual months, the month under way (unless the run's day ended a month), 2 more.
    assert len(points) in (2, 3) and table.count("<tr>") == 1 + 12 + len(points)
    if len(points) == 3:
        assert points[0]["month"] == date.today().replace(day=1).isoformat()
        assert points[0]["to_date"] is not None
    ahead = points[0]
    shown = table.split("</tr>")[13]  # the first month ahead
    for figure in (ahead["point"], ahead["lower"], ahead["upper"]):
        assert money(figure) in shown

    anomalies = client.get(
        "/api/analytics/anomalies", params={"status": "new"}, headers=owner.headers
    ).json()["items"]
    assert anomalies, "the run found nothing unusual in a ledger with a duplicate and a big charge"
    first = anomalies[0]
    assert f'id="a-{first["id"]}"' in page.text and first["reason"] in page.text
    assert f"#t-{first['transaction_id']}" in page.text
    linked = web.get(page.text.split(f'id="a-{first["id"]}"')[1].split('href="')[1].split('"')[0])
    assert f'id="t-{first["transaction_id"]}"' in linked.text

    viewer = _viewer(web_url, slug)
    seen = viewer.get("/insights")
    assert first["reason"] in seen.text
    _no_post_forms(seen.text)
    viewer.close()

    forged = web.request(
        "POST",
        f"/insights/anomalies/{first['id']}",
        data={"status": "dismissed", "csrf_token": "forged"},
    )
    assert forged.status_code == 403
    dismissed = web.post(
        f"/insights/anomalies/{first['id']}", {"status": "dismissed"}, csrf_from="/insights"
    )
    assert dismissed.headers["location"].endswith("#anomalies-h")
    after = web.follow(dismissed).text
    assert "Dismissed." in after and f'id="a-{first["id"]}"' not in after
    stored = client.get(
        "/api/analytics/anomalies", params={"status": "dismissed"}, headers=owner.headers
    ).json()["items"]
    assert [a["id"] for a in stored] == [first["id"]]
    assert f'id="a-{first["id"]}"' in web.get("/insights?anomalies=dismissed").text
