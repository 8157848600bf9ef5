"""Money in the API: decimals in, strings out — never a binary float anywhere on the way."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema

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

# Input: a decimal string ("-42.50") or an integer; at most 4 decimal places.
MoneyIn = Annotated[
    Decimal,
    Field(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        description='A decimal string such as "-42.50" (at most 4 decimal places)',
    ),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?\d{1,15}(\.\d{1,4})?$",
            "examples": ["1250.00"],
        },
        mode="validation",
    ),
]
