"""Review: transactions the engine left uncategorized or categorized with low confidence, with
its suggestion; fixed in bulk or by accepting a suggestion. Rule proposals (consistent
corrections for a merchant) are accepted or dismissed here too."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finsight_web.client import ApiError
from finsight_web.context import PAGE_SIZES, Page, form_list, page_size, safe_next, signed_in
from finsight_web.navigation import NavItem

router = APIRouter()
NAV = NavItem("review", "Review", "/review", ("analytics:read",), feature="analytics")
SignedIn = Annotated[Page, Depends(signed_in)]

REASONS = {"": "Everything to review", "uncategorized": "Uncategorized", "low_confidence": "Unsure"}


def review_params(query: dict[str, str]) -> tuple[dict[str, Any], str, int]:
    """The API's parameters from the page's query: reason, page size, cursor."""
    reason = query.get("reason", "") if query.get("reason") in REASONS else ""
    limit = page_size(query)
    params: dict[str, Any] = {"limit": limit}
    if reason:
        params["reason"] = reason
    if query.get("cursor"):
        params["cursor"] = query["cursor"]
    return params, reason, limit


async def _proposals(page: Page) -> list[dict[str, Any]]:
    try:
        proposed: list[dict[str, Any]] = await page.api(
            "GET", "/api/analytics/proposals", params={"status": "proposed"}
        )
    except ApiError as error:
        if error.status in (404, 422):
            return []
        raise
    return proposed


@router.get("/review")
async def review(page: SignedIn) -> Response:
    if off := await page.analytics_off("Review"):
        return off
    query = dict(page.request.query_params)
    params, reason, limit = review_params(query)
    categories, accounts, proposals, models, (listing, error) = await asyncio.gather(
        page.api("GET", "/api/categories"),
        page.api("GET", "/api/accounts", params={"limit": 200}),
        _proposals(page),
        page.api("GET", "/api/analytics/models"),
        page.filtered_list("/api/analytics/review", params),
    )
    return await page.render(
        "review.html",
        status_code=422 if error else 200,
        error=error,
        items=listing["items"],
        next_cursor=listing["next_cursor"],
        first_page=not query.get("cursor"),
        reason=reason,
        reasons=REASONS,
        limit=limit,
        page_sizes=PAGE_SIZES,
        categories=categories,
        category_paths={c["id"]: c["path"] for c in categories},
        account_names={a["id"]: a["name"] for a in accounts["items"]},
        proposals=proposals,
        model=models[0] if models else None,  # newest first; none: the shared starter model
        here=page.here,
        can_write=await page.can("analytics:write"),
    )


async def _resolve(page: Page, ids: list[str], category_id: str) -> int:
    result = await page.api(
        "POST",
        "/api/analytics/review/resolve",
        json={"transaction_ids": ids, "category_id": category_id},
    )
    return int(result["updated"])


@router.post("/review/resolve")
async def resolve(page: SignedIn) -> Response:
    form = await page.form()
    back = safe_next(str(form.get("return_to") or "/review"))
    ids = form_list(form.get("ids"))
    category = str(form.get("category_id", "")).strip()
    if not ids:
        return await page.redirect(back, flash="Select transactions first.", level="error")
    if not category:
        return await page.redirect(back, flash="Choose a category first.", level="error")
    try:
        count = await _resolve(page, ids, category)
    except ApiError as error:
        if error.status != 422:
            raise
        return await page.redirect(back, flash=f"Not saved: {error.detail}", level="error")
    return await page.redirect(back, flash=f"{count} transactions categorized.")


@router.post("/review/accept")
async def accept_suggestion(page: SignedIn) -> Response:
    """One transaction's suggestion, accepted as it was shown."""
    form = await page.form()
    back = safe_next(str(form.get("return_to") or "/review"))
    transaction = str(form.get("transaction_id", "")).strip()
    category = str(form.get("category_id", "")).strip()
    if not transaction or not category:
        return await page.redirect(back, flash="There was no suggestion to accept.", level="error")
    await _resolve(page, [transaction], category)
    return await page.redirect(back, flash="Suggestion accepted.")


@router.post("/review/proposals/{proposal_id}")
async def decide_proposal(page: SignedIn, proposal_id: uuid.UUID) -> Response:
    form = await page.form()
    back = safe_next(str(form.get("return_to") or "/review"))
    decision = "accept" if form.get("decision") == "accept" else "dismiss"
    await page.api("POST", f"/api/analytics/proposals/{proposal_id}/{decision}")
    if decision == "dismiss":
        return await page.redirect(back, flash="Proposal dismissed.")
    # The merchant's other rows should not wait for the next import to follow the new rule.
    await page.api("POST", "/api/analytics/runs", json={"kind": "categorize"})
    return await page.redirect(
        back, flash="Rule created from the proposal; applying it to your transactions now."
    )
