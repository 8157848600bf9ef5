"""Reports on a hand-made ledger: the figures of every format equal the API's own summaries."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jsonschema
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import update

from finsight.reports import tasks
from finsight.reports.models import Report
from finsight.reports.render.json_out import JSON_SCHEMA
from finsight.tenancy import tenant_session

from support.api import Member, add_user, create_org, login
from support.ledger import insert_transactions

pytestmark = pytest.mark.integration

PERIOD = {"type": "months", "from": "2026-01", "to": "2026-02"}


def _category(client: httpx.Client, member: Member, path: str) -> str:
    tree = client.get("/api/categories", headers=member.headers).json()
    return next(c["id"] for c in tree if c["path"] == path)


def _account(client: httpx.Client, member: Member, name: str, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "type": "checking", "currency": "USD", **fields}
    response = client.post("/api/accounts", json=body, headers=member.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def books(client: httpx.Client, owner: Member) -> dict[str, Any]:
    checking = _account(client, owner, "Checking", opening_balance="1000.00")
    card = _account(client, owner, "Card", type="credit_card")
    euro = _account(client, owner, "Euro", currency="EUR")
    coffee = _category(client, owner, "Restaurants > Coffee shops")
    groceries = _category(client, owner, "Groceries")
    slug = str(owner.org_slug)
    insert_transactions(
        slug,
        checking["id"],
        [
            {"day": "2025-12-05", "amount": "-60.00", "category_id": groceries},
            {"day": "2026-01-03", "amount": "-4.50", "category_id": coffee, "merchant": "Blue Cup"},
            {"day": "2026-01-09", "amount": "-80.25", "category_id": groceries},
            {"day": "2026-01-31", "amount": "3000.00", "description": "=PAYROLL"},
            {"day": "2026-02-02", "amount": "-5.00", "category_id": coffee, "merchant": "Blue Cup"},
            {"day": "2026-02-04", "amount": "-99.00", "excluded": True},
        ],
    )
    insert_transactions(slug, card["id"], [{"day": "2026-02-10", "amount": "-120.00"}])
    insert_transactions(
        slug,
        euro["id"],
        [{"day": "2026-02-10", "amount": "-7.00", "category_id": coffee, "currency": "EUR"}],
    )
    return {"checking": checking, "card": card, "euro": euro}


def _make(client: httpx.Client, member: Member, kind: str, fmt: str, **extra: Any) -> dict:
    body = {"kind": kind, "format": fmt, "period": PERIOD, **extra}
    response = client.post("/api/reports", json=body, headers=member.headers)
    assert response.status_code == 202, response.text
    report_id = response.json()["id"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        report = client.get(f"/api/reports/{report_id}", headers=member.headers).json()
        if report["status"] in ("succeeded", "failed"):
            assert report["status"] == "succeeded", report["error"]
            return dict(report)
        time.sleep(0.3)
    raise AssertionError(f"report {report_id} not made in time")


def _download(client: httpx.Client, member: Member, report: dict) -> bytes:
    response = client.get(f"/api/reports/{report['id']}/download", headers=member.headers)
    assert response.status_code == 200, response.text
    import hashlib

    assert hashlib.sha256(response.content).hexdigest() == report["sha256"]
    assert len(response.content) == report["size_bytes"]
    return response.content


def _summary(client: httpx.Client, member: Member) -> list[dict]:
    params = {"group_by": "month", "date_from": "2026-01-01", "date_to": "2026-02-28"}
    response = client.get("/api/transactions/summary", headers=member.headers, params=params)
    assert response.status_code == 200
    return list(response.json()["totals"])


def test_income_and_spending_in_every_format_equals_the_summary(
    client, owner, books, worker_process
):
    expected = {
        (m["key"], m["currency"]): (m["income"], m["spending"], m["net"])
        for m in _summary(client, owner)
    }
    assert expected[("2026-02", "USD")] == ("0.00", "125.00", "-125.00")

    as_json = json.loads(_download(client, owner, _make(client, owner, "income_spending", "json")))
    assert as_json["schema"] == "finsight.report.v1"
    jsonschema.validate(as_json, JSON_SCHEMA)
    months = next(t for t in as_json["tables"] if t["name"] == "months")
    assert {
        (r["month"], r["currency"]): (r["income"], r["spending"], r["net"]) for r in months["rows"]
    } == expected
    totals = next(t for t in as_json["tables"] if t["name"] == "totals")["rows"]
    usd = next(r for r in totals if r["currency"] == "USD")
    assert (usd["spending"], usd["previous_spending"]) == ("209.75", "60.00")

    archive = zipfile.ZipFile(
        io.BytesIO(_download(client, owner, _make(client, owner, "income_spending", "csv")))
    )
    rows = list(csv.DictReader(io.StringIO(archive.read("months.csv").decode())))
    assert {(r["Month"], r["Currency"]): (r["Income"], r["Spending"], r["Net"]) for r in rows} == (
        expected
    )

    book = load_workbook(
        io.BytesIO(_download(client, owner, _make(client, owner, "income_spending", "xlsx")))
    )
    sheet = book["Income and spending by month"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    got = {(r[0], r[1]): (r[2], r[3], r[4]) for r in values}
    assert got[("2026-01", "USD")] == (3000.0, 84.75, 2915.25)
    assert got[("2026-02", "EUR")][1] == 7  # a number, not text
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    summary = book["Summary"]
    assert summary["B3"].is_date

    pdf = PdfReader(
        io.BytesIO(_download(client, owner, _make(client, owner, "income_spending", "pdf")))
    )
    text = " ".join(page.extract_text() for page in pdf.pages)
    for figure in ("3,000.00", "84.75", "2,915.25", "125.00", "Page 1 of"):
        assert figure in text
    assert owner.org_slug is not None


def test_every_kind_holds_the_apis_figures(client, owner, books, worker_process):
    listed_accounts = client.get("/api/accounts", headers=owner.headers).json()["items"]
    accounts = {a["name"]: a for a in listed_accounts}
    worth = json.loads(_download(client, owner, _make(client, owner, "net_worth", "json")))
    balances = next(t for t in worth["tables"] if t["name"] == "accounts")["rows"]
    for row in balances:
        assert row["b_2026-02-28"] == accounts[row["account"]]["current_balance"]
    usd = [r for r in worth["tables"][0]["rows"] if r["currency"] == "USD"][-1]
    assert (usd["assets"], usd["debts"], usd["net_worth"]) == ("3751.25", "120.00", "3631.25")

    merchants = json.loads(_download(client, owner, _make(client, owner, "merchants", "json")))
    blue = next(r for r in merchants["tables"][0]["rows"] if r["merchant"] == "Blue Cup")
    assert (blue["count"], blue["total"]) == (2, "9.50")

    budget = json.loads(_download(client, owner, _make(client, owner, "budget_actual", "json")))
    assert "No budgets are set" in budget["notes"][0]
    groceries = next(r for r in budget["tables"][0]["rows"] if r["category"] == "Groceries")
    assert groceries["actual"] == "80.25"

    review = json.loads(_download(client, owner, _make(client, owner, "review", "json")))
    names = [t["name"] for t in review["tables"]]
    assert {"totals", "biggest_changes", "recurring", "anomalies", "largest"} <= set(names)
    largest = next(t for t in review["tables"] if t["name"] == "largest")["rows"]
    assert largest[0]["amount"] == "-120.00"

    ledger = _download(client, owner, _make(client, owner, "ledger", "csv"))
    rows = list(csv.DictReader(io.StringIO(ledger.decode())))
    listed = client.get(
        "/api/transactions",
        headers=owner.headers,
        params={"date_from": "2026-01-01", "date_to": "2026-02-28", "limit": 200},
    ).json()["items"]
    assert len(rows) == len(listed)
    payroll = next(r for r in rows if "PAYROLL" in r["Description"])
    assert payroll["Description"] == "'=PAYROLL"  # a formula neutralized
    assert payroll["Amount"] == "3000.00"


def test_reports_are_the_tenants_own_and_viewers_only_read(client, owner, books, worker_process):
    report = _make(client, owner, "income_spending", "json")
    stranger = login(client, create_org(f"{owner.org_slug}x"), f"{owner.org_slug}x")
    for path in (f"/api/reports/{report['id']}", f"/api/reports/{report['id']}/download"):
        assert client.get(path, headers=stranger.headers).status_code == 404
    assert client.get("/api/reports", headers=stranger.headers).json()["items"] == []

    viewer = login(client, add_user(str(owner.org_slug), "viewer"), owner.org_slug)
    assert client.get(f"/api/reports/{report['id']}", headers=viewer.headers).status_code == 200
    body = {
        "name": "Monthly",
        "kind": "income_spending",
        "formats": ["pdf"],
        "cadence": {"type": "monthly", "day": 1, "time": "08:00"},
        "period": "last_month",
        "recipients": [{"email": "someone@example.com"}],
    }
    denied = client.post("/api/report-schedules", json=body, headers=viewer.headers)
    assert denied.status_code == 403
    refused = client.post(
        "/api/reports",
        headers=viewer.headers,
        json={"kind": "ledger", "format": "csv", "period": PERIOD},
    )
    assert refused.status_code == 403


def test_bad_requests_name_the_field(client, owner):
    bad_period = client.post(
        "/api/reports",
        headers=owner.headers,
        json={"kind": "ledger", "format": "csv", "period": {"type": "months", "from": "2026-13"}},
    )
    assert bad_period.status_code == 422
    assert bad_period.json()["errors"][0]["field"] == "period.from"
    bad_account = client.post(
        "/api/reports",
        headers=owner.headers,
        json={
            "kind": "ledger",
            "format": "csv",
            "period": PERIOD,
            "filters": {"account_ids": ["00000000-0000-0000-0000-000000000000"]},
        },
    )
    assert bad_account.status_code == 422
    assert bad_account.json()["errors"][0]["field"] == "filters.account_ids"


def test_cli_report_run_writes_the_same_figures(client, owner, books, test_env, tmp_path):
    from support.processes import run_finsight

    output = tmp_path / "months.json"
    done = run_finsight(
        "report",
        "run",
        "--org",
        str(owner.org_slug),
        "--kind",
        "income_spending",
        "--format",
        "json",
        "--period",
        '{"type": "months", "from": "2026-01", "to": "2026-02"}',
        "--output",
        str(output),
        env=test_env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    months = next(t for t in json.loads(output.read_bytes())["tables"] if t["name"] == "months")
    expected = {(m["key"], m["currency"]): m["spending"] for m in _summary(client, owner)}
    assert {(r["month"], r["currency"]): r["spending"] for r in months["rows"]} == expected
    listed = client.get("/api/reports", headers=owner.headers).json()["items"]
    assert listed[0]["status"] == "succeeded" and listed[0]["kind"] == "income_spending"

    # Past REPORTS_RETENTION_DAYS the sweeper deletes the report and its file.
    with tenant_session(str(owner.org_slug)) as session:
        session.execute(update(Report).values(expires_at=datetime.now(UTC) - timedelta(days=1)))
    assert tasks.sweep_expired() >= 1
    gone = client.get(f"/api/reports/{listed[0]['id']}/download", headers=owner.headers)
    assert gone.status_code == 404

    bad = run_finsight(
        "report",
        "run",
        "--org",
        str(owner.org_slug),
        "--kind",
        "nonsense",
        "--output",
        str(tmp_path / "x"),
        env=test_env,
        timeout=120,
    )
    assert bad.returncode == 1
    assert bad.stderr.strip().startswith("error:") and len(bad.stderr.strip().splitlines()) == 1


def test_budget_against_actual_reads_the_budgets(client, owner, books, worker_process):
    """With a budget set (the budgets domain), the report holds its limit for every month of
    the period, a subcategory's budget counted in its top category, and says nothing of
    averages."""
    groceries = _category(client, owner, "Groceries")
    coffee = _category(client, owner, "Restaurants > Coffee shops")
    for category, amount in ((groceries, "200.00"), (coffee, "15.00")):
        created = client.post(
            "/api/budgets",
            headers=owner.headers,
            json={"category_id": category, "amount": amount, "start_month": "2025-06-01"},
        )
        assert created.status_code == 201, created.text
    budget = json.loads(_download(client, owner, _make(client, owner, "budget_actual", "json")))
    assert not any("No budgets are set" in note for note in budget["notes"])
    rows = {(r["category"], r["currency"]): r for r in budget["tables"][0]["rows"]}
    # Two months of the period: twice each monthly limit.
    assert (rows[("Groceries", "USD")]["budget"], rows[("Groceries", "USD")]["actual"]) == (
        "400.00",
        "80.25",
    )
    assert rows[("Restaurants", "USD")]["budget"] == "30.00"
    assert rows[("Restaurants", "USD")]["actual"] == "9.50"
