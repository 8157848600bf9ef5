"""The REST API over HTTP: one pooled httpx client, problem documents turned into ApiError."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

Params = Mapping[str, Any] | list[tuple[str, Any]] | None


@dataclass
class ApiError(Exception):
    """An answer of 4xx/5xx from the API, with its problem document's parts."""

    status: int
    detail: str
    code: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    request_id: str | None = None
    retry_after: int | None = None

    def __str__(self) -> str:
        return f"{self.status}: {self.detail}"

    def field_errors(self) -> dict[str, str]:
        """{field: message} for the errors that name a field."""
        return {str(e["field"]): str(e["message"]) for e in self.errors if e.get("field")}

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        detail = body.get("detail")
        if not isinstance(detail, str):
            detail = response.reason_phrase or "the API refused the request"
        retry = response.headers.get("retry-after")
        return cls(
            status=response.status_code,
            detail=detail,
            code=body.get("code"),
            errors=list(body.get("errors") or []),
            request_id=body.get("request_id") or response.headers.get("x-request-id"),
            retry_after=int(retry) if retry and retry.isdigit() else None,
        )


class ApiUnavailable(Exception):
    """The API did not answer (down, or too slow)."""


@dataclass(frozen=True)
class CallContext:
    """Who the call is for: forwarded so the API audits and throttles the browser's address."""

    client_ip: str | None = None
    request_id: str | None = None

    def headers(self, token: str | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self.client_ip:
            headers["X-Forwarded-For"] = self.client_ip
        if self.request_id:
            headers["X-Request-ID"] = self.request_id
        return headers


class ApiClient:
    """Thin: each method is one HTTP call. Raises ApiError for 4xx/5xx, ApiUnavailable when
    the API cannot be reached."""

    def __init__(
        self, base_url: str, timeout: float, transport: httpx.AsyncBaseTransport | None = None
    ):
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        context: CallContext,
        params: Params = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        try:
            response = await self._http.request(
                method,
                path,
                params=params,
                json=json,
                data=data,
                files=files,
                headers=context.headers(token),
            )
        except httpx.TransportError as exc:
            raise ApiUnavailable(f"the API did not answer: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def stream(
        self, path: str, *, token: str, context: CallContext, params: Params
    ) -> tuple[dict[str, str], AsyncIterator[bytes]]:
        """A streamed GET (exports): the headers to pass on and the body's chunks."""
        request = self._http.build_request(
            "GET", path, params=params, headers=context.headers(token)
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise ApiUnavailable(f"the API did not answer: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            raise ApiError.from_response(response)
        passed = {
            name: response.headers[name]
            for name in ("content-type", "content-disposition")
            if name in response.headers
        }

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in response.aiter_bytes():
                    yield chunk
            finally:
                await response.aclose()

        return passed, body()
