"""Rows enter an organization's books here (DESIGN §4, "the ledger"), whatever their source:
statement files stream in through `land` after their COPY, small sources (a person's manual
entry; bank sync next) through `add_rows`. Either way: identity and deduplication per account
(fingerprints), the account's balance, transfer pairing, then one "rows landed" event.
Never commits.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.accounts.service import adjust_balance
from finsight.audit.service import record
from finsight.categories.models import Category
from finsight.errors import InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.query import advisory_xact_lock
from finsight.ledger.bank import (
    BankApplied,
    BankChanges,
    BankRow,
    apply_bank_changes,
)
from finsight.ledger.events import RowsLanded, publish
from finsight.ledger.schemas import ManualTransaction
from finsight.transactions.models import Transaction
from finsight.transactions.transfers import detect_transfers

# Bank feeds (Plaid) enter through apply_bank_changes (ledger/bank.py), re-exported here.
__all__ = ["BankApplied", "BankChanges", "BankRow", "add_manual", "add_rows", "apply_bank_changes"]
__all__ += ["land", "stored_fingerprints"]


def stored_fingerprints(session: Session, account_id: uuid.UUID) -> set[bytes]:
    """Every fingerprint already in the account's books: rows carrying one are not added again.

    Takes the account's lock first, held to the end of the transaction: a writer reads the
    fingerprints before it writes, so two at once (parallel imports of overlapping statements)
    would both miss the other's rows and one would die on `uq_transactions_fingerprint`. The
    second waits here for the first to commit, then sees its rows as duplicates."""
    advisory_xact_lock(session, f"finsight.ledger.account:{account_id}")
    return set(
        session.scalars(select(Transaction.fingerprint).where(Transaction.account_id == account_id))
    )


@dataclass(frozen=True)
class Landed:
    rows: int
    transfers: int
    subscribers: list[str] = field(default_factory=list)


def land(
    session: Session,
    org_slug: str,
    *,
    account_id: uuid.UUID,
    total: Decimal,
    rows: int,
    first_date: date | None,
    source: str,
    source_id: uuid.UUID | None = None,
) -> Landed:
    """After rows were written to one account: its balance moves by their `total`, transfers
    are paired, and the "rows landed" event goes out when the caller commits."""
    adjust_balance(session, account_id, total)
    pairs = (
        detect_transfers(session, account_ids=[account_id], since=first_date) if first_date else 0
    )
    event = RowsLanded(source, (account_id,), rows, first_date, source_id)
    return Landed(rows, pairs, publish(session, org_slug, event))


@dataclass(frozen=True)
class NewRow:
    """A row from a source that is not a statement file."""

    transaction_date: date
    amount: Decimal
    description: str
    category_id: uuid.UUID | None = None
    notes: str | None = None
    tags: tuple[str, ...] = ()
    # The source's own id for the row (a bank's transaction id): the row's identity there.
    source_key: str | None = None


def _fingerprint(source: str, account_id: uuid.UUID, row: NewRow) -> bytes:
    """Rows with a source key are the same row whenever they come again; a person's entry is
    always new (two coffees of the same price on one day are two coffees)."""
    key = row.source_key or uuid.uuid4().hex
    return hashlib.blake2b(f"{source}\x1f{account_id}\x1f{key}".encode(), digest_size=16).digest()


def add_rows(
    session: Session,
    org_id: uuid.UUID,
    org_slug: str,
    account_id: uuid.UUID,
    rows: list[NewRow],
    *,
    source: str,
    actor: Actor,
    source_id: uuid.UUID | None = None,
) -> list[Transaction]:
    """Add rows to one account (those whose fingerprint is already stored are left out), with
    their audit entry; returns the rows added."""
    account = session.get(Account, account_id)
    if account is None or account.deleted_at is not None:
        raise NotFound("account not found")
    seen = stored_fingerprints(session, account_id) if any(r.source_key for r in rows) else set()
    added = []
    user_fields = ("category_id", "notes", "tags") if source == "manual" else ()
    for row in rows:
        if not row.description.strip():
            raise InvalidInput("a transaction needs a description", field="description")
        fingerprint = _fingerprint(source, account_id, row)
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        transaction = Transaction(
            account_id=account_id,
            transaction_date=row.transaction_date,
            posted_date=row.transaction_date,
            amount=row.amount,
            currency=account.currency,
            description_raw=row.description.strip(),
            description=row.description.strip(),
            category_id=row.category_id,
            category_source="user" if row.category_id and source == "manual" else None,
            fingerprint=fingerprint,
            notes=row.notes,
            tags=list(row.tags),
            user_fields=[f for f in user_fields if getattr(row, f)],
            extra={"source": source},
        )
        session.add(transaction)
        added.append(transaction)
    session.flush()
    if added:
        land(
            session,
            org_slug,
            account_id=account_id,
            total=sum((t.amount for t in added), Decimal(0)),
            rows=len(added),
            first_date=min(t.transaction_date for t in added),
            source=source,
            source_id=source_id,
        )
        for transaction in added:
            record(
                session,
                org_id=org_id,
                actor=actor,
                action="transaction.create",
                target_type="transaction",
                target_id=transaction.id,
                details={
                    "source": source,
                    "account_id": str(account_id),
                    "amount": str(transaction.amount),
                    "date": transaction.transaction_date.isoformat(),
                },
            )
    return added


def add_manual(
    session: Session, org_id: uuid.UUID, org_slug: str, entry: ManualTransaction, actor: Actor
) -> Transaction:
    """A person's own transaction; its category must be one of the organization's."""
    if entry.category_id is not None:
        category = session.get(Category, entry.category_id)
        if category is None or category.deleted_at is not None:
            raise InvalidInput("no such category", field="category_id")
    row = NewRow(
        transaction_date=entry.transaction_date,
        amount=entry.amount,
        description=entry.description,
        category_id=entry.category_id,
        notes=entry.notes or None,
        tags=tuple(entry.tags),
    )
    (added,) = add_rows(
        session, org_id, org_slug, entry.account_id, [row], source="manual", actor=actor
    )
    return added
