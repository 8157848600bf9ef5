"""A saved description of an arbitrary CSV export: which column holds what.

Stored as JSON per account by the API and reused for every later import of that account.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

# A date whose day, month and year are all distinct, so a format missing one of them cannot
# round-trip it.
_SAMPLE_DATE = date(2024, 11, 28)

_COLUMN_FIELDS = (
    "date_column",
    "posted_date_column",
    "amount_column",
    "debit_column",
    "credit_column",
    "description_column",
    "category_column",
    "id_column",
    "currency_column",
)


class ColumnMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)  # e.g. "Amex export"
    date_column: str
    date_format: str = "%m/%d/%Y"  # strptime format
    posted_date_column: str | None = None
    amount_column: str | None = None  # one signed amount column, or
    debit_column: str | None = None  # an unsigned debit/credit pair
    credit_column: str | None = None
    sign_convention: Literal["negative_is_outflow", "positive_is_outflow"] = "negative_is_outflow"
    description_column: str
    category_column: str | None = None
    id_column: str | None = None
    currency_column: str | None = None
    delimiter: str = ","
    quotechar: Literal['"', "'"] = '"'  # what encloses a cell holding the delimiter
    decimal_separator: Literal[".", ","] = "."
    skip_rows: int = Field(default=0, ge=0, le=1000)  # lines before the header

    @field_validator("name", "date_format", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator(*_COLUMN_FIELDS, mode="before")
    @classmethod
    def _column_name(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            value = " ".join(value.split()) or None
        if value is None and info.field_name in ("date_column", "description_column"):
            raise ValueError(f"{info.field_name} must name a column of the file")
        return value

    @field_validator("date_format")
    @classmethod
    def _date_format_parses(cls, value: str) -> str:
        try:
            parsed = datetime.strptime(_SAMPLE_DATE.strftime(value), value).date()
        except ValueError as error:
            raise ValueError(
                f"date_format '{value}' cannot parse a date it formats itself ({error}); "
                "use strptime codes such as %m/%d/%Y or %Y-%m-%d"
            ) from None
        if parsed != _SAMPLE_DATE:
            raise ValueError(
                f"date_format '{value}' must contain a day, a month and a year "
                "(e.g. %d, %m or %b, %Y or %y)"
            )
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1 or value in '"\r\n':
            raise ValueError("delimiter must be one character other than a quote or a line break")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ColumnMapping:
        pair = (self.debit_column, self.credit_column)
        if self.amount_column and any(pair):
            raise ValueError("set either amount_column or debit_column and credit_column, not both")
        if not self.amount_column and not all(pair):
            raise ValueError(
                "exactly one of amount_column or (debit_column and credit_column) is required"
                + ("; credit_column is missing" if self.debit_column else "")
                + ("; debit_column is missing" if self.credit_column else "")
            )
        if self.delimiter == self.decimal_separator:
            raise ValueError(
                f"delimiter and decimal_separator are both '{self.delimiter}'; "
                "a semicolon-delimited file usually has a comma decimal separator"
            )
        seen: dict[str, str] = {}
        for name in _COLUMN_FIELDS:
            column = getattr(self, name)
            if not column:
                continue
            key = " ".join(column.split()).casefold()
            if key in seen:
                raise ValueError(f"column '{column}' is named by both {seen[key]} and {name}")
            seen[key] = name
        return self

    def columns(self) -> dict[str, str]:
        """Field name -> header name, for the columns this mapping uses."""
        return {name: getattr(self, name) for name in _COLUMN_FIELDS if getattr(self, name)}
