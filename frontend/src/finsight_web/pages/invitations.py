"""The invitee's side of an invitation: open the emailed link, then choose your own password
(a new account) or, already registered, sign in and accept."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from finsight_web.client import ApiError
from finsight_web.context import (
    Page,
    call_context,
    current_session,
    login_url,
    services,
    set_session_cookie,
)
from finsight_web.sessions import WebSession

router = APIRouter()


async def _session(request: Request) -> WebSession:
    """The visitor's session, or a pre-session carrying the form's CSRF token."""
    shared = services(request)
    session = await current_session(request)
    if session is None:
        session = shared.sessions.new()
        await shared.sessions.save(session)
    return session


async def _page(
    request: Request,
    token: str,
    *,
    errors: dict[str, str] | None = None,
    done: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    shared = services(request)
    session = await _session(request)
    preview: dict[str, Any] | None = None
    invalid = None
    if done is None:
        try:
            preview = await shared.api.call(
                "POST",
                "/api/invitations/preview",
                token=None,
                context=call_context(request),
                json={"token": token},
            )
        except ApiError as error:
            if error.status not in (404, 422):
                raise
            invalid, status_code = error.detail, 404
    here = f"/invitations/accept?token={token}"
    response = shared.templates.TemplateResponse(
        request,
        "invitation.html",
        {
            "me": None,
            "session": session,
            "csrf_token": session.csrf,
            "token": token,
            "invitation": preview,
            "invalid": invalid,
            "done": done,
            "errors": errors or {},
            "signed_in_as": session.email if session.signed_in else None,
            "sign_in_url": login_url(here),
        },
        status_code=status_code,
    )
    set_session_cookie(response, session, shared.settings)
    return response


@router.get("/invitations/accept")
async def invitation_page(request: Request) -> Response:
    return await _page(request, request.query_params.get("token", ""))


@router.post("/invitations/accept")
async def accept_invitation(request: Request) -> Response:
    shared = services(request)
    form = await request.form()
    token = str(form.get("token", ""))
    session = await current_session(request)
    if session is None or not hmac.compare_digest(str(form.get("csrf_token", "")), session.csrf):
        return await _page(request, token, errors={"form": "The form expired; please try again."})
    body: dict[str, Any] = {"token": token}
    if session.signed_in:
        page = Page(request, shared, session)
        try:
            done = await page.api("POST", "/api/invitations/accept", json=body)
        except ApiError as error:
            if error.status not in (403, 404, 409, 422):
                raise
            return await _page(
                request, token, errors={"form": error.detail}, status_code=error.status
            )
        await page.redirect("/", flash=f"You joined as {done['role']}.")
        return RedirectResponse("/", status_code=303)
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    if password != again:
        return await _page(
            request, token, errors={"password_again": "The two passwords differ."}, status_code=422
        )
    body.update(password=password, full_name=str(form.get("full_name", "")).strip())
    try:
        done = await shared.api.call(
            "POST", "/api/invitations/accept", token=None, context=call_context(request), json=body
        )
    except ApiError as error:
        if error.status not in (404, 409, 422):
            raise
        errors = error.field_errors() or {"form": error.detail}
        return await _page(request, token, errors=errors, status_code=error.status)
    return await _page(request, token, done=done)
