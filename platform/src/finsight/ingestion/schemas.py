from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

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
