"""Transfer detection on hand-made ledgers in a real tenant schema."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.categories.tree import system_category_id
from finsight.kit.models import utcnow
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction
from finsight.transactions.transfers import detect_transfers

from support.api import create_org

pytestmark = pytest.mark.integration

DAY = date(2025, 4, 1)


@pytest.fixture
def slug(test_env, unique_slug: str) -> str:
    create_org(unique_slug)
    return unique_slug


def _account(session: Session, name: str, type: str = "checking") -> uuid.UUID:
    account = Account(name=name, type=type, currency="USD")
    session.add(account)
    session.flush()
    return account.id


def _txn(session: Session, account: uuid.UUID, days: int, amount: str, **extra) -> uuid.UUID:
    row = Transaction(
        account_id=account,
        transaction_date=DAY + timedelta(days=days),
        amount=Decimal(amount),
        currency=extra.pop("currency", "USD"),
        description_raw="TRANSFER",
        description="TRANSFER",
        fingerprint=uuid.uuid4().bytes,
        **extra,
    )
    session.add(row)
    session.flush()
    return row.id


def _rows(session: Session) -> dict[uuid.UUID, Transaction]:
    session.expire_all()
    return {t.id: t for t in session.scalars(select(Transaction))}


def test_card_payment_from_checking(slug: str):
    with tenant_session(slug) as s:
        checking, card = _account(s, "Checking"), _account(s, "Card", "credit_card")
        out = _txn(s, checking, 0, "-512.34", category_source="bank")
        # The model had guessed this side: its confidence goes with the guess.
        pay = _txn(s, card, 2, "512.34", category_source="model", category_confidence=0.42)
        coffee = _txn(s, card, 1, "-512.34")  # same card: never its own transfer's other side
        assert detect_transfers(s) == 1
        rows = _rows(s)
        card_payment = system_category_id(s, "Transfers", "Credit card payment")
        assert rows[out].transfer_id is not None
        assert rows[out].transfer_id == rows[pay].transfer_id
        assert rows[coffee].transfer_id is None
        for side in (rows[out], rows[pay]):
            assert side.category_id == card_payment and side.category_source == "rule"
            assert side.category_confidence is None and side.category_rule_id is None
            assert side.excluded is False
        assert detect_transfers(s) == 0  # already paired: nothing more


def test_two_equal_transfers_on_the_same_day_pair_one_to_one(slug: str):
    with tenant_session(slug) as s:
        checking, savings = _account(s, "Checking"), _account(s, "Savings", "savings")
        outs = [_txn(s, checking, 0, "-100") for _ in range(2)]
        ins = [_txn(s, savings, 0, "100") for _ in range(2)]
        assert detect_transfers(s) == 2
        rows = _rows(s)
        per_transfer = Counter(rows[i].transfer_id for i in outs + ins)
        assert None not in per_transfer and sorted(per_transfer.values()) == [2, 2]
        for out in outs:
            partner = next(
                r for r in rows.values() if r.transfer_id == rows[out].transfer_id and r.id != out
            )
            assert partner.id in ins
        account_transfer = system_category_id(s, "Transfers", "Account transfer")
        assert {rows[i].category_id for i in outs + ins} == {account_transfer}


def test_window_is_three_days_and_closest_date_wins(slug: str):
    with tenant_session(slug) as s:
        checking, savings = _account(s, "Checking"), _account(s, "Savings", "savings")
        far_out = _txn(s, checking, 0, "-40")
        far_in = _txn(s, savings, 4, "40")  # a near miss: 4 days apart
        edge_out = _txn(s, checking, 10, "-75")
        edge_in = _txn(s, savings, 13, "75")  # exactly 3 days: a transfer
        out = _txn(s, checking, 20, "-60")
        early = _txn(s, savings, 18, "60")
        close = _txn(s, savings, 21, "60")
        euro = _txn(s, savings, 20, "60", currency="EUR")
        assert detect_transfers(s) == 2
        rows = _rows(s)
        assert rows[far_out].transfer_id is None and rows[far_in].transfer_id is None
        assert rows[edge_out].transfer_id == rows[edge_in].transfer_id is not None
        assert rows[out].transfer_id == rows[close].transfer_id is not None
        assert rows[early].transfer_id is None and rows[euro].transfer_id is None


def test_user_category_is_kept(slug: str):
    with tenant_session(slug) as s:
        checking, savings = _account(s, "Checking"), _account(s, "Savings", "savings")
        rent = system_category_id(s, "Housing", "Rent")
        out = _txn(
            s,
            checking,
            0,
            "-900",
            category_id=rent,
            category_source="user",
            user_fields=["category_id"],
        )
        into = _txn(s, savings, 1, "900", excluded=True)
        assert detect_transfers(s) == 1
        rows = _rows(s)
        assert rows[out].transfer_id == rows[into].transfer_id is not None
        assert rows[out].category_id == rent and rows[out].category_source == "user"
        assert rows[into].category_source == "rule" and rows[into].excluded is True


def test_skips_deleted_pending_and_other_scopes(slug: str):
    with tenant_session(slug) as s:
        a, b, c = _account(s, "A"), _account(s, "B"), _account(s, "C")
        gone = _account(s, "Gone")
        deleted = _txn(s, a, 0, "-10", deleted_at=utcnow())
        _txn(s, b, 0, "10")
        pending = _txn(s, a, 1, "-20", pending=True)
        _txn(s, b, 1, "20")
        on_gone = _txn(s, gone, 2, "-30")
        _txn(s, b, 2, "30")
        s.get(Account, gone).deleted_at = utcnow()  # type: ignore[union-attr]
        old = _txn(s, a, -30, "-50")
        _txn(s, c, -30, "50")
        recent_out = _txn(s, a, 5, "-70")
        recent_in = _txn(s, c, 5, "70")
        s.flush()
        assert detect_transfers(s, account_ids=[b]) == 0
        assert detect_transfers(s, since=DAY) == 1
        rows = _rows(s)
        assert rows[recent_out].transfer_id == rows[recent_in].transfer_id is not None
        for untouched in (deleted, pending, on_gone, old):
            assert rows[untouched].transfer_id is None
        assert detect_transfers(s, account_ids=[c]) == 1  # the older pair, now in scope
