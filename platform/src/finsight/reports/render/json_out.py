"""The report as JSON (schema `finsight.report.v1`, JSON_SCHEMA below and in the README): money
and percentages as decimal strings ("-12.50"), dates as ISO 8601, counts as integers."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from finsight.accounts.money import format_money
from finsight.reports.model import Cell, Column, Document

SCHEMA_ID = "finsight.report.v1"

_MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2,4}$"}
_CELL = {"type": ["string", "integer", "null"]}
JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "finsight report",
    "type": "object",
    "required": [
        "schema",
        "kind",
        "title",
        "organization",
        "period",
        "generated_at",
        "filters",
        "figures",
        "notes",
        "tables",
        "charts",
    ],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "kind": {
            "enum": [
                "income_spending",
                "net_worth",
                "budget_actual",
                "merchants",
                "review",
                "ledger",
            ]
        },
        "title": {"type": "string"},
        "organization": {"type": "string"},
        "period": {
            "type": "object",
            "required": ["label", "start", "end"],
            "properties": {
                "label": {"type": "string"},
                "start": {"type": "string", "format": "date"},
                "end": {"type": "string", "format": "date", "description": "inclusive"},
            },
        },
        "generated_at": {"type": "string", "format": "date-time"},
        "filters": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "figures": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["label", "value", "currency"],
                "properties": {
                    "label": {"type": "string"},
                    "value": {"type": "string", "description": "money, or a count"},
                    "currency": {"type": ["string", "null"]},
                    "change_percent": {"type": ["string", "null"]},
                },
            },
        },
        "notes": {"type": "array", "items": {"type": "string"}},
        "tables": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "title", "columns", "rows"],
                "properties": {
                    "name": {"type": "string"},
                    "title": {"type": "string"},
                    "note": {"type": ["string", "null"]},
                    "columns": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "key": {"type": "string"},
                                "label": {"type": "string"},
                                "type": {"enum": ["text", "date", "money", "integer", "percent"]},
                            },
                        },
                    },
                    "rows": {
                        "type": "array",
                        "description": "one object per row, keyed by column key; money and "
                        "percent are decimal strings, dates YYYY-MM-DD, integers numbers",
                        "items": {"type": "object", "additionalProperties": _CELL},
                    },
                },
            },
        },
        "charts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "kind": {"enum": ["bar", "line"]},
                    "currency": {"type": "string"},
                    "labels": {"type": "array", "items": {"type": "string"}},
                    "series": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "values": {"type": "array", "items": _MONEY},
                            },
                        },
                    },
                },
            },
        },
    },
}


def cell(value: Cell, column: Column) -> str | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        if column.type == "integer":
            return int(value)
        return format_money(value) if column.type == "money" else f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, int) and not isinstance(value, bool) else str(value)


def as_dict(doc: Document) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "kind": doc.kind,
        "title": doc.title,
        "organization": doc.organization,
        "period": {
            "label": doc.period_label,
            "start": doc.period_start.isoformat(),
            "end": doc.period_end.isoformat(),
        },
        "generated_at": doc.generated_at.isoformat(),
        "filters": doc.filters,
        "figures": [
            {
                "label": f.label,
                "value": format_money(f.value) if f.currency else str(int(f.value)),
                "currency": f.currency,
                "change_percent": f"{f.change:f}" if f.change is not None else None,
            }
            for f in doc.figures
        ],
        "notes": doc.notes,
        "tables": [
            {
                "name": t.name,
                "title": t.title,
                "note": t.note,
                "columns": [{"key": c.key, "label": c.label, "type": c.type} for c in t.columns],
                "rows": [
                    {c.key: cell(v, c) for c, v in zip(t.columns, row, strict=True)}
                    for row in t.rows
                ],
            }
            for t in doc.tables
        ],
        "charts": [
            {
                "title": c.title,
                "kind": c.kind,
                "currency": c.currency,
                "labels": list(c.labels),
                "series": [
                    {"name": s.name, "values": [format_money(v) for v in s.values]}
                    for s in c.series
                ],
            }
            for c in doc.charts
        ],
    }


def render(doc: Document) -> bytes:
    return json.dumps(as_dict(doc), ensure_ascii=False, separators=(",", ":")).encode()
