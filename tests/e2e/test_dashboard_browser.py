"""The dashboard in a real browser (Chromium) against real api, web and worker processes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
from playwright.sync_api import Page, expect

from support.accounts import make_account
from support.api import PASSWORD, add_user, create_org, login
from support.ledger import insert_transactions
from support.statements import chase_card

pytestmark = [pytest.mark.integration, pytest.mark.browser]
NO_ACCESS = "You don't have access to this page"


def sign_in(page: Page, web_url: str, email: str, *, at: str = "/") -> None:
    page.goto(web_url + at)
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def go(page: Page, name: str) -> None:
    # Wait for the new page: reading it right after the click would read the old one.
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def category_amount(page: Page, label: str) -> Decimal:
    """The spending the overview's category chart shows for one category (0 when absent)."""
    row = page.locator(f'#category-chart tr[data-category="{label}"] .category-amount')
    if row.count() == 0:
        return Decimal(0)
    text = row.inner_text().replace("\u2212", "-").replace("$", "").replace(",", "")
    return Decimal(text)


def recent(days_ago: int) -> str:
    return (date.today() - timedelta(days=days_ago)).strftime("%m/%d/%Y")


def test_sign_in_import_filter_and_recategorize(
    page: Page, web_url: str, unique_slug: str, worker_process, shot, csp_violations
):
    email = create_org(unique_slug)
    make_account(unique_slug, bank="chase", name="Sapphire")
    statement = chase_card(
        [
            (recent(3), "STARBUCKS STORE 123", "Food & Drink", "-4.50"),
            (recent(3), "STARBUCKS STORE 123", "Food & Drink", "-4.50"),
            (recent(2), "WHOLEFDS MKT 10234", "Groceries", "-82.17"),
            (recent(1), "SHELL OIL 5745", "Gas", "-40.00"),
        ]
    )

    sign_in(page, web_url, email)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    shot("overview-empty")

    go(page, "Import")
    page.get_by_label("Account").select_option(label="Sapphire")
    page.get_by_label("Statement file").set_input_files(
        {"name": "chase.csv", "mimeType": "text/csv", "buffer": statement}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page).to_have_url(re.compile(r"/imports/[0-9a-f-]{36}$"))
    # The page follows the batch by itself (polling), then shows the result.
    expect(page.locator("#batch-status")).to_have_text("succeeded", timeout=60_000)
    expect(page.locator("#count-inserted")).to_have_text("4")
    shot("import-finished")

    page.get_by_role("link", name="See the transactions").click()
    expect(page.locator("#transactions tbody tr")).to_have_count(4)
    page.get_by_label("Search").fill("starbucks")
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("#transactions tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("STARBUCKS")
    shot("transactions-filtered")

    go(page, "Overview")
    restaurants_before = category_amount(page, "Restaurants")
    groceries_before = category_amount(page, "Groceries")
    assert restaurants_before == Decimal("9.00"), page.content()
    assert groceries_before == Decimal("82.17")
    shot("overview-before")

    # Recategorize one coffee as groceries, in place in the list.
    page.goto(web_url + "/transactions?q=starbucks")
    first = page.locator("#transactions tbody tr").first
    first.locator("summary").click()
    first.get_by_label("Category").select_option(label="Groceries")
    first.get_by_label("Notes").fill("bought beans")
    first.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Transaction saved")
    expect(page.locator("#transactions tbody tr").first).to_contain_text("bought beans")

    go(page, "Overview")
    assert category_amount(page, "Restaurants") == Decimal("4.50")
    assert category_amount(page, "Groceries") == Decimal("86.67")
    expect(page.locator("#monthly-chart")).to_be_visible()
    shot("overview-after")
    assert csp_violations == []


def test_mapped_csv_through_the_mapping_editor(
    page: Page, web_url: str, unique_slug: str, worker_process, shot
):
    email = create_org(unique_slug)
    make_account(unique_slug, bank=None, name="Credit union")
    content = (
        "When,What,Out,In\n"
        f"{date.today() - timedelta(days=4)},RENT,1500.00,\n"
        f"{date.today() - timedelta(days=2)},SALARY,,4200.00\n"
    ).encode()
    sign_in(page, web_url, email, at="/imports")
    page.get_by_label("Account").select_option(label="Credit union")
    page.get_by_label("Statement file").set_input_files(
        {"name": "cu.csv", "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Map the columns of cu.csv")).to_be_visible()
    expect(page.locator("#sample tbody tr")).to_have_count(2)
    page.get_by_label("Name of this mapping").fill("CU export")
    page.get_by_label("Date column", exact=True).select_option("When")
    page.get_by_label("Date format").select_option("%Y-%m-%d")
    page.get_by_label("Description column").select_option("What")
    page.get_by_label("Separate money-out and money-in columns").check()
    page.get_by_label("Money-out column (two columns)").select_option("Out")
    page.get_by_label("Money-in column (two columns)").select_option("In")
    page.get_by_role("button", name="Preview").click()
    mapped = page.locator("#mapped-rows tbody tr")
    expect(mapped).to_have_count(2)
    expect(mapped.first).to_contain_text("RENT")
    expect(mapped.first).to_contain_text("\u2212$1,500.00")
    shot("mapping-preview")
    page.get_by_role("button", name="Save mapping and import").click()
    expect(page.locator("#batch-status")).to_have_text("succeeded", timeout=60_000)
    expect(page.locator("#count-inserted")).to_have_text("2")


def test_a_bad_row_is_shown_by_line(page: Page, web_url: str, unique_slug: str, worker_process):
    email = create_org(unique_slug)
    make_account(unique_slug, bank="chase", name="Sapphire")
    statement = chase_card(
        [(recent(3), "STARBUCKS", "Food & Drink", "-4.50"), ("13/45/2026", "BAD", "", "-1.00")]
    )
    sign_in(page, web_url, email, at="/imports")
    page.get_by_label("Account").select_option(label="Sapphire")
    page.get_by_label("Statement file").set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": statement}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#batch-status")).to_have_text("failed", timeout=60_000)
    error_row = page.locator("#row-errors tbody tr").first
    expect(error_row).to_contain_text("3")
    expect(error_row).to_contain_text("Transaction Date")


def test_a_viewer_cannot_reach_settings(page: Page, web_url: str, unique_slug: str, shot):
    create_org(unique_slug)
    viewer = add_user(unique_slug, "viewer")
    sign_in(page, web_url, viewer)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Transactions")).to_be_visible()
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
    for path in ("/settings", "/settings/members", "/settings/audit", "/settings/organization"):
        response = page.goto(web_url + path)
        assert response is not None and response.status == 403, path
        expect(
            page.get_by_role("heading", name="You don't have access to this page")
        ).to_be_visible()
    shot("viewer-403")
    # Nor can a viewer change anything: the edit controls are not offered.
    page.goto(web_url + "/accounts")
    expect(page.get_by_role("link", name="New account")).to_have_count(0)


def test_a_member_of_a_cannot_reach_bs_data_through_any_page(
    page: Page, web_url: str, api_url: str, unique_slug: str
):
    a_slug, b_slug = unique_slug, unique_slug + "b"
    a_email, b_email = create_org(a_slug), create_org(b_slug)
    b_account = make_account(b_slug, bank="chase", name="B secret card")
    insert_transactions(
        b_slug,
        b_account,
        [{"day": date.today(), "amount": "-99.99", "description": "B SECRET MERCHANT"}],
    )
    with httpx.Client(base_url=api_url, timeout=30) as client:
        b_owner = login(client, b_email)
        batch = client.post(
            "/api/imports",
            headers=b_owner.headers,
            data={"account_id": str(b_account)},
            files={
                "file": ("b.csv", chase_card([(recent(1), "B COFFEE", "", "-3.00")]), "text/csv")
            },
        )
        assert batch.status_code == 202, batch.text
        b_batch = batch.json()["id"]
        b_transaction = client.get("/api/transactions", headers=b_owner.headers).json()["items"][0]

    sign_in(page, web_url, a_email)
    for path in (
        f"/accounts/{b_account}/edit",
        f"/imports/{b_batch}",
        f"/imports/{b_batch}/status",
    ):
        response = page.goto(web_url + path)
        assert response is not None and response.status == 404, path
    for path in ("/", "/accounts", "/imports", "/transactions", "/transactions?q=secret"):
        page.goto(web_url + path)
        assert "B SECRET" not in page.content() and "B secret card" not in page.content(), path
    # Asking for B's account by id (a filter, an export) finds nothing of it.
    page.goto(web_url + f"/transactions?account_id={b_account}")
    expect(page.get_by_role("heading", name="No transactions match")).to_be_visible()
    export = page.request.get(web_url + f"/transactions/export?account_id={b_account}&format=json")
    assert export.ok and "B SECRET" not in export.text() and "B COFFEE" not in export.text()
    # Editing B's transaction by its id from A's session: the API answers 404.
    page.goto(web_url + "/transactions")
    csrf = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    edit = page.request.post(
        web_url + f"/transactions/{b_transaction['id']}",
        form={"csrf_token": csrf or "", "category_id": "", "notes": "pwned", "tags": ""},
    )
    assert edit.status == 404
    switch = page.request.post(
        web_url + "/switch", form={"csrf_token": csrf or "", "organization": b_slug}
    )
    assert switch.status == 403


def test_usable_at_375_px_and_keyboard(
    page: Page, web_url: str, unique_slug: str, shot, seed_analytics
):
    email = create_org(unique_slug)
    account = make_account(unique_slug, bank="chase", name="Sapphire")
    insert_transactions(
        unique_slug,
        account,
        [{"day": date.today() - timedelta(days=n), "amount": f"-{n + 1}.25"} for n in range(30)],
    )
    merchant = seed_analytics(unique_slug, account)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, web_url, email)
    analytics = ("/insights", "/review", "/rules", "/rules/new", "/merchants")
    for path in (
        "/",
        "/transactions",
        "/accounts",
        "/imports",
        "/settings/members",
        *analytics,
        f"/merchants/{merchant}",
    ):
        page.goto(web_url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => "
            "e.getBoundingClientRect().right > document.documentElement.clientWidth + 1"
            " && !(e.parentElement && e.parentElement.closest('.table-scroll')))"
            ".slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"
        )
        assert overflow <= 1, (path, overflow, wide)
        shot("375" + path.replace("/", "-"))
    # Keyboard: the skip link is the first stop and moves focus to the content.
    page.goto(web_url + "/transactions")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()


@pytest.mark.parametrize("width", [1280, 375])
def test_a_long_file_name_does_not_widen_the_overview(
    page: Page, web_url: str, unique_slug: str, width: int
):
    """Issue 21, point 21: an import's long file name widened the page to 1321 px at 1280 and
    391 px at 375."""
    from finsight.ingestion.models import ImportBatch
    from finsight.tenancy import tenant_session

    email = create_org(unique_slug)
    account = make_account(unique_slug, bank="chase", name="Sapphire")
    name = "Chase_Sapphire_Statement_" + "20251101_to_20251130_" * 6 + "final.csv"  # no breaks
    with tenant_session(unique_slug) as session:
        session.add(
            ImportBatch(
                account_id=account,
                status="succeeded",
                filename=name,
                file_sha256="0" * 64,
                file_size=1,
            )
        )
    insert_transactions(
        unique_slug, account, [{"day": date.today(), "amount": "-4.25", "description": name}]
    )
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, web_url, email)
    expect(page.get_by_role("link", name=name)).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, overflow
