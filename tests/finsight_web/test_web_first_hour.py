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
