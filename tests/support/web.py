"""A browser-less client of the dashboard: keeps the session cookie, reads forms' CSRF tokens.

httpx (like Python's cookiejar) never sends a Secure cookie over http://, while browsers do for
127.0.0.1; so this client carries the session cookie itself.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from support.api import PASSWORD

COOKIE = "finsight_session"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebClient:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60, follow_redirects=False)
        self.session_id: str | None = None

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.session_id:
            headers["Cookie"] = f"{COOKIE}={self.session_id}"
        response = self.http.request(method, url, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            if name == COOKIE:
                value = rest.split(";", 1)[0].strip('"')
                self.session_id = value or None
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def follow(self, response: httpx.Response) -> httpx.Response:
        while response.status_code in (301, 302, 303, 307):
            response = self.get(response.headers["location"])
        return response

    def csrf(self, url: str = "/") -> str:
        page = self.get(url)
        match = _CSRF.search(page.text)
        assert match, f"no form on {url}: {page.status_code} {page.text[:300]}"
        return match.group(1)

    def post(
        self,
        url: str,
        data: dict[str, Any] | None = None,
        *,
        csrf_from: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        body = dict(data or {})
        body.setdefault("csrf_token", self.csrf(csrf_from or url))
        return self.request("POST", url, data=body, **kwargs)

    def sign_in(
        self, email: str, password: str = PASSWORD, org: str | None = None
    ) -> httpx.Response:
        response = self.post(
            "/login",
            {"email": email, "password": password, "organization": org or ""},
            csrf_from="/login",
        )
        assert response.status_code == 303, response.text[:500]
        return response
