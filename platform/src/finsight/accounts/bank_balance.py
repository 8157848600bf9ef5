"""The balance as the bank states it in a statement, next to ours.

Our `current_balance` is the opening balance plus the transactions we hold; a bank's file says
what the balance really was (OFX <LEDGERBAL>, Chase checking's Balance column). An account
whose history starts with its first statement has a wrong opening balance until a person
sets it; the bank's figure shows the real balance now, and the difference says so.

Kept in the account's metadata (`extra["stated_balance"]`): one figure per account, the
latest the bank stated; imports write it in their own transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.transactions.models import Transaction

KEY = "stated_balance"


@dataclass(frozen=True)
class BankBalance:
    stated: Decimal  # what the bank said, at the end of `as_of`
    as_of: date
    balance: Decimal  # stated + our transactions dated after as_of: the balance now
    ours_then: Decimal  # our running balance at the end of as_of
    difference: Decimal  # ours_then - stated: 0 when we agree with the bank


def note_stated_balance(
    session: Session, account_id: uuid.UUID, stated: Decimal, as_of: date, import_id: uuid.UUID
) -> None:
    """Keep the bank's figure unless the account already has a later one (an older statement
    imported after a newer one)."""
    account = session.get(Account, account_id, with_for_update=True)
    if account is None:
        return
    known = (account.extra or {}).get(KEY)
    if known and date.fromisoformat(known["as_of"]) > as_of:
        return
    account.extra = {
        **(account.extra or {}),
        KEY: {"amount": str(stated), "as_of": as_of.isoformat(), "import_id": str(import_id)},
    }


def bank_balances(session: Session, accounts: Iterable[Account]) -> dict[uuid.UUID, BankBalance]:
    """Each account's bank-stated balance beside ours (accounts the bank never stated one for
    are left out): one query per such account."""
    found = {}
    for account in accounts:
        known = (account.extra or {}).get(KEY)
        if not known:
            continue
        as_of, stated = date.fromisoformat(known["as_of"]), Decimal(known["amount"])
        live = (Transaction.account_id == account.id, Transaction.deleted_at.is_(None))
        amount, day = func.sum(Transaction.amount), Transaction.transaction_date
        until, after = session.execute(
            select(
                func.coalesce(amount.filter(day <= as_of), 0),
                func.coalesce(amount.filter(day > as_of), 0),
            ).where(*live)
        ).one()
        ours_then = account.opening_balance + Decimal(until)
        found[account.id] = BankBalance(
            stated=stated,
            as_of=as_of,
            balance=stated + Decimal(after),
            ours_then=ours_then,
            difference=ours_then - stated,
        )
    return found
