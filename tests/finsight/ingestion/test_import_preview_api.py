"""POST /api/imports/preview: detection, the first rows as read and as imported; nothing stored."""

from __future__ import annotations

import json

import httpx
import pytest

from support.accounts import make_account
from support.api import Member, add_user, create_org, login
from support.statements import chase_card

pytestmark = pytest.mark.integration

MAPPING = (
    '{"name": "CU export", "date_column": "When", "date_format": "%Y-%m-%d", '
    '"debit_column": "Out", "credit_column": "In", "description_column": "What"}'
)
CU_FILE = (
    b"When,What,Out,In\n2024-02-01,RENT,1500.00,\n2024-02-03,SALARY,,4200.00\n2024-02-0x,BAD,1,\n"
)


@pytest.fixture
def tenant(client: httpx.Client, unique_slug: str) -> tuple[str, Member]:
    return unique_slug, login(client, create_org(unique_slug))


def preview(client: httpx.Client, member: Member, content: bytes, **form: str) -> httpx.Response:
    return client.post(
        "/api/imports/preview",
        headers=member.headers,
        data=form,
        files={"file": ("statement.csv", content, "text/csv")},
    )


def test_a_bank_file_is_detected_and_read(client: httpx.Client, tenant):
    _, owner = tenant
    content = chase_card([("01/15/2024", "STARBUCKS STORE 123", "Food & Drink", "-4.50")])
    body = preview(client, owner, content).json()
    assert body["format"] == "chase_card" and body["detection_error"] is None
    assert body["columns"][:3] == ["Transaction Date", "Post Date", "Description"]
    assert body["rows_total"] == 1 and body["errors_total"] == 0
    row = body["rows"][0]
    assert (row["transaction_date"], row["amount"], row["line"]) == ("2024-01-15", "-4.50", 2)


def test_an_unknown_csv_shows_its_columns_then_what_a_mapping_makes_of_it(
    client: httpx.Client, tenant
):
    slug, owner = tenant
    unknown = preview(client, owner, CU_FILE).json()
    assert unknown["format"] is None and "unrecognized file" in unknown["detection_error"]
    assert unknown["columns"] == ["When", "What", "Out", "In"]
    assert unknown["sample"][0] == ["2024-02-01", "RENT", "1500.00", ""]
    assert unknown["rows"] == []

    mapped = preview(client, owner, CU_FILE, mapping=MAPPING).json()
    assert mapped["format"] == "csv_mapped" and mapped["error"] is None
    assert [(r["description"], r["amount"]) for r in mapped["rows"]] == [
        ("RENT", "-1500.00"),
        ("SALARY", "4200.00"),
    ]
    assert (mapped["rows_total"], mapped["errors_total"]) == (2, 1)
    assert mapped["errors"][0]["line"] == 4 and mapped["errors"][0]["column"] == "When"

    wrong = MAPPING.replace('"When"', '"Date"')
    missing = preview(client, owner, CU_FILE, mapping=wrong).json()
    assert "Date" in missing["error"] and missing["rows"] == []
    # Nothing was stored: no saved mapping on any account, no import.
    account = make_account(slug, bank=None, name="Credit union")
    assert client.get(f"/api/accounts/{account}/mappings", headers=owner.headers).json() == []
    assert client.get("/api/imports", headers=owner.headers).json()["items"] == []


def test_a_saved_mapping_by_name_needs_its_account(client: httpx.Client, tenant):
    slug, owner = tenant
    account = make_account(slug, bank=None, name="Credit union")
    saved = client.put(
        f"/api/accounts/{account}/mappings", headers=owner.headers, json=json.loads(MAPPING)
    )
    assert saved.status_code == 200, saved.text
    by_name = preview(client, owner, CU_FILE, mapping="cu export", account_id=str(account))
    assert by_name.json()["rows_total"] == 2
    no_account = preview(client, owner, CU_FILE, mapping="CU export")
    assert no_account.status_code == 422
    assert no_account.json()["errors"][0]["field"] == "account_id"


@pytest.mark.parametrize(
    ("content", "form", "field"),
    [(b"", {}, "file"), (b"a,b\n1,2\n", {"format": "excel"}, "format")],
)
def test_bad_requests_name_the_field(client: httpx.Client, tenant, content, form, field):
    _, owner = tenant
    response = preview(client, owner, content, **form)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_a_pdf_is_named_and_viewers_may_not_preview(client: httpx.Client, tenant):
    slug, owner = tenant
    pdf = preview(client, owner, b"%PDF-1.7 ...")
    assert pdf.status_code == 422 and "PDF" in pdf.json()["detail"]
    viewer = login(client, add_user(slug, "viewer"))
    assert preview(client, viewer, CU_FILE).status_code == 403
