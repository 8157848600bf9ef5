"""Liveness (the process answers) and readiness (its database and Redis answer)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from finsight.db import get_engine
from finsight.redis_client import get_redis

router = APIRouter(include_in_schema=True, tags=["operations"])


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


@router.get("/healthz", response_model=Health, summary="The process is up")
async def healthz() -> Health:
    return Health(status="ok")


def _check_database() -> str:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SET LOCAL statement_timeout = 2000"))
            connection.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"


def _check_redis() -> str:
    try:
        get_redis().ping()
        return "ok"
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"


@router.get(
    "/readyz",
    response_model=Health,
    summary="The database and Redis answer",
    responses={503: {"model": Health, "description": "A dependency is unreachable"}},
)
async def readyz(response: Response) -> Health:
    checks = {
        "database": await run_in_threadpool(_check_database),
        "redis": await run_in_threadpool(_check_redis),
    }
    ready = all(value == "ok" for value in checks.values())
    response.status_code = 200 if ready else 503
    return Health(status="ok" if ready else "unavailable", checks=checks)


metrics_router = APIRouter(tags=["operations"])


@metrics_router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
