"""Accounts and institutions over HTTP: CRUD, validation naming fields, isolation."""

from __future__ import annotations

import uuid

import httpx
import pytest

from support.api import Member, add_user, create_org, login

pytestmark = pytest.mark.integration


def _create(client: httpx.Client, member: Member, **body: object) -> httpx.Response:
    return client.post(
        "/api/accounts",
        headers=member.headers,
        json={"name": "Checking", "type": "checking", "currency": "usd", **body},
    )


def test_account_lifecycle(client: httpx.Client, owner: Member):
    h = owner.headers
    chase = next(
        i for i in client.get("/api/institutions", headers=h).json() if i["code"] == "chase"
    )
    created = _create(
        client, owner, institution_id=chase["id"], mask="4821", opening_balance="1250.5"
    )
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["currency"] == "USD"
    assert account["opening_balance"] == "1250.50" and account["current_balance"] == "1250.50"
    assert client.get(f"/api/accounts/{account['id']}", headers=h).json() == account

    changed = client.patch(
        f"/api/accounts/{account['id']}",
        headers=h,
        json={"opening_balance": "1000", "name": "Main checking", "mask": None},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["name"] == "Main checking" and body["mask"] is None
    assert body["opening_balance"] == "1000.00" and body["current_balance"] == "1000.00"

    assert client.delete(f"/api/accounts/{account['id']}", headers=h).status_code == 204
    assert client.get(f"/api/accounts/{account['id']}", headers=h).status_code == 404
    assert client.get("/api/accounts", headers=h).json()["items"] == []
    # The name is free again once the account is deleted.
    assert _create(client, owner, name="Main checking").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"type": "foo"}, "type"),
        ({"opening_balance": "12.34567"}, "opening_balance"),
        ({"opening_balance": "lots"}, "opening_balance"),
        ({"mask": "12-34"}, "mask"),
        ({"name": "   "}, "name"),
        ({"institution_id": str(uuid.uuid4())}, "institution_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_account_names_the_field(client: httpx.Client, owner: Member, body, field):
    response = _create(client, owner, **body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["field"] == field, problem
    if field == "currency":
        assert "XYZ" in problem["detail"] and "currency code we know" in problem["detail"]


def test_patch_refuses_nulls_duplicates_and_currency_change_with_rows(
    client: httpx.Client, owner: Member
):
    h = owner.headers
    first = _create(client, owner, name="One").json()
    _create(client, owner, name="Two")
    duplicate = client.patch(f"/api/accounts/{first['id']}", headers=h, json={"name": "TWO"})
    assert duplicate.status_code == 409 and "Two" in duplicate.json()["detail"].title()
    null_name = client.patch(f"/api/accounts/{first['id']}", headers=h, json={"name": None})
    assert null_name.status_code == 422 and null_name.json()["errors"][0]["field"] == "name"
    # No transactions yet: the currency may change.
    euro = client.patch(f"/api/accounts/{first['id']}", headers=h, json={"currency": "eur"})
    assert euro.status_code == 200 and euro.json()["currency"] == "EUR"
    assert _create(client, owner, name="one").status_code == 409


def test_list_filters_and_pages(client: httpx.Client, owner: Member):
    h = owner.headers
    institutions = {i["code"]: i["id"] for i in client.get("/api/institutions", headers=h).json()}
    names = [f"Account {n:02d}" for n in range(7)]
    for index, name in enumerate(names):
        kind = "credit_card" if index % 2 else "savings"
        bank = institutions["discover"] if index % 3 == 0 else None
        assert _create(client, owner, name=name, type=kind, institution_id=bank).status_code == 201

    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/accounts", headers=h, params=params).json()
        seen += [a["name"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == names

    cards = client.get("/api/accounts", headers=h, params={"type": "credit_card"}).json()
    assert [a["name"] for a in cards["items"]] == names[1::2]
    at_discover = client.get(
        "/api/accounts", headers=h, params={"institution_id": institutions["discover"]}
    ).json()
    assert [a["name"] for a in at_discover["items"]] == names[::3]
    bad = client.get("/api/accounts", headers=h, params={"type": "foo"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "type"
    bad_cursor = client.get("/api/accounts", headers=h, params={"cursor": "!!"})
    assert bad_cursor.status_code == 422 and bad_cursor.json()["errors"][0]["field"] == "cursor"


def test_institutions(client: httpx.Client, owner: Member):
    h = owner.headers
    seeded = client.get("/api/institutions", headers=h).json()
    assert {i["code"] for i in seeded} == {"chase", "discover", "capital_one"}
    ally = client.post(
        "/api/institutions", headers=h, json={"name": "Ally Bank", "website": "https://ally.com"}
    )
    assert ally.status_code == 201, ally.text
    ally_id = ally.json()["id"]
    assert (
        client.post("/api/institutions", headers=h, json={"name": "ally bank"}).status_code == 409
    )
    dup_code = client.post("/api/institutions", headers=h, json={"name": "X", "code": "chase"})
    assert dup_code.status_code == 409
    bad_code = client.post("/api/institutions", headers=h, json={"name": "Y", "code": "hsbc"})
    assert bad_code.status_code == 422 and bad_code.json()["errors"][0]["field"] == "code"
    renamed = client.patch(f"/api/institutions/{ally_id}", headers=h, json={"name": "Ally"})
    assert renamed.json()["name"] == "Ally"

    account = _create(client, owner, institution_id=ally_id).json()
    in_use = client.delete(f"/api/institutions/{ally_id}", headers=h)
    assert in_use.status_code == 409 and "1 account" in in_use.json()["detail"]
    client.delete(f"/api/accounts/{account['id']}", headers=h)
    assert client.delete(f"/api/institutions/{ally_id}", headers=h).status_code == 204
    assert client.get(f"/api/institutions/{ally_id}", headers=h).status_code == 404
    assert ally_id not in {i["id"] for i in client.get("/api/institutions", headers=h).json()}
    gone = _create(client, owner, name="Late", institution_id=ally_id)
    assert gone.status_code == 422 and gone.json()["errors"][0]["field"] == "institution_id"


def test_viewer_reads_but_cannot_write(client: httpx.Client, owner: Member):
    account = _create(client, owner).json()
    viewer = login(client, add_user(str(owner.org_slug), "viewer"))
    assert client.get(f"/api/accounts/{account['id']}", headers=viewer.headers).status_code == 200
    refused = client.patch(
        f"/api/accounts/{account['id']}", headers=viewer.headers, json={"name": "Mine"}
    )
    assert refused.status_code == 403 and "accounts:write" in refused.json()["detail"]


def test_other_organizations_accounts_do_not_exist(client: httpx.Client, unique_slug: str):
    a = login(client, create_org(unique_slug + "a"))
    b = login(client, create_org(unique_slug + "b"))
    a_account = _create(client, a, name="A only").json()
    a_bank = client.post("/api/institutions", headers=a.headers, json={"name": "A bank"}).json()
    for response in (
        client.get(f"/api/accounts/{a_account['id']}", headers=b.headers),
        client.patch(f"/api/accounts/{a_account['id']}", headers=b.headers, json={"name": "x"}),
        client.delete(f"/api/accounts/{a_account['id']}", headers=b.headers),
        client.get(f"/api/institutions/{a_bank['id']}", headers=b.headers),
        client.delete(f"/api/institutions/{a_bank['id']}", headers=b.headers),
    ):
        assert response.status_code == 404, response.text
    assert client.get("/api/accounts", headers=b.headers).json()["items"] == []
    assert "A bank" not in {
        i["name"] for i in client.get("/api/institutions", headers=b.headers).json()
    }
    # B cannot attach A's institution either: to B it does not exist.
    borrowed = _create(client, b, institution_id=a_bank["id"])
    assert borrowed.status_code == 422 and borrowed.json()["errors"][0]["field"] == "institution_id"
    assert client.get(f"/api/accounts/{a_account['id']}", headers=a.headers).status_code == 200


def test_validation_is_said_in_words_and_grouped_amounts_are_accepted(
    client: httpx.Client, owner: Member
):
    """What the API says reaches people through the dashboard's forms: no pydantic jargon."""
    grouped = _create(client, owner, opening_balance="1,234.56")
    assert grouped.status_code == 201, grouped.text
    assert grouped.json()["opening_balance"] == "1234.56"
    dollars = _create(client, owner, name="Savings", opening_balance="$18,342.17")
    assert dollars.json()["opening_balance"] == "18342.17"

    wrong = _create(client, owner, name="Euro", currency="XYZ", opening_balance="12 dollars")
    assert wrong.status_code == 422
    messages = {e["field"]: e["message"] for e in wrong.json()["errors"]}
    assert messages == {
        "currency": "'XYZ' is not a currency code we know: use the three-letter code, such as "
        "USD, EUR or GBP",
        "opening_balance": "expected an amount such as 1234.56",
    }
    said = wrong.text
    assert "Value error" not in said and "Input should" not in said and "ISO 4217" not in said
    kind = _create(client, owner, name="Odd", type="piggy_bank")
    assert "Input should" not in kind.json()["errors"][0]["message"]
