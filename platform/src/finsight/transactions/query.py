"""The transaction list query: filters, sort orders and keyset pagination.

The default order (-date) walks ix_transactions_date, and with one account_id
ix_transactions_account_date; a page after the first starts from the last row's
(sort key, id) with a row comparison the index answers — never OFFSET.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, or_, select, text, tuple_, type_coerce
from sqlalchemy.types import NullType

from finsight.accounts.models import Account
from finsight.errors import InvalidInput
from finsight.transactions.models import Transaction

Sort = Literal["-date", "date", "-amount", "amount"]
SORTS: tuple[Sort, ...] = ("-date", "date", "-amount", "amount")

# Exactly the expression of ix_transactions_search, or the index is not used.
SEARCH_MATCH = (
    "to_tsvector('simple', description || ' ' || coalesce(merchant, '') || ' ' "
    "|| coalesce(merchant_name, '')) "
    "@@ to_tsquery('simple', :tsquery)"
)
_WORD = re.compile(r"[^\W_]+")


def in_live_account() -> ColumnElement[bool]:
    """The transaction's account is not deleted: a deleted account's rows are kept but leave
    every list and every answer computed from the ledger (usually no account is deleted)."""
    return Transaction.account_id.not_in(select(Account.id).where(Account.deleted_at.is_not(None)))


MAX_SEARCH_WORDS = 16


@dataclass(frozen=True)
class TransactionFilter:
    account_ids: tuple[uuid.UUID, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    category_ids: tuple[uuid.UUID, ...] = ()  # already widened to their subcategories
    uncategorized: bool = False
    pending: bool | None = None
    q: str | None = None
    tags: tuple[str, ...] = ()
    merchant_ids: tuple[uuid.UUID, ...] = ()  # analytics' merchants (transactions.merchant_id)
    excluded: bool | None = None
    include_deleted: bool = False


def search_tsquery(q: str) -> str | None:
    """User text to a tsquery: every word a prefix, all required ("star coff" ->
    "star:* & coff:*"). Only letters and digits survive, so no tsquery operator can."""
    words = _WORD.findall(q.lower())[:MAX_SEARCH_WORDS]
    return " & ".join(f"{word}:*" for word in words) or None


def check_filter(where: TransactionFilter) -> None:
    if where.date_from and where.date_to and where.date_from > where.date_to:
        raise InvalidInput("date_from is after date_to", field="date_from")
    if (
        where.amount_min is not None
        and where.amount_max is not None
        and where.amount_min > where.amount_max
    ):
        raise InvalidInput("amount_min is greater than amount_max", field="amount_min")
    if where.q is not None and where.q.strip() and search_tsquery(where.q) is None:
        raise InvalidInput("q has no letters or digits to search for", field="q")


def filtered(where: TransactionFilter) -> Select[Transaction]:
    check_filter(where)
    conditions: list[ColumnElement[bool]] = []
    if not where.include_deleted:
        conditions.append(Transaction.deleted_at.is_(None))
    # Soft-deleted accounts' rows leave the list: a hashed subplan in the same statement (one
    # round trip; usually no account is deleted, so it costs nothing).
    conditions.append(in_live_account())
    if len(where.account_ids) == 1:
        conditions.append(Transaction.account_id == where.account_ids[0])
    elif where.account_ids:
        conditions.append(Transaction.account_id.in_(where.account_ids))
    if where.date_from:
        conditions.append(Transaction.transaction_date >= where.date_from)
    if where.date_to:
        conditions.append(Transaction.transaction_date <= where.date_to)
    if where.amount_min is not None:
        conditions.append(Transaction.amount >= where.amount_min)
    if where.amount_max is not None:
        conditions.append(Transaction.amount <= where.amount_max)
    if where.category_ids and where.uncategorized:
        conditions.append(
            or_(Transaction.category_id.in_(where.category_ids), Transaction.category_id.is_(None))
        )
    elif where.category_ids:
        conditions.append(Transaction.category_id.in_(where.category_ids))
    elif where.uncategorized:
        conditions.append(Transaction.category_id.is_(None))
    if where.pending is not None:
        conditions.append(Transaction.pending.is_(where.pending))
    if where.excluded is not None:
        conditions.append(Transaction.excluded.is_(where.excluded))
    if where.tags:
        conditions.append(Transaction.tags.contains(list(where.tags)))
    if where.merchant_ids:
        conditions.append(Transaction.merchant_id.in_(where.merchant_ids))
    query = select(Transaction).where(*conditions)
    tsquery = search_tsquery(where.q) if where.q else None
    if tsquery:
        query = query.where(text(SEARCH_MATCH).bindparams(tsquery=tsquery))
    return query


def _sort_column(sort: Sort) -> Any:
    return Transaction.transaction_date if sort.endswith("date") else Transaction.amount


# What a listing returns of each row (the API's TransactionOut): read as plain rows, not ORM
# objects (building 50 of those cost more than the query), and without the columns a listing
# never shows (fingerprint, metadata, search keys).
def _listed(name: str) -> Any:
    column = Transaction.__table__.c[name]
    if name in ("tags", "user_fields"):
        # psycopg already returns text[] as a list of str: SQLAlchemy's ARRAY would process
        # every item again in Python (a third of a listing's CPU).
        return type_coerce(column, NullType()).label(name)
    return column


LISTED = tuple(
    _listed(name)
    for name in (
        "id", "account_id", "import_batch_id", "transaction_date", "posted_date", "amount",
        "currency", "description", "description_raw", "merchant", "merchant_id", "merchant_name",
        "mcc", "original_category", "category_id", "category_source", "category_confidence",
        "category_rule_id", "bank_id", "bank_type", "check_number", "pending", "notes", "tags",
        "excluded", "transfer_id", "user_fields", "deleted_at", "created_at", "updated_at",
    )
)  # fmt: skip


def ordered(query: Select[Transaction], sort: Sort) -> Select[Transaction]:
    column = _sort_column(sort)
    if sort.startswith("-"):
        return query.order_by(column.desc(), Transaction.id.desc())
    return query.order_by(column.asc(), Transaction.id.asc())


def page_after(
    query: Select[Transaction], sort: Sort, cursor: dict[str, Any] | None
) -> Select[Transaction]:
    """Rows strictly after the cursor's (sort key, id) in `sort` order."""
    if cursor is None:
        return query
    if cursor.get("sort") != sort:
        raise InvalidInput("the cursor belongs to another sort order", field="cursor")
    try:
        row_id = uuid.UUID(str(cursor["id"]))
        raw = str(cursor["key"])
        key: date | Decimal = date.fromisoformat(raw) if sort.endswith("date") else Decimal(raw)
    except (KeyError, ValueError, InvalidOperation) as exc:
        raise InvalidInput("invalid cursor", field="cursor") from exc
    position = tuple_(_sort_column(sort), Transaction.id)
    after = tuple_(key, row_id)
    return query.where(position < after if sort.startswith("-") else position > after)


def cursor_of(row: Any, sort: Sort) -> dict[str, Any]:
    """The keyset cursor after `row` (a Transaction, or a row of LISTED columns)."""
    key = row.transaction_date.isoformat() if sort.endswith("date") else str(row.amount)
    return {"sort": sort, "key": key, "id": str(row.id)}
