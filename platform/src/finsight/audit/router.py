from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from finsight.api.deps import DB, TenantContext, tenant
from finsight.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    decode_cursor,
    encode_cursor,
)
from finsight.api.problems import problem_responses
from finsight.audit.schemas import AuditEntryOut
from finsight.audit.service import AuditFilter, list_chains, organization_chains
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
    db: DB,
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
    after = decode_cursor(cursor) or {}
    if not all(isinstance(value, int) for value in after.values()):
        raise InvalidInput("invalid cursor", field="cursor")
    where = AuditFilter(actor, action, target_type, target_id, result, since, until)
    chains = organization_chains(ctx.session, db, ctx.org.id, ctx.org.cluster)
    rows, next_cursor = list_chains(chains, where, before=after, limit=limit)
    return Page(
        items=[AuditEntryOut.model_validate(row) for row in rows],
        next_cursor=encode_cursor(next_cursor) if next_cursor else None,
    )
