"""Request id, structured access log and HTTP metrics, as one pure ASGI middleware (no
per-request task or body buffering, unlike BaseHTTPMiddleware)."""

from __future__ import annotations

import itertools
import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finsight.observability.logging import get_logger
from finsight.observability.metrics import HTTP_IN_FLIGHT, HTTP_LATENCY, HTTP_REQUESTS

log = get_logger("finsight.http")
REQUEST_ID_HEADER = "x-request-id"
# A caller's own id is kept only if it is short and plain: it ends up in logs and audit rows.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


# Request ids: this process's random prefix and a counter (unique without a system call per
# request, as uuid4 made: 32 hex digits, as before).
_PROCESS_PREFIX = uuid.uuid4().hex[:16]
_counter = itertools.count()


def new_request_id() -> str:
    return f"{_PROCESS_PREFIX}{next(_counter):016x}"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = offered if VALID_REQUEST_ID.match(offered) else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        method = scope["method"]
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append(
                    (REQUEST_ID_HEADER.encode(), request_id.encode())
                )
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        HTTP_IN_FLIGHT.labels(method).inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            HTTP_IN_FLIGHT.labels(method).dec()
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "<unmatched>"
            HTTP_REQUESTS.labels(method, template, f"{status // 100}xx").inc()
            HTTP_LATENCY.labels(method, template).observe(elapsed)
            if template not in QUIET_ROUTES:
                log.info(
                    "request",
                    method=method,
                    route=template,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
            structlog.contextvars.unbind_contextvars("request_id")
