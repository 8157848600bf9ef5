"""What a new user of the dashboard missed in the first hour: amounts in the account's own
currency, categories they can make, transactions and accounts they can remove, bulk changes
that ask first, and a Review page that only suggests what it is fairly sure of."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
import pytest

from support.api import Member, create_org, login
from support.ledger import insert_transactions
from support.web import WebClient

pytestmark = pytest.mark.integration


@pytest.fixture
def tenant(client: httpx.Client, unique_slug: str) -> tuple[str, str, Member]:
    email = create_org(unique_slug)
    return unique_slug, email, login(client, email)


def _account(client: httpx.Client, owner: Member, name: str, currency: str = "USD") -> str:
    created = client.post(
        "/api/accounts",
        headers=owner.headers,
        json={"name": name, "type": "checking", "currency": currency},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _category_id(client: httpx.Client, member: Member, path: str) -> str:
    tree = client.get("/api/categories", headers=member.headers).json()
    return str(next(c["id"] for c in tree if c["path"] == path))


def test_rule_preview_shows_euro_amounts_in_euros(web: WebClient, client: httpx.Client, tenant):
    slug, email, owner = tenant
    girokonto = _account(client, owner, "Girokonto", "EUR")
    insert_transactions(
        slug,
        girokonto,
        [{"day": date.today() - timedelta(days=3), "amount": "-10.99", "currency": "EUR",
          "description": "REWE SAGT DANKE"}],
    )  # fmt: skip
    dry = client.post(
        "/api/analytics/rules/dry-run",
        headers=owner.headers,
        json={"conditions": {"description_contains": ["rewe"]}, "actions": {"add_tags": ["x"]}},
    ).json()
    assert [s["currency"] for s in dry["sample"]] == ["EUR"]
    web.sign_in(email)
    form = {
        "name": "Groceries",
        "description_contains": "rewe",
        "category_id": _category_id(client, owner, "Groceries"),
        "enabled": "true",
    }
    preview = web.post("/rules/preview", form, csrf_from="/rules/new")
    sample = preview.text.split('id="preview-sample"')[1].split("</table>")[0]
    assert "€" in sample and "$" not in sample


def _category_of(client: httpx.Client, owner: Member, transaction_id: object) -> str | None:
    found = client.get(f"/api/transactions/{transaction_id}", headers=owner.headers).json()
    return found["category_id"]


def test_bulk_recategorize_asks_first_and_never_defaults_to_uncategorized(
    web: WebClient, client: httpx.Client, tenant
):
    slug, email, owner = tenant
    account = _account(client, owner, "Checking")
    entertainment = _category_id(client, owner, "Entertainment")
    ids = insert_transactions(
        slug,
        account,
        [{"day": date(2026, 3, d), "amount": "-15.49", "description": "NETFLIX.COM",
          "category_id": entertainment} for d in (1, 2)],
    )  # fmt: skip
    web.sign_in(email)
    listing = web.get("/transactions").text
    bulk = re.search(r'<select id="bulk-category"[^>]*>(.*?)</select>', listing, re.S)
    assert bulk and "required" in listing.split('id="bulk-category"')[1].split(">")[0]
    assert re.match(r'<option value="">Choose a category</option>', bulk.group(1))
    assert " selected" not in bulk.group(1)
    form = {"ids": [str(i) for i in ids], "return_to": "/transactions"}

    def bulk_post(**fields: str) -> httpx.Response:
        return web.post("/transactions/bulk", {**form, **fields}, csrf_from="/transactions")

    blank = bulk_post(category_id="")
    assert "Choose the category to set" in web.follow(blank).text
    asked = web.post(
        "/transactions/bulk", {**form, "category_id": "none"}, csrf_from="/transactions"
    )
    assert asked.status_code == 200 and "Remove the category of 2" in asked.text
    assert all(_category_of(client, owner, i) == entertainment for i in ids)  # not yet
    groceries = _category_id(client, owner, "Groceries")
    asked = web.post(
        "/transactions/bulk", {**form, "category_id": groceries}, csrf_from="/transactions"
    )
    assert "Set Groceries on 2" in asked.text
    done = web.post(
        "/transactions/bulk",
        {**form, "category_id": groceries, "confirmed": "yes"},
        csrf_from="/transactions",
    )
    assert done.status_code == 303 and "2 transactions recategorized" in web.follow(done).text
    assert all(_category_of(client, owner, i) == groceries for i in ids)


def test_exclude_and_delete_a_transaction_and_delete_an_account(
    web: WebClient, client: httpx.Client, tenant
):
    slug, email, owner = tenant
    account = _account(client, owner, "Old card")
    kept, gone = insert_transactions(
        slug,
        account,
        [{"day": date(2026, 3, 1), "amount": "-900.00", "description": "REIMBURSED TRIP"},
         {"day": date(2026, 3, 2), "amount": "-4.50", "description": "DOUBLE ENTRY"}],
    )  # fmt: skip
    web.sign_in(email)
    page = web.get("/transactions").text
    assert f'action="/transactions/{gone}/delete"' in page and f'id="x-{kept}"' in page
    excluded = web.post(
        f"/transactions/{kept}",
        {
            "category_id": "",
            "notes": "",
            "tags": "",
            "excluded": "true",
            "return_to": "/transactions",
        },
        csrf_from="/transactions",
    )
    assert excluded.status_code == 303
    shown = client.get(f"/api/transactions/{kept}", headers=owner.headers).json()
    assert shown["excluded"] is True
    deleted = web.post(f"/transactions/{gone}/delete", {"return_to": "/transactions"},
                       csrf_from="/transactions")  # fmt: skip
    assert "Transaction deleted" in web.follow(deleted).text
    listed = client.get("/api/transactions", headers=owner.headers).json()["items"]
    assert [t["id"] for t in listed] == [str(kept)]

    edit = web.get(f"/accounts/{account}/edit").text
    assert f'action="/accounts/{account}/delete"' in edit and "data-confirm" in edit
    removed = web.post(f"/accounts/{account}/delete", {}, csrf_from=f"/accounts/{account}/edit")
    assert "Account Old card deleted" in web.follow(removed).text
    assert client.get(f"/api/accounts/{account}", headers=owner.headers).status_code == 404


def test_categories_are_created_renamed_and_deleted(web: WebClient, client: httpx.Client, tenant):
    _, email, owner = tenant
    web.sign_in(email)
    top = web.post("/categories", {"name": "Pets", "parent_id": "", "kind": "expense"})
    assert "Category Pets created" in web.follow(top).text
    pets = _category_id(client, owner, "Pets")
    sub = web.post("/categories", {"name": "Vet", "parent_id": pets, "kind": "expense"})
    assert "Pets &gt; Vet" in web.follow(sub).text
    again = web.post("/categories", {"name": "Vet", "parent_id": pets, "kind": "expense"})
    assert again.status_code in (409, 422) and 'id="name-error"' in again.text
    vet = _category_id(client, owner, "Pets > Vet")
    renamed = web.post(f"/categories/{vet}", {"name": "Veterinary"}, csrf_from="/categories")
    assert "Renamed to Pets &gt; Veterinary" in web.follow(renamed).text
    gone = web.post(f"/categories/{vet}/delete", {}, csrf_from="/categories")
    assert "Category deleted" in web.follow(gone).text
    paths = [c["path"] for c in client.get("/api/categories", headers=owner.headers).json()]
    assert "Pets" in paths and "Pets > Veterinary" not in paths
    assert 'href="/categories"' in web.get("/transactions").text


def test_review_suggests_only_what_it_is_fairly_sure_of(
    web: WebClient, client: httpx.Client, tenant
):
    slug, email, owner = tenant
    account = _account(client, owner, "Checking")
    groceries = _category_id(client, owner, "Groceries")
    unsure, fair = insert_transactions(
        slug,
        account,
        [{"day": date(2026, 3, 1), "amount": "-31.00", "description": "CORNER STORE 12",
          "extra": {"category_suggestion": {"category_id": groceries, "confidence": 0.12}}},
         {"day": date(2026, 3, 2), "amount": "-82.17", "description": "WHOLEFDS MKT 10234",
          "extra": {"category_suggestion": {"category_id": groceries, "confidence": 0.62}}}],
    )  # fmt: skip
    items = client.get("/api/analytics/review", headers=owner.headers).json()["items"]
    suggested = {i["id"]: i["suggested_category_id"] for i in items}
    assert suggested == {str(unsure): None, str(fair): groceries}
    web.sign_in(email)
    review = web.get("/review").text
    buttons = re.findall(r"<button[^>]*>([^<]+)<", review)
    assert "Apply" not in buttons  # the filter says Show; the bulk action says what it does
    assert "Show" in buttons and "Set the category of the selected" in buttons


def test_overview_shows_old_months_net_worth_and_each_currency(
    web: WebClient, client: httpx.Client, tenant
):
    """Issue 21, point 21: a statement older than a year still shows its months (never "No
    transactions yet" when there are some), the balances add up to a net worth, and euro
    accounts get their own charts instead of a note that they are left out."""
    slug, email, owner = tenant
    checking = _account(client, owner, "Checking")
    girokonto = _account(client, owner, "Girokonto", "EUR")
    old = date.today().replace(day=10) - timedelta(days=600)
    insert_transactions(
        slug,
        checking,
        [
            {"day": old, "amount": "2500.00", "description": "ACME PAYROLL"},
            {"day": old + timedelta(days=2), "amount": "-80.25", "description": "KROGER"},
        ],
    )
    insert_transactions(
        slug,
        girokonto,
        [{"day": date.today() - timedelta(days=3), "amount": "-10.99", "currency": "EUR",
          "description": "REWE SAGT DANKE"}],
    )  # fmt: skip
    web.sign_in(email)
    html = web.get("/").text
    assert "No transactions yet" not in html
    assert 'id="monthly-chart"' in html and 'id="monthly-chart-eur"' in html
    assert "left out of them" not in html
    usd = html.split('aria-labelledby="monthly-h"')[1].split("</section>")[0]
    assert old.strftime("%b %Y") in usd and "The latest twelve months with transactions" in usd
    assert 'id="category-chart-eur"' in html or "Spending by category, EUR" in html
    balances = html.split('id="balances"')[1].split("</table>")[0]
    assert "Net worth in EUR" in balances and "Net worth in USD" in balances
    assert "$2,419.75" in balances and "€10.99" in balances  # the minus sign is its own span


def test_overview_with_nothing_says_so(web: WebClient, tenant):
    _, email, _ = tenant
    web.sign_in(email)
    assert "No transactions yet" in web.get("/").text


def test_transactions_show_the_merchant_s_name_after_a_rename(
    web: WebClient, client: httpx.Client, tenant
):
    """Issue 21, point 12: the list shows the merchant as Merchants names it, and searching that
    name finds its rows."""
    from support.merchants import run_step

    slug, email, owner = tenant
    checking = _account(client, owner, "Checking")
    insert_transactions(
        slug,
        checking,
        [{"day": date.today() - timedelta(days=2), "amount": "-84.10",
          "description": "WHOLEFDS MKT 10234"}],
    )  # fmt: skip
    run_step(slug)
    merchants = client.get("/api/analytics/merchants", headers=owner.headers).json()["items"]
    [whole] = [m for m in merchants if m["name"] == "Whole Foods"]
    renamed = client.patch(
        f"/api/analytics/merchants/{whole['id']}", headers=owner.headers, json={"name": "WFM"}
    )
    assert renamed.status_code == 200, renamed.text
    web.sign_in(email)
    listing = web.get("/transactions?q=WFM").text
    assert '<span class="desc">WFM</span>' in listing and "WHOLEFDS MKT 10234" in listing
