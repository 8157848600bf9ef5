from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from finsight.api.deps import TenantContext, tenant
from finsight.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    decode_cursor,
    page_of,
)
from finsight.api.problems import problem_responses
from finsight.audit.schemas import AuditEntryOut
from finsight.audit.service import AuditFilter, list_entries
from finsight.errors import InvalidInput

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get(
    "",
    response_model=Page[AuditEntryOut],
    summary="Your organization's audit log, newest first",
    responses=problem_responses(401, 403, 422),
)
def read_audit_log(
    ctx: Annotated[TenantContext, tenant("audit:read")],
    actor: Annotated[str | None, Query(description="User id or email")] = None,
    action: Annotated[
        str | None, Query(description="Exact, or a prefix ending in *", examples=["member.*"])
    ] = None,
    target_type: str | None = None,
    target_id: str | None = None,
    result: Literal["success", "failure", "denied"] | None = None,
    since: Annotated[datetime | None, Query(description="Inclusive, ISO 8601")] = None,
    until: Annotated[datetime | None, Query(description="Exclusive, ISO 8601")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[AuditEntryOut]:
    if since and until and since >= until:
        raise InvalidInput("since must be before until", field="since")
    after = decode_cursor(cursor)
    try:
        before_seq = int(after["seq"]) if after else None
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("invalid cursor", field="cursor") from exc
    where = AuditFilter(actor, action, target_type, target_id, result, since, until)
    rows = list_entries(ctx.session, where, before_seq=before_seq, limit=limit + 1)
    return page_of(rows, limit, AuditEntryOut.model_validate, lambda row: {"seq": row.seq})
