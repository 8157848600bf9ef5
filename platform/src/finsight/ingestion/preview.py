"""A dry run of an import: what the file is, its first rows as read, and what would be imported.

Nothing is stored. The web dashboard's mapping editor shows this while a user describes a CSV;
API clients can use it to check a file before uploading it for real.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from itertools import islice

from finsight.ingestion.formats import detect_format, parse_statement
from finsight.ingestion.formats.detect import check_not_binary
from finsight.ingestion.mapping import ColumnMapping
from finsight.ingestion.records import RowIssue, StatementError, StatementRow

SAMPLE_LINES = 10
ROWS_SHOWN = 10
ISSUES_SHOWN = 20
_TABULAR_HEAD = 64 * 1024


@dataclass
class Preview:
    format: str | None
    detection_error: str | None = None  # why the format could not be detected
    error: str | None = None  # why the file cannot be imported as described
    columns: list[str] = field(default_factory=list)  # a CSV's header
    sample: list[list[str]] = field(default_factory=list)  # a CSV's first lines after it
    rows: list[StatementRow] = field(default_factory=list)  # the first rows, as imported
    issues: list[RowIssue] = field(default_factory=list)  # the first invalid rows
    rows_total: int = 0
    issues_total: int = 0


def preview_statement(
    content: bytes, *, format: str | None, mapping: ColumnMapping | None
) -> Preview:
    """Raises StatementError only when the content is no text file at all (empty, PDF, ...)."""
    check_not_binary(content[:8192])
    chosen = format or ("csv_mapped" if mapping else None)
    result = Preview(format=chosen)
    if chosen is None:
        try:
            result.format = detect_format(content[:8192])
        except StatementError as exc:
            result.detection_error = exc.detail
    if result.format not in ("ofx", "qif"):
        skip = mapping.skip_rows if mapping else 0
        delimiter = mapping.delimiter if mapping else ","
        result.columns, result.sample = _csv_head(content, skip, delimiter)
    if result.format is None or (result.format == "csv_mapped" and mapping is None):
        return result
    try:
        statement = parse_statement(content, format=result.format, mapping=mapping)
        for item in statement.rows:
            if isinstance(item, RowIssue):
                result.issues_total += 1
                if len(result.issues) < ISSUES_SHOWN:
                    result.issues.append(item)
            else:
                result.rows_total += 1
                if len(result.rows) < ROWS_SHOWN:
                    result.rows.append(item)
    except StatementError as exc:
        result.error = exc.detail
    return result


def _csv_head(content: bytes, skip: int, delimiter: str) -> tuple[list[str], list[list[str]]]:
    text = content[:_TABULAR_HEAD].decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = [line for line in text.splitlines() if line.strip()][skip:]
    if len(content) > _TABULAR_HEAD:
        lines = lines[:-1]  # the last line may be cut in the middle
    reader = csv.reader(io.StringIO("\n".join(lines[: SAMPLE_LINES + 1])), delimiter=delimiter)
    parsed = [[cell.strip() for cell in row] for row in islice(reader, SAMPLE_LINES + 1)]
    if not parsed:
        return [], []
    return parsed[0], parsed[1:]
