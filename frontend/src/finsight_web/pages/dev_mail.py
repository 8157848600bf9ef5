"""Development only: the mail `finsight dev` caught instead of sending (invitations, reports,
alerts). The API has these endpoints only when ENVIRONMENT=development; elsewhere its 404
becomes this dashboard's 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response, StreamingResponse

from finsight_web.context import Page, call_context, signed_in
from finsight_web.navigation import NavItem

router = APIRouter()
NAV = NavItem("dev-mail", "Mail", "/dev/mail", feature="dev-mail")
SignedIn = Annotated[Page, Depends(signed_in)]


@router.get("/dev/mail")
async def mail_page(page: SignedIn) -> Response:
    messages = await page.api("GET", "/api/dev/mail")
    return await page.render("dev_mail.html", messages=messages, message=None)


@router.get("/dev/mail/{message_id}")
async def message_page(page: SignedIn, message_id: str) -> Response:
    messages, message = (
        await page.api("GET", "/api/dev/mail"),
        await page.api("GET", f"/api/dev/mail/{message_id}"),
    )
    return await page.render("dev_mail.html", messages=messages, message=message)


@router.get("/dev/mail/{message_id}/attachments/{index}")
async def attachment(page: SignedIn, message_id: str, index: int) -> Response:
    await page.refresh_tokens()
    headers, body = await page.shared.api.stream(
        f"/api/dev/mail/{message_id}/attachments/{index}",
        token=str(page.session.access_token),
        context=call_context(page.request),
        params=None,
    )
    return StreamingResponse(body, headers=headers)
