"""The whole engine through the product: a statement imported over the API, the tenant's worker
runs every analytics step after the import, and the API returns merchants, categories,
recurring streams, anomalies and forecasts; another organization sees none of it."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from support.accounts import make_account
from support.api import Member, create_org, login
from support.statements import chase_card

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _months_back(today: date, months: int, day: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, day)


def _statement(today: date) -> tuple[bytes, date]:
    """Fourteen months of a card: Netflix monthly, groceries weekly, coffee, and then a
    $189.99 charge at a shop the person uses, taken twice a day apart."""
    rows: list[tuple[str, str, str, str]] = []

    def add(day: date, text: str, category: str, amount: str) -> None:
        if day <= today:
            rows.append((day.strftime("%m/%d/%Y"), text, category, amount))

    for back in range(14, -1, -1):
        add(_months_back(today, back, 5), "NETFLIX.COM", "Entertainment", "-15.49")
        add(_months_back(today, back, 20), "BEST BUY 00012345", "Shopping", "-42.00")
    start = today - timedelta(days=420)
    for week in range(60):
        add(start + timedelta(days=7 * week), "WHOLEFDS MKT 10234", "Groceries", "-86.40")
        add(start + timedelta(days=7 * week + 2), "STARBUCKS STORE 123", "", "-5.25")
    double = today - timedelta(days=6)
    add(double, "BEST BUY 00012345", "Shopping", "-189.99")
    add(double + timedelta(days=1), "BEST BUY 00012345", "Shopping", "-189.99")
    return chase_card(rows), double


def _flatten(nodes: Any) -> list[Any]:
    items = nodes["items"] if isinstance(nodes, dict) else nodes
    out = []
    for node in items:
        out.append(node)
        out.extend(_flatten(node.get("children") or []))
    return out


def _wait(client: httpx.Client, member: Member, path: str, done: Any, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    body: Any = None
    while time.monotonic() < deadline:
        body = client.get(path, headers=member.headers).json()
        if done(body):
            return body
        time.sleep(0.25)
    raise AssertionError(f"{path} never got there: {body}")


def test_an_import_flows_through_every_analytics_step(
    client: httpx.Client, unique_slug: str, worker_process
):
    today = datetime.now(UTC).date()
    owner = login(client, create_org(unique_slug))
    account = make_account(unique_slug)
    statement, double = _statement(today)
    batch = client.post(
        "/api/imports",
        headers=owner.headers,
        data={"account_id": str(account)},
        files={"file": ("card.csv", statement, "text/csv")},
    )
    assert batch.status_code == 202, batch.text
    runs = _wait(
        client,
        owner,
        "/api/analytics/runs",
        lambda body: body["items"] and body["items"][0]["status"] in ("succeeded", "failed"),
    )["items"]
    run = runs[0]
    assert run["status"] == "succeeded", run["error"]
    assert (run["kind"], run["parameters"]["import_batch_id"]) == ("all", batch.json()["id"])
    for step in ("merchants", "categorize", "recurring", "anomalies", "forecast"):
        assert f"{step}_s" in run["timings"], step

    merchants = client.get("/api/analytics/merchants", headers=owner.headers).json()["items"]
    names = {m["name"].casefold() for m in merchants}
    assert {"netflix", "starbucks", "best buy"} <= {n.split(".")[0] for n in names}, names

    # Every row has a merchant; the coffee the bank left uncategorized has a category now.
    rows = client.get("/api/transactions", headers=owner.headers, params={"limit": 200}).json()[
        "items"
    ]
    assert rows and all(row["merchant_id"] for row in rows)
    coffee = [row for row in rows if row["description"].startswith("STARBUCKS")]
    categories = client.get("/api/categories", headers=owner.headers).json()
    shops = [c["id"] for c in _flatten(categories) if c["name"] == "Coffee shops"]
    assert coffee and {(r["category_source"], r["category_id"]) for r in coffee} == {
        ("model", shops[0])
    }
    assert all(0 < row["category_confidence"] <= 1 for row in coffee)

    recurring = client.get("/api/analytics/recurring", headers=owner.headers).json()
    netflix = [s for s in recurring["streams"] if s["merchant"].casefold().startswith("netflix")]
    assert [(s["cadence"], s["status"]) for s in netflix] == [("monthly", "mature")]

    anomalies = client.get("/api/analytics/anomalies", headers=owner.headers).json()["items"]
    duplicates = [a for a in anomalies if a["kind"] == "duplicate"]
    assert [a["occurred_on"] for a in duplicates] == [(double + timedelta(days=1)).isoformat()]
    assert "189.99" in duplicates[0]["reason"]

    forecast = client.get(
        "/api/analytics/forecast", headers=owner.headers, params={"scope": "account"}
    ).json()
    (series,) = forecast["series"]
    assert series["account_id"] == str(account) and series["points"]
    assert all(p["lower"] <= p["point"] <= p["upper"] for p in series["points"])

    # Another organization sees none of it.
    other = login(client, create_org(unique_slug + "-b"))
    assert client.get("/api/analytics/merchants", headers=other.headers).json()["items"] == []
    assert client.get("/api/analytics/anomalies", headers=other.headers).json()["items"] == []
    assert client.get("/api/analytics/recurring", headers=other.headers).json()["streams"] == []
    assert client.get("/api/analytics/forecast", headers=other.headers).json()["series"] == []
    assert client.get("/api/analytics/review", headers=other.headers).json()["items"] == []
