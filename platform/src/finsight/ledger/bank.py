"""A bank feed's changes enter the books: rows added, modified and removed by the bank, each
known by the source's own key (Plaid's transaction_id). Part of the ledger's one path in
(`finsight.ledger.service` re-exports it); never commits.

- Added rows whose key is already in the books change nothing twice (a retried sync).
- A posted row naming its pending row (`pending_key`) takes that row's place: the same
  transaction row, now posted, keeping what a person set (category, notes, tags, merchant).
- A row from another source already in the account (a statement file's, a person's entry) is
  claimed instead of doubled: same amount, dates at most CLAIM_WINDOW_DAYS apart, no key yet.
- Removed rows leave the books (soft delete); a transfer they were part of is unpaired.
Then, as for every source: balances move by the difference, transfers are paired, and one
"rows landed" event goes out after commit.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, any_, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.accounts.service import adjust_balance
from finsight.audit.service import record
from finsight.categories.bank_mapping import category_resolver
from finsight.kit.identity import Actor
from finsight.kit.models import new_id, utcnow
from finsight.kit.query import advisory_xact_lock
from finsight.ledger.events import RowsLanded, publish
from finsight.transactions.merchants import clean_description, normalize_merchant
from finsight.transactions.models import Transaction
from finsight.transactions.transfers import detect_transfers

CLAIM_WINDOW_DAYS = 3
_CHUNK = 5_000


@dataclass(frozen=True)
class BankRow:
    """One transaction as the bank sends it, in our sign (negative: money out)."""

    account_id: uuid.UUID
    source_key: str
    transaction_date: date
    amount: Decimal
    description: str
    posted_date: date | None = None
    merchant: str | None = None
    # The bank's category, kept as the bank's (also resolved onto ours where it maps).
    original_category: str | None = None
    pending: bool = False
    # The pending row this posted row replaces.
    pending_key: str | None = None
    check_number: str | None = None


@dataclass
class BankChanges:
    added: list[BankRow] = field(default_factory=list)
    modified: list[BankRow] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # source keys


@dataclass
class BankApplied:
    added: int = 0
    modified: int = 0
    removed: int = 0
    posted: int = 0  # pending rows that became posted (the same row)
    claimed: int = 0  # rows of another source the bank's rows matched
    transfers: int = 0
    subscribers: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "added": self.added,
            "modified": self.modified,
            "removed": self.removed,
            "posted": self.posted,
            "claimed": self.claimed,
            "transfers": self.transfers,
        }


def source_fingerprint(source: str, account_id: uuid.UUID, key: str) -> bytes:
    """The same digest as a keyed row of `ledger.service.add_rows`."""
    return hashlib.blake2b(f"{source}\x1f{account_id}\x1f{key}".encode(), digest_size=16).digest()


@dataclass
class _Live:
    id: uuid.UUID
    account_id: uuid.UUID
    amount: Decimal
    transfer_id: uuid.UUID | None
    user_fields: list[str]


class _Books:
    """The live rows the changes touch, by key, and the balance moves they make."""

    def __init__(self, session: Session, keys: set[str]) -> None:
        self.session = session
        self.by_key: dict[str, _Live] = {}
        key_list = sorted(keys)
        for start in range(0, len(key_list), _CHUNK):
            rows = session.execute(
                select(
                    Transaction.source_key,
                    Transaction.id,
                    Transaction.account_id,
                    Transaction.amount,
                    Transaction.transfer_id,
                    Transaction.user_fields,
                ).where(
                    # One array parameter: an IN list of thousands costs more to build.
                    Transaction.source_key
                    == any_(literal(key_list[start : start + _CHUNK], ARRAY(Text))),
                    Transaction.deleted_at.is_(None),
                )
            )
            for key, row_id, account_id, amount, transfer_id, user_fields in rows:
                if key is not None:
                    self.by_key[key] = _Live(row_id, account_id, amount, transfer_id, user_fields)
        self.delta: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
        self.unpair: set[uuid.UUID] = set()
        self.first_date: date | None = None

    def touched(self, day: date) -> None:
        self.first_date = day if self.first_date is None else min(self.first_date, day)


def _values(row: BankRow, resolve: Any) -> dict[str, Any]:
    description = (
        clean_description(row.description) or row.description.strip() or "(no description)"
    )
    category = None
    if row.original_category:
        for label in (row.original_category, row.original_category.split(" > ")[0]):
            category = resolve(label)
            if category is not None:
                break
    return {
        "transaction_date": row.transaction_date,
        "posted_date": row.posted_date or row.transaction_date,
        "amount": row.amount,
        "description_raw": row.description,
        "description": description,
        "merchant": row.merchant or normalize_merchant(description),
        "original_category": row.original_category,
        "category_id": category,
        "category_source": "bank" if category else None,
        "pending": row.pending,
        "check_number": row.check_number,
    }


def _update(books: _Books, live: _Live, row: BankRow, resolve: Any, source: str) -> None:
    """Write the bank's version over a live row, leaving what a person set."""
    values = _values(row, resolve)
    keep = set(live.user_fields)
    if "category_id" in keep:
        values.pop("category_id")
        values.pop("category_source")
    if "merchant" in keep:
        values.pop("merchant")
    values["source_key"] = row.source_key
    values["fingerprint"] = source_fingerprint(source, live.account_id, row.source_key)
    if row.amount != live.amount:
        books.delta[live.account_id] += row.amount - live.amount
        if live.transfer_id is not None:
            books.unpair.add(live.transfer_id)
            values["transfer_id"] = None
        live.amount = row.amount
    books.session.execute(update(Transaction).where(Transaction.id == live.id).values(**values))
    books.touched(row.transaction_date)


Claimable = dict[tuple[uuid.UUID, Decimal], list[tuple[date, _Live]]]


def _claimable(session: Session, rows: list[BankRow]) -> Claimable:
    """Rows of other sources (no key) that the posted bank rows may be: by account and amount."""
    spans: dict[uuid.UUID, tuple[date, date]] = {}
    for row in rows:
        low, high = spans.get(row.account_id, (row.transaction_date, row.transaction_date))
        spans[row.account_id] = (min(low, row.transaction_date), max(high, row.transaction_date))
    found: Claimable = defaultdict(list)
    window = timedelta(days=CLAIM_WINDOW_DAYS)
    for account_id, (low, high) in spans.items():
        candidates = session.execute(
            select(
                Transaction.transaction_date,
                Transaction.id,
                Transaction.account_id,
                Transaction.amount,
                Transaction.transfer_id,
                Transaction.user_fields,
            ).where(
                Transaction.account_id == account_id,
                Transaction.source_key.is_(None),
                Transaction.deleted_at.is_(None),
                Transaction.pending.is_(False),
                Transaction.transaction_date.between(low - window, high + window),
            )
        )
        for day, row_id, account, amount, transfer_id, user_fields in candidates:
            live = _Live(row_id, account, amount, transfer_id, user_fields)
            found[(account_id, live.amount)].append((day, live))
    return found


def _claim(found: Claimable, row: BankRow) -> _Live | None:
    options = found.get((row.account_id, row.amount))
    if not options:
        return None
    best = min(options, key=lambda option: abs((option[0] - row.transaction_date).days))
    if abs((best[0] - row.transaction_date).days) > CLAIM_WINDOW_DAYS:
        return None
    options.remove(best)
    return best[1]


def _remove(books: _Books, keys: list[str]) -> int:
    removed = 0
    now = utcnow()
    for key in keys:
        live = books.by_key.pop(key, None)
        if live is None:
            continue  # never seen, or already gone (a retried sync): nothing to do
        books.session.execute(
            update(Transaction).where(Transaction.id == live.id).values(deleted_at=now)
        )
        books.delta[live.account_id] -= live.amount
        if live.transfer_id is not None:
            books.unpair.add(live.transfer_id)
        removed += 1
    return removed


# The columns a bank row fills (the rest take their defaults), in COPY's order.
_COPY_COLUMNS = (
    "id",
    "account_id",
    "transaction_date",
    "posted_date",
    "amount",
    "currency",
    "description_raw",
    "description",
    "merchant",
    "original_category",
    "category_id",
    "category_source",
    "pending",
    "check_number",
    "source_key",
    "fingerprint",
    "metadata",
)


def _insert(session: Session, source: str, rows: list[dict[str, Any]]) -> None:
    """COPY the new rows into a temporary twin of `transactions`, then one INSERT ... SELECT
    (a many-row INSERT statement costs more to build in Python than to run)."""
    if not rows:
        return
    session.execute(
        text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS bank_rows "
            "(LIKE transactions INCLUDING DEFAULTS) ON COMMIT DROP"
        )
    )
    session.execute(text("TRUNCATE bank_rows"))
    metadata = json.dumps({"source": source})
    driver = session.connection().connection.driver_connection
    assert driver is not None
    columns = ", ".join(_COPY_COLUMNS)
    with driver.cursor() as cursor, cursor.copy(f"COPY bank_rows ({columns}) FROM STDIN") as copy:
        for values in rows:
            copy.write_row([values.get(name) for name in _COPY_COLUMNS[:-1]] + [metadata])
    inserted = set(
        session.scalars(
            text(
                "INSERT INTO transactions SELECT * FROM bank_rows "
                "ON CONFLICT (account_id, fingerprint) DO NOTHING RETURNING id"
            )
        )
    )
    # A key removed earlier and sent again: its soft-deleted row comes back as sent.
    for values in rows:
        if values["id"] in inserted:
            continue
        revived = {
            k: v for k, v in values.items() if k not in ("id", "fingerprint", "extra", "tags")
        }
        session.execute(
            update(Transaction)
            .where(
                Transaction.account_id == values["account_id"],
                Transaction.fingerprint == values["fingerprint"],
            )
            .values(**revived, deleted_at=None, transfer_id=None)
        )


def apply_bank_changes(
    session: Session,
    org_id: uuid.UUID,
    org_slug: str,
    changes: BankChanges,
    *,
    source: str,
    actor: Actor,
    source_id: uuid.UUID | None = None,
    audit_details: dict[str, Any] | None = None,
) -> BankApplied:
    """Apply one feed's changes (see the module's description), audited as one entry (with
    `audit_details` beside the counts)."""
    rows = changes.added + changes.modified
    account_ids = sorted({row.account_id for row in rows})
    # The accounts' locks, in one order: imports into the same accounts wait (ledger.service).
    for account_id in account_ids:
        advisory_xact_lock(session, f"finsight.ledger.account:{account_id}")
    currencies = {
        account_id: currency
        for account_id, currency in session.execute(
            select(Account.id, Account.currency).where(Account.id.in_(account_ids))
        )
    }
    keys = {row.source_key for row in rows} | set(changes.removed)
    keys |= {row.pending_key for row in changes.added if row.pending_key}
    books = _Books(session, keys)
    resolve = category_resolver(session)
    applied = BankApplied()
    new_rows: list[dict[str, Any]] = []
    claim_from = [r for r in changes.added if not r.pending and r.source_key not in books.by_key]
    claimable = _claimable(session, claim_from) if claim_from else {}
    for row in changes.added:
        live = books.by_key.get(row.source_key)
        if live is None and row.pending_key and row.pending_key in books.by_key:
            live = books.by_key.pop(row.pending_key)
            books.by_key[row.source_key] = live
            applied.posted += 1
        if live is not None:
            _update(books, live, row, resolve, source)
            continue
        claimed = None if row.pending else _claim(claimable, row)
        if claimed is not None:
            session.execute(
                update(Transaction)
                .where(Transaction.id == claimed.id)
                .values(source_key=row.source_key)
            )
            books.by_key[row.source_key] = claimed
            applied.claimed += 1
            continue
        values = _values(row, resolve)
        row_id = new_id()
        new_rows.append(
            {
                **values,
                "id": row_id,
                "account_id": row.account_id,
                "currency": currencies[row.account_id],
                "source_key": row.source_key,
                "fingerprint": source_fingerprint(source, row.account_id, row.source_key),
                "tags": [],
                "user_fields": [],
                "extra": {"source": source},
            }
        )
        books.by_key[row.source_key] = _Live(row_id, row.account_id, row.amount, None, [])
        books.delta[row.account_id] += row.amount
        books.touched(row.transaction_date)
        applied.added += 1
    _insert(session, source, new_rows)
    for row in changes.modified:
        live = books.by_key.get(row.source_key)
        if live is None:
            continue  # a change to a row never sent: Plaid sends it in `added` first
        _update(books, live, row, resolve, source)
        applied.modified += 1
    applied.removed = _remove(books, changes.removed)
    if books.unpair:
        session.execute(
            update(Transaction)
            .where(Transaction.transfer_id.in_(books.unpair))
            .values(transfer_id=None)
        )
    for account_id, delta in books.delta.items():
        if delta:
            adjust_balance(session, account_id, delta)
    if books.first_date is not None:
        applied.transfers = detect_transfers(
            session, account_ids=account_ids, since=books.first_date
        )
    if applied.added or applied.modified or applied.removed or applied.posted:
        event = RowsLanded(
            source,
            tuple(account_ids),
            applied.added + applied.modified + applied.posted,
            books.first_date,
            source_id,
        )
        applied.subscribers = publish(session, org_slug, event)
    record(
        session,
        org_id=org_id,
        actor=actor,
        action="transactions.sync",
        target_type="bank_feed",
        target_id=source_id,
        details={"source": source, **(audit_details or {}), **applied.counts()},
    )
    return applied
