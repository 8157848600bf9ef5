"""Is the broker there? Asked by commands before they record work for a worker to do.

A task is sent after its row commits (finsight.worker.enqueue); with an unreachable broker the
row would stay `queued` with nobody told. A command checks first, in a couple of seconds, and
refuses with one line instead.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import redis

from finsight.config import Settings
from finsight.errors import FinsightError
from finsight.worker.app import require_redis_url

PING_TIMEOUT_SECONDS = 2.0


class BrokerUnreachable(FinsightError):
    status = 503
    code = "broker_unreachable"
    title = "Broker unreachable"


def check_broker(settings: Settings) -> None:
    """Raise BrokerUnreachable (or BrokerNotConfigured) unless Redis answers a PING."""
    url = require_redis_url(settings)
    client = redis.Redis.from_url(
        url, socket_timeout=PING_TIMEOUT_SECONDS, socket_connect_timeout=PING_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        hint = (
            "is `finsight dev` still running? (without REDIS_URL set, commands use the one it runs)"
        )
        raise BrokerUnreachable(f"cannot reach Redis at {_where(url)}: {exc}; {hint}") from None
    finally:
        client.close()


def _where(url: str) -> str:
    """Host and port only: a URL may carry a password, and errors are printed and logged."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}" if parts.hostname else parts.path
