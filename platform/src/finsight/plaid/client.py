"""Every call to Plaid goes through the official client (plaid-python), built here from settings,
and through `call`, which logs it with Plaid's request id (never a token) and turns Plaid's
error answers into `PlaidCallError`."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

import plaid
from plaid.api import plaid_api

from finsight.config import Settings, get_settings
from finsight.errors import FinsightError, ServiceUnavailable
from finsight.observability.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")

# Plaid's error types and codes worth trying again later (with backoff).
RETRYABLE_TYPES = frozenset({"RATE_LIMIT_EXCEEDED", "API_ERROR", "INSTITUTION_ERROR"})
RETRYABLE_CODES = frozenset({"PRODUCT_NOT_READY", "INTERNAL_SERVER_ERROR"})


class PlaidNotConfigured(ServiceUnavailable):
    code = "plaid_not_configured"


class PlaidCallError(FinsightError):
    """An error answer (or no answer) from Plaid; as an API answer: 422 for what Plaid refused
    as invalid (a spent public token), 409 for an item that needs a person, 502 otherwise."""

    code = "plaid_error"
    title = "Plaid error"

    def __init__(
        self,
        operation: str,
        status: int | None,
        error_type: str,
        error_code: str,
        message: str,
        request_id: str | None = None,
    ) -> None:
        super().__init__(f"Plaid refused {operation}: {error_code} ({message})")
        self.operation, self.plaid_status = operation, status
        self.error_type, self.error_code, self.message = error_type, error_code, message
        self.request_id = request_id
        if error_type in ("INVALID_INPUT", "INVALID_REQUEST") and status is not None:
            self.status = 422
        elif error_type == "ITEM_ERROR":
            self.status = 409
        else:
            self.status = 502

    @property
    def retryable(self) -> bool:
        status = self.plaid_status
        return (
            status is None
            or status == 429
            or status >= 500
            or self.error_type in RETRYABLE_TYPES
            or self.error_code in RETRYABLE_CODES
        )


def base_url(settings: Settings) -> str:
    if settings.plaid_host:
        return settings.plaid_host.rstrip("/")
    if settings.plaid_env == "production":
        return str(plaid.Environment.Production)
    return str(plaid.Environment.Sandbox)


@functools.cache
def _api(host: str, client_id: str, secret: str) -> plaid_api.PlaidApi:
    configuration = plaid.Configuration(
        host=host, api_key={"clientId": client_id, "secret": secret}
    )
    return plaid_api.PlaidApi(plaid.ApiClient(configuration))


def api(settings: Settings | None = None) -> plaid_api.PlaidApi:
    settings = settings or get_settings()
    if not settings.plaid_client_id or settings.plaid_secret is None:
        raise PlaidNotConfigured(
            "Plaid is not configured: set PLAID_CLIENT_ID and PLAID_SECRET "
            "(`finsight dev` runs a local Plaid without them)"
        )
    return _api(
        base_url(settings),
        settings.plaid_client_id,
        settings.plaid_secret.get_secret_value(),
    )


def _parse_error(operation: str, exc: plaid.ApiException) -> PlaidCallError:
    try:
        body = json.loads(exc.body or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return PlaidCallError(
        operation,
        exc.status,
        str(body.get("error_type") or "API_ERROR"),
        str(body.get("error_code") or f"HTTP_{exc.status}"),
        str(body.get("error_message") or exc.reason or "no message"),
        body.get("request_id"),
    )


def call(operation: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)`, a plaid-python call, logged with Plaid's request id."""
    kwargs.setdefault("_request_timeout", get_settings().plaid_timeout_seconds)
    started = time.perf_counter()
    try:
        result = function(*args, **kwargs)
    except plaid.ApiException as exc:
        error = _parse_error(operation, exc)
        log.warning(
            "plaid.call.failed",
            operation=operation,
            status=error.plaid_status,
            error_code=error.error_code,
            request_id=error.request_id,
        )
        raise error from None
    except OSError as exc:  # refused, reset, timed out (urllib3's errors are OSErrors)
        log.warning("plaid.call.unreachable", operation=operation, error=type(exc).__name__)
        raise PlaidCallError(operation, None, "API_ERROR", "UNREACHABLE", str(exc)) from None
    except Exception as exc:  # urllib3's MaxRetryError and friends
        if type(exc).__module__.startswith("urllib3"):
            log.warning("plaid.call.unreachable", operation=operation, error=type(exc).__name__)
            raise PlaidCallError(operation, None, "API_ERROR", "UNREACHABLE", str(exc)) from None
        raise
    request_id = getattr(result, "request_id", None)
    if request_id is None and hasattr(result, "headers"):  # an unparsed HTTP response
        request_id = result.headers.get("plaid-request-id")
    log.info(
        "plaid.call",
        operation=operation,
        request_id=request_id,
        ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return result
