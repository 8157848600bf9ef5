"""Rules over HTTP: ids of another organization's accounts and merchants are refused (422
naming the field), and patterns run on RE2 (issue 19, items 2 and 7)."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest

from finsight.analytics.models import Merchant
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import create_org, login
from support.ledger import insert_transactions

pytestmark = pytest.mark.integration

RULES = "/api/analytics/rules"
DRY_RUN = "/api/analytics/rules/dry-run"


def make_merchant(slug: str) -> uuid.UUID:
    with tenant_session(slug) as session:
        merchant = Merchant(name=f"Shop {uuid.uuid4().hex[:6]}")
        session.add(merchant)
        session.flush()
        return merchant.id


def refused_field(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    return str(response.json()["errors"][0]["field"])


def rule(conditions: dict[str, object]) -> dict[str, object]:
    return {"name": "r", "conditions": conditions, "actions": {"add_tags": ["t"]}}


def test_rules_take_only_the_tenants_account_and_merchant_ids(
    client: httpx.Client, unique_slug: str
):
    other_slug = unique_slug + "b"
    owner = login(client, create_org(unique_slug))
    create_org(other_slug)
    mine_account, mine_merchant = make_account(unique_slug), make_merchant(unique_slug)
    their_account, their_merchant = make_account(other_slug), make_merchant(other_slug)
    h = owner.headers

    for key, theirs in (("account_ids", their_account), ("merchant_ids", their_merchant)):
        body = rule({key: [str(theirs)]})
        assert refused_field(client.post(RULES, headers=h, json=body)) == f"conditions.{key}"
        dry = {"conditions": {key: [str(theirs)]}, "actions": {"add_tags": ["t"]}}
        assert refused_field(client.post(DRY_RUN, headers=h, json=dry)) == f"conditions.{key}"
        assert refused_field(
            client.post(RULES, headers=h, json=rule({key: [str(uuid.uuid4())]}))
        ) == (f"conditions.{key}")

    ours = rule({"account_ids": [str(mine_account)], "merchant_ids": [str(mine_merchant)]})
    created = client.post(RULES, headers=h, json=ours)
    assert created.status_code == 201, created.text
    changed = client.patch(
        f"{RULES}/{created.json()['id']}",
        headers=h,
        json={"conditions": {"account_ids": [str(mine_account), str(their_account)]}},
    )
    assert refused_field(changed) == "conditions.account_ids"


def test_patterns_run_on_re2(client: httpx.Client, unique_slug: str):
    owner = login(client, create_org(unique_slug))
    # 40 characters: Python's backtracking `re` would take hours on this row.
    rows = [{"day": date.today(), "amount": "-1", "description": "a" * 40 + "!"}]
    insert_transactions(unique_slug, make_account(unique_slug), rows)
    lookbehind = rule({"description_regex": "(?<=sq )coffee"})
    refused = client.post(RULES, headers=owner.headers, json=lookbehind)
    assert refused_field(refused) == "conditions.description_regex"
    assert "RE2" in refused.json()["detail"]
    # The dry run with a catastrophic pattern answers (RE2 runs it in linear time).
    evil = {"conditions": {"description_regex": "^(a+)+$"}, "actions": {"add_tags": ["t"]}}
    answered = client.post(DRY_RUN, headers=owner.headers, json=evil)
    assert answered.status_code == 200, answered.text
    assert answered.json()["matched"] == 0
