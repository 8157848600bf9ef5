"""create_web_app(): the dashboard's FastAPI application (pages, static files, error pages)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from redis.asyncio import Redis
from starlette.exceptions import HTTPException as StarletteHTTPException

from finsight_web import formatting
from finsight_web.client import ApiClient, ApiError, ApiUnavailable
from finsight_web.context import CsrfFailed, Services, SignInRequired, login_url, services
from finsight_web.navigation import nav_items
from finsight_web.pages import PAGES
from finsight_web.security import SecurityHeadersMiddleware
from finsight_web.sessions import COOKIE_NAME, SessionStore
from finsight_web.settings import WebSettings, get_web_settings

HERE = Path(__file__).parent


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates")
    env = templates.env
    env.filters.update(
        money=formatting.money,
        day=formatting.day,
        month=formatting.month_label,
        percent=formatting.percent,
    )
    env.globals.update(qs=formatting.query_string, navigation=nav_items(PAGES))
    return templates


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    templates: Jinja2Templates = services(request).templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "message": message,
            "request_id": getattr(request.state, "request_id", None),
            "me": None,
        },
        status_code=status,
    )


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        response = RedirectResponse(login_url(exc.next_url), status_code=303)
        response.delete_cookie(COOKIE_NAME, path="/")
        return response

    @app.exception_handler(CsrfFailed)
    async def csrf(request: Request, exc: CsrfFailed) -> Response:
        return _error_page(
            request,
            403,
            "This form has expired",
            "The page was open too long or was sent from elsewhere. Go back, reload it and "
            "try again.",
        )

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        if exc.status == 403:
            return _error_page(
                request,
                403,
                "You don't have access to this page",
                f"{exc.detail}. Ask an owner or admin of your organization if you need it.",
            )
        if exc.status == 404:
            return _error_page(request, 404, "Not found", "There is nothing here, or no longer.")
        if exc.status == 429:
            wait = f" Try again in {exc.retry_after} seconds." if exc.retry_after else ""
            return _error_page(request, 429, "Too many requests", exc.detail + "." + wait)
        if exc.status < 500:
            return _error_page(request, exc.status, "That did not work", exc.detail)
        return _error_page(
            request,
            502,
            "Something went wrong on our side",
            "The service failed to answer this request. It has been logged; please try again.",
        )

    @app.exception_handler(ApiUnavailable)
    async def unavailable(request: Request, exc: ApiUnavailable) -> Response:
        return _error_page(
            request,
            503,
            "The service is unavailable",
            "The finsight API is not answering right now. Please try again in a moment.",
        )

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        # Logged by the server with its traceback; the user gets a page, not a reset connection.
        return _error_page(
            request,
            500,
            "Something went wrong",
            "This page failed. It has been logged; please try again.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_page(request, 404, "Not found", "There is no page at this address.")
        if exc.status_code == 405:
            return _error_page(request, 405, "Not allowed", "This page cannot be used that way.")
        return _error_page(request, exc.status_code, "That did not work", str(exc.detail))


def create_web_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or get_web_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = Redis.from_url(settings.session_redis_url)
        api = ApiClient(settings.api_url, settings.web_api_timeout_seconds)
        app.state.services = Services(
            settings=settings,
            api=api,
            sessions=SessionStore(redis, settings.web_session_idle_seconds),
            templates=make_templates(),
        )
        try:
            yield
        finally:
            await api.aclose()
            await redis.aclose()  # type: ignore[attr-defined]  # (types-redis predates it)

    app = FastAPI(
        title="finsight web", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.web_cookie_secure)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    install_error_pages(app)
    for module in PAGES:
        app.include_router(module.router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
