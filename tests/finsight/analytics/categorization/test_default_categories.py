"""Issue 21, point 14: the bills everybody has come out right without a rule, the bank's
category does not beat them, and a refund reduces its category's spending."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from finsight.analytics.categorization import service
from finsight.analytics.categorization.defaults import default_category
from finsight.analytics.models import AnalyticsRun
from finsight.analytics.steps import RunScope
from finsight.categories.tree import system_category_id
from finsight.tenancy import tenant_session
from finsight.transactions import query as q
from finsight.transactions.models import Transaction
from finsight.transactions.summary import summarize

from support.accounts import make_account
from support.api import create_org
from support.ledger import insert_transactions
from support.merchants import run_step

OUT = Decimal("-50")


@pytest.mark.parametrize(
    ("description", "merchant", "amount", "path"),
    [
        ("ACH DEBIT AVALON APTS 0042", None, "-2150", "Housing/Rent"),
        ("RENT PAYMENT OCT", None, "-1800", "Housing/Rent"),
        ("ONLINE PMT MAPLE PROPERTY MANAGEMENT", None, "-1500", "Housing/Rent"),
        ("PGANDE WEB ONLINE DEC 26", "PG&E", "-118.20", "Utilities/Electricity"),
        ("GEICO *AUTO 800-841-3000 DC", None, "-96.40", "Transport"),
        ("STATE FARM INSURANCE 800-440-0998 IL", None, "-132.50", "Housing/Home insurance"),
        ("PLANET FITNESS #1234 AUSTIN TX", None, "-24.99", "Personal care"),
        ("CRUNCH FITNESS", None, "-29.99", "Personal care"),
        ("APPLE.COM/BILL ICLOUD 866-712-7753", "Apple Icloud", "-2.99", "Subscriptions/Software"),
        (
            "AMAZON PRIME*2K4LL0 AMZN.COM/BILL WA",
            "Amazon Prime",
            "-14.99",
            "Subscriptions/Streaming",
        ),
        ("NETFLIX.COM", "Netflix", "-15.49", "Subscriptions/Streaming"),
        ("HULU 877-8244858 CA", None, "-7.99", "Subscriptions/Streaming"),
        ("COMCAST CABLE COMM 800-266-2278 PA", None, "-89", "Utilities/Internet"),
        ("VERIZON FIOS", None, "-79.99", "Utilities/Internet"),
        ("VZWRLSS*APOCC VISB", None, "-75", "Utilities/Phone"),
        ("T-MOBILE AUTOPAY", None, "-65", "Utilities/Phone"),
        ("AUSTIN WATER UTIL 123 TX", None, "-60", "Utilities/Water"),
    ],
)
def test_known_bills(description: str, merchant: str | None, amount: str, path: str) -> None:
    assert default_category(description, merchant, Decimal(amount)) == path


@pytest.mark.parametrize(
    ("description", "amount"),
    [
        ("ENTERPRISE RENT-A-CAR", "-320"),  # not rent
        ("RENT THE RUNWAY", "-89"),
        ("RENT", "-25"),  # too small to be the rent
        ("NETFLIX.COM REFUND", "15.49"),  # money in is never a bill
        ("STARBUCKS STORE 12345", "-5.40"),
        ("WHOLE FOODS MARKET", "-84.10"),
    ],
)
def test_not_a_known_bill(description: str, amount: str) -> None:
    assert default_category(description, None, Decimal(amount)) is None


TODAY = date(2026, 3, 31)


def _category(slug: str, *path: str) -> uuid.UUID:
    with tenant_session(slug) as session:
        found = system_category_id(session, *path)
    assert found is not None, path
    return found


@pytest.mark.integration
def test_defaults_beat_the_bank_and_refunds_reduce_spending(test_env, unique_slug: str) -> None:
    slug = unique_slug
    create_org(slug)
    card, other = make_account(slug), make_account(slug, name="Checking")
    entertainment = _category(slug, "Entertainment")
    shopping = _category(slug, "Shopping")
    start = date(2026, 1, 5)
    rows = [
        {"day": start + timedelta(days=30 * i), "amount": "-2150.00",
         "description": "RENT PAYMENT AVALON"}
        for i in range(3)
    ] + [
        # The bank's category on one card (Entertainment) must not split streaming in two.
        {"day": start + timedelta(days=30 * i), "amount": "-15.49", "description": "NETFLIX.COM",
         "original_category": "Entertainment", "category_id": entertainment,
         "category_source": "bank"}
        for i in range(3)
    ] + [
        {"day": start + timedelta(days=1), "amount": "-96.40", "description": "GEICO AUTO"},
        {"day": start + timedelta(days=2), "amount": "-24.99", "description": "PLANET FITNESS"},
        {"day": start + timedelta(days=3), "amount": "-118.20",
         "description": "PGANDE WEB ONLINE DEC 26"},
    ] + [
        {"day": start + timedelta(days=7 * i), "amount": "-40.00",
         "description": "TARGET 00012345", "category_id": shopping, "category_source": "bank"}
        for i in range(4)
    ] + [
        # Money back from Target: a return, which the model alone calls income.
        {"day": start + timedelta(days=40), "amount": "25.00", "description": "TARGET 00012345"},
    ]  # fmt: skip
    insert_transactions(slug, card, rows)
    insert_transactions(
        slug, other, [{"day": start, "amount": "-7.99", "description": "HULU 877-8244858 CA"}]
    )
    run_step(slug)
    with tenant_session(slug) as session:
        run = AnalyticsRun(kind="categorize", status="running", parameters={})
        session.add(run)
        session.flush()
        counts = service.run_categorize(session, run, RunScope(TODAY))
    assert counts["by_default"] >= 9 and counts["refunds"] == 1

    with tenant_session(slug) as session:
        by_description: dict[str, set[uuid.UUID | None]] = {}
        for description, category_id in session.execute(
            select(Transaction.description, Transaction.category_id)
        ):
            by_description.setdefault(description, set()).add(category_id)
    assert by_description["RENT PAYMENT AVALON"] == {_category(slug, "Housing", "Rent")}
    streaming = _category(slug, "Subscriptions", "Streaming")
    assert by_description["NETFLIX.COM"] == {streaming}
    assert by_description["HULU 877-8244858 CA"] == {streaming}
    assert by_description["GEICO AUTO"] == {_category(slug, "Transport")}
    assert by_description["PLANET FITNESS"] == {_category(slug, "Personal care")}
    electricity = _category(slug, "Utilities", "Electricity")
    assert by_description["PGANDE WEB ONLINE DEC 26"] == {electricity}
    assert by_description["TARGET 00012345"] == {shopping}

    with tenant_session(slug) as session:
        totals = summarize(session, q.TransactionFilter(), "category")
    target = next(t for t in totals if t.key == str(shopping))
    assert (target.spending, target.income) == (Decimal("135.00"), Decimal(0))
    with tenant_session(slug) as session:
        months = summarize(session, q.TransactionFilter(), "month")
    assert sum(m.income for m in months) == 0  # the return is not income
