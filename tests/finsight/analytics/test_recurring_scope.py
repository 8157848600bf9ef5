"""The recurring step after an import looks again at the import's account only."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from finsight.accounts.models import Account
from finsight.accounts.service import delete_account
from finsight.analytics.forecasting.service import run_forecast
from finsight.analytics.models import AnalyticsRun, ForecastRecord, RecurringStreamRecord
from finsight.analytics.service import run_recurring
from finsight.analytics.steps import RunScope, Step
from finsight.tenancy import tenant_session

from support.accounts import make_account
from support.api import TEST_ACTOR, create_org
from support.ledger import insert_transactions
from support.merchants import make_batch, org_id

pytestmark = pytest.mark.integration

AS_OF = date(2025, 6, 30)


def _monthly(description: str, amount: str, months: int, batch: uuid.UUID | None = None) -> list:
    start = AS_OF - timedelta(days=30 * months)
    return [
        {
            "day": start + timedelta(days=30 * i),
            "amount": amount,
            "description": description,
            "import_batch_id": batch,
        }
        for i in range(1, months + 1)
    ]


def _run(slug: str, batch: uuid.UUID | None, step: Step = run_recurring) -> None:
    with tenant_session(slug) as session:
        run = AnalyticsRun(kind="recurring", status="running")
        session.add(run)
        session.flush()
        step(session, run, RunScope(as_of=AS_OF, import_batch_id=batch))


def _streams(slug: str) -> set[tuple[str, str]]:
    with tenant_session(slug) as session:
        rows = session.execute(
            select(RecurringStreamRecord.merchant, RecurringStreamRecord.account_id)
        ).all()
    return {(merchant, str(account)) for merchant, account in rows}


def _two_accounts(slug: str, second: str) -> tuple[uuid.UUID, uuid.UUID]:
    """An organization with a card paying Netflix and a second account paying the water bill."""
    create_org(slug)
    card = make_account(slug, name="Card")
    other = make_account(slug, name=second, bank=None)
    insert_transactions(slug, card, _monthly("NETFLIX.COM", "-15.49", 8))
    insert_transactions(slug, other, _monthly("CITY WATER UTILITY", "-40.00", 8))
    return card, other


def test_an_import_run_replaces_only_its_account_s_streams(test_env, unique_slug):
    card, checking = _two_accounts(unique_slug, "Checking")
    _run(unique_slug, None)
    assert _streams(unique_slug) == {("Netflix", str(card)), ("City Water Utility", str(checking))}

    # A mark on the checking account's stored stream: an import run for the card must leave it
    # as it is, and still find the card's new stream.
    with tenant_session(unique_slug) as session:
        session.execute(
            RecurringStreamRecord.__table__.update()
            .where(RecurringStreamRecord.account_id == checking)
            .values(merchant="Kept as it was")
        )
    batch = make_batch(unique_slug, card)
    insert_transactions(unique_slug, card, _monthly("SPOTIFY USA", "-10.99", 6, batch))
    _run(unique_slug, batch)
    assert _streams(unique_slug) == {
        ("Netflix", str(card)),
        ("Spotify", str(card)),
        ("Kept as it was", str(checking)),
    }

    _run(unique_slug, None)  # a full run looks at every account again
    assert ("City Water Utility", str(checking)) in _streams(unique_slug)


def test_a_deleted_account_leaves_the_answers(test_env, unique_slug):
    card, closed = _two_accounts(unique_slug, "Closed")
    with tenant_session(unique_slug) as session:
        account = session.get(Account, closed)
        assert account is not None
        delete_account(session, org_id(unique_slug), account, TEST_ACTOR)
    _run(unique_slug, None)
    assert _streams(unique_slug) == {("Netflix", str(card))}
    _run(unique_slug, None, run_forecast)
    with tenant_session(unique_slug) as session:
        accounts = set(
            session.scalars(
                select(ForecastRecord.account_id).where(ForecastRecord.scope == "account")
            )
        )
    assert accounts == {card}
