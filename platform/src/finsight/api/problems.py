"""Every error leaves the API as an RFC 9457 problem document, rendered here and nowhere else.

Refused or failed sign-ins and writes (401, 403, 429 on a mutating call) are audited here, in a
transaction of their own, since the request's own transaction rolls back.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg.errors import LockNotAvailable
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from finsight.api.validation_text import in_words
from finsight.audit.anonymous import Refusal, record_anonymous_refusal
from finsight.audit.service import record
from finsight.db import platform_session
from finsight.errors import Busy, FinsightError
from finsight.kit.identity import Actor
from finsight.observability.logging import get_logger

log = get_logger(__name__)

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AUDITED_STATUSES = {401: "failure", 403: "denied", 429: "denied"}


class FieldError(BaseModel):
    field: str | None = Field(description="Dotted path of the offending field", examples=["email"])
    message: str = Field(examples=["value is not a valid email address"])


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(examples=["https://finsight.dev/problems/not_found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["member not found"])
    code: str = Field(description="Stable machine-readable error code", examples=["not_found"])
    request_id: str | None = Field(default=None, examples=["0f1e2d3c4b5a69788796a5b4c3d2e1f0"])
    errors: list[FieldError] = Field(default_factory=list)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting the problems a route can answer."""
    return {
        status: {"model": Problem, "content": {"application/problem+json": {}}}
        for status in statuses
    }


def _render(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"https://finsight.dev/problems/{code}",
        title=title,
        status=status,
        detail=detail,
        code=code,
        request_id=getattr(request.state, "request_id", None),
        errors=[FieldError(**error) for error in errors or []],
    )
    return JSONResponse(
        body.model_dump(),
        status_code=status,
        headers=headers,
        media_type="application/problem+json",
    )


def _audit_refusal(request: Request, status: int, detail: str) -> None:
    result = AUDITED_STATUSES.get(status)
    if result is None or request.method not in MUTATING_METHODS:
        return
    route = request.scope.get("route")
    action = getattr(route, "name", None) or f"{request.method} {request.url.path}"
    principal = getattr(request.state, "principal", None)
    if principal is None:
        # Anyone can send these: counted, and summarised in the log (audit.anonymous).
        try:
            record_anonymous_refusal(
                Refusal(
                    action=action,
                    result=result,
                    status=status,
                    detail=detail,
                    ip=request.client.host if request.client else None,
                    email=getattr(request.state, "actor_email", None),
                    request_id=getattr(request.state, "request_id", None),
                )
            )
        except Exception:  # an unreachable database must not turn a 401 into a 500
            log.exception("audit.refusal_not_recorded", action=action)
        return
    actor = Actor(
        user_id=principal.user_id if principal else None,
        email=principal.email if principal else getattr(request.state, "actor_email", None),
        ip=request.client.host if request.client else None,
        request_id=getattr(request.state, "request_id", None),
    )
    org_id = principal.org.id if principal and principal.org else None
    try:
        with platform_session() as session:
            record(
                session,
                org_id=org_id,
                actor=actor,
                action=action,
                result=result,
                details={"status": status, "detail": detail},
            )
    except Exception:  # an unreachable database must not turn a 401 into a 500
        log.exception("audit.refusal_not_recorded", action=action)


def _method_not_allowed(request: Request, *, always: bool = False) -> JSONResponse | None:
    """A 405 whose `Allow` lists every method of the path, over all routes (Starlette's lists
    only the first route matching it). Without `always`, only when a static route names the
    path and lacks the method: then no template's id may take the path instead."""
    from finsight.api.contract import allowed_methods  # contract documents these problems

    methods, static = allowed_methods(request.app, request.url.path)
    if not methods or request.method in methods or not (static or always):
        return None
    allow = ", ".join(sorted(methods))
    return _render(
        request,
        405,
        "method_not_allowed",
        "Method not allowed",
        f"{request.method} is not allowed here; allowed: {allow}",
        headers={"Allow": allow},
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(FinsightError)
    async def finsight_error(request: Request, exc: FinsightError) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        await run_in_threadpool(_audit_refusal, request, exc.status, exc.detail)
        return _render(
            request, exc.status, exc.code, exc.title, exc.detail, exc.errors, exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        refused = _method_not_allowed(request)
        if refused is not None:  # a static path taken for a template's id: `GET .../preview`
            return refused
        errors = [
            {
                "field": ".".join(str(part) for part in error["loc"][1:]) or None,
                "message": in_words(error),
            }
            for error in exc.errors()
        ]
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        detail = (
            f"{first['field']}: {first['message']}" if first["field"] else str(first["message"])
        )
        return _render(request, 422, "invalid_input", "Invalid input", detail, errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            refused = _method_not_allowed(request, always=True)
            if refused is not None:
                return refused
        code = {400: "malformed_body", 404: "not_found"}.get(exc.status_code, "http_error")
        return _render(
            request,
            exc.status_code,
            code,
            str(exc.detail),
            str(exc.detail),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if isinstance(exc.orig, LockNotAvailable):
            # The request's lock_timeout ran out: other work holds what this would change.
            busy = Busy(
                "this is being updated by other work (an analytics run or an import); "
                "nothing was changed: try again in a few seconds"
            )
            log.info("request.busy", path=request.url.path)
            return await finsight_error(request, busy)
        return await unexpected_error(request, exc)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request.failed", error=type(exc).__name__)
        return _render(
            request,
            500,
            "internal_error",
            "Internal error",
            "an unexpected error occurred; quote the request id when reporting it",
        )
