"""Refusals of anonymous callers, aggregated before they reach the audit log.

The audit log is append-only and hash-chained: one row per unauthenticated 401 (a bad token, a
sign-in of an unknown user, a scanner) would let anyone on the internet grow it without bound
(a Schemathesis run added 9,232 rows). So refusals without a signed-in caller are counted in
Redis per client address, action and status, in windows of AUDIT_ANONYMOUS_WINDOW_SECONDS, and
the log gets a summary row only when a count reaches 1, 10, 100, 1,000, ... within a window
(each carrying the count so far), plus, when the next window opens, the exact total of the last
one. A flood of n refusals from one address costs about log10(n) + 1 rows per window.

Refusals of signed-in callers (403 on a write, a 429) are still recorded one by one by the
problem handler: those are a member's actions. If Redis cannot be reached, the refusal is
recorded as before, unaggregated: nothing goes unrecorded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import redis

from finsight.audit.service import record
from finsight.config import get_settings
from finsight.db import platform_session
from finsight.kit.identity import Actor
from finsight.observability.logging import get_logger
from finsight.redis_client import get_redis

log = get_logger(__name__)
KEY_PREFIX = "finsight:audit:anonymous"


@dataclass(frozen=True)
class Refusal:
    action: str
    result: str
    status: int
    detail: str
    ip: str | None
    email: str | None
    request_id: str | None


def _is_milestone(count: int) -> bool:
    """1, 10, 100, 1000, ..."""
    while count % 10 == 0:
        count //= 10
    return count == 1


def _key(refusal: Refusal, window: int) -> str:
    return f"{KEY_PREFIX}:{refusal.ip or '-'}:{refusal.action}:{refusal.status}:{window}"


def _write(refusal: Refusal, details: dict[str, Any]) -> None:
    actor = Actor(None, refusal.email, refusal.ip, refusal.request_id)
    with platform_session() as session:
        record(
            session,
            org_id=None,
            actor=actor,
            action=refusal.action,
            result=refusal.result,
            details={"status": refusal.status, "detail": refusal.detail, **details},
        )


def record_anonymous_refusal(refusal: Refusal) -> None:
    """Count the refusal; write a summary row when the count is a milestone of its window."""
    seconds = get_settings().audit_anonymous_window_seconds
    window = int(time.time()) // seconds
    try:
        client = get_redis()
        key = _key(refusal, window)
        with client.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, seconds * 3)
            count = int(pipe.execute()[0])
        previous = client.getdel(_key(refusal, window - 1)) if count == 1 else None
    except (redis.RedisError, RuntimeError):
        log.warning("audit.anonymous.unaggregated", action=refusal.action)
        _write(refusal, {})
        return
    window_start = window * seconds
    if previous is not None and not _is_milestone(int(previous)):
        # The last window's exact total (its milestones were written as they came).
        _write(
            refusal,
            {
                "aggregated": True,
                "count": int(previous),
                "window_start": window_start - seconds,
                "window_seconds": seconds,
                "final": True,
            },
        )
    if _is_milestone(count):
        _write(
            refusal,
            {
                "aggregated": True,
                "count": count,
                "window_start": window_start,
                "window_seconds": seconds,
            },
        )
