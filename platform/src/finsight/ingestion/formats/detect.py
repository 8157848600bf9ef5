"""Which format a file is, from its first few KB; and what it is when it is no statement at all."""

from __future__ import annotations

import csv

from finsight.ingestion.formats.capital_one import (
    CAPITAL_ONE_360,
    CAPITAL_ONE_360_SIGNED,
    CAPITAL_ONE_CARD,
)
from finsight.ingestion.formats.chase import CHASE_CARD, CHASE_CHECKING
from finsight.ingestion.formats.discover import DISCOVER
from finsight.ingestion.formats.layouts import Layout, header_cells
from finsight.ingestion.records import StatementError

# Order matters only for 360, whose two layouts differ by column order alone.
BANK_LAYOUTS: tuple[Layout, ...] = (
    CHASE_CARD,
    CHASE_CHECKING,
    DISCOVER,
    CAPITAL_ONE_CARD,
    CAPITAL_ONE_360,
    CAPITAL_ONE_360_SIGNED,
)

_EXPORT_HINT = "export CSV, OFX or QIF from your bank"
_MAGIC = (
    (b"%PDF", f"this is a PDF; {_EXPORT_HINT}"),
    (b"PK\x03\x04", f"this is a ZIP archive (an Excel .xlsx workbook?); {_EXPORT_HINT}"),
    (b"\xd0\xcf\x11\xe0", f"this is an Excel .xls workbook; {_EXPORT_HINT}"),
    (b"\xff\xfe", "this is UTF-16 text; re-export as UTF-8 or CSV"),
    (b"\xfe\xff", "this is UTF-16 text; re-export as UTF-8 or CSV"),
    (b"\x89PNG", f"this is a PNG image; {_EXPORT_HINT}"),
    (b"\xff\xd8\xff", f"this is a JPEG image; {_EXPORT_HINT}"),
    (b"\x1f\x8b", f"this is a gzip archive; unpack it or {_EXPORT_HINT}"),
    (b"{\\rtf", f"this is an RTF document; {_EXPORT_HINT}"),
)


def check_not_binary(head: bytes) -> None:
    """Raise a StatementError saying what the file is when it is obviously not a statement."""
    if not head.strip():
        raise StatementError("empty file")
    for magic, message in _MAGIC:
        if head.startswith(magic):
            raise StatementError(message)
    if b"\x00" in head:
        raise StatementError(f"this is a binary file, not a statement; {_EXPORT_HINT}")
    start = _text(head).lstrip().lower()
    if start.startswith(("<!doctype html", "<html")):
        raise StatementError(
            "this is a web page (HTML), not a statement; download the export again"
        )


def detect_format(head: bytes) -> str:
    """The format of a file from its first few KB (never "csv_mapped": that needs a mapping)."""
    check_not_binary(head)
    text = _text(head)
    start = text.lstrip()
    upper = start[:4096].upper()
    if upper.startswith("OFXHEADER") or "<OFX>" in upper or "<?OFX" in upper:
        return "ofx"
    if upper.startswith(("!TYPE:", "!ACCOUNT", "!OPTION:", "!CLEAR:")):
        return "qif"
    first = start.splitlines()[0] if start else ""
    layout = layout_for_header(next(csv.reader([first])))
    if layout is not None:
        return layout.format
    raise StatementError(
        f"unrecognized file: its first line is {_first_line(first)}. Known layouts: "
        + "; ".join(f"{layout.name} ({layout.header_text()})" for layout in BANK_LAYOUTS[:-1])
        + "; OFX/QFX; QIF; or any CSV with a saved column mapping"
    )


def layout_for_header(cells: list[str]) -> Layout | None:
    header = header_cells(cells)
    for layout in BANK_LAYOUTS:
        if layout.matches(header):
            return layout
    return None


def first_csv_line(head: bytes) -> list[str]:
    start = _text(head).lstrip()
    return next(csv.reader([start.splitlines()[0]])) if start else []


def _text(head: bytes) -> str:
    # Only for looking: the parser decodes strictly and reports a bad byte with its offset.
    return head.decode("utf-8", errors="replace").removeprefix("\ufeff")


def _first_line(line: str) -> str:
    return repr(line if len(line) <= 120 else line[:119] + "…")
