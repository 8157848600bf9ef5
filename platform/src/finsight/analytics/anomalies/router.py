"""`GET /api/analytics/anomalies` (newest first) and a person's confirm or dismiss."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from finsight.analytics.anomalies import service
from finsight.analytics.anomalies.schemas import (
    AnomalyKind,
    AnomalyOut,
    AnomalyStatus,
    FeedbackIn,
)
from finsight.api.deps import TenantContext, tenant
from finsight.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_date_id, page_of
from finsight.api.problems import problem_responses
from finsight.errors import InvalidInput

router = APIRouter(prefix="/api/analytics", tags=["analytics"])

CanRead = Annotated[TenantContext, tenant("analytics:read")]
CanWrite = Annotated[TenantContext, tenant("analytics:write")]


@router.get(
    "/anomalies",
    response_model=Page[AnomalyOut],
    summary="Anomalies found by analytics runs, newest first",
    description="Ordered by the day of the charge, newest first (then by id). Each carries a "
    "0-1 score comparable across kinds; the dashboard may sort a page by it.",
    responses=problem_responses(401, 403, 422),
)
def list_anomalies(
    ctx: CanRead,
    status_filter: Annotated[AnomalyStatus | None, Query(alias="status")] = None,
    kind: AnomalyKind | None = None,
    account_id: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[AnomalyOut]:
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("date_from must not be after date_to", field="date_from")
    rows = service.list_anomalies(
        ctx.session,
        status=status_filter,
        kind=kind,
        account_id=account_id,
        date_from=date_from,
        date_to=date_to,
        after=cursor_date_id(cursor, "occurred_on"),
        limit=limit + 1,
    )
    return page_of(
        rows,
        limit,
        AnomalyOut.model_validate,
        lambda row: {"occurred_on": row.occurred_on.isoformat(), "id": row.id},
    )


@router.post(
    "/anomalies/{anomaly_id}/feedback",
    name="analytics.anomaly.feedback",
    response_model=AnomalyOut,
    summary="Confirm or dismiss an anomaly",
    description="Kept: later runs never reset it. Dismissals at a merchant lower the scores of "
    "that merchant's later anomalies (duplicates excepted).",
    responses=problem_responses(401, 403, 404, 422),
)
def give_feedback(anomaly_id: uuid.UUID, body: FeedbackIn, ctx: CanWrite) -> AnomalyOut:
    org = ctx.org
    anomaly = service.give_feedback(
        ctx.session,
        anomaly_id,
        body.status,
        org_id=org.id,
        actor=ctx.actor,
    )
    return AnomalyOut.model_validate(anomaly)
