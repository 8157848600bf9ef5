"""Dashboard pages over HTTP against real api and web processes: what each page does."""

from __future__ import annotations

import re
import uuid
from datetime import date

import httpx
import pytest

from support.accounts import make_account
from support.api import PASSWORD, Member, add_user, create_org, login
from support.ledger import insert_transactions
from support.web import WebClient

pytestmark = pytest.mark.integration


@pytest.fixture
def tenant(client: httpx.Client, unique_slug: str) -> tuple[str, str, Member]:
    email = create_org(unique_slug)
    return unique_slug, email, login(client, email)


def _category_id(client: httpx.Client, member: Member, path: str) -> str:
    tree = client.get("/api/categories", headers=member.headers).json()
    return str(next(c["id"] for c in tree if c["path"] == path))


def test_bulk_recategorize_and_export_what_is_filtered(
    web: WebClient, client: httpx.Client, tenant
):
    slug, email, owner = tenant
    account = make_account(slug, name="Sapphire")
    ids = insert_transactions(
        slug,
        account,
        [
            {"day": date(2026, 3, 1), "amount": "-4.50", "description": "BLUE BOTTLE"},
            {"day": date(2026, 3, 2), "amount": "-5.00", "description": "BLUE BOTTLE"},
            {"day": date(2026, 3, 3), "amount": "-60.00", "description": "=HYPERLINK(EVIL)"},
        ],
    )
    groceries = _category_id(client, owner, "Groceries")
    web.sign_in(email)
    listing = web.get("/transactions?q=blue")
    assert listing.text.count('name="ids"') == 2
    done = web.post(
        "/transactions/bulk",
        {
            "ids": [str(i) for i in ids[:2]],
            "category_id": groceries,
            "return_to": "/transactions?q=blue",
            "confirmed": "yes",
        },
        csrf_from="/transactions",
    )
    assert done.status_code == 303 and done.headers["location"] == "/transactions?q=blue"
    assert "2 transactions recategorized" in web.follow(done).text
    for transaction_id in ids[:2]:
        stored = client.get(f"/api/transactions/{transaction_id}", headers=owner.headers).json()
        assert stored["category_id"] == groceries
    nothing = web.post("/transactions/bulk", {"category_id": groceries}, csrf_from="/transactions")
    assert "Select transactions first" in web.follow(nothing).text

    exported = web.get("/transactions/export?format=csv&q=blue")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.text.count("BLUE BOTTLE") >= 2 and "HYPERLINK" not in exported.text
    everything = web.get("/transactions/export?format=csv").text
    assert "'=HYPERLINK(EVIL)" in everything  # neutralized against formula injection
    as_json = web.get("/transactions/export?format=json&q=blue")
    assert as_json.headers["content-type"].startswith("application/json")


def test_members_invited_accepted_role_changed_removed_and_audited(
    web: WebClient, tenant, web_url: str, client: httpx.Client, unique_slug: str
):
    _, email, _ = tenant
    newcomer = f"new.person.{uuid.uuid4().hex[:8]}@example.test"
    web.sign_in(email)
    added = web.post("/settings/members", {"email": newcomer, "role": "analyst"})
    assert added.status_code == 200
    assert "password" not in added.text.split('id="member-added"')[1].split("</div>")[0]
    link = re.search(r'id="invitation-link">([^<]+)</code>', added.text)
    assert link, added.text[:2000]
    pending = web.get("/settings/members").text
    assert newcomer in pending.split('id="invitations"')[1] and link.group(1) not in pending

    # The invitee opens the link (the dashboard's own page) and chooses their password.
    path = "/invitations/accept?" + link.group(1).split("?", 1)[1]
    invitee = WebClient(web_url)
    offer = invitee.get(path)
    assert offer.status_code == 200 and "Create my account" in offer.text
    token = path.split("token=")[1]
    differ = invitee.post(
        "/invitations/accept",
        {"token": token, "password": "their own pw 1", "password_again": "typo"},
        csrf_from=path,
    )
    assert differ.status_code == 422 and 'id="password-again-error"' in differ.text
    done = invitee.post(
        "/invitations/accept",
        {"token": token, "password": "their own pw 1", "password_again": "their own pw 1"},
        csrf_from=path,
    )
    assert done.status_code == 200 and 'id="invitation-done"' in done.text
    assert invitee.get(path).status_code == 404  # single use
    invitee.sign_in(newcomer, password="their own pw 1")
    invitee.close()

    # Someone who already has an account signs in first, then accepts as themselves.
    existing = create_org(unique_slug + "w")
    second = web.post("/settings/members", {"email": existing, "role": "viewer"})
    second_path = "/invitations/accept?" + re.search(
        r'id="invitation-link">[^<?]+\?([^<]+)</code>', second.text
    ).group(1)
    other = WebClient(web_url)
    assert 'id="sign-in-to-accept"' in other.get(second_path).text
    signed = other.post(
        "/login",
        {"email": existing, "password": PASSWORD, "organization": "", "next": second_path},
        csrf_from="/login",
    )
    assert signed.headers["location"] == second_path
    accept = other.post(
        "/invitations/accept", {"token": second_path.split("token=")[1]}, csrf_from=second_path
    )
    assert accept.status_code == 303
    other.close()

    members = web.get("/settings/members").text
    assert newcomer in members and existing in members
    user_id = re.search(r'/settings/members/([0-9a-f-]{36})/role"', members.split(newcomer)[1])
    assert user_id
    changed = web.post(
        f"/settings/members/{user_id.group(1)}/role",
        {"role": "viewer"},
        csrf_from="/settings/members",
    )
    assert "Role changed to viewer" in web.follow(changed).text
    invalid = web.post("/settings/members", {"email": "not-an-email", "role": "viewer"})
    assert invalid.status_code == 422 and 'id="email-error"' in invalid.text
    removed = web.post(
        f"/settings/members/{user_id.group(1)}/remove", {}, csrf_from="/settings/members"
    )
    assert "Member removed" in web.follow(removed).text
    audit = web.get("/settings/audit?action=member.*")
    for action in ("member.invite", "member.role.change", "member.remove"):
        assert action in audit.text, action
    assert "auth.login" not in audit.text  # the filter applies
    bad = web.get("/settings/audit?since=2026-03-01&until=2026-01-01")
    assert bad.status_code == 422 and "since must be before until" in bad.text


def test_organization_rename_and_an_analyst_sees_only_their_sections(
    web: WebClient, tenant, web_url: str
):
    slug, email, _ = tenant
    web.sign_in(email)
    renamed = web.post("/settings/organization", {"name": "Acme Finance"})
    assert "Organization saved." in web.follow(renamed).text
    assert "Acme Finance" in web.get("/").text

    analyst = WebClient(web_url)
    analyst.sign_in(add_user(slug, "analyst"))
    home = analyst.get("/settings")
    assert home.headers["location"] == "/settings/members"  # no organization:write
    members = analyst.get("/settings/members")
    assert members.status_code == 200 and "Invite a member" not in members.text
    assert analyst.get("/settings/audit").status_code == 403  # the API refuses audit:read
    analyst.close()


def test_import_form_errors_name_the_field(web: WebClient, tenant):
    slug, email, _ = tenant
    make_account(slug, name="Sapphire")
    web.sign_in(email)
    token = web.csrf("/imports")
    no_file = web.request("POST", "/imports", data={"csrf_token": token, "account_id": ""})
    assert no_file.status_code == 422 and "Choose a statement file" in no_file.text
    accounts = re.search(r'<option value="([0-9a-f-]{36})"', web.get("/imports").text)
    assert accounts
    pdf = web.request(
        "POST",
        "/imports",
        data={"csrf_token": token, "account_id": accounts.group(1)},
        files={"file": ("statement.pdf", b"%PDF-1.7 ...", "application/pdf")},
    )
    assert pdf.status_code == 422 and "this is a PDF" in pdf.text
    expired = web.get("/imports/drafts/not-a-draft")
    assert expired.status_code == 303
    assert "That upload expired" in web.follow(expired).text
