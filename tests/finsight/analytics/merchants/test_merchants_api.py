"""The merchants API over HTTP: list, search and paginate; rename, merge and split (audited);
errors naming the field; viewers read only; another organization sees nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from support.accounts import make_account
from support.api import Member, add_user, create_org, login
from support.ledger import insert_transactions
from support.merchants import run_step

pytestmark = pytest.mark.integration

URL = "/api/analytics/merchants"
DESCRIPTORS = [
    "SQ *BLUE BOTTLE COFFEE #552 OAKLAND CA",
    "BLUE BOTTLE COFFE",
    "NETFLIX.COM",
    "UBER *TRIP HELP.UBER.COM",
    "UBER EATS",
    "TARGET 00012345",
    "apple.com/bill",
    "WHOLE FOODS MARKET 10234",
]


def _tenant(client: httpx.Client, slug: str) -> tuple[Member, str]:
    owner = login(client, create_org(slug), slug)
    account = make_account(slug)
    rows = [
        {"day": date(2025, 1, 1) + timedelta(days=i), "amount": "-5.00", "description": d}
        for i, d in enumerate(DESCRIPTORS)
    ]
    rows.append({"day": "2025-03-01", "amount": "-6.00", "description": "UBER *TRIP"})
    insert_transactions(slug, account, rows)
    run_step(slug)
    return owner, str(account)


def _all_pages(client: httpx.Client, member: Member, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = client.get(URL, headers=member.headers, params=query)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def _by_name(client: httpx.Client, member: Member) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in _all_pages(client, member)}


def _field(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    return str(response.json()["errors"][0]["field"])


def test_list_search_and_paginate(client: httpx.Client, unique_slug: str):
    owner, _ = _tenant(client, unique_slug)
    items = _all_pages(client, owner, limit=3)
    names = [m["name"] for m in items]
    assert names == sorted(names, key=str.lower) and len(names) == 7
    uber = next(m for m in items if m["name"] == "Uber")
    assert (uber["transactions"], uber["last_seen"], uber["keys"]) == (2, "2025-03-01", ["uber"])
    assert uber["name_source"] == "cleaner"

    def search(q: str) -> list[str]:
        return [m["name"] for m in _all_pages(client, owner, q=q)]

    assert search("BOTTLE") == ["Blue Bottle Coffee"]
    assert search("coffe") == ["Blue Bottle Coffee"]  # a key ("blue bottle coffe") or the name
    assert search("blue-bottle") == ["Blue Bottle Coffee"]  # the key spelling of the words
    assert search("uber") == ["Uber", "Uber Eats"]
    assert search("100%") == []
    detail = client.get(f"{URL}/{uber['id']}", headers=owner.headers).json()
    assert detail["key_details"] == [{"key": "uber", "display": "Uber", "pinned": False}]
    missing = client.get(f"{URL}/{'0' * 8}-0000-7000-8000-{'0' * 12}", headers=owner.headers)
    assert missing.status_code == 404
    assert _field(client.get(URL, headers=owner.headers, params={"cursor": "nope"})) == "cursor"


def test_rename_merge_split_over_http(client: httpx.Client, unique_slug: str):
    owner, _ = _tenant(client, unique_slug)
    h = owner.headers
    named = _by_name(client, owner)
    netflix, uber, eats = named["Netflix"]["id"], named["Uber"]["id"], named["Uber Eats"]["id"]
    blue = named["Blue Bottle Coffee"]["id"]

    renamed = client.patch(f"{URL}/{netflix}", headers=h, json={"name": "Films"})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["name_source"]) == ("Films", "user")
    assert _field(client.patch(f"{URL}/{netflix}", headers=h, json={"name": "  "})) == "name"
    assert _field(client.patch(f"{URL}/{netflix}", headers=h, json={})) == "name"

    merge = f"{URL}/merge"
    assert _field(
        client.post(merge, headers=h, json={"source_ids": [uber], "target_id": uber})
    ) == ("source_ids")
    unknown = "00000000-0000-7000-8000-000000000000"
    assert _field(
        client.post(merge, headers=h, json={"source_ids": [unknown], "target_id": uber})
    ) == ("source_ids")
    assert _field(
        client.post(merge, headers=h, json={"source_ids": [eats], "target_id": unknown})
    ) == ("target_id")
    assert _field(client.post(merge, headers=h, json={"source_ids": [], "target_id": uber})) == (
        "source_ids"
    )
    merged = client.post(merge, headers=h, json={"source_ids": [eats], "target_id": uber})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["keys"] == ["uber", "uber eats"] and body["transactions"] == 3
    assert [k["pinned"] for k in body["key_details"]] == [False, True]
    assert client.get(f"{URL}/{eats}", headers=h).status_code == 404

    split_url = f"{URL}/{blue}/split"
    assert _field(client.post(split_url, headers=h, json={"keys": ["uber"]})) == "keys"
    everything = {"keys": ["blue bottle coffee", "blue bottle coffe"]}
    assert _field(client.post(split_url, headers=h, json=everything)) == "keys"
    assert _field(client.post(split_url, headers=h, json={"keys": []})) == "keys"
    split = client.post(split_url, headers=h, json={"keys": ["blue bottle coffe"], "name": "Kiosk"})
    assert split.status_code == 201, split.text
    kiosk = split.json()
    assert (kiosk["name"], kiosk["keys"], kiosk["transactions"]) == (
        "Kiosk",
        ["blue bottle coffe"],
        1,
    )

    # Transactions follow, and the list of transactions filters by merchant.
    rows = client.get("/api/transactions", headers=h, params={"merchant_id": uber}).json()
    assert sorted(r["description"] for r in rows["items"]) == [
        "UBER *TRIP",
        "UBER *TRIP HELP.UBER.COM",
        "UBER EATS",
    ]
    rows = client.get("/api/transactions", headers=h, params={"merchant_id": kiosk["id"]}).json()
    assert [r["description"] for r in rows["items"]] == ["BLUE BOTTLE COFFE"]

    # A full run afterwards leaves all of it as the person left it.
    run_step(unique_slug)
    after = _by_name(client, owner)
    assert after["Films"]["keys"] == ["netflix"] and "Netflix" not in after
    assert after["Uber"]["keys"] == ["uber", "uber eats"] and "Uber Eats" not in after
    assert after["Kiosk"]["keys"] == ["blue bottle coffe"]
    assert after["Blue Bottle Coffee"]["keys"] == ["blue bottle coffee"]

    audit = client.get(
        "/api/audit", headers=h, params={"action": "analytics.merchant.*", "limit": 10}
    ).json()["items"]
    assert [e["action"] for e in audit] == [
        "analytics.merchant.split",
        "analytics.merchant.merge",
        "analytics.merchant.rename",
    ]


def test_viewers_read_but_cannot_edit(client: httpx.Client, unique_slug: str):
    _tenant(client, unique_slug)
    viewer = login(client, add_user(unique_slug, "viewer"))
    listed = client.get(URL, headers=viewer.headers)
    assert listed.status_code == 200
    some = listed.json()["items"][0]["id"]
    for method, path, body in (
        ("PATCH", f"{URL}/{some}", {"name": "x"}),
        ("POST", f"{URL}/merge", {"source_ids": [some], "target_id": some}),
        ("POST", f"{URL}/{some}/split", {"keys": ["x"]}),
    ):
        refused = client.request(method, path, headers=viewer.headers, json=body)
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_another_organization_sees_no_merchants(client: httpx.Client, unique_slug: str):
    owner, _ = _tenant(client, unique_slug)
    some = client.get(URL, headers=owner.headers).json()["items"][0]["id"]
    other_slug = unique_slug + "b"
    other = login(client, create_org(other_slug), other_slug)
    assert client.get(URL, headers=other.headers).json() == {"items": [], "next_cursor": None}
    assert client.get(f"{URL}/{some}", headers=other.headers).status_code == 404
    assert (
        client.patch(f"{URL}/{some}", headers=other.headers, json={"name": "Mine"}).status_code
        == 404
    )
    merge = client.post(
        f"{URL}/merge", headers=other.headers, json={"source_ids": [some], "target_id": some}
    )
    assert _field(merge) == "source_ids"
    rows = client.get("/api/transactions", headers=other.headers, params={"merchant_id": some})
    assert rows.json()["items"] == []


def test_one_merchant_name_everywhere(client: httpx.Client, unique_slug: str):
    """Issue 21 point 12: a rename or merge reaches the transactions list, search and export."""
    owner, _ = _tenant(client, unique_slug)
    h = owner.headers
    named = _by_name(client, owner)

    def shown(params: dict[str, Any]) -> list[tuple[str, str | None]]:
        rows = client.get("/api/transactions", headers=h, params={**params, "limit": 100})
        assert rows.status_code == 200, rows.text
        return sorted((r["description"], r["merchant_name"]) for r in rows.json()["items"])

    # Grouped before any edit: the cleaner's name, without the descriptor's codes.
    assert ("TARGET 00012345", "Target") in shown({})
    whole = named["Whole Foods Market"]["id"]
    assert client.patch(f"{URL}/{whole}", headers=h, json={"name": "Whole Foods"}).is_success
    assert shown({"q": "whole foods"}) == [("WHOLE FOODS MARKET 10234", "Whole Foods")]
    netflix = named["Netflix"]["id"]
    assert client.patch(f"{URL}/{netflix}", headers=h, json={"name": "Films Inc"}).is_success
    assert shown({"q": "films"}) == [("NETFLIX.COM", "Films Inc")]

    uber, eats = named["Uber"]["id"], named["Uber Eats"]["id"]
    merged = client.post(f"{URL}/merge", headers=h, json={"source_ids": [eats], "target_id": uber})
    assert merged.status_code == 200, merged.text
    assert {name for _, name in shown({"merchant_id": uber})} == {"Uber"}
    split = client.post(
        f"{URL}/{uber}/split", headers=h, json={"keys": ["uber eats"], "name": "Eats"}
    )
    assert split.status_code == 201, split.text
    assert shown({"q": "eats"}) == [("UBER EATS", "Eats")]

    export = client.get("/api/transactions/export", headers=h, params={"format": "csv"})
    assert export.status_code == 200, export.text
    header, *lines = export.text.splitlines()
    merchant = header.split(",").index("merchant")
    description = header.split(",").index("description")
    by_description = {
        cells[description]: cells[merchant] for cells in (line.split(",") for line in lines)
    }
    assert by_description["NETFLIX.COM"] == "Films Inc"
    assert by_description["UBER EATS"] == "Eats"

    # A later full run keeps the names on the rows.
    run_step(unique_slug)
    assert shown({"q": "films"}) == [("NETFLIX.COM", "Films Inc")]
