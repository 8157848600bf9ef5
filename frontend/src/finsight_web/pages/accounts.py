"""Accounts: the list with balances, create, edit."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import Page, signed_in
from finsight_web.navigation import NavItem

router = APIRouter()
NAV = NavItem("accounts", "Accounts", "/accounts", ("accounts:read",))
SignedIn = Annotated[Page, Depends(signed_in)]

ACCOUNT_TYPES = {
    "checking": "Checking",
    "savings": "Savings",
    "credit_card": "Credit card",
    "loan": "Loan",
    "investment": "Investment",
    "cash": "Cash",
    "other": "Other",
}
FIELDS = ("name", "type", "currency", "institution_id", "mask", "opening_balance")


async def _institutions(page: Page) -> list[dict[str, Any]]:
    return list(await page.api("GET", "/api/institutions"))


def _body(form: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The form as the API's body: blank optional fields are left out (create) or cleared."""
    body: dict[str, Any] = {}
    for name in FIELDS:
        value = str(form.get(name, "")).strip()
        if value:
            body[name] = value
        elif name in ("institution_id", "mask") and not creating:
            body[name] = None
    return body


def _changes(account: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """Only what the user changed: an unchanged currency must not be sent (the API refuses a
    currency change once the account has transactions, even to the same value)."""
    body = _body(form, creating=False)
    return {name: value for name, value in body.items() if value != (account.get(name) or None)}


@router.get("/accounts")
async def list_accounts(page: SignedIn) -> Response:
    accounts, institutions = await asyncio.gather(
        page.api("GET", "/api/accounts", params={"limit": 200}), _institutions(page)
    )
    return await page.render(
        "accounts.html",
        accounts=accounts["items"],
        institution_names={i["id"]: i["name"] for i in institutions},
        types=ACCOUNT_TYPES,
        can_write=await page.can("accounts:write"),
        can_import=await page.can("imports:write"),
    )


async def _form(
    page: Page,
    *,
    account: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return await page.render(
        "account_form.html",
        status_code=status_code,
        account=account,
        values=values,
        errors=errors,
        types=ACCOUNT_TYPES,
        institutions=await _institutions(page),
    )


@router.get("/accounts/new")
async def new_account(page: SignedIn) -> Response:
    values = {"type": "checking", "currency": "USD", "opening_balance": "0.00"}
    return await _form(page, account=None, values=values, errors={})


@router.post("/accounts/new")
async def create_account(page: SignedIn) -> Response:
    form = await page.form()
    try:
        created = await page.api("POST", "/api/accounts", json=_body(form, creating=True))
    except ApiError as error:
        if error.status != 422 and error.status != 409:
            raise
        errors = error.field_errors() or {"": error.detail}
        return await _form(page, account=None, values=form, errors=errors, status_code=422)
    return await page.redirect("/accounts", flash=f"Account {created['name']} created.")


@router.get("/accounts/{account_id}/edit")
async def edit_account(page: SignedIn, account_id: uuid.UUID) -> Response:
    account = await page.api("GET", f"/api/accounts/{account_id}")
    values = {name: account.get(name) or "" for name in FIELDS}
    return await _form(page, account=account, values=values, errors={})


@router.post("/accounts/{account_id}/edit")
async def update_account(page: SignedIn, account_id: uuid.UUID) -> Response:
    form = await page.form()
    account = await page.api("GET", f"/api/accounts/{account_id}")
    try:
        await page.api("PATCH", f"/api/accounts/{account_id}", json=_changes(account, form))
    except ApiError as error:
        if error.status != 422 and error.status != 409:
            raise
        errors = error.field_errors() or {"": error.detail}
        return await _form(page, account=account, values=form, errors=errors, status_code=422)
    return await page.redirect("/accounts", flash=f"Account {form.get('name')} saved.")


@router.post("/accounts/{account_id}/delete")
async def delete_account(page: SignedIn, account_id: uuid.UUID) -> Response:
    account = await page.api("GET", f"/api/accounts/{account_id}")
    await page.api("DELETE", f"/api/accounts/{account_id}")
    return await page.redirect("/accounts", flash=f"Account {account['name']} deleted.")
