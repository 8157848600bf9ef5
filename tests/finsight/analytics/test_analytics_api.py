"""Analytics end to end: the API queues a run, a real worker runs it on the tenant's queue, the
API returns what it found; imports trigger runs; ENABLE_ANALYTICS=false removes it all."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from finsight.analytics.models import AnalyticsRun
from finsight.cli import app as cli_app
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import Member, add_user, create_org, login
from support.ledger import insert_transactions
from support.statements import chase_card

pytestmark = pytest.mark.integration

SUBSCRIPTION = "NETFLIX.COM"
MONTHS = 14


def _month_day(today: date, months_back: int, day: int) -> date:
    index = today.year * 12 + today.month - 1 - months_back
    return date(index // 12, index % 12 + 1, day)


def _subscription_days(today: date) -> tuple[list[date], date]:
    """Monthly charges on one day of the month, up to today, and the day after the last.
    The day is chosen so that some charges fall on a weekend: the detector then predicts the
    calendar date itself (it moves a stream never charged on a weekend off weekends)."""
    for day in range(1, 29):
        days = [_month_day(today, back, day) for back in range(MONTHS, -1, -1)]
        days = [d for d in days if d <= today]
        if any(d.weekday() >= 5 for d in days):
            last = days[-1]
            return days, _month_day(last, -1, day)
    raise AssertionError("no day of the month falls on a weekend in 14 months")


def _ledger(today: date) -> tuple[list[dict[str, Any]], date]:
    """A monthly subscription and a habit: coffee most days at prices that vary (seeded, so
    the ledger is the same for a given day)."""
    days, next_date = _subscription_days(today)
    rows = [{"day": d, "amount": "-15.49", "description": SUBSCRIPTION} for d in days]
    rng = random.Random(7)
    coffee = "SQ *BLUE BOTTLE COFFEE #552 OAKLAND CA"
    for back in range(90):
        if rng.random() < 0.85:
            amount = f"-{rng.uniform(3.5, 7.5):.2f}"
            rows.append(
                {"day": today - timedelta(days=back), "amount": amount, "description": coffee}
            )
    return rows, next_date


def _finished(client: httpx.Client, member: Member, run_id: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/api/analytics/runs/{run_id}", headers=member.headers).json()
        if run["status"] in ("succeeded", "failed"):
            return run
        time.sleep(0.2)
    raise AssertionError(f"analytics run {run_id} did not finish: {run}")


def _start(client: httpx.Client, member: Member) -> Any:
    response = client.post(
        "/api/analytics/runs", headers=member.headers, json={"kind": "recurring"}
    )
    assert response.status_code == 202, response.text
    return response.json()


def test_run_finds_the_subscription_and_not_the_habits(
    client: httpx.Client, unique_slug: str, worker_process
):
    owner = login(client, create_org(unique_slug))
    today = datetime.now(UTC).date()
    account = make_account(unique_slug)
    rows, next_date = _ledger(today)
    insert_transactions(unique_slug, account, rows)

    queued = _start(client, owner)
    assert queued["status"] == "queued" and queued["parameters"] == {"trigger": "api"}
    run = _finished(client, owner, queued["id"])
    assert run["status"] == "succeeded", run
    assert (
        run["counts"]["recurring.transactions"] == len(rows)
        and run["counts"]["recurring.streams"] == 1
    )
    assert run["parameters"]["as_of"] == today.isoformat() and run["finished_at"]

    found = client.get("/api/analytics/recurring", headers=owner.headers).json()
    assert [s["merchant"] for s in found["streams"]] == ["Netflix"], found
    stream = found["streams"][0]
    assert (stream["cadence"], stream["direction"], stream["status"]) == (
        "monthly",
        "expense",
        "mature",
    )
    assert stream["next_date"] == next_date.isoformat()
    assert stream["last_amount"] == "15.49" and stream["account_id"] == str(account)
    assert stream["occurrences"] == len(stream["transaction_ids"]) >= MONTHS
    assert (found["monthly_subscription_total"], found["currency"]) == ("15.49", "USD")

    # A second run replaces the answer rather than adding to it; filters apply.
    second = _finished(client, owner, _start(client, owner)["id"])
    assert second["status"] == "succeeded"
    assert len(client.get("/api/analytics/recurring", headers=owner.headers).json()["streams"]) == 1
    income = client.get(
        "/api/analytics/recurring", headers=owner.headers, params={"direction": "income"}
    ).json()
    assert income["streams"] == [] and income["monthly_subscription_total"] == "0.00"

    page = client.get(
        "/api/analytics/runs",
        headers=owner.headers,
        params={"kind": "recurring", "status": "succeeded", "limit": 1},
    ).json()
    assert [r["id"] for r in page["items"]] == [second["id"]] and page["next_cursor"]
    rest = client.get(
        "/api/analytics/runs",
        headers=owner.headers,
        params={"limit": 1, "cursor": page["next_cursor"]},
    ).json()
    assert [r["id"] for r in rest["items"]] == [run["id"]] and rest["next_cursor"] is None
    queued_only = client.get(
        "/api/analytics/runs", headers=owner.headers, params={"status": "queued"}
    ).json()
    assert queued_only["items"] == []


def test_unknown_kind_is_refused_naming_the_field(client: httpx.Client, owner: Member):
    response = client.post("/api/analytics/runs", headers=owner.headers, json={"kind": "horoscope"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"


def test_viewers_read_but_cannot_run(client: httpx.Client, unique_slug: str):
    create_org(unique_slug)
    viewer = login(client, add_user(unique_slug, "viewer"))
    refused = client.post("/api/analytics/runs", headers=viewer.headers, json={"kind": "recurring"})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert client.get("/api/analytics/recurring", headers=viewer.headers).status_code == 200
    assert client.get("/api/analytics/runs", headers=viewer.headers).status_code == 200


def test_another_organization_never_sees_the_streams(
    client: httpx.Client, unique_slug: str, worker_process
):
    a, b = unique_slug + "a", unique_slug + "b"
    owner_a, owner_b = login(client, create_org(a)), login(client, create_org(b))
    rows, _ = _ledger(datetime.now(UTC).date())
    insert_transactions(a, make_account(a), rows)
    run = _finished(client, owner_a, _start(client, owner_a)["id"])
    assert run["status"] == "succeeded"
    assert len(client.get("/api/analytics/recurring", headers=owner_a.headers).json()["streams"])

    seen_by_b = client.get("/api/analytics/recurring", headers=owner_b.headers).json()
    assert seen_by_b["streams"] == [] and seen_by_b["currency"] is None
    assert client.get("/api/analytics/runs", headers=owner_b.headers).json()["items"] == []
    missing = client.get(f"/api/analytics/runs/{run['id']}", headers=owner_b.headers)
    assert missing.status_code == 404


def test_an_import_triggers_a_run(client: httpx.Client, unique_slug: str, worker_process):
    owner = login(client, create_org(unique_slug))
    account = make_account(unique_slug)
    statement = chase_card([("01/15/2024", "STARBUCKS STORE 123", "Food & Drink", "-4.50")])
    batch = client.post(
        "/api/imports",
        headers=owner.headers,
        data={"account_id": str(account)},
        files={"file": ("s.csv", statement, "text/csv")},
    ).json()
    deadline = time.monotonic() + 60
    runs: list[Any] = []
    while not runs and time.monotonic() < deadline:
        runs = client.get("/api/analytics/runs", headers=owner.headers).json()["items"]
        time.sleep(0.2)
    assert len(runs) == 1
    assert (runs[0]["parameters"]["trigger"], runs[0]["parameters"]["import_batch_id"]) == (
        "import",
        batch["id"],
    )
    done = _finished(client, owner, runs[0]["id"])
    assert done["status"] == "succeeded" and done["counts"]["recurring.transactions"] == 1


def test_cli_runs_and_reports_counts(test_env, unique_slug: str, worker_process):
    create_org(unique_slug)
    rows, _ = _ledger(datetime.now(UTC).date())
    insert_transactions(unique_slug, make_account(unique_slug), rows)
    runner = CliRunner()
    result = runner.invoke(cli_app, ["analytics", "run", "--org", unique_slug, "--timeout", "60"])
    assert result.exit_code == 0, result.output
    assert "queued on org." in result.output and "all run succeeded" in result.output
    assert "1 recurring" in result.output
    unknown = runner.invoke(cli_app, ["analytics", "run", "--org", unique_slug, "--kind", "x"])
    assert unknown.exit_code == 1 and "unknown kind 'x'" in unknown.stderr
    with tenant_session(unique_slug) as session:
        assert session.scalar(select(func.count()).select_from(AnalyticsRun)) == 1
    # The runs, listed: the one above, what started it and what it found.
    listed = runner.invoke(cli_app, ["analytics", "runs", "--org", unique_slug])
    assert listed.exit_code == 0, listed.output
    # One heading and one summary line per run, not ~35 counters wrapped into a column.
    heading, found = listed.output.splitlines()
    assert "succeeded" in heading and "cli" in heading
    assert "1 recurring" in found and "recurring.streams" not in found
    verbose = runner.invoke(cli_app, ["analytics", "runs", "--org", unique_slug, "--verbose"])
    assert "recurring " in verbose.output and "expense_streams 1" in verbose.output
    as_json = runner.invoke(cli_app, ["analytics", "runs", "--org", unique_slug, "--json"])
    [run] = json.loads(as_json.output)
    assert run["counts"]["recurring.streams"] == 1 and run["trigger"] == "cli"
    none = runner.invoke(cli_app, ["analytics", "runs", "--org", unique_slug, "--status", "failed"])
    assert none.exit_code == 0 and "no runs matching" in none.output
    wrong = runner.invoke(cli_app, ["analytics", "runs", "--org", unique_slug, "--status", "x"])
    assert wrong.exit_code == 1 and "unknown status 'x'" in wrong.stderr
