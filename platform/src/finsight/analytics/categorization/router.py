"""Categorization API: rules (CRUD, order, dry run), the review queue, rule proposals, models."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from finsight.analytics.categorization import dry_run as rule_dry_run
from finsight.analytics.categorization import proposals, service, store
from finsight.analytics.categorization.schemas import (
    DryRunIn,
    DryRunOut,
    ModelOut,
    ProposalOut,
    ReorderIn,
    ResolveIn,
    ReviewItem,
    RuleIn,
    RuleOut,
    RuleUpdate,
    stored,
)
from finsight.analytics.models import RuleProposal
from finsight.api.deps import TenantContext, tenant
from finsight.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_date_id, page_of
from finsight.api.problems import problem_responses
from finsight.errors import InvalidInput
from finsight.transactions.schemas import BulkResult, TransactionOut

router = APIRouter(prefix="/api/analytics", tags=["analytics"])

CanRead = Annotated[TenantContext, tenant("analytics:read")]
CanWrite = Annotated[TenantContext, tenant("analytics:write")]


@router.get(
    "/rules",
    response_model=list[RuleOut],
    summary="Rules, in the order they apply",
    responses=problem_responses(401, 403),
)
def list_rules(ctx: CanRead) -> list[RuleOut]:
    return [RuleOut.model_validate(r) for r in service.list_rules(ctx.session)]


@router.post(
    "/rules",
    name="analytics.rule.create",
    status_code=status.HTTP_201_CREATED,
    response_model=RuleOut,
    summary="Create a rule (it applies after the existing ones)",
    responses=problem_responses(401, 403, 422),
)
def create_rule(body: RuleIn, ctx: CanWrite) -> RuleOut:
    fields = {
        "name": body.name,
        "enabled": body.enabled,
        "stop_processing": body.stop_processing,
        "conditions": stored(body.conditions),
        "actions": stored(body.actions),
    }
    rule = service.create_rule(
        ctx.session,
        ctx.org.id,
        ctx.actor,
        fields,
    )
    return RuleOut.model_validate(rule)


@router.post(
    "/rules/reorder",
    name="analytics.rule.reorder",
    response_model=list[RuleOut],
    summary="Put every rule in a new order",
    responses=problem_responses(401, 403, 422),
)
def reorder_rules(body: ReorderIn, ctx: CanWrite) -> list[RuleOut]:
    rules = service.reorder_rules(
        ctx.session,
        ctx.org.id,
        ctx.actor,
        body.ids,
    )
    return [RuleOut.model_validate(rule) for rule in rules]


@router.post(
    "/rules/dry-run",
    name="analytics.rule.dry_run",
    response_model=DryRunOut,
    summary="What a rule would do to the existing transactions, in its place among the rules "
    "(changes nothing)",
    responses=problem_responses(401, 403, 404, 422),
)
def dry_run(body: DryRunIn, ctx: CanWrite) -> DryRunOut:
    if (body.conditions is None) != (body.actions is None):
        missing = "actions" if body.actions is None else "conditions"
        raise InvalidInput("send conditions and actions together", field=missing)
    if body.rule_id is None and body.conditions is None:
        raise InvalidInput("send conditions and actions, or rule_id", field="conditions")
    result = rule_dry_run.dry_run(
        ctx.session,
        conditions=stored(body.conditions) if body.conditions else None,
        actions=stored(body.actions) if body.actions else None,
        rule_id=body.rule_id,
    )
    return DryRunOut.model_validate(result)


@router.get(
    "/rules/{rule_id}",
    response_model=RuleOut,
    summary="One rule",
    responses=problem_responses(401, 403, 404),
)
def read_rule(rule_id: uuid.UUID, ctx: CanRead) -> RuleOut:
    return RuleOut.model_validate(service.get_rule(ctx.session, rule_id))


@router.patch(
    "/rules/{rule_id}",
    name="analytics.rule.update",
    response_model=RuleOut,
    summary="Change a rule",
    responses=problem_responses(401, 403, 404, 422),
)
def update_rule(rule_id: uuid.UUID, body: RuleUpdate, ctx: CanWrite) -> RuleOut:
    session = ctx.session
    rule = service.get_rule(session, rule_id)
    changes = body.model_dump(exclude_unset=True)
    for key in ("conditions", "actions"):
        part = getattr(body, key)
        if key in changes:
            if part is None:
                raise InvalidInput(f"{key} cannot be null", field=key)
            changes[key] = stored(part)
    updated = service.update_rule(session, ctx.org.id, ctx.actor, rule, changes)
    return RuleOut.model_validate(updated)


@router.delete(
    "/rules/{rule_id}",
    name="analytics.rule.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a rule (rows it categorized are decided again by the next full run)",
    responses=problem_responses(401, 403, 404),
)
def delete_rule(rule_id: uuid.UUID, ctx: CanWrite) -> Response:
    session = ctx.session
    rule = service.get_rule(session, rule_id)
    service.delete_rule(session, ctx.org.id, ctx.actor, rule)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/review",
    response_model=Page[ReviewItem],
    summary="Transactions to review: uncategorized, or categorized by the model with low "
    "confidence; newest first",
    responses=problem_responses(401, 403, 422),
)
def review(
    ctx: CanRead,
    reason: Literal["uncategorized", "low_confidence"] | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ReviewItem]:
    rows = service.review_queue(
        ctx.session,
        reason=reason,
        after=cursor_date_id(cursor, "d"),
        limit=limit + 1,
    )
    return page_of(
        rows,
        limit,
        lambda row: ReviewItem(
            **TransactionOut.model_validate(row.transaction).model_dump(),
            suggested_category_id=row.suggested_category_id,
            confidence=row.confidence,
        ),
        lambda row: {"d": row.transaction.transaction_date, "id": row.transaction.id},
    )


@router.post(
    "/review/resolve",
    name="analytics.review.resolve",
    response_model=BulkResult,
    summary="Categorize reviewed transactions (a person's choice, as bulk recategorize)",
    responses=problem_responses(401, 403, 422),
)
def resolve(body: ResolveIn, ctx: CanWrite) -> BulkResult:
    outcome = service.resolve(
        ctx.session,
        ctx.org.id,
        ctx.actor,
        body.transaction_ids,
        body.category_id,
    )
    return BulkResult(
        requested=outcome.requested, updated=outcome.updated, not_found=outcome.not_found
    )


def _proposal(pair: tuple[RuleProposal, str]) -> ProposalOut:
    proposal, merchant = pair
    return ProposalOut(
        id=proposal.id,
        merchant_id=proposal.merchant_id,
        merchant=merchant,
        category_id=proposal.category_id,
        support=proposal.support,
        status=proposal.status,
        rule_id=proposal.rule_id,
        created_at=proposal.created_at,
        decided_at=proposal.decided_at,
    )


@router.get(
    "/proposals",
    response_model=list[ProposalOut],
    summary="Rules proposed from consistent corrections, newest first",
    responses=problem_responses(401, 403, 422),
)
def list_proposals(
    ctx: CanRead,
    status_filter: Annotated[
        Literal["proposed", "accepted", "dismissed"] | None, Query(alias="status")
    ] = None,
) -> list[ProposalOut]:
    pairs = proposals.list_proposals(ctx.session, status_filter)
    return [_proposal(pair) for pair in pairs]


@router.post(
    "/proposals/{proposal_id}/accept",
    name="analytics.proposal.accept",
    response_model=ProposalOut,
    summary="Accept a proposal: its rule is created, last in the order",
    responses=problem_responses(401, 403, 404, 409),
)
def accept_proposal(proposal_id: uuid.UUID, ctx: CanWrite) -> ProposalOut:
    pair = service.accept_proposal(
        ctx.session,
        ctx.org.id,
        ctx.actor,
        proposal_id,
    )
    return _proposal(pair)


@router.post(
    "/proposals/{proposal_id}/dismiss",
    name="analytics.proposal.dismiss",
    response_model=ProposalOut,
    summary="Dismiss a proposal for good",
    responses=problem_responses(401, 403, 404, 409),
)
def dismiss_proposal(proposal_id: uuid.UUID, ctx: CanWrite) -> ProposalOut:
    pair = service.dismiss_proposal(
        ctx.session,
        ctx.org.id,
        ctx.actor,
        proposal_id,
    )
    return _proposal(pair)


@router.get(
    "/models",
    response_model=list[ModelOut],
    summary="Versions of the organization's classifier, newest first (none: the shared "
    "bootstrap model applies)",
    responses=problem_responses(401, 403),
)
def list_models(ctx: CanRead) -> list[ModelOut]:
    return [ModelOut.model_validate(v) for v in store.versions(ctx.session)]
