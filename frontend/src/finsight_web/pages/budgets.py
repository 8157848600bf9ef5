"""Budgets: each budget's month (limit with rollover, spent, pace), and adding, changing and
deleting budgets (budgets:write)."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import Page, signed_in
from finsight_web.navigation import NavItem

router = APIRouter()
NAV = NavItem("budgets", "Budgets", "/budgets", ("budgets:read",))
SignedIn = Annotated[Page, Depends(signed_in)]
MONTH = re.compile(r"^\d{4}-\d{2}$")


async def _page(
    page: Page,
    month: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    statuses, categories = await asyncio.gather(
        page.api("GET", "/api/budgets/status", params={"month": month}),
        page.api("GET", "/api/categories"),
    )
    return await page.render(
        "budgets.html",
        status_code=status_code,
        month=month,
        statuses=statuses,
        categories=[c for c in categories if c["kind"] == "expense"],
        values=values or {"currency": "USD"},
        errors=errors or {},
        can_write=await page.can("budgets:write"),
    )


@router.get("/budgets")
async def budgets_page(page: SignedIn, month: Annotated[str | None, Query()] = None) -> Response:
    chosen = month if month and MONTH.match(month) else date.today().strftime("%Y-%m")
    return await _page(page, chosen)


@router.post("/budgets")
async def create_budget(page: SignedIn) -> Response:
    form = await page.form()
    values = {k: str(form.get(k, "")).strip() for k in ("category_id", "amount", "currency")}
    values["rollover"] = "on" if form.get("rollover") else ""
    body = {
        "category_id": values["category_id"],
        "amount": values["amount"],
        "currency": values["currency"] or "USD",
        "rollover": bool(values["rollover"]),
    }
    try:
        await page.api("POST", "/api/budgets", json=body)
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        errors = error.field_errors() or {"category_id": error.detail}
        month = date.today().strftime("%Y-%m")
        return await _page(page, month, values=values, errors=errors, status_code=error.status)
    return await page.redirect("/budgets", flash="Budget added.")


@router.post("/budgets/{budget_id}")
async def update_budget(page: SignedIn, budget_id: uuid.UUID) -> Response:
    form = await page.form()
    body = {"amount": str(form.get("amount", "")).strip(), "rollover": bool(form.get("rollover"))}
    try:
        await page.api("PATCH", f"/api/budgets/{budget_id}", json=body)
    except ApiError as error:
        if error.status not in (404, 409, 422):
            raise
        return await page.redirect("/budgets", flash=f"Not changed: {error.detail}", level="error")
    return await page.redirect("/budgets", flash="Budget changed.")


@router.post("/budgets/{budget_id}/delete")
async def delete_budget(page: SignedIn, budget_id: uuid.UUID) -> Response:
    await page.form()
    try:
        await page.api("DELETE", f"/api/budgets/{budget_id}")
    except ApiError as error:
        if error.status != 404:
            raise
    return await page.redirect("/budgets", flash="Budget deleted.")
