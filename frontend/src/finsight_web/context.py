"""Per request: the browser's session, the API called as its user, CSRF checks, rendering.

Access tokens are short-lived: one about to expire is refreshed before the call, and a call
answered 401 is retried once after a refresh, so the user never notices. A refresh that fails
(signed out elsewhere, password changed, membership removed) ends the web session too.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from finsight_web.client import ApiClient, ApiError, CallContext, Params
from finsight_web.sessions import COOKIE_NAME, SessionStore, WebSession
from finsight_web.settings import WebSettings

REFRESH_MARGIN_SECONDS = 30
PAGE_SIZES = (25, 50, 100, 200)


class SignInRequired(Exception):
    def __init__(self, next_url: str = "/") -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfFailed(Exception):
    """The form's token is missing or not this session's."""


@dataclass
class Services:
    """What every request shares: created once by the app, kept in app.state."""

    settings: WebSettings
    api: ApiClient
    sessions: SessionStore
    templates: Jinja2Templates


def services(request: Request) -> Services:
    shared: Services = request.app.state.services
    return shared


def call_context(request: Request) -> CallContext:
    return CallContext(
        client_ip=request.client.host if request.client else None,
        request_id=getattr(request.state, "request_id", None),
    )


def path_and_query(request: Request) -> str:
    """The address of the request on this site: what to come back to."""
    url = request.url
    return url.path + (f"?{url.query}" if url.query else "")


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def page_size(query: dict[str, str]) -> int:
    """A list's page size from the page's query: one of PAGE_SIZES, else 50."""
    text = query.get("limit", "")
    return int(text) if text.isdecimal() and int(text) in PAGE_SIZES else 50


def form_list(value: Any) -> list[str]:
    """A form field that may repeat (see `Page.form`), as a list of its non-blank values."""
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [str(item).strip() for item in items if str(item).strip()]


@dataclass
class Page:
    """A signed-in request. `api()` calls the REST API as the session's user."""

    request: Request
    shared: Services
    session: WebSession
    _me: dict[str, Any] | None = field(default=None, init=False)

    # --- the API -------------------------------------------------------------------------
    async def api(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        json: Any = None,
        data: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        if self.session.access_expires_at - time.time() < REFRESH_MARGIN_SECONDS:
            await self.refresh_tokens()
        try:
            return await self._call(method, path, params, json, data, files)
        except ApiError as error:
            if error.status != 401:
                raise
        await self.refresh_tokens(force=True)
        try:
            return await self._call(method, path, params, json, data, files)
        except ApiError as error:
            if error.status == 401:
                await self.end_session()
                raise SignInRequired(self.here) from error
            raise

    async def _call(
        self,
        method: str,
        path: str,
        params: Params,
        json: Any,
        data: dict[str, Any] | None,
        files: dict[str, tuple[str, bytes, str]] | None,
    ) -> Any:
        return await self.shared.api.call(
            method,
            path,
            token=self.session.access_token,
            context=call_context(self.request),
            params=params,
            json=json,
            data=data,
            files=files,
        )

    async def refresh_tokens(self, *, force: bool = False) -> None:
        spent = self.session.refresh_token
        async with self.shared.sessions.refresh_lock(self.session):
            # Another request of this browser may have refreshed while this one waited.
            current = await self.shared.sessions.load(self.session.id)
            if current is None or not current.signed_in:
                raise SignInRequired(self.here)
            if current.refresh_token != spent or (
                not force and current.access_expires_at - time.time() >= REFRESH_MARGIN_SECONDS
            ):
                self.session.access_token = current.access_token
                self.session.refresh_token = current.refresh_token
                self.session.access_expires_at = current.access_expires_at
                self.session.org_slug = current.org_slug
                return
            try:
                tokens = await self.shared.api.call(
                    "POST",
                    "/api/auth/refresh",
                    token=None,
                    context=call_context(self.request),
                    json={"refresh_token": spent},
                )
            except ApiError as error:
                if error.status in (400, 401, 403, 422):
                    await self.end_session()
                    raise SignInRequired(self.here) from error
                raise
            self.session.set_tokens(tokens)
            await self.shared.sessions.save(self.session)

    async def end_session(self) -> None:
        await self.shared.sessions.delete(self.session)

    async def filtered_list(self, path: str, params: Params) -> tuple[dict[str, Any], str | None]:
        """A page of a list the user filtered. A filter the API refuses (422) becomes the
        page's message next to an empty list, not an error page."""
        try:
            return await self.api("GET", path, params=params), None
        except ApiError as problem:
            if problem.status != 422:
                raise
            return {"items": [], "next_cursor": None}, problem.detail

    # --- who is signed in ------------------------------------------------------------------
    async def me(self) -> dict[str, Any]:
        if self._me is None:
            self._me = await self.api("GET", "/api/users/me")
        return self._me

    async def can(self, permission: str) -> bool:
        return permission in (await self.me())["permissions"]

    async def runs(self, feature: str) -> bool:
        """Whether the API runs an optional part of the product (`analytics`)."""
        return feature in (await self.me()).get("features", [])

    async def analytics_off(self, title: str) -> Response | None:
        """The page saying analytics is turned off, when it is; else None."""
        if await self.runs("analytics"):
            return None
        return await self.render("analytics_off.html", status_code=404, title=title)

    # --- forms -------------------------------------------------------------------------------
    async def form(self) -> dict[str, Any]:
        """The submitted form, after checking its CSRF token. Repeated fields become lists."""
        raw = await self.request.form()
        if not hmac.compare_digest(str(raw.get("csrf_token", "")), self.session.csrf):
            raise CsrfFailed()
        values: dict[str, Any] = {}
        for key in raw:
            items = raw.getlist(key)
            values[key] = items if len(items) > 1 or key.endswith("[]") else items[0]
        return values

    # --- answers -----------------------------------------------------------------------------
    @property
    def here(self) -> str:
        return path_and_query(self.request)

    async def render(self, template: str, status_code: int = 200, **values: Any) -> Response:
        flashes, self.session.flashes = self.session.flashes, []
        if flashes:
            await self.shared.sessions.save(self.session)
        me = await self.me()
        return self.shared.templates.TemplateResponse(
            self.request,
            template,
            {
                "me": me,
                "session": self.session,
                "flashes": flashes,
                "bell": await self._bell(me),
                **values,
            },
            status_code=status_code,
        )

    async def _bell(self, me: dict[str, Any]) -> int | None:
        """Unread in-app notifications for the top bar's bell (None: no bell for this person)."""
        if "alerts" not in me.get("features", []) or "alerts:read" not in me["permissions"]:
            return None
        try:
            feed = await self.api("GET", "/api/in-app-notifications", params={"limit": 1})
        except ApiError:
            return None  # the bell never breaks a page
        return int(feed["unread"])

    async def redirect(
        self, url: str, flash: str | None = None, level: str = "success"
    ) -> Response:
        if flash:
            self.session.flash(flash, level)
            await self.shared.sessions.save(self.session)
        return RedirectResponse(url, status_code=303)


async def current_session(request: Request) -> WebSession | None:
    return await services(request).sessions.load(request.cookies.get(COOKIE_NAME))


async def signed_in(request: Request) -> Page:
    """FastAPI dependency of every page behind sign-in."""
    session = await current_session(request)
    if session is None or not session.signed_in:
        raise SignInRequired(path_and_query(request))
    return Page(request, services(request), session)


def login_url(next_url: str) -> str:
    target = safe_next(next_url)
    return "/login" if target == "/" else f"/login?next={quote(target, safe='')}"


def set_session_cookie(response: Response, session: WebSession, settings: WebSettings) -> None:
    # A browser-session cookie: the server-side idle timeout decides when a sign-in ends.
    response.set_cookie(
        COOKIE_NAME,
        session.id,
        httponly=True,
        secure=settings.web_cookie_secure,
        samesite="lax",
        path="/",
    )
