"""Statement imports end to end: the API queues, a real worker imports on the tenant's queue."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from finsight.accounts.models import Account
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction

from support.accounts import make_account
from support.api import Member, add_user, create_org, login
from support.statements import chase_card

pytestmark = pytest.mark.integration

COFFEE = ("01/15/2024", "STARBUCKS STORE 123", "Food & Drink", "-4.50")
STATEMENT_1 = [
    ("01/14/2024", "WHOLEFDS MKT 10234", "Groceries", "-82.17"),
    COFFEE,
    COFFEE,  # two identical coffees on one day: both are real
    ("01/16/2024", '"AMAZON MKTP US*2K4LL0, SEATTLE"', "Shopping", '"-1,234.56"'),
    ("01/20/2024", "PAYMENT THANK YOU", "", "500.00"),
]
STATEMENT_2 = [  # overlaps STATEMENT_1 on the 15th and 16th
    COFFEE,
    COFFEE,
    ("01/16/2024", '"AMAZON MKTP US*2K4LL0, SEATTLE"', "Shopping", '"-1,234.56"'),
    ("01/22/2024", "SHELL OIL 5745", "Gas", "-40.00"),
]


def count_transactions(slug: str, account_id: uuid.UUID | None = None) -> int:
    with tenant_session(slug) as session:
        query = select(func.count()).select_from(Transaction)
        if account_id:
            query = query.where(Transaction.account_id == account_id)
        return int(session.scalar(query) or 0)


def upload(
    client: httpx.Client, member: Member, account_id: uuid.UUID, content: bytes, **form: str
) -> httpx.Response:
    return client.post(
        "/api/imports",
        headers=member.headers,
        data={"account_id": str(account_id), **form},
        files={"file": ("statement.csv", content, "text/csv")},
    )


def finished(
    client: httpx.Client, member: Member, batch_id: str, timeout: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = client.get(f"/api/imports/{batch_id}", headers=member.headers).json()
        if batch["status"] in ("succeeded", "failed"):
            return batch
        time.sleep(0.2)
    raise AssertionError(f"import {batch_id} did not finish: {batch}")


@pytest.fixture
def tenant(client: httpx.Client, unique_slug: str, worker_process) -> tuple[str, Member]:
    return unique_slug, login(client, create_org(unique_slug))


def test_import_then_same_file_then_overlap(client: httpx.Client, tenant):
    slug, owner = tenant
    account = make_account(slug)
    queued = upload(client, owner, account, chase_card(STATEMENT_1))
    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "queued" and queued.json()["format"] == "chase_card"
    first = finished(client, owner, queued.json()["id"])
    assert first["status"] == "succeeded", first
    assert (first["rows_total"], first["inserted"], first["duplicates"]) == (5, 5, 0)
    assert first["progress"] == 1.0 and first["timings"]["parse_and_load_s"] >= 0

    again = finished(
        client, owner, upload(client, owner, account, chase_card(STATEMENT_1)).json()["id"]
    )
    assert (again["inserted"], again["duplicates"]) == (0, 5)
    overlap = finished(
        client, owner, upload(client, owner, account, chase_card(STATEMENT_2)).json()["id"]
    )
    assert (overlap["inserted"], overlap["duplicates"]) == (1, 3)
    assert count_transactions(slug, account) == 6

    with tenant_session(slug) as session:
        amazon = session.scalar(select(Transaction).where(Transaction.amount == -1234.56))
        assert amazon is not None and amazon.description_raw.startswith("AMAZON MKTP US*2K4LL0")
        assert amazon.original_category == "Shopping" and amazon.currency == "USD"
        balance = session.get(Account, account).current_balance  # type: ignore[union-attr]
    assert balance == Decimal("-865.73")  # -82.17 - 4.50 - 4.50 - 1234.56 + 500 - 40


def test_a_bad_row_rejects_the_whole_file_naming_line_and_column(client: httpx.Client, tenant):
    slug, owner = tenant
    account = make_account(slug)
    bad = chase_card([*STATEMENT_1[:2], ("13/45/2024", "BROKEN", "Shopping", "-1.00")])
    batch = finished(client, owner, upload(client, owner, account, bad).json()["id"])
    assert batch["status"] == "failed"
    assert "line 4" in batch["error"] and "Transaction Date" in batch["error"]
    assert batch["errors"][0]["line"] == 4
    assert count_transactions(slug, account) == 0


def test_skip_mode_imports_the_valid_rows_and_reports_the_rest(client: httpx.Client, tenant):
    slug, owner = tenant
    account = make_account(slug)
    bad = chase_card([*STATEMENT_1[:2], ("01/17/2024", "BROKEN", "Shopping", "abc")])
    batch = finished(
        client, owner, upload(client, owner, account, bad, on_error="skip").json()["id"]
    )
    assert batch["status"] == "succeeded"
    assert (batch["inserted"], batch["skipped"]) == (2, 1)
    assert batch["errors"][0]["line"] == 4 and batch["errors"][0]["column"] == "Amount"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"when,what,how much\n2024-01-01,thing,3\n", "unrecognized file"),
    ],
)
def test_whole_file_problems_answer_at_upload(client: httpx.Client, tenant, content, words):
    slug, owner = tenant
    response = upload(client, owner, make_account(slug), content)
    assert response.status_code == 422, response.text
    assert words.lower() in response.json()["detail"].lower()


def test_another_banks_file_is_refused(client: httpx.Client, tenant):
    slug, owner = tenant
    discover = (
        b"Trans. Date,Post Date,Description,Amount,Category\n"
        b"01/02/2024,01/03/2024,STARBUCKS,4.50,Restaurants\n"
    )
    response = upload(client, owner, make_account(slug, bank="chase"), discover)
    assert response.status_code == 422 and "Discover" in response.json()["detail"]


def test_unknown_account_and_format(client: httpx.Client, tenant):
    slug, owner = tenant
    missing = upload(client, owner, uuid.uuid4(), chase_card(STATEMENT_1))
    assert missing.status_code == 404
    wrong = upload(client, owner, make_account(slug), chase_card(STATEMENT_1), format="xlsx")
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "format"


def test_viewers_cannot_import_and_imports_are_listed(client: httpx.Client, tenant):
    slug, owner = tenant
    account = make_account(slug)
    viewer = login(client, add_user(slug, "viewer"))
    assert upload(client, viewer, account, chase_card(STATEMENT_1)).status_code == 403
    batch_id = upload(client, owner, account, chase_card(STATEMENT_1)).json()["id"]
    finished(client, owner, batch_id)
    listed = client.get("/api/imports", headers=viewer.headers, params={"account_id": str(account)})
    assert [item["id"] for item in listed.json()["items"]] == [batch_id]


def test_an_import_of_a_never_writes_to_b(client: httpx.Client, unique_slug: str, worker_process):
    a_slug, b_slug = unique_slug + "a", unique_slug + "b"
    a = login(client, create_org(a_slug))
    create_org(b_slug)
    b_account = make_account(b_slug)
    a_account = make_account(a_slug)
    assert upload(client, a, b_account, chase_card(STATEMENT_1)).status_code == 404
    finished(client, a, upload(client, a, a_account, chase_card(STATEMENT_1)).json()["id"])
    assert count_transactions(b_slug) == 0 and count_transactions(a_slug) == 5


def test_mapped_csv_saved_and_reused(client: httpx.Client, tenant):
    slug, owner = tenant
    account = make_account(slug, bank=None, name="Credit union")
    mapping = (
        '{"name": "CU export", "date_column": "When", "date_format": "%Y-%m-%d", '
        '"debit_column": "Out", "credit_column": "In", "description_column": "What"}'
    )
    content = b"When,What,Out,In\n2024-02-01,RENT,1500.00,\n2024-02-03,SALARY,,4200.00\n"
    batch = finished(
        client, owner, upload(client, owner, account, content, mapping=mapping).json()["id"]
    )
    assert (batch["status"], batch["inserted"]) == ("succeeded", 2), batch
    saved = client.get(f"/api/accounts/{account}/mappings", headers=owner.headers).json()
    assert [m["name"] for m in saved] == ["CU export"]
    reused = finished(
        client,
        owner,
        upload(
            client,
            owner,
            account,
            content.replace(b"2024-02-01", b"2024-03-01"),
            mapping="CU export",
        ).json()["id"],
    )
    assert (reused["inserted"], reused["duplicates"]) == (1, 1)


def test_an_upload_over_the_limit_is_refused_with_413(client: httpx.Client, tenant):
    slug, owner = tenant
    too_big = b"x" * (30 * 1024 * 1024 + 1)
    response = upload(client, owner, make_account(slug), too_big)
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "file_too_large"
    assert client.get("/api/imports", headers=owner.headers).json()["items"] == []
