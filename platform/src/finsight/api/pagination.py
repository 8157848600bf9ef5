"""Opaque keyset cursors: the last row's sort key, base64url-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from finsight.errors import InvalidInput

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page"
    )


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("invalid cursor", field="cursor") from exc
    if not isinstance(value, dict):
        raise InvalidInput("invalid cursor", field="cursor")
    return value


def _parsed(cursor: str | None, parse: Callable[[dict[str, Any]], T]) -> T | None:
    """`parse` applied to the decoded cursor; a missing or malformed field is an invalid cursor."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    try:
        return parse(key)
    except (KeyError, ValueError) as exc:
        raise InvalidInput("invalid cursor", field="cursor") from exc


def cursor_id(cursor: str | None) -> uuid.UUID | None:
    """The row id of a cursor made by `page_of(..., key=lambda row: {"id": row.id})`."""
    return _parsed(cursor, lambda key: uuid.UUID(str(key["id"])))


def cursor_date_id(cursor: str | None, date_key: str) -> tuple[date, uuid.UUID] | None:
    """(date, row id) of a cursor made by `page_of(..., key=lambda row: {date_key: ..., "id": ...})`
    for lists ordered by a date, newest first."""
    return _parsed(
        cursor, lambda key: (date.fromisoformat(str(key[date_key])), uuid.UUID(str(key["id"])))
    )


def cursor_name_id(cursor: str | None) -> tuple[str, uuid.UUID] | None:
    """(name, row id) of a cursor made by `page_of(..., key=lambda row: {"name": ..., "id": ...})`
    for lists ordered by name."""
    return _parsed(cursor, lambda key: (str(key["name"]), uuid.UUID(str(key["id"]))))


def page_of(
    rows: Sequence[R], limit: int, item: Callable[[R], T], key: Callable[[R], dict[str, Any]]
) -> Page[T]:
    """A page from a query that fetched up to `limit + 1` rows: the extra row only says that a
    next page exists; the cursor is the sort key of the last row kept."""
    kept = rows[:limit]
    more = len(rows) > limit
    return Page(
        items=[item(row) for row in kept],
        next_cursor=encode_cursor(key(kept[-1])) if more else None,
    )
