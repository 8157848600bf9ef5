"""Transactions over HTTP: filters, keyset pages, edits, delete/restore, bulk, isolation."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from finsight.db import get_engine

from support.api import Member, create_org, login

pytestmark = pytest.mark.integration

SORTS = {
    "-date": lambda t: (t["transaction_date"], t["id"]),
    "date": lambda t: (t["transaction_date"], t["id"]),
    "-amount": lambda t: (Decimal(t["amount"]), t["id"]),
    "amount": lambda t: (Decimal(t["amount"]), t["id"]),
}


def _all_pages(client: httpx.Client, member: Member, params: dict[str, Any]) -> list[dict]:
    rows, cursor = [], None
    while True:
        page_params = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/transactions", headers=member.headers, params=page_params)
        assert response.status_code == 200, response.text
        page = response.json()
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows


def _ids(client: httpx.Client, member: Member, **params: Any) -> set[str]:
    return {t["id"] for t in _all_pages(client, member, {"limit": 200, **params})}


def _category(client: httpx.Client, member: Member, path: str) -> str:
    tree = client.get("/api/categories", headers=member.headers).json()
    return next(c["id"] for c in tree if c["path"] == path)


def test_keyset_pages_have_no_duplicates_or_gaps(client, owner, new_account, ledger):
    checking, card = new_account("Checking"), new_account("Card", type="credit_card")
    start = date(2025, 3, 1)
    # Many rows share a date and an amount: the id breaks every tie.
    rows = [
        {"day": start + timedelta(days=n % 4), "amount": str(Decimal("-10.00") * (n % 3))}
        for n in range(23)
    ]
    ledger(checking["id"], rows[:15])
    ledger(card["id"], rows[15:])
    for sort, key in SORTS.items():
        got = _all_pages(client, owner, {"sort": sort, "limit": 4})
        assert len(got) == 23 and len({t["id"] for t in got}) == 23, sort
        assert got == sorted(got, key=key, reverse=sort.startswith("-")), sort
    one_account = _all_pages(client, owner, {"account_id": card["id"], "limit": 3})
    assert [t["account_id"] for t in one_account] == [card["id"]] * 8
    first = client.get("/api/transactions", headers=owner.headers, params={"limit": 2}).json()
    other_sort = client.get(
        "/api/transactions",
        headers=owner.headers,
        params={"sort": "amount", "cursor": first["next_cursor"]},
    )
    assert other_sort.status_code == 422 and other_sort.json()["errors"][0]["field"] == "cursor"


def test_filters(client, owner, new_account, ledger):
    checking, savings = new_account("Checking"), new_account("Savings", type="savings")
    coffee = _category(client, owner, "Restaurants > Coffee shops")
    restaurants = _category(client, owner, "Restaurants")
    ids = ledger(
        checking["id"],
        [
            {
                "day": "2025-01-05",
                "amount": "-4.50",
                "description": "STARBUCKS STORE 1234",
                "merchant": "Starbucks",
                "category_id": uuid.UUID(coffee),
                "tags": ["work"],
            },
            {
                "day": "2025-01-10",
                "amount": "-120.00",
                "description": "WHOLEFDS MKT #10",
                "pending": True,
            },
            {
                "day": "2025-01-20",
                "amount": "2500.00",
                "description": "ACME PAYROLL",
                "excluded": True,
                "category_id": uuid.UUID(restaurants),
            },
        ],
    )
    (transfer,) = ledger(
        savings["id"],
        [{"day": "2025-02-01", "amount": "-5.25", "description": "BLUE BOTTLE COFFEE"}],
    )
    starbucks, wholefoods, payroll = (str(i) for i in ids)
    transfer = str(transfer)
    assert _ids(client, owner) == {starbucks, wholefoods, payroll, transfer}
    assert _ids(client, owner, account_id=[checking["id"], savings["id"]]) == _ids(client, owner)
    assert _ids(client, owner, account_id=savings["id"]) == {transfer}
    assert _ids(client, owner, date_from="2025-01-10", date_to="2025-01-20") == {
        wholefoods,
        payroll,
    }
    assert _ids(client, owner, amount_min="-10", amount_max="0") == {starbucks, transfer}
    assert _ids(client, owner, amount_min="100.5") == {payroll}
    # A category matches its subcategories too.
    assert _ids(client, owner, category_id=restaurants) == {starbucks, payroll}
    assert _ids(client, owner, category_id=coffee) == {starbucks}
    assert _ids(client, owner, uncategorized="true") == {wholefoods, transfer}
    assert _ids(client, owner, uncategorized="true", category_id=coffee) == {
        wholefoods,
        transfer,
        starbucks,
    }
    assert _ids(client, owner, pending="true") == {wholefoods}
    assert _ids(client, owner, pending="false") == {starbucks, payroll, transfer}
    assert _ids(client, owner, excluded="true") == {payroll}
    assert _ids(client, owner, tag="work") == {starbucks}
    # Search: prefixes of words in the description or the merchant, all required.
    assert _ids(client, owner, q="starb") == {starbucks}
    assert _ids(client, owner, q="coffee BLUE") == {transfer}
    assert _ids(client, owner, q="blue starb") == set()
    assert _ids(client, owner, q="wholefds & !mkt | ( :*") == {wholefoods}
    assert _ids(client, owner, q="o'brien's") == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"amount_min": "abc"}, "amount_min"),
        ({"amount_max": "1.23456"}, "amount_max"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2025-02-01", "date_to": "2025-01-01"}, "date_from"),
        ({"amount_min": "5", "amount_max": "1"}, "amount_min"),
        ({"account_id": "nope"}, "account_id.0"),
        ({"sort": "payee"}, "sort"),
        ({"limit": "500"}, "limit"),
        ({"cursor": "e30"}, "cursor"),
        ({"q": "&&& !!"}, "q"),
    ],
)
def test_bad_filters_name_the_field(client: httpx.Client, owner: Member, params, field):
    response = client.get("/api/transactions", headers=owner.headers, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_patch_sets_user_fields(client, owner, new_account, ledger):
    account = new_account()
    (txn,) = ledger(
        account["id"], [{"day": "2025-01-05", "amount": "-9.99", "category_source": "bank"}]
    )
    url, h = f"/api/transactions/{txn}", owner.headers
    groceries = _category(client, owner, "Groceries")
    changed = client.patch(
        url, headers=h, json={"category_id": groceries, "tags": ["a", "b", "a"], "notes": "=1+1"}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["category_id"] == groceries and body["category_source"] == "user"
    assert body["tags"] == ["a", "b"] and body["notes"] == "=1+1"
    assert body["user_fields"] == ["category_id", "notes", "tags"]
    body = client.patch(url, headers=h, json={"excluded": True, "merchant": "Corner Shop"}).json()
    assert body["excluded"] and body["merchant"] == "Corner Shop"
    assert body["user_fields"] == ["category_id", "excluded", "merchant", "notes", "tags"]
    assert body["amount"] == "-9.99"

    for payload, field in (
        ({"category_id": str(uuid.uuid4())}, "category_id"),
        ({"amount": "1"}, "amount"),
        ({"tags": None}, "tags"),
        ({"tags": ["x" * 51]}, "tags.0"),
    ):
        bad = client.patch(url, headers=h, json=payload)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field, bad.text
    assert client.patch(url, headers=h, json={}).status_code == 422
    assert (
        client.patch(
            f"/api/transactions/{uuid.uuid4()}", headers=h, json={"notes": "x"}
        ).status_code
        == 404
    )


def test_delete_and_restore_move_the_balance(client, owner, new_account, ledger):
    account = new_account(opening_balance="100.00")
    a, b = ledger(
        account["id"],
        [{"day": "2025-01-05", "amount": "-30.25"}, {"day": "2025-01-06", "amount": "500"}],
    )
    h = owner.headers

    def balance() -> str:
        return str(
            client.get(f"/api/accounts/{account['id']}", headers=h).json()["current_balance"]
        )

    assert balance() == "569.75"
    assert client.delete(f"/api/transactions/{a}", headers=h).status_code == 204
    assert balance() == "600.00"
    assert _ids(client, owner) == {str(b)}
    assert _ids(client, owner, include_deleted="true") == {str(a), str(b)}
    assert client.get(f"/api/transactions/{a}", headers=h).json()["deleted_at"] is not None
    assert client.delete(f"/api/transactions/{a}", headers=h).status_code == 404
    assert client.patch(f"/api/transactions/{a}", headers=h, json={"notes": "x"}).status_code == 404
    restored = client.post(f"/api/transactions/{a}/restore", headers=h)
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    assert balance() == "569.75"
    assert client.post(f"/api/transactions/{a}/restore", headers=h).status_code == 409
    # Changing the opening balance moves the current balance by the difference.
    client.patch(f"/api/accounts/{account['id']}", headers=h, json={"opening_balance": "0"})
    assert balance() == "469.75"
    # The currency of an account with transactions is fixed.
    euro = client.patch(f"/api/accounts/{account['id']}", headers=h, json={"currency": "EUR"})
    assert euro.status_code == 409


def test_deleted_account_hides_its_transactions(client, owner, new_account, ledger):
    kept, dropped = new_account("Kept"), new_account("Dropped")
    (keep,) = ledger(kept["id"], [{"day": "2025-01-05", "amount": "-1"}])
    (gone,) = ledger(dropped["id"], [{"day": "2025-01-05", "amount": "-2"}])
    assert client.delete(f"/api/accounts/{dropped['id']}", headers=owner.headers).status_code == 204
    assert _ids(client, owner) == {str(keep)}
    assert _ids(client, owner, include_deleted="true") == {str(keep)}
    assert _ids(client, owner, account_id=dropped["id"]) == set()
    assert client.get(f"/api/transactions/{gone}", headers=owner.headers).status_code == 404


def _audit_count() -> int:
    with get_engine().connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM platform.audit_log")).scalar_one())


def test_bulk_recategorize(client, owner, new_account, ledger):
    account = new_account()
    ids = ledger(account["id"], [{"day": f"2025-01-0{n}", "amount": "-5"} for n in range(1, 6)])
    client.delete(f"/api/transactions/{ids[4]}", headers=owner.headers)
    fuel = _category(client, owner, "Transport > Fuel")
    unknown = str(uuid.uuid4())
    before = _audit_count()
    response = client.post(
        "/api/transactions/bulk-recategorize",
        headers=owner.headers,
        json={"ids": [str(i) for i in ids] + [unknown, str(ids[0])], "category_id": fuel},
    )
    assert response.status_code == 200, response.text
    assert _audit_count() - before == 1
    result = response.json()
    assert result["requested"] == 6 and result["updated"] == 4
    assert set(result["not_found"]) == {unknown, str(ids[4])}
    rows = _all_pages(client, owner, {"category_id": fuel})
    assert len(rows) == 4
    assert all(r["category_source"] == "user" and r["user_fields"] == ["category_id"] for r in rows)
    too_many = client.post(
        "/api/transactions/bulk-recategorize",
        headers=owner.headers,
        json={"ids": [str(uuid.uuid4()) for _ in range(1001)], "category_id": fuel},
    )
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "ids"
    bad_category = client.post(
        "/api/transactions/bulk-recategorize",
        headers=owner.headers,
        json={"ids": [str(ids[0])], "category_id": unknown},
    )
    assert bad_category.status_code == 422
    assert bad_category.json()["errors"][0]["field"] == "category_id"


def test_other_organizations_transactions_do_not_exist(client, unique_slug, ledger):
    a = login(client, create_org(unique_slug + "a"))
    b = login(client, create_org(unique_slug + "b"))
    a_account = client.post(
        "/api/accounts", headers=a.headers, json={"name": "A", "type": "checking"}
    ).json()
    (a_txn,) = ledger(a_account["id"], [{"day": "2025-01-05", "amount": "-7"}], slug=a.org_slug)
    a_category = _category(client, a, "Groceries")
    for response in (
        client.get(f"/api/transactions/{a_txn}", headers=b.headers),
        client.patch(f"/api/transactions/{a_txn}", headers=b.headers, json={"notes": "x"}),
        client.delete(f"/api/transactions/{a_txn}", headers=b.headers),
        client.post(f"/api/transactions/{a_txn}/restore", headers=b.headers),
    ):
        assert response.status_code == 404, response.text
    assert _ids(client, b) == set()
    assert _ids(client, b, account_id=a_account["id"]) == set()
    bulk = client.post(
        "/api/transactions/bulk-recategorize",
        headers=b.headers,
        json={"ids": [str(a_txn)], "category_id": None},
    ).json()
    assert bulk["updated"] == 0 and bulk["not_found"] == [str(a_txn)]
    # A's transaction is untouched, and B cannot file its own under A's category.
    assert client.get(f"/api/transactions/{a_txn}", headers=a.headers).json()["deleted_at"] is None
    b_account = client.post(
        "/api/accounts", headers=b.headers, json={"name": "B", "type": "checking"}
    ).json()
    (b_txn,) = ledger(b_account["id"], [{"day": "2025-01-05", "amount": "-1"}], slug=b.org_slug)
    borrowed = client.patch(
        f"/api/transactions/{b_txn}", headers=b.headers, json={"category_id": a_category}
    )
    assert borrowed.status_code == 422
