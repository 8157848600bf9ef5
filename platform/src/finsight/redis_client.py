"""The shared Redis client (login throttling, readiness); Celery keeps its own connections."""

from __future__ import annotations

import functools

import redis

from finsight.config import get_settings


@functools.cache
def get_redis() -> redis.Redis[str]:
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not set (run `finsight dev`, or set it)")
    return redis.Redis.from_url(
        url, decode_responses=True, socket_timeout=2.0, socket_connect_timeout=2.0
    )
