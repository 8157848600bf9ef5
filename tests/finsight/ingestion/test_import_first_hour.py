"""What a statement says beyond its rows: the balance the bank states (used, and compared with
ours), and rows dated in the future (imported, but warned about)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from finsight.ingestion.normalize import RowNormalizer
from finsight.ingestion.records import StatedBalance, StatementRow

from .test_imports_api import finished, upload
from support.accounts import make_account
from support.api import Member, create_org, login
from support.web import WebClient

pytestmark = pytest.mark.integration

SAVINGS_OFX = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD
<BANKACCTFROM><BANKID>021000021<ACCTID>7788<ACCTTYPE>SAVINGS</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20261101<DTEND>20261130
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261115<TRNAMT>400.00<FITID>s1<NAME>FROM CHECKING</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261130<TRNAMT>4.50<FITID>s2<NAME>INTEREST PAID</STMTTRN>
</BANKTRANLIST>
<LEDGERBAL><BALAMT>18342.17<DTASOF>20261130</LEDGERBAL>
<AVAILBAL><BALAMT>18000.00<DTASOF>20261130</AVAILBAL>
</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""

CHECKING_HEADER = "Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #"


def _checking(rows: list[tuple[str, str, str, str]]) -> bytes:
    """(MM/DD/YYYY, description, amount, balance after), newest first as Chase writes them."""
    lines = [CHECKING_HEADER]
    for day, description, amount, balance in rows:
        kind = "DEBIT" if amount.startswith("-") else "CREDIT"
        lines.append(f"{kind},{day},{description},{amount},ACH_{kind},{balance},")
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def tenant(client: httpx.Client, unique_slug: str, worker_process) -> tuple[str, str, Member]:
    email = create_org(unique_slug)
    return unique_slug, email, login(client, email)


def _account(client: httpx.Client, owner: Member, account_id: uuid.UUID) -> dict:
    return dict(client.get(f"/api/accounts/{account_id}", headers=owner.headers).json())


def test_the_banks_ledger_balance_is_the_accounts_balance(
    client: httpx.Client, tenant, web_url: str
):
    slug, email, owner = tenant
    web = WebClient(web_url)
    savings = make_account(slug, name="Savings", bank=None)
    done = finished(client, owner, upload(client, owner, savings, SAVINGS_OFX).json()["id"])
    assert done["status"] == "succeeded", done
    account = _account(client, owner, savings)
    assert account["current_balance"] == "404.50"  # ours: no opening balance was set
    assert account["bank_balance"] == {
        "stated": "18342.17",
        "as_of": "2026-11-30",
        "balance": "18342.17",
        "ours_then": "404.50",
        "difference": "-17937.67",
    }
    web.sign_in(email)
    listing = web.get("/accounts").text
    assert "$18,342.17" in listing and "balance-mismatch" in listing
    # The person sets the opening balance the bank implies: no more warning.
    client.patch(
        f"/api/accounts/{savings}", headers=owner.headers, json={"opening_balance": "17937.67"}
    )
    agreed = _account(client, owner, savings)["bank_balance"]
    assert agreed["difference"] == "0.00" and agreed["balance"] == "18342.17"
    assert "balance-mismatch" not in web.get("/accounts").text
    web.close()


def test_the_balance_column_of_a_checking_export_is_used(client: httpx.Client, tenant):
    slug, _, owner = tenant
    checking = make_account(slug, name="Checking", bank="chase")
    statement = _checking(
        [
            ("11/20/2026", "PAYROLL", "2500.00", "5100.00"),  # newest first
            ("11/20/2026", "COFFEE", "-4.50", "2600.00"),
            ("11/02/2026", "RENT", "-1800.00", "2604.50"),
        ]
    )
    done = finished(client, owner, upload(client, owner, checking, statement).json()["id"])
    assert done["status"] == "succeeded", done
    stated = _account(client, owner, checking)["bank_balance"]
    assert (stated["stated"], stated["as_of"]) == ("5100.00", "2026-11-20")
    assert stated["difference"] == "-4404.50"  # ours: 695.50, from an opening balance of 0


def test_a_future_dated_row_is_imported_with_a_warning(client: httpx.Client, tenant):
    slug, _, owner = tenant
    checking = make_account(slug, name="Checking", bank="chase")
    ahead = (datetime.now(UTC).date() + timedelta(days=40)).strftime("%m/%d/%Y")
    statement = _checking(
        [(ahead, "TYPO IN THE YEAR", "-12.00", "88.00"), ("11/02/2026", "SHOP", "-5", "100")]
    )
    done = finished(client, owner, upload(client, owner, checking, statement).json()["id"])
    assert done["status"] == "succeeded" and done["inserted"] == 2, done
    [warning] = done["warnings"]
    assert warning["line"] == 2 and warning["column"] == "date"
    assert "in the future" in warning["message"]


def test_the_stated_balance_follows_the_files_order():
    normalizer = RowNormalizer(
        account_id=uuid.uuid4(),
        account_currency="USD",
        batch_id=uuid.uuid4(),
        existing=set(),
        category_of=lambda _: None,
    )

    def row(day: int, balance: str) -> StatementRow:
        return StatementRow(
            day, date(2026, 11, day), None, _money("1"), None, f"ROW {day}", None, None, None,
            None, _money(balance), None,
        )  # fmt: skip

    for day, balance in ((1, "10"), (5, "20"), (5, "30")):  # oldest first: the last of the 5th
        normalizer(row(day, balance))
    assert normalizer.stated_balance() == StatedBalance(_money("30"), date(2026, 11, 5))


def _money(text: str) -> Decimal:
    return Decimal(text)
