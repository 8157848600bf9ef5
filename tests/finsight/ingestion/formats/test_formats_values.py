"""Cell values: money and date parsing shared by every format, and a mutation sweep."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from finsight.ingestion.formats import parse_statement
from finsight.ingestion.formats.values import iso_date, parse_money, us_date
from finsight.ingestion.records import RowIssue, StatementError, StatementRow

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "statements"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-12.34", "-12.34"),
        ("1,234.56", "1234.56"),
        ("1,234,567.8", "1234567.80"),
        ("$12.34", "12.34"),
        ("-$12.34", "-12.34"),
        ("$-12.34", "-12.34"),
        ("(12.34)", "-12.34"),
        ("($1,000.00)", "-1000.00"),
        ("12.34-", "-12.34"),
        ("+5", "5.00"),
        (" 25 ", "25.00"),
        (".5", "0.50"),
        ("-0.00", "0.00"),
        ("(0.00)", "0.00"),
        ("0.0001", "0.0001"),
        ("nan", None),
        ("Infinity", None),
        ("1e5", None),
        ("1_000", None),
        ("12,34", None),  # a decimal comma needs the mapping's decimal_separator
        ("1,23.45", None),
        ("--5", None),
        ("12 34", None),
        ("١٢", None),  # only ASCII digits
        ("1234567890123456.00", None),  # 16 whole digits: not a bank amount
        ("", None),
        ("-", None),
    ],
)
def test_money_with_a_decimal_point(text: str, expected: str | None) -> None:
    parsed = parse_money(text)
    assert (str(parsed) if parsed is not None else None) == expected
    if parsed is not None:
        assert not (parsed.is_zero() and parsed.is_signed())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-1.234,56", "-1234.56"),
        ("3,5", "3.50"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1'234,56", "1234.56"),
        ("12", "12.00"),
        ("-0,00", "0.00"),
        ("12.34", None),
        ("1,2,3", None),
    ],
)
def test_money_with_a_decimal_comma(text: str, expected: str | None) -> None:
    parsed = parse_money(text, ",")
    assert (str(parsed) if parsed is not None else None) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/15/2024", date(2024, 1, 15)),
        ("1/5/2024", date(2024, 1, 5)),
        ("01/15/24", date(2024, 1, 15)),
        ("06/08/69", date(1969, 6, 8)),
        ("06/08/68", date(2068, 6, 8)),
        ("01-15-2024", date(2024, 1, 15)),
        ("02/29/2023", None),
        ("13/01/2024", None),
        ("2024-01-15", None),
        ("01/15/202", None),
        ("Jan 15 2024", None),
    ],
)
def test_us_dates(text: str, expected: date | None) -> None:
    assert us_date(text) == expected


def test_iso_dates() -> None:
    assert iso_date("2024-01-15") == date(2024, 1, 15)
    assert iso_date("20240115") is None
    assert iso_date("2024-02-30") is None


def test_mutated_fixtures_never_crash() -> None:
    """Damaged files give rows, row issues or a StatementError: never another exception."""
    files = [path.read_bytes() for path in sorted(FIXTURES.iterdir()) if path.suffix != ""]
    noise = b',"\r\n<>/;^!$()-+.0123456789 aZ\xc3\xa9\x00\xff&#'
    chooser = random.Random(20240115)
    for _ in range(1500):
        data = bytearray(chooser.choice(files))
        for _ in range(chooser.randint(1, 6)):
            at = chooser.randrange(len(data) + 1)
            if chooser.random() < 0.5:
                del data[at : at + chooser.randint(1, 20)]
            else:
                data[at:at] = bytes(chooser.choice(noise) for _ in range(chooser.randint(1, 4)))
        chosen = chooser.choice([None, None, "ofx", "qif", "chase_card", "capital_one_card"])
        try:
            for item in parse_statement(bytes(data), format=chosen).rows:
                assert type(item) in (StatementRow, RowIssue)
                if isinstance(item, StatementRow):
                    assert item.description and isinstance(item.amount, Decimal)
                    assert item.amount.is_finite()
        except StatementError:
            pass
