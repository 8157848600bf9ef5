"""Typed errors, rendered in one place as RFC 9457 problem documents."""

from __future__ import annotations

from typing import Any


class FinsightError(Exception):
    """An error a client can act on. `status` is its HTTP status; the CLI prints `detail`."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.headers: dict[str, str] = {}


class InvalidInput(FinsightError):
    status = 422
    code = "invalid_input"
    title = "Invalid input"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail, errors=[{"field": field, "message": detail}] if field else None)


class NotAuthenticated(FinsightError):
    status = 401
    code = "not_authenticated"
    title = "Not authenticated"

    def __init__(self, detail: str = "Authentication required") -> None:
        super().__init__(detail)
        self.headers["WWW-Authenticate"] = "Bearer"


class PermissionDenied(FinsightError):
    status = 403
    code = "permission_denied"
    title = "Permission denied"


class NotFound(FinsightError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(FinsightError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Busy(Conflict):
    """What the request would change is held by other work (an analytics run, an import) for
    longer than a request waits (`request_lock_timeout_ms`): try again shortly."""

    code = "busy"
    title = "Busy"

    def __init__(self, detail: str, *, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.headers["Retry-After"] = str(retry_after)


class TooManyRequests(FinsightError):
    status = 429
    code = "too_many_requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.headers["Retry-After"] = str(retry_after)


class ServiceUnavailable(FinsightError):
    status = 503
    code = "service_unavailable"
    title = "Service unavailable"
