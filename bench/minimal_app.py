"""The API benchmark's baseline: the least an app can do to answer the same authenticated,
tenant-scoped reads as finsight's `GET /api/users/me` and `GET /api/transactions?limit=50`.

FastAPI with sync routes, served by uvicorn (uvloop, httptools, one process); the bearer token
decoded with PyJWT (HS256, the algorithm pinned, finsight's own tokens); a psycopg connection
pool; per request one transaction that runs `set_config('role', …, true),
set_config('search_path', …, true)` and the query; a JSON response of the same fields. No
session check, permissions, audit, logging or metrics: finsight cannot reach it, the ratio says
how close it comes.

    MINIMAL_DATABASE_URL=postgresql://… JWT_SECRET=… MINIMAL_TENANT=slug \\
        python -m uvicorn bench.minimal_app:app --loop uvloop --http httptools --port N
"""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import jwt
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

SECRET = os.environ["JWT_SECRET"]
TENANT = os.environ["MINIMAL_TENANT"]
pool = ConnectionPool(
    os.environ["MINIMAL_DATABASE_URL"], min_size=4, max_size=10, kwargs={"row_factory": dict_row}
)
app = FastAPI()

_TRANSACTION_COLUMNS = (
    "id, account_id, import_batch_id, transaction_date, posted_date, amount, currency, "
    "description, description_raw, merchant, merchant_id, mcc, original_category, category_id, "
    "category_source, category_confidence, category_rule_id, bank_id, bank_type, check_number, "
    "pending, notes, tags, excluded, transfer_id, user_fields, deleted_at, created_at, updated_at"
)


def _claims(request: Request) -> dict[str, Any]:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise HTTPException(401)
    try:
        return jwt.decode(  # type: ignore[no-any-return]
            header[7:], SECRET, algorithms=["HS256"], audience="finsight-api", issuer="finsight"
        )
    except jwt.InvalidTokenError as exc:
        raise HTTPException(401) from exc


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _scoped(sql: str, params: tuple[Any, ...], *, platform: bool = False) -> list[dict[str, Any]]:
    """One transaction: the scope and the query (a platform table is read before the scope:
    the tenant's role cannot read it)."""
    with pool.connection() as connection, connection.transaction():
        if platform:
            rows = connection.execute(sql, params).fetchall()  # type: ignore[arg-type]
        connection.execute(
            "SELECT set_config('role', %s, true), set_config('search_path', %s, true)",
            (f"org_{TENANT}", f"org_{TENANT}"),
        )
        if not platform:
            rows = connection.execute(sql, params).fetchall()  # type: ignore[arg-type]
        return rows


@app.get("/api/users/me")
def me(request: Request) -> JSONResponse:
    claims = _claims(request)
    rows = _scoped(
        "SELECT id, email, full_name, is_platform_admin, created_at FROM platform.users "
        "WHERE id = %s",
        (claims["sub"],),
        platform=True,
    )
    if not rows:
        raise HTTPException(404)
    return JSONResponse({k: _plain(v) for k, v in rows[0].items()})


@app.get("/api/transactions")
def transactions(request: Request, limit: int = 50) -> JSONResponse:
    _claims(request)
    rows = _scoped(
        f"SELECT {_TRANSACTION_COLUMNS} FROM transactions WHERE deleted_at IS NULL "
        "ORDER BY transaction_date DESC, id DESC LIMIT %s",
        (limit,),
    )
    items = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return JSONResponse({"items": items, "next_cursor": None})
