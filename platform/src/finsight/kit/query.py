"""Small query helpers shared by domains."""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session


def escape_like(text: str) -> str:
    """Make user text literal inside a LIKE pattern (default escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def advisory_xact_lock(
    executor: Connection | Session, key: str, *, per_schema: bool = False
) -> None:
    """Wait for, then hold until the transaction ends, the lock named `key`.

    Advisory locks are shared by the whole database: `per_schema` adds the transaction's
    current schema (the tenant's, once scoped) to the name."""
    name = ":key || current_schema()" if per_schema else ":key"
    executor.execute(
        text(f"SELECT pg_advisory_xact_lock(hashtextextended({name}, 0))"), {"key": key}
    )


def try_advisory_xact_lock(executor: Connection | Session, key: str) -> bool:
    """Take the lock named `key` until the transaction ends, if nobody holds it; never waits."""
    held = executor.execute(
        text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
    ).scalar_one()
    return bool(held)
