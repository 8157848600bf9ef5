"""Manual entry: a person adds a transaction by hand (cash, a correction), through the API's
POST /api/transactions, so it enters the books like an imported row."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import Page, signed_in

router = APIRouter()
SignedIn = Annotated[Page, Depends(signed_in)]
FIELDS = ("account_id", "transaction_date", "amount", "description", "category_id", "notes")


def _body(form: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in FIELDS:
        value = str(form.get(name, "")).strip()
        if value:
            body[name] = value
    tags = [tag.strip() for tag in str(form.get("tags", "")).split(",") if tag.strip()]
    if tags:
        body["tags"] = tags
    if form.get("direction") == "out" and "amount" in body and not body["amount"].startswith("-"):
        body["amount"] = "-" + body["amount"]
    return body


async def _form(
    page: Page, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    accounts, categories = await asyncio.gather(
        page.api("GET", "/api/accounts", params={"limit": 200}),
        page.api("GET", "/api/categories"),
    )
    return await page.render(
        "transaction_form.html",
        status_code=status_code,
        values=values,
        errors=errors,
        accounts=accounts["items"],
        categories=categories,
    )


@router.get("/transactions/new")
async def new_transaction(page: SignedIn, account: str | None = None) -> Response:
    values = {"transaction_date": date.today().isoformat(), "direction": "out"}
    if account:
        values["account_id"] = account
    return await _form(page, values, {})


@router.post("/transactions/new")
async def create_transaction(page: SignedIn) -> Response:
    form = await page.form()
    try:
        created = await page.api("POST", "/api/transactions", json=_body(form))
    except ApiError as error:
        if error.status not in (404, 422):
            raise
        errors = error.field_errors() or {"": error.detail}
        return await _form(page, form, errors, status_code=422)
    return await page.redirect(
        "/transactions", flash=f"Added {created['description']} ({created['amount']})."
    )
