"""Pure helpers of the list query and money formatting (no servers)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from finsight.accounts.currencies import ISO_4217, normalize_currency
from finsight.accounts.money import format_money
from finsight.errors import InvalidInput
from finsight.transactions import query as q


@pytest.mark.parametrize(
    ("text", "tsquery"),
    [
        ("star coff", "star:* & coff:*"),
        ("  Starbucks  ", "starbucks:*"),
        ("a & b | !c <-> d:*", "a:* & b:* & c:* & d:*"),
        ("o'brien's (café)", "o:* & brien:* & s:* & café:*"),
        ("snake_case", "snake:* & case:*"),
        ("&|!():*", None),
    ],
)
def test_search_tsquery_keeps_only_words(text: str, tsquery: str | None):
    assert q.search_tsquery(text) == tsquery


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("-12.3400", "-12.34"),
        ("5", "5.00"),
        ("0.1234", "0.1234"),
        ("100.0000", "100.00"),
        ("-0.0100", "-0.01"),
        ("123456789012345.5", "123456789012345.50"),
    ],
)
def test_format_money(value: str, text: str):
    assert format_money(Decimal(value)) == text


def test_currencies():
    assert normalize_currency(" usd ") == "USD"
    assert {"EUR", "JPY", "GBP", "CHF"} <= ISO_4217 and "XTS" not in ISO_4217
    with pytest.raises(ValueError, match="XYZ"):
        normalize_currency("XYZ")


def test_cursor_round_trip_and_mismatch():
    row_id = uuid.uuid4()
    row = type(
        "Row", (), {"transaction_date": date(2025, 1, 2), "amount": Decimal("-3.5"), "id": row_id}
    )()
    cursor = q.cursor_of(row, "-amount")  # type: ignore[arg-type]
    assert cursor == {"sort": "-amount", "key": "-3.5", "id": str(row_id)}
    query = q.page_after(q.filtered(q.TransactionFilter()), "-amount", cursor)
    assert "(transactions.amount, transactions.id) <" in str(query)
    with pytest.raises(InvalidInput, match="another sort"):
        q.page_after(q.filtered(q.TransactionFilter()), "date", cursor)
    with pytest.raises(InvalidInput, match="invalid cursor"):
        q.page_after(q.filtered(q.TransactionFilter()), "-amount", {**cursor, "key": "x"})
