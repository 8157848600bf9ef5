"""Alert rules (permissions alerts:read / alerts:write)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from finsight.alerts import service
from finsight.alerts.rules import KINDS
from finsight.alerts.schemas import RuleCreate, RuleKindOut, RuleOut, RuleUpdate
from finsight.api.deps import TenantContext, tenant
from finsight.api.problems import problem_responses

router = APIRouter(prefix="/api/alert-rules", tags=["alerts"])

CanRead = Annotated[TenantContext, tenant("alerts:read")]
CanWrite = Annotated[TenantContext, tenant("alerts:write")]


@router.get(
    "",
    response_model=list[RuleOut],
    summary="Every alert rule",
    responses=problem_responses(401, 403, 422),
)
def list_alert_rules(
    ctx: CanRead, kind: Annotated[str | None, Query(max_length=40)] = None
) -> list[RuleOut]:
    return [RuleOut.model_validate(r) for r in service.list_rules(ctx.session, kind=kind)]


@router.get(
    "/kinds",
    response_model=list[RuleKindOut],
    summary="The kinds of rule, each with the JSON schema of its params",
    responses=problem_responses(401, 403),
)
def alert_rule_kinds(ctx: CanRead) -> list[RuleKindOut]:
    return [
        RuleKindOut(kind=kind, description=text, params_schema=model.model_json_schema())
        for kind, (model, text) in KINDS.items()
    ]


@router.post(
    "",
    name="alert_rule.create",
    status_code=status.HTTP_201_CREATED,
    response_model=RuleOut,
    summary="Create an alert rule",
    description="Transactions already in the books are not looked at: a new rule watches what "
    "lands from now on (state rules — balances, budgets, recurring, uncategorized — look at "
    "the present state).",
    responses=problem_responses(401, 403, 422),
)
def create_alert_rule(body: RuleCreate, ctx: CanWrite) -> RuleOut:
    rule = service.create_rule(
        ctx.session,
        ctx.org.id,
        name=body.name,
        kind=body.kind,
        severity=body.severity,
        params=body.params,
        enabled=body.enabled,
        repeat_interval_minutes=body.repeat_interval_minutes,
        actor=ctx.actor,
    )
    return RuleOut.model_validate(rule)


@router.get(
    "/{rule_id}",
    response_model=RuleOut,
    summary="One alert rule",
    responses=problem_responses(401, 403, 404),
)
def get_alert_rule(rule_id: uuid.UUID, ctx: CanRead) -> RuleOut:
    return RuleOut.model_validate(service.get_rule(ctx.session, rule_id))


@router.patch(
    "/{rule_id}",
    name="alert_rule.update",
    response_model=RuleOut,
    summary="Change a rule (its kind stays); a managed rule is refused (409)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def update_alert_rule(rule_id: uuid.UUID, body: RuleUpdate, ctx: CanWrite) -> RuleOut:
    rule = service.update_rule(
        ctx.session,
        ctx.org.id,
        service.get_rule(ctx.session, rule_id),
        body.model_dump(exclude_unset=True),
        ctx.actor,
    )
    return RuleOut.model_validate(rule)


@router.delete(
    "/{rule_id}",
    name="alert_rule.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a rule (its open alerts resolve); a managed rule is refused (409)",
    responses=problem_responses(401, 403, 404, 409),
)
def delete_alert_rule(rule_id: uuid.UUID, ctx: CanWrite) -> None:
    service.delete_rule(ctx.session, ctx.org.id, service.get_rule(ctx.session, rule_id), ctx.actor)
