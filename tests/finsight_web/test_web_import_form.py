"""The import form a new user meets: the account chosen for them when it is clear which,
and every refusal said on the form itself (never a bare error page)."""

from __future__ import annotations

import re

import httpx
import pytest

from support.accounts import make_account
from support.api import Member, create_org, login
from support.statements import chase_card
from support.web import WebClient

pytestmark = pytest.mark.integration

DISCOVER = (
    b"Trans. Date,Post Date,Description,Amount,Category\r\n"
    b"11/02/2026,11/02/2026,SHELL OIL,40.00,Gasoline\r\n"
)


@pytest.fixture
def tenant(client: httpx.Client, unique_slug: str) -> tuple[str, str, Member]:
    email = create_org(unique_slug)
    return unique_slug, email, login(client, email)


def _selected(html: str) -> list[str]:
    return re.findall(r'<option value="([0-9a-f-]{36})" selected>', html)


def test_the_only_account_is_preselected(web: WebClient, tenant):
    slug, email, _ = tenant
    only = make_account(slug, name="Sapphire")
    web.sign_in(email)
    assert _selected(web.get("/imports").text) == [str(only)]


def test_the_account_a_person_came_from_is_preselected(web: WebClient, tenant):
    slug, email, _ = tenant
    make_account(slug, name="Sapphire")
    checking = make_account(slug, name="Checking")
    web.sign_in(email)
    assert _selected(web.get("/imports").text) == []  # two accounts: the person chooses
    listing = web.get("/accounts").text
    link = f'href="/imports?account_id={checking}"'
    assert link in listing  # the accounts list offers an import into each account
    assert _selected(web.get(f"/imports?account_id={checking}").text) == [str(checking)]
    came_from = web.get(
        "/imports", headers={"Referer": f"{web.http.base_url}/transactions?account_id={checking}"}
    )
    assert _selected(came_from.text) == [str(checking)]
    elsewhere = web.get(
        "/imports", headers={"Referer": f"https://elsewhere.example/?account_id={checking}"}
    )
    assert _selected(elsewhere.text) == []


@pytest.mark.parametrize(
    ("filename", "content", "said"),
    [
        ("statement.pdf", b"%PDF-1.7 ...", "this is a PDF"),
        ("empty.csv", b"", "empty"),
        ("discover.csv", DISCOVER, "Discover"),
    ],
    ids=["pdf", "empty", "another-bank"],
)
def test_refusals_are_said_on_the_form(web: WebClient, tenant, filename, content, said):
    slug, email, _ = tenant
    account = make_account(slug, name="Sapphire", bank="chase")
    web.sign_in(email)
    token = web.csrf("/imports")
    refused = web.request(
        "POST",
        "/imports",
        data={"csrf_token": token, "account_id": str(account)},
        files={"file": (filename, content, "application/octet-stream")},
    )
    assert refused.status_code == 422, refused.text[:500]
    assert 'id="upload-form"' in refused.text  # the form, to try another file
    error = re.search(r"id=\"file-error\">([^<]+)<", refused.text)
    assert error and said in error.group(1), refused.text[:3000]
    assert _selected(refused.text) == [str(account)]


def test_a_statement_still_imports(web: WebClient, tenant):
    slug, email, _ = tenant
    make_account(slug, name="Sapphire")
    web.sign_in(email)
    token = web.csrf("/imports")
    form = web.get("/imports").text
    [account] = _selected(form)
    done = web.request(
        "POST",
        "/imports",
        data={"csrf_token": token, "account_id": account},
        files={"file": ("Chase.CSV", chase_card([("11/02/2026", "COFFEE", "Food", "-4.50")]))},
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/imports/")


GERMAN = (
    b"Buchungstag;Verwendungszweck;Betrag\r\n"
    b"01.11.2026;REWE SAGT DANKE;-10,99\r\n"
    b'03.11.2026;"Miete; November";-1.200,00\r\n'
    b"28.11.2026;Gehalt November;2.500,00\r\n"
)


def _options(html: str, select: str) -> tuple[list[str], list[str]]:
    """A select's option values and the selected ones."""
    body = re.search(rf'<select id="{select}"[^>]*>(.*?)</select>', html, re.S)
    assert body, f"no select {select}"
    options = re.findall(r'<option value="([^"]*)"', body.group(1))
    options += re.findall(r"<option value='([^']*)'", body.group(1))
    chosen = re.findall(r'<option value=["\']([^"\']*)["\'] selected', body.group(1))
    return options, chosen


def test_semicolon_csv_with_decimal_commas_maps_and_is_then_recognized(
    web: WebClient, client: httpx.Client, tenant
):
    _, email, owner = tenant
    account = client.post(
        "/api/accounts",
        headers=owner.headers,
        json={"name": "Girokonto", "type": "checking", "currency": "EUR"},
    ).json()["id"]
    web.sign_in(email)
    token = web.csrf("/imports")
    uploaded = web.request(
        "POST",
        "/imports",
        data={"csrf_token": token, "account_id": str(account)},
        files={"file": ("umsaetze.csv", GERMAN)},
    )
    assert uploaded.status_code == 303 and "/imports/drafts/" in uploaded.headers["location"]
    draft = uploaded.headers["location"]
    editor = web.get(draft).text
    columns, _ = _options(editor, "date_column")
    assert columns == ["", "Buchungstag", "Verwendungszweck", "Betrag"]
    assert _options(editor, "delimiter")[1] == [";"]
    assert _options(editor, "decimal_separator")[1] == [","]
    assert _options(editor, "date_format")[1] == ["%d.%m.%Y"]
    assert "Miete; November" in editor  # a quoted separator stays in its cell

    # The person picks another separator: the file is split again, as they said.
    as_commas = web.post(draft, {"delimiter": ",", "skip_rows": "0", "action": "preview"})
    assert _options(as_commas.text, "date_column")[0][1:] == ["Buchungstag;Verwendungszweck;Betrag"]
    mapping = {
        "name": "Girokonto export",
        "date_column": "Buchungstag",
        "date_format": "%d.%m.%Y",
        "description_column": "Verwendungszweck",
        "amount_mode": "single",
        "amount_column": "Betrag",
        "sign_convention": "negative_is_outflow",
        "delimiter": ";",
        "quotechar": '"',
        "decimal_separator": ",",
        "skip_rows": "0",
    }
    previewed = web.post(draft, {**mapping, "action": "preview"})
    assert previewed.status_code == 200
    assert "3 valid rows, 0 invalid" in previewed.text
    mapped = previewed.text.split('id="mapped-rows"')[1].split("</table>")[0]
    assert "€" in mapped and "$" not in mapped  # the account's currency
    imported = web.post(draft, {**mapping, "action": "import"})
    assert imported.status_code == 303, imported.text[:2000]
    assert "/drafts/" not in imported.headers["location"]

    # The same layout again, next month: recognized by its header, imported at once.
    again = web.request(
        "POST",
        "/imports",
        data={"csrf_token": token, "account_id": str(account)},
        files={"file": ("umsaetze-dezember.csv", GERMAN.replace(b".11.2026", b".12.2026"))},
    )
    assert again.status_code == 303
    location = again.headers["location"]
    assert location.startswith("/imports/") and "/drafts/" not in location
    batch = client.get(f"/api/{location.strip('/')}", headers=owner.headers).json()
    assert batch["format"] == "csv_mapped"
