"""A report from its request: the kind computes one Document in the tenant's session, and the
format renders it. The API's task, the schedules and `finsight report run` all come here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from finsight.errors import InvalidInput
from finsight.kit.models import utcnow
from finsight.reports.kinds import (
    budget_actual,
    income_spending,
    ledger,
    merchants,
    net_worth,
    review,
)
from finsight.reports.kinds.common import Context, Filters
from finsight.reports.model import KINDS, Document
from finsight.reports.periods import Period, resolve
from finsight.reports.render import csv_out, html, json_out, pdf, xlsx

FORMATS = ("pdf", "xlsx", "csv", "json")

_KINDS: dict[str, Callable[[Context], Document]] = {
    "income_spending": income_spending.document,
    "net_worth": net_worth.document,
    "budget_actual": budget_actual.document,
    "merchants": merchants.document,
    "review": review.document,
    "ledger": ledger.document,
}
_RENDER: dict[str, Callable[[Document], bytes]] = {
    "pdf": pdf.render,
    "xlsx": xlsx.render,
    "csv": csv_out.render,
    "json": json_out.render,
}
MIME_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "zip": "application/zip",
    "json": "application/json",
}


@dataclass(frozen=True)
class Rendered:
    filename: str
    mime_type: str
    content: bytes
    document: Document


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of: {', '.join(KINDS)}", field="kind")
    return kind


def check_format(fmt: str, field: str = "format") -> str:
    if fmt not in FORMATS:
        raise InvalidInput(f"{field} must be one of: {', '.join(FORMATS)}", field=field)
    return fmt


def document(
    session: Session,
    *,
    kind: str,
    period: Period,
    filters: Filters,
    organization: str,
    generated_at: datetime | None = None,
) -> Document:
    ctx = Context(
        session, check_kind(kind), period, filters, organization, generated_at or utcnow()
    )
    return _KINDS[kind](ctx)


def render(doc: Document, fmt: str) -> Rendered:
    content = _RENDER[check_format(fmt)](doc)
    extension = "zip" if fmt == "csv" and csv_out.is_zip(doc) else fmt
    name = (
        f"{doc.kind.replace('_', '-')}-{doc.period_start.isoformat()}-{doc.period_end.isoformat()}"
    )
    return Rendered(f"{name}.{extension}", MIME_TYPES[extension], content, doc)


def preview(doc: Document) -> str:
    return html.render(doc)


def period_of(spec: dict[str, Any], today: date) -> Period:
    return resolve(spec, today)
