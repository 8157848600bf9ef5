"""Streamed CSV and JSON exports: same filters as the list, spreadsheet-safe cells."""

from __future__ import annotations

import csv
import io
import json

import pytest

pytestmark = pytest.mark.integration


def test_csv_neutralizes_formulas_but_keeps_amounts_numeric(client, owner, new_account, ledger):
    account = new_account("=cmd|' /C calc'!A0")
    hostile = [
        ('=HYPERLINK("http://evil","x")', "-12.50", "+1 555 0100", "@SUM(A1)"),
        ("-2+3", "100", "\tTAB", "\rCR"),
        ("PLAIN COFFEE", "-0.0100", "ok", None),
    ]
    ledger(
        account["id"],
        [
            {
                "day": f"2025-01-0{n + 1}",
                "description": d,
                "amount": a,
                "notes": note,
                "merchant": merchant,
                "tags": ["=x", "y"],
            }
            for n, (d, a, note, merchant) in enumerate(hostile)
        ],
    )
    response = client.get(
        "/api/transactions/export", headers=owner.headers, params={"format": "csv", "sort": "date"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["amount"] for r in rows] == ["-12.50", "100.00", "-0.01"]
    first, second, third = rows
    assert first["description"] == '\'=HYPERLINK("http://evil","x")'
    assert first["notes"] == "'+1 555 0100" and first["merchant"] == "'@SUM(A1)"
    assert first["account"] == "'=cmd|' /C calc'!A0"
    assert first["tags"] == "'=x;y"
    assert second["description"] == "'-2+3"
    assert second["notes"] == "'\tTAB" and second["merchant"] == "'\rCR"
    assert third["description"] == "PLAIN COFFEE" and third["merchant"] == ""
    assert first["date"] == "2025-01-01" and first["pending"] == "false"


def test_export_applies_filters_and_streams_json(client, owner, new_account, ledger):
    account = new_account()
    ledger(
        account["id"], [{"day": f"2025-02-{n + 1:02d}", "amount": f"-{n + 1}"} for n in range(25)]
    )
    response = client.get(
        "/api/transactions/export",
        headers=owner.headers,
        params={"format": "json", "date_from": "2025-02-11", "amount_max": "-12"},
    )
    assert response.status_code == 200, response.text
    items = json.loads(response.text)
    assert [i["transaction_date"] for i in items] == [f"2025-02-{d}" for d in range(25, 11, -1)]
    assert items[0]["amount"] == "-25.00" and isinstance(items[0]["amount"], str)
    empty = client.get(
        "/api/transactions/export", headers=owner.headers, params={"format": "json", "q": "zzz"}
    )
    assert json.loads(empty.text) == []
    header_only = client.get(
        "/api/transactions/export", headers=owner.headers, params={"q": "zzz"}
    ).text
    assert header_only.splitlines() == [header_only.splitlines()[0]]
    assert header_only.startswith("date,posted_date,account,amount")
    bad = client.get(
        "/api/transactions/export", headers=owner.headers, params={"amount_min": "abc"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount_min"
    bad_format = client.get(
        "/api/transactions/export", headers=owner.headers, params={"format": "xlsx"}
    )
    assert bad_format.status_code == 422 and bad_format.json()["errors"][0]["field"] == "format"
