"""The category tree over HTTP: list, create, rename, move without cycles, delete rules."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import httpx
import pytest

from finsight.categories.bank_mapping import category_resolver
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction

from support.api import Member, create_org, login

pytestmark = pytest.mark.integration


def _tree(client: httpx.Client, member: Member) -> dict[str, dict]:
    response = client.get("/api/categories", headers=member.headers)
    assert response.status_code == 200, response.text
    return {c["path"]: c for c in response.json()}


def test_default_tree_is_listed_parents_first(client: httpx.Client, owner: Member):
    listing = client.get("/api/categories", headers=owner.headers).json()
    positions = {c["id"]: index for index, c in enumerate(listing)}
    for category in listing:
        if category["parent_id"]:
            assert positions[category["parent_id"]] < positions[category["id"]]
    tree = {c["path"]: c for c in listing}
    card = tree["Transfers > Credit card payment"]
    assert card["kind"] == "transfer" and card["is_system"] and card["depth"] == 1
    assert tree["Transfers"]["id"] == card["parent_id"]


def test_create_rename_move_and_kinds(client: httpx.Client, owner: Member):
    h = owner.headers
    no_kind = client.post("/api/categories", headers=h, json={"name": "Pets"})
    assert no_kind.status_code == 422 and no_kind.json()["errors"][0]["field"] == "kind"
    pets = client.post("/api/categories", headers=h, json={"name": "Pets", "kind": "expense"})
    assert pets.status_code == 201, pets.text
    pets_id = pets.json()["id"]
    vet = client.post("/api/categories", headers=h, json={"name": "Vet", "parent_id": pets_id})
    assert vet.json()["kind"] == "expense" and vet.json()["path"] == "Pets > Vet"
    vet_id = vet.json()["id"]
    wrong_kind = client.post(
        "/api/categories", headers=h, json={"name": "Food", "parent_id": pets_id, "kind": "income"}
    )
    assert wrong_kind.status_code == 422 and wrong_kind.json()["errors"][0]["field"] == "kind"
    again = client.post("/api/categories", headers=h, json={"name": "vet", "parent_id": pets_id})
    assert again.status_code == 409

    # No cycles: a category cannot move under itself or its own subcategory.
    for target in (pets_id, vet_id):
        cycle = client.patch(f"/api/categories/{pets_id}", headers=h, json={"parent_id": target})
        assert cycle.status_code == 422 and cycle.json()["errors"][0]["field"] == "parent_id"

    # Moving under "Income" gives the moved subtree the parent's kind.
    income = _tree(client, owner)["Income"]["id"]
    moved = client.patch(f"/api/categories/{pets_id}", headers=h, json={"parent_id": income})
    assert moved.status_code == 200, moved.text
    assert moved.json()["path"] == "Income > Pets" and moved.json()["kind"] == "income"
    assert _tree(client, owner)["Income > Pets > Vet"]["kind"] == "income"
    back = client.patch(
        f"/api/categories/{pets_id}", headers=h, json={"parent_id": None, "kind": "expense"}
    )
    assert back.json()["path"] == "Pets" and back.json()["kind"] == "expense"
    assert _tree(client, owner)["Pets > Vet"]["kind"] == "expense"
    child_kind = client.patch(f"/api/categories/{vet_id}", headers=h, json={"kind": "income"})
    assert child_kind.status_code == 422


def test_system_categories_rename_only(client: httpx.Client, owner: Member):
    h = owner.headers
    restaurants = _tree(client, owner)["Restaurants"]
    renamed = client.patch(
        f"/api/categories/{restaurants['id']}", headers=h, json={"name": "Dining out"}
    )
    assert renamed.status_code == 200 and renamed.json()["path"] == "Dining out"
    assert "Dining out > Coffee shops" in _tree(client, owner)
    again = client.patch(f"/api/categories/{restaurants['id']}", headers=h, json={"name": "Food"})
    assert again.status_code == 200
    # Bank categories still land on it: it keeps its seed name for the mapping.
    with tenant_session(str(owner.org_slug)) as session:
        assert str(category_resolver(session)("Food & Drink")) == restaurants["id"]
    travel = _tree(client, owner)["Travel"]["id"]
    move = client.patch(
        f"/api/categories/{restaurants['id']}", headers=h, json={"parent_id": travel}
    )
    assert move.status_code == 409
    delete = client.delete(f"/api/categories/{restaurants['id']}", headers=h)
    assert delete.status_code == 409 and "system category" in delete.json()["detail"]


def test_delete_refuses_children_and_use(client: httpx.Client, owner: Member):
    h = owner.headers
    pets = client.post(
        "/api/categories", headers=h, json={"name": "Pets", "kind": "expense"}
    ).json()
    vet = client.post(
        "/api/categories", headers=h, json={"name": "Vet", "parent_id": pets["id"]}
    ).json()
    with_child = client.delete(f"/api/categories/{pets['id']}", headers=h)
    assert with_child.status_code == 409 and "1 subcategory" in with_child.json()["detail"]

    account = client.post(
        "/api/accounts", headers=h, json={"name": "Card", "type": "credit_card"}
    ).json()
    with tenant_session(str(owner.org_slug)) as session:
        for _ in range(2):
            session.add(
                Transaction(
                    account_id=uuid.UUID(account["id"]),
                    transaction_date=date(2025, 1, 2),
                    amount=Decimal("-80.00"),
                    currency="USD",
                    description_raw="VCA ANIMAL HOSP",
                    description="VCA ANIMAL HOSP",
                    category_id=uuid.UUID(vet["id"]),
                    fingerprint=uuid.uuid4().bytes,
                )
            )
    in_use = client.delete(f"/api/categories/{vet['id']}", headers=h)
    assert in_use.status_code == 409 and "2 transaction(s)" in in_use.json()["detail"]

    empty = client.post(
        "/api/categories", headers=h, json={"name": "Toys", "parent_id": pets["id"]}
    ).json()
    assert client.delete(f"/api/categories/{empty['id']}", headers=h).status_code == 204
    assert "Pets > Toys" not in _tree(client, owner)
    assert (
        client.patch(f"/api/categories/{empty['id']}", headers=h, json={"name": "x"}).status_code
        == 404
    )
    # Its name is free again.
    again = client.post(
        "/api/categories", headers=h, json={"name": "Toys", "parent_id": pets["id"]}
    )
    assert again.status_code == 201


def test_other_organizations_categories_do_not_exist(client: httpx.Client, unique_slug: str):
    a = login(client, create_org(unique_slug + "a"))
    b = login(client, create_org(unique_slug + "b"))
    mine = client.post(
        "/api/categories", headers=a.headers, json={"name": "A secret", "kind": "expense"}
    ).json()
    a_groceries = _tree(client, a)["Groceries"]["id"]
    assert "A secret" not in _tree(client, b)
    assert a_groceries != _tree(client, b)["Groceries"]["id"]
    for response in (
        client.patch(f"/api/categories/{mine['id']}", headers=b.headers, json={"name": "x"}),
        client.delete(f"/api/categories/{mine['id']}", headers=b.headers),
        client.patch(f"/api/categories/{a_groceries}", headers=b.headers, json={"name": "x"}),
    ):
        assert response.status_code == 404, response.text
    under_a = client.post(
        "/api/categories", headers=b.headers, json={"name": "Sneaky", "parent_id": mine["id"]}
    )
    assert under_a.status_code == 422 and under_a.json()["errors"][0]["field"] == "parent_id"
