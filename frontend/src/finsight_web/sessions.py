"""Server-side sessions in Redis: the browser holds only a random id in an HttpOnly cookie.

The user's API tokens never reach the browser. The Redis key is a hash of the cookie's value,
so what Redis holds (or a dump of it) cannot be replayed as a cookie.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from redis.asyncio import Redis

COOKIE_NAME = "finsight_session"
_KEY = "web:session:"
_REFRESH_LOCK = "web:refresh-lock:"
_DRAFT = "web:upload:"


def _key(session_id: str) -> str:
    return _KEY + hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class WebSession:
    id: str
    csrf: str
    access_token: str | None = None
    refresh_token: str | None = None
    access_expires_at: float = 0.0  # epoch seconds
    email: str | None = None
    org_slug: str | None = None
    flashes: list[tuple[str, str]] = field(default_factory=list)  # (level, message)
    # Between password and code of a two-factor sign-in: the API's challenge, and where to go.
    second_factor_challenge: str | None = None
    second_factor_next: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.refresh_token is not None

    def set_tokens(self, tokens: dict[str, Any]) -> None:
        self.access_token = str(tokens["access_token"])
        self.refresh_token = str(tokens["refresh_token"])
        self.access_expires_at = time.time() + int(tokens.get("expires_in") or 0)
        organization = tokens.get("organization") or {}
        self.org_slug = organization.get("slug")

    def flash(self, message: str, level: str = "success") -> None:
        self.flashes.append((level, message))


def _new_id() -> str:
    return secrets.token_urlsafe(32)


class SessionStore:
    def __init__(self, redis: Redis[bytes], idle_seconds: int) -> None:
        self.redis = redis
        self.idle_seconds = idle_seconds

    def new(self) -> WebSession:
        return WebSession(id=_new_id(), csrf=secrets.token_urlsafe(32))

    async def load(self, session_id: str | None) -> WebSession | None:
        if not session_id or len(session_id) > 100:
            return None
        # Read and restart the idle timeout in one round trip.
        raw = await self.redis.getex(_key(session_id), ex=self.idle_seconds)
        if raw is None:
            return None
        data = json.loads(raw)
        data["flashes"] = [tuple(item) for item in data.get("flashes", [])]
        return WebSession(id=session_id, **{k: v for k, v in data.items() if k != "id"})

    async def save(self, session: WebSession) -> None:
        data = asdict(session)
        data.pop("id")
        await self.redis.set(_key(session.id), json.dumps(data), ex=self.idle_seconds)

    async def delete(self, session: WebSession) -> None:
        await self.redis.delete(_key(session.id))

    async def rotate(self, session: WebSession) -> WebSession:
        """A new id (and CSRF token) for the same session: done at sign-in against fixation."""
        await self.delete(session)
        session.id = _new_id()
        session.csrf = secrets.token_urlsafe(32)
        return session

    def refresh_lock(self, session: WebSession) -> Any:
        """Held while refreshing tokens: two tabs must not both spend the same refresh token
        (the API would take that for theft and revoke the sign-in)."""
        return self.redis.lock(
            _REFRESH_LOCK + hashlib.sha256(session.id.encode()).hexdigest(),
            timeout=15,
            blocking_timeout=15,
        )

    async def put_draft(self, session: WebSession, draft_id: str, payload: bytes, ttl: int) -> None:
        await self.redis.set(self._draft_key(session, draft_id), payload, ex=ttl)

    async def get_draft(self, session: WebSession, draft_id: str) -> bytes | None:
        value = await self.redis.get(self._draft_key(session, draft_id))
        return bytes(value) if value is not None else None

    async def delete_draft(self, session: WebSession, draft_id: str) -> None:
        await self.redis.delete(self._draft_key(session, draft_id))

    @staticmethod
    def _draft_key(session: WebSession, draft_id: str) -> str:
        # Bound to the session: another user cannot fetch a draft by guessing its id.
        return _DRAFT + hashlib.sha256(f"{session.id}:{draft_id}".encode()).hexdigest()
