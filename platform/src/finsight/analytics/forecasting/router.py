"""`GET /api/analytics/forecast`: the latest run's forecasts, with the actuals before them."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from finsight.analytics.forecasting.schemas import ForecastOut
from finsight.analytics.forecasting.service import MONTHS_AHEAD, read_forecast
from finsight.api.deps import TenantContext, tenant
from finsight.api.problems import problem_responses
from finsight.errors import InvalidInput

router = APIRouter(prefix="/api/analytics", tags=["analytics"])

CanRead = Annotated[TenantContext, tenant("analytics:read")]


@router.get(
    "/forecast",
    response_model=ForecastOut,
    summary="Net cash flow per account or spending per category, 1-3 months ahead",
    description="Point forecasts with 80% prediction intervals for the month under way (whole, "
    "with what it amounts to so far) and `months` whole months after it, and each series' last "
    "12 complete months of actuals (from its first month). Category series are spending: "
    "income and transfers are left out. Written by analytics runs (kind `forecast`, or `all`).",
    responses=problem_responses(401, 403, 422),
)
def get_forecast(
    ctx: CanRead,
    scope: Literal["account", "category"] = "account",
    account_id: uuid.UUID | None = None,
    months: Annotated[int, Query(ge=1, le=MONTHS_AHEAD)] = MONTHS_AHEAD,
) -> ForecastOut:
    if account_id is not None and scope != "account":
        raise InvalidInput("account_id applies to scope=account only", field="account_id")
    stored = read_forecast(ctx.session, scope=scope, account_id=account_id, months=months)
    return ForecastOut.model_validate(stored, from_attributes=True)
