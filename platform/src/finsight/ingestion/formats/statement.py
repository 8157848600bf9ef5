"""parse_statement: pick the format (detected, or chosen and checked), then hand over."""

from __future__ import annotations

from typing import BinaryIO

from finsight.ingestion.formats.capital_one import CAPITAL_ONE_360, CAPITAL_ONE_360_SIGNED
from finsight.ingestion.formats.detect import (
    BANK_LAYOUTS,
    check_not_binary,
    detect_format,
    first_csv_line,
    layout_for_header,
)
from finsight.ingestion.formats.layouts import Layout
from finsight.ingestion.formats.mapped import mapped_layout
from finsight.ingestion.formats.ofx import parse_ofx
from finsight.ingestion.formats.qif import parse_qif
from finsight.ingestion.formats.tabular import parse_csv
from finsight.ingestion.formats.text import ByteSource
from finsight.ingestion.mapping import ColumnMapping
from finsight.ingestion.records import FORMAT_TITLES, FORMATS, ParsedStatement, StatementError


def parse_statement(
    data: bytes | BinaryIO,
    *,
    format: str | None = None,
    mapping: ColumnMapping | None = None,
) -> ParsedStatement:
    """Parse a statement file. Rows stream lazily: iterate `rows` while loading them.

    Whole-file problems raise StatementError here, or (for a bad byte or a second account
    found deep in a large file) while `rows` is iterated. Bad rows are RowIssue items.
    """
    if format is not None and format not in FORMATS:
        raise StatementError(
            f"unknown format '{format}': expected one of {', '.join(FORMATS)}", column="format"
        )
    if format is None and mapping is not None:
        format = "csv_mapped"
    if format == "csv_mapped" and mapping is None:
        raise StatementError("the csv_mapped format needs a column mapping", column="mapping")
    source = ByteSource(data)
    check_not_binary(source.head)
    if format is None:
        format = detect_format(source.head)
    elif format != "csv_mapped":
        _check_chosen(format, source.head)

    if format == "ofx":
        return parse_ofx(source)
    if format == "qif":
        return parse_qif(source)
    if format == "csv_mapped":
        assert mapping is not None
        return parse_csv(source, mapped_layout(mapping), skip_rows=mapping.skip_rows)
    return parse_csv(source, _bank_layout(format, source.head))


def _check_chosen(format: str, head: bytes) -> None:
    try:
        detected = detect_format(head)
    except StatementError:
        return  # not recognizably anything else: the chosen parser names what is missing
    if detected != format:
        title = FORMAT_TITLES[detected]
        article = "an" if title[0] in "AEIOU" else "a"
        raise StatementError(
            f"this looks like {article} {title} export, not {FORMAT_TITLES[format]}",
            column="format",
        )


def _bank_layout(format: str, head: bytes) -> Layout:
    if format == "capital_one_360":
        found = layout_for_header(first_csv_line(head))
        return CAPITAL_ONE_360_SIGNED if found is CAPITAL_ONE_360_SIGNED else CAPITAL_ONE_360
    return next(layout for layout in BANK_LAYOUTS if layout.format == format)
