"""Accessibility: axe-core (from the npm registry, `make tools`) checks every page against
WCAG 2 A and AA rules in Chromium; serious and critical findings fail the test."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from support.accounts import make_account
from support.api import PASSWORD, create_org
from support.ledger import insert_transactions

pytestmark = [pytest.mark.integration, pytest.mark.browser]

AXE = Path(__file__).resolve().parents[2] / ".tools" / "axe.min.js"
PAGES = (
    "/",
    "/accounts",
    "/accounts/new",
    "/transactions",
    "/categories",
    "/imports",
    "/insights",
    "/review",
    "/rules",
    "/rules/new",
    "/merchants",
    "/reports",
    "/reports?kind=review&period_type=relative&relative=last_month&preview=1",
    "/reports/schedules",
    "/settings/organization",
    "/settings/members",
    "/settings/audit",
    "/settings/alert-rules",
    "/settings/channels",
    "/budgets",
    "/alerts",
    "/notifications",
    "/account/password",
)


def _violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_pages_have_no_serious_accessibility_violations(
    browser: Browser, web_url: str, unique_slug: str, seed_analytics
):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make tools` fetches axe-core")
    email = create_org(unique_slug)
    account = make_account(unique_slug, name="Sapphire")
    insert_transactions(
        unique_slug,
        account,
        [{"day": date.today() - timedelta(days=n), "amount": f"-{n + 3}.10"} for n in range(12)],
    )
    merchant = seed_analytics(unique_slug, account)
    # The checker is injected as a script, which the pages' CSP (rightly) refuses: bypass it here.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(web_url + "/login")
    assert _violations(page) == []
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(web_url + "/")
    found = {}
    for path in (*PAGES, f"/merchants/{merchant}"):
        page.goto(web_url + path)
        problems = _violations(page)
        if problems:
            found[path] = [(v["id"], v["help"], len(v["nodes"])) for v in problems]
    context.close()
    assert found == {}
