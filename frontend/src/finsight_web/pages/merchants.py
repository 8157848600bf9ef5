"""Merchants: the groups analytics made of bank descriptors. Search, rename, merge several into
one, and split descriptor keys off a merchant into a new one. A person's choice sticks: runs
never rename a merchant renamed here nor move a key merged or split here."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import PAGE_SIZES, Page, form_list, page_size, safe_next, signed_in
from finsight_web.navigation import NavItem
from finsight_web.pages.rules import field_name

router = APIRouter()
NAV = NavItem("merchants", "Merchants", "/merchants", ("analytics:read",), feature="analytics")
SignedIn = Annotated[Page, Depends(signed_in)]


def merge_body(form: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The merge form as the API's body, or the reason it cannot be sent: the target is one of
    the selected merchants or another, and at least one other merchant goes into it."""
    target = str(form.get("target_id", "")).strip()
    if not target:
        return None, "Choose the merchant to merge into."
    sources = [s for s in dict.fromkeys(form_list(form.get("source_ids"))) if s != target]
    if not sources:
        return None, "Select at least one other merchant to merge into it."
    return {"source_ids": sources, "target_id": target}, None


@router.get("/merchants")
async def list_merchants(page: SignedIn) -> Response:
    if off := await page.analytics_off("Merchants"):
        return off
    query = dict(page.request.query_params)
    q = query.get("q", "").strip()
    limit = page_size(query)
    params: dict[str, Any] = {"limit": limit}
    if q:
        params["q"] = q
    if query.get("cursor"):
        params["cursor"] = query["cursor"]
    listing, error = await page.filtered_list("/api/analytics/merchants", params)
    return await page.render(
        "merchants.html",
        status_code=422 if error else 200,
        error=error,
        merchants=listing["items"],
        next_cursor=listing["next_cursor"],
        first_page=not query.get("cursor"),
        q=q,
        limit=limit,
        page_sizes=PAGE_SIZES,
        here=page.here,
        can_write=await page.can("analytics:write"),
    )


@router.get("/merchants/{merchant_id}")
async def merchant_detail(page: SignedIn, merchant_id: uuid.UUID) -> Response:
    return await _detail(page, merchant_id, errors={}, values={"name": "", "keys": []})


async def _detail(
    page: Page,
    merchant_id: uuid.UUID,
    *,
    errors: dict[str, str],
    values: dict[str, Any],
    status_code: int = 200,
) -> Response:
    merchant, recent = await asyncio.gather(
        page.api("GET", f"/api/analytics/merchants/{merchant_id}"),
        page.api("GET", "/api/transactions", params={"merchant_id": str(merchant_id), "limit": 10}),
    )
    return await page.render(
        "merchant.html",
        status_code=status_code,
        merchant=merchant,
        recent=recent["items"],
        errors=errors,
        values=values,
        can_write=await page.can("analytics:write"),
    )


@router.post("/merchants/{merchant_id}/rename")
async def rename(page: SignedIn, merchant_id: uuid.UUID) -> Response:
    form = await page.form()
    back = safe_next(str(form.get("return_to") or "/merchants"))
    name = str(form.get("name", "")).strip()
    if not name:
        return await page.redirect(back, flash="Not renamed: the name is empty.", level="error")
    try:
        saved = await page.api(
            "PATCH", f"/api/analytics/merchants/{merchant_id}", json={"name": name}
        )
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        return await page.redirect(back, flash=f"Not renamed: {error.detail}", level="error")
    return await page.redirect(back, flash=f"Renamed to “{saved['name']}”.")


@router.post("/merchants/merge")
async def merge(page: SignedIn) -> Response:
    form = await page.form()
    back = safe_next(str(form.get("return_to") or "/merchants"))
    body, problem = merge_body(form)
    if body is None:
        return await page.redirect(back, flash=str(problem), level="error")
    try:
        target = await page.api("POST", "/api/analytics/merchants/merge", json=body)
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        return await page.redirect(back, flash=f"Not merged: {error.detail}", level="error")
    count = len(body["source_ids"])
    return await page.redirect(back, flash=f"{count + 1} merchants merged into “{target['name']}”.")


@router.post("/merchants/{merchant_id}/split")
async def split(page: SignedIn, merchant_id: uuid.UUID) -> Response:
    form = await page.form()
    keys = form_list(form.get("keys"))
    name = str(form.get("name", "")).strip()
    errors: dict[str, str] = {}
    if not keys:
        errors["keys"] = "Choose the descriptors that belong to another merchant."
    if not errors:
        # Without a name the API names the new merchant after its first descriptor.
        body: dict[str, Any] = {"keys": keys, **({"name": name} if name else {})}
        try:
            created = await page.api(
                "POST", f"/api/analytics/merchants/{merchant_id}/split", json=body
            )
        except ApiError as error:
            if error.status not in (409, 422):
                raise
            errors = {
                (field_name(field) if field_name(field) in ("keys", "name") else ""): text
                for field, text in error.field_errors().items()
            } or {"": error.detail}
        else:
            return await page.redirect(
                f"/merchants/{created['id']}",
                flash=f"{len(keys)} descriptors split off into “{created['name']}”.",
            )
    return await _detail(
        page, merchant_id, errors=errors, values={"name": name, "keys": keys}, status_code=422
    )
