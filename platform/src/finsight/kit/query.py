"""Small query helpers shared by domains."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

Row = TypeVar("Row")


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


def newest_first(
    session: Session,
    model: type[Row],
    *,
    before_id: uuid.UUID | None,
    limit: int,
    **equal: Any,
) -> list[Row]:
    """A keyset page of `model`'s rows newest first (ids are time-ordered UUIDv7), those whose
    columns equal the given values (None: not filtered), below the cursor's id."""
    table: Any = model
    query = select(model)
    for column, value in equal.items():
        if value is not None:
            query = query.where(getattr(table, column) == value)
    if before_id is not None:
        query = query.where(table.id < before_id)
    return list(session.scalars(query.order_by(table.id.desc()).limit(limit)))
