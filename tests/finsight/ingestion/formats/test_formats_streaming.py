"""Encoding rules and streaming: big files are parsed lazily, bad bytes are found where they are."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from finsight.ingestion.formats import parse_statement
from finsight.ingestion.records import RowIssue, StatementError, StatementRow

HEADER = b"Transaction Date,Post Date,Description,Category,Type,Amount,Memo\r\n"
ROW = b"01/15/2024,01/16/2024,COFFEE SHOP,Food & Drink,Sale,-4.50,\r\n"


class CountingReader(io.BytesIO):
    """A binary file that remembers how far it has been read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.furthest = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.furthest = self.tell()
        return chunk


def test_a_file_object_is_streamed_not_read_whole() -> None:
    data = HEADER + ROW * 200_000  # about 12 MB
    stream = CountingReader(data)

    statement = parse_statement(stream)
    first = next(statement.rows)

    assert isinstance(first, StatementRow) and first.amount == Decimal("-4.50")
    assert stream.furthest < len(data) // 4  # only the first chunks were read
    assert sum(1 for _ in statement.rows) == 199_999
    assert stream.furthest == len(data)


def test_bytes_and_file_objects_parse_alike(statement_bytes) -> None:
    data = statement_bytes("chase_checking.csv")
    assert list(parse_statement(data).rows) == list(parse_statement(io.BytesIO(data)).rows)


def test_rows_split_across_chunk_boundaries_stay_whole() -> None:
    # Multi-byte characters and CRLF pairs land on every offset around the 1 MiB chunk size.
    row = "01/15/2024,01/16/2024,CAFÉ “ÜBER” ☕,Food,Sale,-1.25,\r\n".encode()
    data = HEADER + row * 40_000
    rows = list(parse_statement(io.BytesIO(data)).rows)

    assert len(rows) == 40_000
    assert {row.description for row in rows} == {"CAFÉ “ÜBER” ☕"}  # type: ignore[union-attr]
    assert [row.line for row in rows[:2]] == [2, 3]  # type: ignore[union-attr]
    assert rows[-1].line == 40_001  # type: ignore[union-attr]


def test_a_quoted_newline_keeps_physical_line_numbers() -> None:
    data = (
        HEADER
        + b'01/15/2024,01/16/2024,"TWO\nLINES",Food,Sale,-1.00,\r\n'
        + ROW.replace(b"-4.50", b"oops")
    )
    items = list(parse_statement(data).rows)

    assert isinstance(items[0], StatementRow) and items[0].description == "TWO LINES"
    assert items[1] == RowIssue(
        4, "Amount", "invalid amount 'oops': expected a number like -1234.56"
    )


def test_not_utf8_in_the_first_chunk_fails_at_once() -> None:
    data = HEADER + b"01/15/2024,01/16/2024,CAF\xc9,Food,Sale,-4.50,\r\n"

    with pytest.raises(StatementError) as caught:
        parse_statement(data)

    offset = len(HEADER) + len(b"01/15/2024,01/16/2024,CAF")
    assert caught.value.detail == (
        f"file is not UTF-8 text (byte 0xc9 at offset {offset}); re-export as UTF-8 or CSV"
    )


def test_not_utf8_deep_in_a_file_fails_while_iterating() -> None:
    good = HEADER + ROW * 50_000
    data = good + b"01/15/2024,01/16/2024,CAF\xc9,Food,Sale,-4.50,\r\n"
    statement = parse_statement(io.BytesIO(data))

    with pytest.raises(StatementError, match=rf"byte 0xc9 at offset {len(good) + 25}\)"):
        for _ in statement.rows:
            pass


def test_utf8_bom_and_windows_line_endings(statement_bytes) -> None:
    data = statement_bytes("chase_card.csv")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data

    statement = parse_statement(data)
    assert statement.format == "chase_card"
    assert all(isinstance(item, StatementRow) for item in statement.rows)


def test_an_unclosed_quote_is_a_whole_file_error() -> None:
    data = HEADER + b'01/15/2024,01/16/2024,"NEVER CLOSED,Food,Sale,-1.00,\r\n' + ROW * 30_000

    with pytest.raises(StatementError, match="line 2: unreadable CSV"):
        list(parse_statement(data).rows)


def test_a_text_file_object_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="bytes or a binary file"):
        parse_statement(io.StringIO("Date,Amount\n"))  # type: ignore[arg-type]
