"""Analytics: runs (start one, list, read) and what they found (recurring streams)."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from finsight.analytics import service
from finsight.analytics.models import RUN_KINDS
from finsight.analytics.schemas import RecurringOut, RunIn, RunKind, RunOut, StreamOut
from finsight.api.deps import TenantContext, tenant
from finsight.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    cursor_id,
    page_of,
)
from finsight.api.problems import problem_responses

router = APIRouter(prefix="/api/analytics", tags=["analytics"])

CanRead = Annotated[TenantContext, tenant("analytics:read")]
CanWrite = Annotated[TenantContext, tenant("analytics:write")]
RunStatus = Literal["queued", "running", "succeeded", "failed"]


@router.post(
    "/runs",
    name="analytics.run.create",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RunOut,
    summary="Start an analytics run on the tenant's worker",
    description="Kinds: " + ", ".join(RUN_KINDS) + ". Poll `GET /api/analytics/runs/{id}`.",
    responses=problem_responses(401, 403, 422),
)
def create_run(body: RunIn, ctx: CanWrite) -> RunOut:
    org = ctx.org
    run = service.start_run(
        ctx.session,
        body.kind,
        org_id=org.id,
        org_slug=org.slug,
        actor=ctx.actor,
        parameters={"trigger": "api"},
    )
    return RunOut.model_validate(run)


@router.get(
    "/runs",
    response_model=Page[RunOut],
    summary="Analytics runs, newest first",
    responses=problem_responses(401, 403, 422),
)
def list_runs(
    ctx: CanRead,
    kind: RunKind | None = None,
    status_filter: Annotated[RunStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[RunOut]:
    before_id = cursor_id(cursor)
    rows = service.list_runs(
        ctx.session,
        kind=kind,
        status=status_filter,
        before_id=before_id,
        limit=limit + 1,
    )
    return page_of(rows, limit, RunOut.model_validate, lambda row: {"id": row.id})


@router.get(
    "/runs/{run_id}",
    response_model=RunOut,
    summary="One run: status, counts, timings, error",
    responses=problem_responses(401, 403, 404),
)
def read_run(run_id: uuid.UUID, ctx: CanRead) -> RunOut:
    return RunOut.model_validate(service.get_run(ctx.session, run_id))


@router.get(
    "/recurring",
    response_model=RecurringOut,
    summary="Recurring charges and income found by the latest run, with the monthly total",
    responses=problem_responses(401, 403, 422),
)
def list_recurring(
    ctx: CanRead,
    status_filter: Annotated[
        Literal["early", "mature", "missed", "cancelled"] | None, Query(alias="status")
    ] = None,
    direction: Literal["expense", "income"] | None = None,
    account_id: uuid.UUID | None = None,
) -> RecurringOut:
    streams = service.recurring_streams(
        ctx.session,
        status=status_filter,
        direction=direction,
        account_id=account_id,
    )
    totals = service.monthly_totals(streams)
    # One figure for the headline: the currency most streams are in (ties: alphabetical).
    counted = Counter(stream.currency for stream in streams)
    currency = min(counted, key=lambda c: (-counted[c], c)) if counted else None
    return RecurringOut(
        streams=[StreamOut.model_validate(stream) for stream in streams],
        monthly_subscription_total=totals[currency] if currency else Decimal("0.00"),
        currency=currency,
        monthly_totals=totals,
    )
