"""The Insights page: recurring charges found by a real worker, shown with the monthly total."""

from __future__ import annotations

import time
from datetime import date

import httpx
import pytest

from support.accounts import make_account
from support.api import Member, add_user, create_org, login
from support.ledger import insert_transactions
from support.web import WebClient

pytestmark = pytest.mark.integration


def _month_day(today: date, months_back: int, day: int) -> date:
    index = today.year * 12 + today.month - 1 - months_back
    return date(index // 12, index % 12 + 1, day)


def _wait_for_runs(client: httpx.Client, member: Member, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = client.get("/api/analytics/runs", headers=member.headers).json()["items"]
        if runs and all(r["status"] in ("succeeded", "failed") for r in runs):
            assert all(r["status"] == "succeeded" for r in runs), runs
            return
        time.sleep(0.2)
    raise AssertionError("the analytics run did not finish")


def test_insights_lists_a_subscription_after_a_run_started_from_the_page(
    web: WebClient, client: httpx.Client, unique_slug: str, worker_process, web_url: str
):
    email = create_org(unique_slug)
    owner = login(client, email)
    account = make_account(unique_slug, name="Sapphire")
    today = date.today()
    days = [d for d in (_month_day(today, back, 3) for back in range(12, -1, -1)) if d <= today]
    insert_transactions(
        unique_slug,
        account,
        [{"day": d, "amount": "-15.49", "description": "NETFLIX.COM"} for d in days],
    )
    web.sign_in(email)
    before = web.get("/insights")
    assert before.status_code == 200 and "No recurring charges found yet" in before.text
    started = web.post("/insights/run", {}, csrf_from="/insights")
    assert "Looking for recurring charges now" in web.follow(started).text
    _wait_for_runs(client, owner)
    page = web.get("/insights")
    assert 'id="recurring-expenses"' in page.text
    row = page.text.split('id="recurring-expenses"')[1]
    assert "Monthly" in row and "$15.49" in row and "Sapphire" in row
    assert 'id="monthly-total">$15.49<' in page.text

    viewer = WebClient(web_url)
    viewer.sign_in(add_user(unique_slug, "viewer"))
    seen = viewer.get("/insights")
    assert seen.status_code == 200 and "$15.49" in seen.text
    assert "Look again now" not in seen.text  # no analytics:write
    viewer.close()
