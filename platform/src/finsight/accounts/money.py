"""Money in the API: decimals in, strings out — never a binary float anywhere on the way."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

# numeric(19, 4) in the database: 15 integer digits and 4 decimals.
MAX_DIGITS = 19
DECIMAL_PLACES = 4


def format_money(value: Decimal) -> str:
    """Plain notation with at least two decimals and no trailing zeros past them:
    Decimal('-12.3400') -> '-12.34', Decimal('5') -> '5.00', Decimal('0.1234') -> '0.1234'."""
    text = f"{value:f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"{whole}.{fraction}"


# Output: a JSON string such as "1234.56".
Money = Annotated[
    Decimal,
    PlainSerializer(format_money, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?\d+\.\d{2,4}$", "examples": ["-42.50"]},
        mode="serialization",
    ),
]

# People type amounts as they read them: "1,234.56", "$1,234.56", "-$42.50".
_WRITTEN_AMOUNT = re.compile(r"([-+]?)\s*\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")


def _as_written(value: object) -> object:
    """'1,234.56' -> '1234.56' (US thousands separators and a dollar sign); anything else is
    left for Decimal to judge."""
    if not isinstance(value, str):
        return value
    written = _WRITTEN_AMOUNT.fullmatch(value.strip())
    if written is None:
        return value
    sign, whole, fraction = written.groups()
    return f"{sign}{whole.replace(',', '')}{fraction or ''}"


# Input: a decimal string ("-42.50", "1,234.56") or an integer; at most 4 decimal places.
MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_as_written),
    Field(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        description='A decimal string such as "-42.50" (at most 4 decimal places)',
    ),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?\$?(\d{1,15}|\d{1,3}(,\d{3})+)(\.\d{1,4})?$",
            "examples": ["1250.00", "1,250.00"],
        },
        mode="validation",
    ),
]
