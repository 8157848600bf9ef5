"""The report as PDF: the HTML template laid out by WeasyPrint (charts stay vector)."""

from __future__ import annotations

import logging

from finsight.reports.model import Document
from finsight.reports.render import html

# WeasyPrint and fontTools report every font subset at INFO/WARNING: noise in worker logs.
for _name in ("weasyprint", "fontTools"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def render(doc: Document) -> bytes:
    from weasyprint import HTML  # imported on first use: it loads pango (slow, ~0.5 s)

    result = HTML(string=html.render(doc)).write_pdf()
    assert result is not None  # write_pdf without a target returns the bytes
    return bytes(result)
