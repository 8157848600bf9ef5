"""A dry run of an import: what the file is, its first rows as read, and what would be imported.

Nothing is stored. The web dashboard's mapping editor shows this while a user describes a CSV;
API clients can use it to check a file before uploading it for real.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from finsight.ingestion.dialect import Dialect, sniff_dialect, split_lines
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
    # How a CSV is split: the mapping's, the one asked for, else guessed from its first lines.
    dialect: Dialect = field(default_factory=Dialect)
    mapping_name: str | None = None  # a saved mapping recognized by the file's header


def preview_statement(
    content: bytes,
    *,
    format: str | None,
    mapping: ColumnMapping | None,
    dialect: Dialect | None = None,
    skip_rows: int = 0,
) -> Preview:
    """Raises StatementError only when the content is no text file at all (empty, PDF, ...).

    Without a mapping, the CSV is split by `dialect` (what the person chose), else by the
    dialect guessed from its first lines."""
    check_not_binary(content[:8192])
    chosen = format or ("csv_mapped" if mapping else None)
    result = Preview(format=chosen)
    if chosen is None:
        try:
            result.format = detect_format(content[:8192])
        except StatementError as exc:
            result.detection_error = exc.detail
    if result.format not in ("ofx", "qif"):
        if mapping is not None:
            skip_rows = mapping.skip_rows
            dialect = Dialect(mapping.delimiter, mapping.quotechar, mapping.decimal_separator)
        text = _head_text(content)
        result.dialect = dialect or sniff_dialect(text, skip_rows=skip_rows)
        result.columns, result.sample = _csv_head(text, skip_rows, result.dialect)
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


def _head_text(content: bytes) -> str:
    text = content[:_TABULAR_HEAD].decode("utf-8", errors="replace").removeprefix("\ufeff")
    if len(content) > _TABULAR_HEAD:
        text = text[: text.rfind("\n") + 1] or text  # the last line may be cut in the middle
    return text


def _csv_head(text: str, skip: int, dialect: Dialect) -> tuple[list[str], list[list[str]]]:
    lines = [line for line in text.splitlines() if line.strip()][skip:]
    parsed = split_lines(lines[: SAMPLE_LINES + 1], dialect.delimiter, dialect.quotechar)
    if not parsed:
        return [], []
    return parsed[0], parsed[1:]
