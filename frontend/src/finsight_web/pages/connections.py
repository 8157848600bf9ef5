"""Connections: bank connections through Plaid, each with its institution, accounts, when it
last synced, its state and error in words, and Sync now / Reconnect / Remove; Connect a bank
(Plaid Link, whose script this page alone allows) and, with sandbox credentials or in
`finsight dev`, Connect a test bank (no Link)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from finsight_web.client import ApiError
from finsight_web.context import Page, signed_in
from finsight_web.navigation import NavItem
from finsight_web.security import PLAID_LINK_POLICY

router = APIRouter()
NAV = NavItem("connections", "Connections", "/connections", ("connections:read",), "plaid")
SignedIn = Annotated[Page, Depends(signed_in)]

SYNC_STATES = {
    "queued": "Sync queued",
    "syncing": "Syncing now",
    "succeeded": "Synced",
    "failed": "Last sync failed",
    "stale": "Sync stalled; retrying",
}


def ago(moment: str | None, now: datetime | None = None) -> str:
    """ISO time -> "5 minutes ago"."""
    if not moment:
        return "never"
    then = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    seconds = max(((now or datetime.now(UTC)) - then).total_seconds(), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


@router.get("/connections")
async def connections(page: SignedIn) -> Response:
    try:
        listed = await page.api("GET", "/api/plaid/items")
    except ApiError as error:
        if error.status != 404:
            raise
        return await page.render("connections.html", status_code=404, off=True)
    response = await page.render(
        "connections.html",
        off=False,
        items=listed["items"],
        link_available=listed["link_available"],
        test_banks=listed["test_banks_available"],
        sync_states=SYNC_STATES,
        ago=ago,
        can_write=await page.can("connections:write"),
    )
    if listed["link_available"]:
        response.headers["content-security-policy"] = PLAID_LINK_POLICY
    return response


async def _act(page: Page, method: str, path: str, done: str, json: Any = None) -> Response:
    await page.form()  # the CSRF check
    try:
        await page.api(method, path, json=json)
    except ApiError as error:
        if error.status not in (404, 409, 422, 502, 503):
            raise
        return await page.redirect("/connections", flash=error.detail, level="error")
    return await page.redirect("/connections", flash=done)


@router.post("/connections/test-bank")
async def connect_test_bank(page: SignedIn) -> Response:
    return await _act(
        page, "POST", "/api/plaid/test-bank", "Test bank connected; its first sync is queued.", {}
    )


@router.post("/connections/link")
async def connect_with_link(page: SignedIn) -> Response:
    """Link's onSuccess posts its public token (and institution) here."""
    form = await page.form()
    body = {
        "public_token": str(form.get("public_token", "")),
        "institution": {"institution_id": str(form.get("institution_id", "")) or None},
    }
    try:
        await page.api("POST", "/api/plaid/items", json=body)
    except ApiError as error:
        if error.status not in (409, 422, 502, 503):
            raise
        return await page.redirect("/connections", flash=error.detail, level="error")
    return await page.redirect("/connections", flash="Bank connected; its first sync is queued.")


@router.post("/connections/link-token")
async def link_token(page: SignedIn) -> Response:
    """For the page's script: a Link token (with item_id: update mode, to reconnect)."""
    form = await page.form()
    item_id = str(form.get("item_id", "")) or None
    try:
        token = await page.api("POST", "/api/plaid/link-token", json={"item_id": item_id})
    except ApiError as error:
        return JSONResponse({"detail": error.detail}, status_code=error.status)
    return JSONResponse({"link_token": token["link_token"]})


@router.post("/connections/{item_id}/sync")
async def sync_now(page: SignedIn, item_id: str) -> Response:
    return await _act(page, "POST", f"/api/plaid/items/{item_id}/sync", "Sync queued.")


@router.post("/connections/{item_id}/reconnected")
async def reconnected(page: SignedIn, item_id: str) -> Response:
    return await _act(
        page, "POST", f"/api/plaid/items/{item_id}/reconnected", "Connection checked."
    )


@router.post("/connections/{item_id}/remove")
async def remove(page: SignedIn, item_id: str) -> Response:
    return await _act(
        page,
        "DELETE",
        f"/api/plaid/items/{item_id}",
        "Connection removed; its accounts and transactions are kept.",
    )
