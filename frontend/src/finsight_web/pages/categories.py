"""Categories: the organization's tree; add one (top level with its kind, or under a parent),
rename one, delete one a person made. The API's rules decide (seeded categories cannot be
deleted or moved; a name is unique among its siblings) and its refusals are shown here."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import Page, signed_in

router = APIRouter()
SignedIn = Annotated[Page, Depends(signed_in)]
KINDS = {"expense": "Spending", "income": "Income", "transfer": "Transfer"}


async def _page(
    page: Page, *, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    return await page.render(
        "categories.html",
        status_code=status_code,
        categories=await page.api("GET", "/api/categories"),
        kinds=KINDS,
        values=values,
        errors=errors,
        can_write=await page.can("transactions:write"),
    )


@router.get("/categories")
async def categories_page(page: SignedIn) -> Response:
    return await _page(page, values={"kind": "expense"}, errors={})


@router.post("/categories")
async def create_category(page: SignedIn) -> Response:
    form = await page.form()
    values = {k: str(form.get(k, "")).strip() for k in ("name", "parent_id", "kind")}
    body: dict[str, Any] = {"name": values["name"]}
    if values["parent_id"]:
        body["parent_id"] = values["parent_id"]
    else:
        body["kind"] = values["kind"] or "expense"
    try:
        created = await page.api("POST", "/api/categories", json=body)
    except ApiError as error:
        if error.status not in (404, 409, 422):
            raise
        errors = error.field_errors() or {"name": error.detail}
        return await _page(page, values=values, errors=errors, status_code=error.status)
    return await page.redirect("/categories", flash=f"Category {created['path']} created.")


@router.post("/categories/{category_id}")
async def rename_category(page: SignedIn, category_id: uuid.UUID) -> Response:
    form = await page.form()
    name = str(form.get("name", "")).strip()
    try:
        changed = await page.api("PATCH", f"/api/categories/{category_id}", json={"name": name})
    except ApiError as error:
        if error.status not in (404, 409, 422):
            raise
        flash = f"Not renamed: {error.detail}"
        return await page.redirect("/categories", flash=flash, level="error")
    return await page.redirect("/categories", flash=f"Renamed to {changed['path']}.")


@router.post("/categories/{category_id}/delete")
async def delete_category(page: SignedIn, category_id: uuid.UUID) -> Response:
    try:
        await page.api("DELETE", f"/api/categories/{category_id}")
    except ApiError as error:
        if error.status not in (404, 409, 422):
            raise
        flash = f"Not deleted: {error.detail}"
        return await page.redirect("/categories", flash=flash, level="error")
    return await page.redirect("/categories", flash="Category deleted.")
