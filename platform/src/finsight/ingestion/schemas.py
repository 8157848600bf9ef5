from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from finsight.accounts.money import Money
from finsight.ingestion.mapping import ColumnMapping


class RowProblem(BaseModel):
    line: int = Field(description="Line of the file (record number for OFX)")
    column: str | None
    message: str


class ImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    status: str = Field(description="queued, running, succeeded or failed")
    format: str | None
    on_error: str
    filename: str | None
    file_size: int
    rows_total: int
    rows_processed: int
    bytes_processed: int
    inserted: int
    duplicates: int
    skipped: int
    errors: list[RowProblem] = Field(description="Invalid rows (skipped, or why it failed)")
    warnings: list[RowProblem] = Field(description="e.g. cells that look like spreadsheet formulas")
    error: str | None = Field(description="Why the import failed, when it did")
    attempts: int
    timings: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @computed_field(description="0.0 to 1.0, by bytes read")  # type: ignore[prop-decorator]
    @property
    def progress(self) -> float:
        if self.status in ("succeeded", "failed"):
            return 1.0
        return round(self.bytes_processed / self.file_size, 3) if self.file_size else 0.0


class MappingOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    name: str
    mapping: ColumnMapping


class PreviewRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line: int
    transaction_date: date
    posted_date: date | None
    amount: Money = Field(description="Signed: negative when money leaves the account")
    currency: str | None
    description: str
    original_category: str | None
    bank_id: str | None


class DialectOut(BaseModel):
    delimiter: str = Field(description="The separator between cells")
    quotechar: str = Field(description="What encloses a cell holding the separator")
    decimal_separator: str = Field(description="The decimal mark of amounts")


class PreviewOut(BaseModel):
    format: str | None = Field(description="Chosen, or detected; null when neither")
    detection_error: str | None = Field(description="Why no format was detected")
    error: str | None = Field(description="Why the file cannot be imported as described")
    columns: list[str] = Field(description="A CSV's header (after the mapping's skip_rows)")
    sample: list[list[str]] = Field(description="A CSV's first lines after the header, as cells")
    rows: list[PreviewRow] = Field(description="The first rows as they would be imported")
    errors: list[RowProblem] = Field(description="The first invalid rows")
    rows_total: int = Field(description="Valid rows in the whole file")
    errors_total: int = Field(description="Invalid rows in the whole file")
    dialect: DialectOut | None = Field(
        default=None,
        description="How a CSV was split: the mapping's, the one sent, else guessed from it",
    )
    mapping_name: str | None = Field(
        default=None,
        description="The account's saved mapping recognized by the file's header (with "
        "`account_id`); an import of the file without `mapping` uses it",
    )
