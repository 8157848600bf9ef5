"""Categorization over HTTP, with a real worker running the analytics: rules CRUD and dry run,
the review queue, proposals, retraining after corrections, permissions and tenant isolation."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from finsight.categories.tree import system_category_id
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import Member, add_user, create_org, login
from support.ledger import insert_transactions

pytestmark = pytest.mark.integration

RULES = "/api/analytics/rules"
TODAY = date.today()


def category(slug: str, *path: str) -> str:
    with tenant_session(slug) as session:
        return str(system_category_id(session, *path))


def field_of(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    return str(response.json()["errors"][0]["field"])


def run_kind(client: httpx.Client, member: Member, kind: str) -> dict[str, Any]:
    queued = client.post("/api/analytics/runs", headers=member.headers, json={"kind": kind})
    assert queued.status_code == 202, queued.text
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        run = client.get(f"/api/analytics/runs/{queued.json()['id']}", headers=member.headers)
        if run.json()["status"] in ("succeeded", "failed"):
            assert run.json()["status"] == "succeeded", run.json()
            return dict(run.json())
        time.sleep(0.2)
    raise AssertionError(f"the {kind} run did not finish")


def test_rules_crud_dry_run_and_refusals(client: httpx.Client, unique_slug: str):
    owner = login(client, create_org(unique_slug))
    viewer = login(client, add_user(unique_slug, "viewer"))
    h = owner.headers
    coffee = category(unique_slug, "Restaurants", "Coffee shops")
    insert_transactions(
        unique_slug,
        make_account(unique_slug),
        [
            {"day": TODAY - timedelta(days=n), "amount": "-4.5", "description": f"CAFE {n}"}
            for n in range(3)
        ],
    )

    bad = {"name": "x", "conditions": {"description_regex": "(("}, "actions": {"add_tags": ["a"]}}
    assert field_of(client.post(RULES, headers=h, json=bad)) == "conditions.description_regex"
    unknown = {"category_id": str(uuid.uuid4())}
    body = {"name": "x", "conditions": {"description_contains": "c"}, "actions": unknown}
    assert field_of(client.post(RULES, headers=h, json=body)) == "actions.category_id"
    body = {"name": "x", "conditions": {"direction": "up"}, "actions": {"add_tags": ["a"]}}
    assert field_of(client.post(RULES, headers=h, json=body)) == "conditions.direction"
    body = {"name": "x", "conditions": {}, "actions": {"add_tags": ["a"]}}
    assert field_of(client.post(RULES, headers=h, json=body)) == "conditions"
    body = {"name": "x", "conditions": {"description_contains": "c"}, "actions": {}}
    assert field_of(client.post(RULES, headers=h, json=body)) == "actions"

    cafe = {
        "name": "Cafes",
        "conditions": {"description_contains": ["cafe"], "amount_max": 10},
        "actions": {"category_id": coffee, "add_tags": ["coffee"]},
    }
    first = client.post(RULES, headers=h, json=cafe)
    assert first.status_code == 201, first.text
    rule = first.json()
    assert rule["position"] == 0 and rule["conditions"]["amount_max"] == "10"
    second = client.post(
        RULES,
        headers=h,
        json={"name": "Big", "conditions": {"amount_min": 100}, "actions": {"add_tags": ["big"]}},
    ).json()
    assert second["position"] == 1

    reordered = client.post(f"{RULES}/reorder", headers=h, json={"ids": [second["id"], rule["id"]]})
    assert [r["id"] for r in reordered.json()] == [second["id"], rule["id"]]
    assert [r["id"] for r in client.get(RULES, headers=viewer.headers).json()] == [
        second["id"],
        rule["id"],
    ]
    partial = client.post(f"{RULES}/reorder", headers=h, json={"ids": [rule["id"]]})
    assert field_of(partial) == "ids"

    patched = client.patch(
        f"{RULES}/{rule['id']}", headers=h, json={"name": "Coffee", "stop_processing": True}
    )
    assert patched.status_code == 200 and patched.json()["stop_processing"] is True
    assert patched.json()["conditions"] == rule["conditions"]
    null = client.patch(f"{RULES}/{rule['id']}", headers=h, json={"conditions": None})
    assert field_of(null) == "conditions"

    dry = client.post(f"{RULES}/dry-run", headers=h, json={"rule_id": rule["id"]}).json()
    assert (dry["matched"], dry["would_change"], len(dry["sample"])) == (3, 3, 3)
    assert dry["sample"][0]["description"] == "CAFE 0"
    assert dry["sample"][0]["new_category_id"] == coffee
    tried = client.post(
        f"{RULES}/dry-run",
        headers=h,
        json={"conditions": {"description_regex": "cafe [12]"}, "actions": {"add_tags": ["t"]}},
    ).json()
    assert tried["matched"] == 2
    # Tried last, after the stored rule that now stops the list on these rows: nothing changes.
    assert (tried["would_change"], tried["preempted"]) == (0, 2)
    half = client.post(
        f"{RULES}/dry-run",
        headers=h,
        json={"rule_id": rule["id"], "conditions": {"description_contains": ["cafe"]}},
    )
    assert field_of(half) == "actions"
    assert field_of(client.post(f"{RULES}/dry-run", headers=h, json={})) == "conditions"
    txns = client.get("/api/transactions", headers=h).json()["items"]
    assert all(t["category_id"] is None and t["tags"] == [] for t in txns)

    # Viewers read; every write is refused to them.
    assert client.get(f"{RULES}/{rule['id']}", headers=viewer.headers).status_code == 200
    for response in (
        client.post(RULES, headers=viewer.headers, json=cafe),
        client.patch(f"{RULES}/{rule['id']}", headers=viewer.headers, json={"name": "n"}),
        client.delete(f"{RULES}/{rule['id']}", headers=viewer.headers),
        client.post(f"{RULES}/reorder", headers=viewer.headers, json={"ids": [rule["id"]]}),
        client.post(f"{RULES}/dry-run", headers=viewer.headers, json={"rule_id": rule["id"]}),
        client.post(
            "/api/analytics/review/resolve",
            headers=viewer.headers,
            json={"transaction_ids": [txns[0]["id"]], "category_id": coffee},
        ),
        client.post(f"/api/analytics/proposals/{uuid.uuid4()}/accept", headers=viewer.headers),
    ):
        assert response.status_code == 403, response.text

    assert client.delete(f"{RULES}/{rule['id']}", headers=h).status_code == 204
    assert client.get(f"{RULES}/{rule['id']}", headers=h).status_code == 404
    assert client.delete(f"{RULES}/{rule['id']}", headers=h).status_code == 404
    assert client.patch(f"{RULES}/{uuid.uuid4()}", headers=h, json={"name": "n"}).status_code == 404
    assert (
        client.post(f"/api/analytics/proposals/{uuid.uuid4()}/dismiss", headers=h).status_code
        == 404
    )
    assert [r["id"] for r in client.get(RULES, headers=h).json()] == [second["id"]]


def _ledger(slug: str) -> dict[str, list[str]]:
    """Three merchants no bootstrap knows, a dozen charges each."""
    account = make_account(slug)
    ids: dict[str, list[str]] = {}
    for index, name in enumerate(("QORVAX HOLDINGS", "ZUMBLEFRITZ LLC", "PLONKERTON SVC")):
        rows = [
            {
                "day": TODAY - timedelta(days=index * 20 + n),
                "amount": f"-{40 + n}",
                "description": name,
            }
            for n in range(12)
        ]
        ids[name] = [str(i) for i in insert_transactions(slug, account, rows)]
    return ids


def _transaction(client: httpx.Client, member: Member, transaction_id: str) -> dict[str, Any]:
    response = client.get(f"/api/transactions/{transaction_id}", headers=member.headers)
    return dict(response.json())


def test_review_corrections_proposals_and_retraining_end_to_end(
    client: httpx.Client, unique_slug: str, worker_process
):
    a, b = unique_slug + "a", unique_slug + "b"
    owner, other = login(client, create_org(a)), login(client, create_org(b))
    h = owner.headers
    education, taxes = category(a, "Education"), category(a, "Taxes")
    household = category(a, "Shopping", "Household")
    ledger = _ledger(a)
    qorvax, zumble, plonk = ledger.values()
    run_kind(client, owner, "merchants")
    first = run_kind(client, owner, "categorize")
    assert first["model_version"] == "category-model:bootstrap"
    assert first["counts"]["categorize.transactions"] == 36

    queue = client.get("/api/analytics/review", headers=h, params={"limit": 20}).json()
    assert len(queue["items"]) == 20 and queue["next_cursor"]
    rest = client.get(
        "/api/analytics/review", headers=h, params={"limit": 20, "cursor": queue["next_cursor"]}
    ).json()
    listed = [t["id"] for t in queue["items"] + rest["items"]]
    assert len(set(listed)) == len(listed)
    assert set(qorvax + zumble + plonk) >= set(listed) and qorvax[0] in listed
    assert field_of(client.get("/api/analytics/review", headers=h, params={"cursor": "x"})) == (
        "cursor"
    )

    # Corrections: Qorvax is education, Zumblefritz taxes, two Plonkerton household.
    for ids, chosen in ((qorvax[:8], education), (zumble[:8], taxes), (plonk[:2], household)):
        resolved = client.post(
            "/api/analytics/review/resolve",
            headers=h,
            json={"transaction_ids": ids, "category_id": chosen},
        )
        assert resolved.status_code == 200 and resolved.json()["updated"] == len(ids)
    bad = client.post(
        "/api/analytics/review/resolve",
        headers=h,
        json={"transaction_ids": qorvax[:1], "category_id": str(uuid.uuid4())},
    )
    assert field_of(bad) == "category_id"

    proposed = client.get("/api/analytics/proposals", headers=h, params={"status": "proposed"})
    by_category = {p["category_id"]: p for p in proposed.json()}
    assert set(by_category) == {education, taxes}
    assert by_category[education]["support"] == 8
    accepted = client.post(
        f"/api/analytics/proposals/{by_category[education]['id']}/accept", headers=h
    ).json()
    assert accepted["status"] == "accepted" and accepted["rule_id"]
    again = client.post(
        f"/api/analytics/proposals/{by_category[education]['id']}/accept", headers=h
    )
    assert again.status_code == 409
    dismissed = client.post(
        f"/api/analytics/proposals/{by_category[taxes]['id']}/dismiss", headers=h
    ).json()
    assert dismissed["status"] == "dismissed"
    rules = client.get(RULES, headers=h).json()
    assert [r["id"] for r in rules] == [accepted["rule_id"]]

    # The next run trains the tenant's first model; the accepted rule decides Qorvax.
    second = run_kind(client, owner, "categorize")
    assert second["model_version"] == "category-model:v1"
    assert second["metrics"]["categorize"]["trained_version"] == 1
    models = client.get("/api/analytics/models", headers=h).json()
    assert [(m["version"], m["labels"]) for m in models] == [(1, 18)]
    assert models[0]["classes"] >= 3 and models[0]["metrics"]["user_labels"] == 18
    unlabelled_q = _transaction(client, owner, qorvax[-1])
    assert (unlabelled_q["category_id"], unlabelled_q["category_source"]) == (education, "rule")
    unlabelled_z = _transaction(client, owner, zumble[-1])
    assert (unlabelled_z["category_id"], unlabelled_z["category_source"]) == (taxes, "model")
    assert unlabelled_z["category_confidence"] > 0
    # People's choices stand.
    assert _transaction(client, owner, zumble[0])["category_source"] == "user"

    # A correction changes the next prediction: Zumblefritz is household after all.
    client.post(
        "/api/analytics/review/resolve",
        headers=h,
        json={"transaction_ids": zumble[:8], "category_id": household},
    )
    third = run_kind(client, owner, "categorize")
    assert third["metrics"]["categorize"]["trained_version"] == 2
    assert _transaction(client, owner, zumble[-1])["category_id"] == household
    assert [m["version"] for m in client.get("/api/analytics/models", headers=h).json()] == [2, 1]

    # Another organization sees none of it.
    assert client.get("/api/analytics/models", headers=other.headers).json() == []
    assert client.get(RULES, headers=other.headers).json() == []
    assert client.get("/api/analytics/proposals", headers=other.headers).json() == []
    assert client.get(f"{RULES}/{accepted['rule_id']}", headers=other.headers).status_code == 404
    foreign = client.post(
        f"/api/analytics/proposals/{by_category[taxes]['id']}/dismiss", headers=other.headers
    )
    assert foreign.status_code == 404
    assert client.get("/api/analytics/review", headers=other.headers).json()["items"] == []
