"""Issue 21, point 17: money moved between a person's own accounts is not spending. A card
payment or a savings transfer (in a transfer category, its other side imported or not) is
never an anomaly nor a bill, and an anomaly found before it became one is withdrawn."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from finsight.analytics.anomalies.service import run_anomalies
from finsight.analytics.categorization.defaults import default_category
from finsight.analytics.models import AnalyticsRun, AnomalyRecord, RecurringStreamRecord
from finsight.analytics.service import run_recurring
from finsight.analytics.steps import RunScope
from finsight.categories.tree import system_category_id
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction

from support.accounts import make_account
from support.api import create_org
from support.ledger import insert_transactions

TODAY = date(2025, 6, 30)


@pytest.mark.parametrize(
    ("description", "amount", "path"),
    [
        ("DISCOVER E-PAYMENT 1234", "-693.22", "Transfers/Credit card payment"),
        ("CAPITAL ONE MOBILE PYMT", "-250.00", "Transfers/Credit card payment"),
        ("PAYMENT TO CHASE CARD ENDING IN 1234", "-500.00", "Transfers/Credit card payment"),
        ("INTERNET PAYMENT - THANK YOU", "693.22", "Transfers/Credit card payment"),
        ("ONLINE TRANSFER TO SAV XXXXX1234", "-3389.56", "Transfers/Account transfer"),
        ("SCHWAB BROKERAGE MONEYLINK", "-1200.00", "Transfers/Account transfer"),
    ],
)
def test_card_payments_and_transfers_are_transfers(
    description: str, amount: str, path: str
) -> None:
    assert default_category(description, None, Decimal(amount)) == path


def _run(slug: str, step: object) -> dict[str, int]:
    with tenant_session(slug) as session:
        run = AnalyticsRun(kind="all", status="running")
        session.add(run)
        session.flush()
        return step(session, run, RunScope(as_of=TODAY))  # type: ignore[operator,no-any-return]


@pytest.mark.integration
def test_transfers_are_neither_anomalies_nor_bills(test_env, unique_slug: str) -> None:
    slug = unique_slug
    create_org(slug)
    checking = make_account(slug, name="Checking")
    with tenant_session(slug) as session:
        card_payment = system_category_id(session, "Transfers", "Credit card payment")
        account_transfer = system_category_id(session, "Transfers", "Account transfer")
    rows = []
    for back in range(12, 0, -1):
        day = TODAY - timedelta(days=30 * back)
        rows.append({"day": day, "amount": "-62.10", "description": "KROGER #123"})
        rows.append({"day": day + timedelta(days=9), "amount": "-71.40", "description": "KROGER"})
        # A savings transfer every month: never a bill.
        rows.append(
            {"day": day + timedelta(days=1), "amount": "-3389.56",
             "description": "ONLINE TRANSFER TO SAV XXXXX1234", "category_id": account_transfer}
        )  # fmt: skip
        rows.append(
            {"day": day + timedelta(days=2), "amount": "-120.00",
             "description": "DISCOVER E-PAYMENT 1234", "category_id": card_payment}
        )  # fmt: skip
    # The card's payment this month is 5.8x the usual: still a transfer, not a spike.
    rows.append(
        {"day": TODAY - timedelta(days=3), "amount": "-693.22",
         "description": "DISCOVER E-PAYMENT 1234", "category_id": card_payment}
    )  # fmt: skip
    # A big charge nobody has paired yet: found as an anomaly, then its other side is imported.
    [paired] = insert_transactions(
        slug, checking, [{"day": TODAY - timedelta(days=2), "amount": "-2400.00",
                          "description": "KROGER"}]
    )  # fmt: skip
    insert_transactions(slug, checking, rows)

    _run(slug, run_anomalies)
    with tenant_session(slug) as session:
        subjects = {r.transaction_id for r in session.scalars(select(AnomalyRecord))}
        transfers = set(
            session.scalars(
                select(Transaction.id).where(
                    Transaction.category_id.in_([card_payment, account_transfer])
                )
            )
        )
    assert paired in subjects
    assert not subjects & transfers

    _run(slug, run_recurring)
    with tenant_session(slug) as session:
        streams = list(session.scalars(select(RecurringStreamRecord)))
    assert streams, "the step ran: the monthly groceries are a stream"
    assert all(not set(s.transaction_ids) & transfers for s in streams), (
        "a transfer was counted as a bill"
    )

    with tenant_session(slug) as session:
        session.execute(update(Transaction).where(Transaction.id == paired).values(
            transfer_id=uuid.uuid4()))  # fmt: skip
    counts = _run(slug, run_anomalies)
    assert counts["withdrawn"] == 1
    with tenant_session(slug) as session:
        subjects = {r.transaction_id for r in session.scalars(select(AnomalyRecord))}
    assert paired not in subjects


@pytest.mark.integration
def test_a_run_withdraws_day_one_noise_it_no_longer_shows(test_env, unique_slug: str) -> None:
    """Issue 21, point 18: an anomaly an earlier run stored on a year-old ordinary charge goes
    when a run judges that charge again and does not show it; one a person confirmed stays."""
    slug = unique_slug
    create_org(slug)
    account = make_account(slug)
    old_day = TODAY - timedelta(days=300)
    ids = insert_transactions(
        slug,
        account,
        [
            {"day": old_day, "amount": "-29.10", "description": "KROGER"},
            {"day": old_day + timedelta(days=1), "amount": "-31.40", "description": "KROGER"},
        ],
    )
    with tenant_session(slug) as session:
        for tid, status in zip(ids, ("new", "confirmed"), strict=True):
            session.add(
                AnomalyRecord(
                    kind="spike",
                    dedupe_key=f"spike:{tid}",
                    transaction_id=tid,
                    occurred_on=old_day,
                    amount=Decimal("29.10"),
                    currency="USD",
                    score=0.4,
                    reason="$29.10 at Kroger is 3.0x your usual",
                    details={},
                    status=status,
                )
            )
    counts = _run(slug, run_anomalies)
    assert counts["withdrawn"] == 1
    with tenant_session(slug) as session:
        left = {(r.transaction_id, r.status) for r in session.scalars(select(AnomalyRecord))}
    assert left == {(ids[1], "confirmed")}
