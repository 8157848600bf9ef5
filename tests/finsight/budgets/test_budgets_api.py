"""Budgets over HTTP: CRUD with validation and audit, spending per month with subcategories,
rollover of what is left, and the pace projection; the service other domains read."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import httpx
import pytest

from finsight.budgets.service import limits_for_month, statuses_for_month
from finsight.kit.models import utcnow
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import Member, add_user, login
from support.ledger import insert_transactions

pytestmark = pytest.mark.integration


def _category(client: httpx.Client, member: Member, path: str) -> str:
    listing = client.get("/api/categories", headers=member.headers).json()
    return next(c["id"] for c in listing if c["path"] == path)


def test_crud_validation_and_audit(client: httpx.Client, owner: Member, unique_slug: str):
    h = owner.headers
    groceries = _category(client, owner, "Restaurants > Coffee shops")
    created = client.post(
        "/api/budgets",
        headers=h,
        json={"category_id": groceries, "amount": "1,200.00", "currency": "usd", "rollover": True},
    )
    assert created.status_code == 201, created.text
    budget = created.json()
    assert budget["amount"] == "1200.00" and budget["currency"] == "USD"
    assert budget["category"] == "Restaurants > Coffee shops" and budget["rollover"] is True
    assert budget["start_month"] == utcnow().date().replace(day=1).isoformat()

    again = client.post("/api/budgets", headers=h, json={"category_id": groceries, "amount": "5"})
    assert again.status_code == 409
    # Another currency is another budget.
    eur = client.post(
        "/api/budgets", headers=h, json={"category_id": groceries, "amount": "5", "currency": "EUR"}
    )
    assert eur.status_code == 201
    for body, field in (
        ({"category_id": groceries, "amount": "0", "currency": "GBP"}, "amount"),
        ({"category_id": groceries, "amount": "-3", "currency": "GBP"}, "amount"),
        ({"category_id": _category(client, owner, "Income"), "amount": "3"}, "category_id"),
        ({"category_id": str(uuid.uuid4()), "amount": "3"}, "category_id"),
        ({"category_id": groceries, "amount": "3", "currency": "XX"}, "currency"),
    ):
        refused = client.post("/api/budgets", headers=h, json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert field in refused.json()["errors"][0]["field"], refused.json()

    changed = client.patch(
        f"/api/budgets/{budget['id']}", headers=h, json={"amount": "900", "rollover": False}
    )
    assert changed.status_code == 200 and changed.json()["amount"] == "900.00"
    assert (
        client.patch(f"/api/budgets/{budget['id']}", headers=h, json={"amount": None}).status_code
        == 422
    )
    assert (
        client.patch(
            f"/api/budgets/{budget['id']}", headers=h, json={"currency": "EUR"}
        ).status_code
        == 409
    )

    viewer = login(client, add_user(unique_slug, "viewer"), unique_slug)
    assert client.get("/api/budgets", headers=viewer.headers).status_code == 200
    assert client.delete(f"/api/budgets/{budget['id']}", headers=viewer.headers).status_code == 403

    assert client.delete(f"/api/budgets/{budget['id']}", headers=h).status_code == 204
    assert client.get(f"/api/budgets/{budget['id']}", headers=h).status_code == 404
    assert [b["currency"] for b in client.get("/api/budgets", headers=h).json()] == ["EUR"]

    audit = client.get("/api/audit", headers=h, params={"limit": 50}).json()["items"]
    actions = [e["action"] for e in audit]
    assert {"budget.create", "budget.update", "budget.delete"} <= set(actions)


def test_spending_rollover_and_pace(client: httpx.Client, owner: Member, unique_slug: str):
    food = _category(client, owner, "Restaurants")
    groceries = _category(client, owner, "Restaurants > Coffee shops")
    account = make_account(unique_slug)
    budget = client.post(
        "/api/budgets",
        headers=owner.headers,
        json={"category_id": food, "amount": "300", "rollover": True, "start_month": "2026-09-01"},
    ).json()
    insert_transactions(
        unique_slug,
        account,
        [
            # September: 200 spent of 300 -> 100 carried into October.
            {"day": "2026-09-05", "amount": "-200.00", "category_id": uuid.UUID(groceries)},
            # October: 450 spent of 400 -> overspent, nothing carried (no deficit either).
            {"day": "2026-10-03", "amount": "-500.00", "category_id": uuid.UUID(food)},
            {"day": "2026-10-20", "amount": "50.00", "category_id": uuid.UUID(food)},  # refund
            # November: 60 in the first 10 days, a transfer and an excluded row not counted.
            {"day": "2026-11-02", "amount": "-60.00", "category_id": uuid.UUID(groceries)},
            {
                "day": "2026-11-03",
                "amount": "-999.00",
                "category_id": uuid.UUID(groceries),
                "excluded": True,
            },
            {"day": "2026-11-25", "amount": "-40.00", "category_id": uuid.UUID(groceries)},
        ],
    )
    with tenant_session(unique_slug) as session:
        october = {limit.budget_id: limit for limit in limits_for_month(session, date(2026, 10, 1))}
        november = {
            limit.budget_id: limit for limit in limits_for_month(session, date(2026, 11, 15))
        }
        assert limits_for_month(session, date(2026, 8, 1)) == []  # not started yet
        paced = statuses_for_month(session, date(2026, 11, 1), date(2026, 11, 10))
    key = uuid.UUID(budget["id"])
    assert october[key].carried_over == Decimal("100") and october[key].limit == Decimal("400")
    assert november[key].carried_over == Decimal("0")
    # 60 in 10 days of a 30-day month: 180 projected of 300 -> 60%.
    assert paced[0].spent == Decimal("60") and paced[0].projected == Decimal("180.00")
    assert paced[0].pace_text == "at this pace, 60% by month end"
    assert not paced[0].on_pace_to_exceed

    status = client.get(
        "/api/budgets/status", headers=owner.headers, params={"month": "2026-10"}
    ).json()
    assert status[0]["spent"] == "450.00" and status[0]["limit"] == "400.00"
    assert status[0]["carried_over"] == "100.00" and status[0]["percent"] == 112.5
    assert status[0]["on_pace_to_exceed"] is True  # a past month's pace is its spending
    assert status[0]["pace"] == "at this pace, 112% by month end"
    bad = client.get("/api/budgets/status", headers=owner.headers, params={"month": "2026-13"})
    assert bad.status_code == 422
