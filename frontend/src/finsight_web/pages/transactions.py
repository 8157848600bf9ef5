"""Transactions: the API's filters, search, sort and keyset pages; edits in place; bulk
recategorize; export of what is filtered."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response, StreamingResponse

from finsight_web.client import ApiError
from finsight_web.context import PAGE_SIZES, Page, call_context, page_size, safe_next, signed_in
from finsight_web.navigation import NavItem

router = APIRouter()
NAV = NavItem("transactions", "Transactions", "/transactions", ("transactions:read",))
SignedIn = Annotated[Page, Depends(signed_in)]

FILTERS = (
    "account_id",
    "date_from",
    "date_to",
    "amount_min",
    "amount_max",
    "category_id",
    "uncategorized",
    "pending",
    "q",
    "tag",
    "merchant_id",  # from a merchant's page: its transactions
)
SORTS = {
    "-date": "Newest first",
    "date": "Oldest first",
    "-amount": "Largest in",
    "amount": "Largest out",
}


def filters_of(query: dict[str, str]) -> dict[str, str]:
    """The filters present in the page's query string, as the API takes them."""
    chosen = {name: query[name].strip() for name in FILTERS if query.get(name, "").strip()}
    if "uncategorized" in chosen:
        chosen["uncategorized"] = "true"
    if chosen.get("pending") not in (None, "true", "false"):
        chosen.pop("pending")
    return chosen


def parse_tags(text: str) -> list[str]:
    """'trip, work ,, trip' -> ['trip', 'work']: comma-separated, trimmed, unique, in order."""
    return list(dict.fromkeys(tag.strip() for tag in text.split(",") if tag.strip()))


@router.get("/transactions")
async def list_transactions(page: SignedIn) -> Response:
    query = dict(page.request.query_params)
    filters = filters_of(query)
    sort = query.get("sort") if query.get("sort") in SORTS else "-date"
    limit = page_size(query)
    params = {**filters, "sort": sort, "limit": limit}
    if query.get("cursor"):
        params["cursor"] = query["cursor"]
    accounts, categories = await asyncio.gather(
        page.api("GET", "/api/accounts", params={"limit": 200}),
        page.api("GET", "/api/categories"),
    )
    listing, error = await page.filtered_list("/api/transactions", params)
    return await page.render(
        "transactions.html",
        status_code=422 if error else 200,
        error=error,
        transactions=listing["items"],
        next_cursor=listing["next_cursor"],
        filters=filters,
        sort=sort,
        limit=limit,
        sorts=SORTS,
        page_sizes=PAGE_SIZES,
        accounts=accounts["items"],
        account_names={a["id"]: a["name"] for a in accounts["items"]},
        categories=categories,
        category_paths={c["id"]: c["path"] for c in categories},
        first_page=not query.get("cursor"),
        here=page.here,
        can_write=await page.can("transactions:write"),
    )


@router.post("/transactions/bulk")
async def bulk_recategorize(page: SignedIn) -> Response:
    form = await page.form()
    back = safe_next(str(form.get("return_to") or "/transactions"))
    ids = form.get("ids", [])
    ids = ids if isinstance(ids, list) else [ids]
    if not ids:
        return await page.redirect(back, flash="Select transactions first.", level="error")
    chosen = str(form.get("category_id", "")).strip()
    if not chosen:  # never a silent "Uncategorized": removing categories is chosen explicitly
        return await page.redirect(back, flash="Choose the category to set.", level="error")
    category = None if chosen == "none" else chosen
    if form.get("confirmed") != "yes":
        categories = await page.api("GET", "/api/categories")
        paths = {c["id"]: c["path"] for c in categories}
        return await page.render(
            "transactions_confirm.html",
            ids=ids,
            category_id=chosen,
            category=paths.get(category, "a category") if category else None,
            return_to=back,
        )
    result = await page.api(
        "POST",
        "/api/transactions/bulk-recategorize",
        json={"ids": ids, "category_id": category},
    )
    return await page.redirect(back, flash=f"{result['updated']} transactions recategorized.")


@router.post("/transactions/{transaction_id}")
async def update_transaction(page: SignedIn, transaction_id: uuid.UUID) -> Response:
    form = await page.form()
    back = safe_next(str(form.get("return_to") or "/transactions"))
    current = await page.api("GET", f"/api/transactions/{transaction_id}")
    wanted: dict[str, Any] = {
        "category_id": str(form.get("category_id", "")).strip() or None,
        "notes": str(form.get("notes", "")).strip() or None,
        "tags": parse_tags(str(form.get("tags", ""))),
        "excluded": form.get("excluded") == "true",
    }
    # Only what changed: every field sent becomes the user's, kept from rules and models.
    changes = {name: value for name, value in wanted.items() if value != current[name]}
    if not changes:
        return await page.redirect(back, flash="Nothing to save: no field changed.", level="info")
    try:
        await page.api("PATCH", f"/api/transactions/{transaction_id}", json=changes)
    except ApiError as error:
        if error.status != 422:
            raise
        return await page.redirect(back, flash=f"Not saved: {error.detail}", level="error")
    return await page.redirect(back + f"#t-{transaction_id}", flash="Transaction saved.")


@router.post("/transactions/{transaction_id}/delete")
async def delete_transaction(page: SignedIn, transaction_id: uuid.UUID) -> Response:
    form = await page.form()
    back = safe_next(str(form.get("return_to") or "/transactions"))
    await page.api("DELETE", f"/api/transactions/{transaction_id}")
    return await page.redirect(back, flash="Transaction deleted.")


@router.get("/transactions/export")
async def export(page: SignedIn) -> Response:
    query = dict(page.request.query_params)
    export_format = "json" if query.get("format") == "json" else "csv"
    sort = query.get("sort") if query.get("sort") in SORTS else "-date"
    await page.refresh_tokens()  # a long download must not start with an expiring token
    headers, body = await page.shared.api.stream(
        "/api/transactions/export",
        token=str(page.session.access_token),
        context=call_context(page.request),
        params={**filters_of(query), "format": export_format, "sort": sort},
    )
    return StreamingResponse(body, headers=headers)
