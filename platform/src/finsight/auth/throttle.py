"""Login throttling per account and per client address, in Redis (shared by every api replica).

Counters are checked before the password is, so a throttled attempt costs nothing, and unknown
accounts are counted like known ones, so throttling reveals nothing about who exists.
"""

from __future__ import annotations

import hashlib

import redis

from finsight.config import Settings
from finsight.errors import ServiceUnavailable, TooManyRequests

PREFIX = "finsight:login-failures"


class LoginThrottle:
    def __init__(self, client: redis.Redis[str], settings: Settings) -> None:
        self.client = client
        self.window = settings.login_failure_window_seconds
        self.limits = {
            "account": settings.login_max_failures_per_account,
            "address": settings.login_max_failures_per_address,
        }

    def _keys(self, email: str, address: str | None) -> dict[str, str]:
        # Emails are hashed: Redis holds no personal data.
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        keys = {"account": f"{PREFIX}:account:{account}"}
        if address:
            keys["address"] = f"{PREFIX}:address:{address}"
        return keys

    def check(self, email: str, address: str | None) -> None:
        keys = self._keys(email, address)
        try:
            pipe = self.client.pipeline()
            for key in keys.values():
                pipe.get(key)
                pipe.ttl(key)
            replies = pipe.execute()
        except redis.RedisError as exc:
            raise ServiceUnavailable("sign-in is unavailable: the throttle store is down") from exc
        for index, kind in enumerate(keys):
            failures, ttl = replies[2 * index], replies[2 * index + 1]
            if failures is not None and int(failures) >= self.limits[kind]:
                raise TooManyRequests(
                    "too many failed sign-ins; try again later", retry_after=max(int(ttl), 1)
                )

    def record_failure(self, email: str, address: str | None) -> None:
        for key in self._keys(email, address).values():
            if self.client.incr(key) == 1:
                self.client.expire(key, self.window)

    def reset_account(self, email: str) -> None:
        self.client.delete(self._keys(email, None)["account"])
