"""GET /api/transactions/summary: income and spending per month and per category."""

from __future__ import annotations

import httpx
import pytest

from support.api import Member

pytestmark = pytest.mark.integration


def _category(client: httpx.Client, member: Member, path: str) -> str:
    tree = client.get("/api/categories", headers=member.headers).json()
    return next(c["id"] for c in tree if c["path"] == path)


def _summary(client: httpx.Client, member: Member, **params: str) -> list[dict]:
    response = client.get("/api/transactions/summary", headers=member.headers, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["totals"])


def test_totals_by_month_and_category_leave_out_transfers_and_exclusions(
    client, owner, new_account, ledger
):
    checking = new_account("Checking")
    euro = new_account("Euro", currency="EUR")
    coffee = _category(client, owner, "Restaurants > Coffee shops")
    groceries = _category(client, owner, "Groceries")
    card_payment = _category(client, owner, "Transfers > Credit card payment")
    ledger(
        checking["id"],
        [
            {"day": "2026-01-03", "amount": "-4.50", "category_id": coffee},
            {"day": "2026-01-09", "amount": "-80.25", "category_id": groceries},
            {"day": "2026-01-31", "amount": "3000.00"},
            {"day": "2026-02-02", "amount": "-5.00", "category_id": coffee},
            {"day": "2026-02-03", "amount": "-500.00", "category_id": card_payment},
            {"day": "2026-02-04", "amount": "-99.00", "excluded": True},
            {"day": "2026-02-05", "amount": "-10.00", "transfer_id": checking["id"]},
            # Money back at the grocer: it reduces Groceries, it is not income.
            {"day": "2026-02-06", "amount": "20.00", "category_id": groceries},
        ],
    )
    ledger(
        euro["id"],
        [{"day": "2026-02-10", "amount": "-7.00", "category_id": coffee, "currency": "EUR"}],
    )

    months = _summary(client, owner)
    assert [(m["key"], m["currency"], m["income"], m["spending"], m["net"]) for m in months] == [
        ("2026-01", "USD", "3000.00", "84.75", "2915.25"),
        ("2026-02", "EUR", "0.00", "7.00", "-7.00"),
        ("2026-02", "USD", "0.00", "-15.00", "15.00"),
    ]
    by_category = _summary(client, owner, group_by="category")
    usd = [(c["label"], c["spending"], c["count"]) for c in by_category if c["currency"] == "USD"]
    assert usd == [
        ("Groceries", "60.25", 2),
        ("Restaurants", "9.50", 2),  # Coffee shops rolled up into Restaurants
        ("Uncategorized", "0.00", 1),
    ]
    detailed = _summary(client, owner, group_by="category", rollup="false")
    assert "Restaurants > Coffee shops" in {c["label"] for c in detailed}
    february = _summary(
        client, owner, group_by="category", date_from="2026-02-01", account_id=checking["id"]
    )
    assert [(c["label"], c["spending"]) for c in february] == [
        ("Restaurants", "5.00"),
        ("Groceries", "-20.00"),
    ]


def test_a_bad_filter_names_the_field(client, owner):
    response = client.get(
        "/api/transactions/summary",
        headers=owner.headers,
        params={"date_from": "2026-03-01", "date_to": "2026-01-01"},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "date_from"
    bad_group = client.get(
        "/api/transactions/summary", headers=owner.headers, params={"group_by": "week"}
    )
    assert bad_group.status_code == 422
