"""Streamed exports of a filtered transaction list: CSV (spreadsheet-safe) or JSON.

The rows stream from a server-side cursor inside a tenant session of their own: the request's
session ends when the handler returns, before the body is sent.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.accounts.money import format_money
from finsight.categories.tree import PATH_SEPARATOR, load_tree
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction
from finsight.transactions.schemas import TransactionOut

BATCH_ROWS = 1000
FLUSH_BYTES = 64 * 1024

CSV_COLUMNS = (
    "date",
    "posted_date",
    "account",
    "amount",
    "currency",
    "description",
    "merchant",
    "category",
    "original_category",
    "pending",
    "excluded",
    "tags",
    "notes",
    "transfer_id",
    "id",
    "account_id",
    "category_id",
)
# A spreadsheet runs a cell starting with these as a formula (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(cell: str) -> str:
    """Make a text cell inert in spreadsheets: a leading formula character gets a quote."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def _names(session: Session) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, str]]:
    """Account names and category paths (deleted ones too: old rows may point at them)."""
    accounts = {a.id: a.name for a in session.scalars(select(Account))}
    categories = {n.id: PATH_SEPARATOR.join(n.path) for n in load_tree(session)}
    return accounts, categories


def _csv_cells(
    row: Transaction, accounts: dict[uuid.UUID, str], categories: dict[uuid.UUID, str]
) -> list[str]:
    text_cells = {
        "date": row.transaction_date.isoformat(),
        "posted_date": row.posted_date.isoformat() if row.posted_date else "",
        "account": accounts.get(row.account_id, ""),
        "currency": row.currency,
        "description": row.description,
        "merchant": row.merchant_name or row.merchant or "",
        "category": categories.get(row.category_id, "") if row.category_id else "",
        "original_category": row.original_category or "",
        "pending": "true" if row.pending else "false",
        "excluded": "true" if row.excluded else "false",
        "tags": ";".join(row.tags),
        "notes": row.notes or "",
        "transfer_id": str(row.transfer_id or ""),
        "id": str(row.id),
        "account_id": str(row.account_id),
        "category_id": str(row.category_id or ""),
    }
    # The amount is a number and stays one ("-12.50"); every text cell is neutralized.
    return [
        format_money(row.amount) if column == "amount" else neutralize(text_cells[column])
        for column in CSV_COLUMNS
    ]


def _rows(session: Session, query: Select[Transaction]) -> Iterator[Transaction]:
    yield from session.scalars(query.execution_options(yield_per=BATCH_ROWS))


def stream_csv(slug: str, query: Select[Transaction]) -> Iterator[str]:
    with tenant_session(slug) as session:
        accounts, categories = _names(session)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in _rows(session, query):
            writer.writerow(_csv_cells(row, accounts, categories))
            if buffer.tell() >= FLUSH_BYTES:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def stream_json(slug: str, query: Select[Transaction]) -> Iterator[str]:
    """A JSON array of transactions as GET /api/transactions/{id} shows them."""
    with tenant_session(slug) as session:
        chunk: list[str] = []
        separator = ""
        yield "["
        for row in _rows(session, query):
            chunk.append(separator + TransactionOut.model_validate(row).model_dump_json())
            separator = ","
            if len(chunk) >= BATCH_ROWS:
                yield "".join(chunk)
                chunk.clear()
        yield "".join(chunk) + "]"


def export_media(fmt: str) -> dict[str, Any]:
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return {
        "media_type": media,
        "headers": {"Content-Disposition": f'attachment; filename="transactions.{fmt}"'},
    }
