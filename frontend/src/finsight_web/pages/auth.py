"""Sign in and out, switch organization, change password."""

from __future__ import annotations

import contextlib
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from finsight_web.client import ApiError
from finsight_web.context import (
    Page,
    call_context,
    current_session,
    safe_next,
    services,
    set_session_cookie,
    signed_in,
)
from finsight_web.sessions import COOKIE_NAME, WebSession

router = APIRouter()
SignedIn = Annotated[Page, Depends(signed_in)]


async def _login_form(
    request: Request, *, error: str | None = None, email: str = "", status_code: int = 200
) -> Response:
    """The sign-in page, with a pre-session that carries the form's CSRF token."""
    shared = services(request)
    session = await current_session(request)
    if session is None:
        session = shared.sessions.new()
        await shared.sessions.save(session)
    response = shared.templates.TemplateResponse(
        request,
        "login.html",
        {
            "me": None,
            "csrf_token": session.csrf,
            "error": error,
            "email": email,
            "next": safe_next(request.query_params.get("next")),
        },
        status_code=status_code,
    )
    set_session_cookie(response, session, shared.settings)
    return response


@router.get("/login")
async def login_page(request: Request) -> Response:
    session = await current_session(request)
    if session is not None and session.signed_in:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return await _login_form(request)


@router.post("/login")
async def login(request: Request) -> Response:
    shared = services(request)
    form = await request.form()
    session = await current_session(request)
    if session is None or not hmac.compare_digest(str(form.get("csrf_token", "")), session.csrf):
        # An expired pre-session or a forged form: show a fresh form rather than an error.
        return await _login_form(request, error="The form expired; please sign in again.")
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    organization = str(form.get("organization", "")).strip() or None
    if not email or not password:
        return await _login_form(
            request, error="Enter your email and password.", email=email, status_code=422
        )
    try:
        tokens: dict[str, Any] = await shared.api.call(
            "POST",
            "/api/auth/login",
            token=None,
            context=call_context(request),
            json={"email": email, "password": password, "organization": organization},
        )
    except ApiError as error:
        if error.code == "two_factor_enrollment_required":
            return await _enrol_first(request, session, email, password, error.detail)
        return await _login_form(
            request, error=_refusal(error), email=email, status_code=error.status
        )
    next_url = safe_next(str(form.get("next", "/")))
    if tokens.get("second_factor_required"):
        session.second_factor_challenge = str(tokens["challenge"])
        session.second_factor_next = next_url
        session.email = email
        await shared.sessions.save(session)
        return await _code_form(request, session)
    return await _signed_in(request, session, email, tokens, next_url)


def _refusal(error: ApiError) -> str:
    if error.status == 429:
        wait = f" in {error.retry_after} seconds" if error.retry_after else " later"
        return f"Too many sign-in attempts. Try again{wait}."
    if error.status in (401, 403):
        return error.detail if error.status == 403 else "Wrong email or password."
    return error.detail


async def _signed_in(
    request: Request, session: WebSession, email: str, tokens: dict[str, Any], next_url: str
) -> Response:
    shared = services(request)
    session = await shared.sessions.rotate(session)
    session.email = email
    session.second_factor_challenge = session.second_factor_next = None
    session.set_tokens(tokens)
    await shared.sessions.save(session)
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookie(response, session, shared.settings)
    return response


async def _code_form(
    request: Request, session: WebSession, *, error: str | None = None, status_code: int = 200
) -> Response:
    shared = services(request)
    response = shared.templates.TemplateResponse(
        request,
        "login_code.html",
        {"me": None, "csrf_token": session.csrf, "error": error, "email": session.email},
        status_code=status_code,
    )
    set_session_cookie(response, session, shared.settings)
    return response


async def _enrol_first(
    request: Request, session: WebSession, email: str, password: str, reason: str
) -> Response:
    """The organization requires two-factor sign-in and this account has none: sign in to
    the account alone (no organization) and go straight to turning it on."""
    shared = services(request)
    try:
        tokens = await shared.api.call(
            "POST",
            "/api/auth/login",
            token=None,
            context=call_context(request),
            json={"email": email, "password": password, "personal": True},
        )
    except ApiError as error:
        return await _login_form(
            request, error=_refusal(error), email=email, status_code=error.status
        )
    session.flash(f"{reason.split(':')[0]}. Turn it on below, then sign in again.", "error")
    return await _signed_in(request, session, email, tokens, "/settings/two-factor")


@router.post("/login/code")
async def login_code(request: Request) -> Response:
    shared = services(request)
    form = await request.form()
    session = await current_session(request)
    if (
        session is None
        or not hmac.compare_digest(str(form.get("csrf_token", "")), session.csrf)
        or not session.second_factor_challenge
    ):
        return await _login_form(request, error="The form expired; please sign in again.")
    code = str(form.get("code", "")).strip()
    try:
        tokens: dict[str, Any] = await shared.api.call(
            "POST",
            "/api/auth/login/totp",
            token=None,
            context=call_context(request),
            json={"challenge": session.second_factor_challenge, "code": code},
        )
    except ApiError as error:
        if error.status == 401 and "challenge" in error.detail:
            session.second_factor_challenge = None
            await shared.sessions.save(session)
            return await _login_form(request, error=error.detail, status_code=401)
        if error.code == "two_factor_enrollment_required" or error.status == 403:
            return await _login_form(request, error=error.detail, status_code=403)
        message = "Wrong or already used code." if error.status in (401, 422) else _refusal(error)
        return await _code_form(request, session, error=message, status_code=error.status)
    email = session.email or ""
    return await _signed_in(request, session, email, tokens, session.second_factor_next or "/")


@router.post("/logout")
async def logout(page: SignedIn) -> Response:
    await page.form()
    # The session ends here whatever the API says (it may have ended already).
    with contextlib.suppress(ApiError):
        await page.api(
            "POST", "/api/auth/logout", json={"refresh_token": page.session.refresh_token}
        )
    await page.end_session()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.post("/switch")
async def switch_organization(page: SignedIn) -> Response:
    form = await page.form()
    slug = str(form.get("organization", "")).strip()
    tokens = await page.api("POST", "/api/auth/switch", json={"organization": slug})
    page.session.set_tokens(tokens)
    name = (tokens.get("organization") or {}).get("name", slug)
    return await page.redirect("/", flash=f"Switched to {name}.")


@router.get("/account/password")
async def password_page(page: SignedIn) -> Response:
    return await page.render("password.html", errors={})


@router.post("/account/password")
async def change_password(page: SignedIn) -> Response:
    form = await page.form()
    current, new, again = (
        str(form.get(name, ""))
        for name in ("current_password", "new_password", "new_password_again")
    )
    if new != again:
        errors = {"new_password_again": "The two new passwords differ."}
        return await page.render("password.html", status_code=422, errors=errors)
    try:
        await page.api(
            "POST",
            "/api/users/me/password",
            json={"current_password": current, "new_password": new},
        )
    except ApiError as error:
        if error.status != 422:
            raise
        errors = error.field_errors() or {"new_password": error.detail}
        return await page.render("password.html", status_code=422, errors=errors)
    return await page.redirect("/", flash="Password changed. Your other sessions were signed out.")
