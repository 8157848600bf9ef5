"""Categorization: rules (CRUD, order), the review queue, proposals, and the run's step (the
rule dry run is dry_run.py).

Never commits. Every change is audited in the caller's transaction (one entry per call).

Who may set a transaction's category, strongest first:
1. a person (`category_id` in user_fields): nothing else ever changes that row's category, tags
   or suggestion;
2. rules, in position order: they override the bank's category and any earlier rule or model
   answer (category_source 'rule', category_rule_id, confidence 1);
3. the bank's category (category_source 'bank', set at import): kept unless a rule matches;
4. the model (the tenant's newest version, else the shared bootstrap mapped to the tenant's
   categories by seed path): fills rows without a category and replaces its own earlier
   answers, and those of a rule that no longer matches. Below its threshold it abstains: the
   row stays uncategorized, and its best guess is kept in metadata["category_suggestion"]
   for the review queue.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.analytics.categorization import proposals, store
from finsight.analytics.categorization.rules import (
    validate_actions,
    validate_conditions,
)
from finsight.analytics.categorization.runner import SUGGESTION
from finsight.analytics.categorization.runner import run_categorize as run_categorize
from finsight.analytics.models import CategoryRule, Merchant, RuleProposal
from finsight.audit.service import record
from finsight.categories.models import Category
from finsight.errors import Conflict, InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.kit.query import advisory_xact_lock
from finsight.transactions.models import Transaction
from finsight.transactions.service import BulkOutcome, bulk_recategorize

# The review queue's "low_confidence": the model set the category, but below this.
REVIEW_BELOW = 0.8
# A guess the model gives less than this is not offered as a suggestion: with thirty-odd
# categories a 7-24% "best guess" is mostly wrong, and one click would file it. The row is
# still listed for review, with no suggestion.
MIN_SUGGESTION_CONFIDENCE = 0.35


# --- rules -------------------------------------------------------------------------------------


def list_rules(session: Session) -> list[CategoryRule]:
    return list(
        session.scalars(
            select(CategoryRule)
            .where(CategoryRule.deleted_at.is_(None))
            .order_by(CategoryRule.position, CategoryRule.id)
        )
    )


def get_rule(session: Session, rule_id: uuid.UUID) -> CategoryRule:
    rule = session.get(CategoryRule, rule_id)
    if rule is None or rule.deleted_at is not None:
        raise NotFound("rule not found")
    return rule


def checked_actions(session: Session, raw: Any) -> dict[str, Any]:
    actions = validate_actions(raw)
    if "category_id" in actions:
        found = session.scalar(
            select(Category.id).where(
                Category.id == uuid.UUID(actions["category_id"]), Category.deleted_at.is_(None)
            )
        )
        if found is None:
            raise InvalidInput(
                f"category {actions['category_id']} not found", field="actions.category_id"
            )
    return actions


def checked_conditions(session: Session, raw: Any) -> dict[str, Any]:
    """Validated conditions whose account and merchant ids are this tenant's (the session is
    tenant-scoped, so another tenant's ids are simply not found): a rule must not carry ids it
    cannot match, nor probe for other tenants' ids."""
    conditions = validate_conditions(raw)
    for key, model in (("account_ids", Account), ("merchant_ids", Merchant)):
        wanted = [uuid.UUID(item) for item in conditions.get(key, ())]
        if not wanted:
            continue
        query = select(model.id).where(model.id.in_(wanted))
        if model is Account:
            query = query.where(Account.deleted_at.is_(None))
        found = set(session.scalars(query))
        missing = [str(item) for item in wanted if item not in found]
        if missing:
            noun = key.removesuffix("_ids")
            raise InvalidInput(
                f"conditions.{key}: no {noun} {missing[0]} in this organization",
                field=f"conditions.{key}",
            )
    return conditions


def _name(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(name) <= 200:
        raise InvalidInput("name: 1 to 200 characters", field="name")
    return name


def _audit(
    session: Session,
    org_id: uuid.UUID,
    actor: Actor,
    action: str,
    target: uuid.UUID | None,
    details: dict[str, Any],
    target_type: str = "category_rule",
) -> None:
    record(
        session,
        org_id=org_id,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target,
        details=details,
    )


def _insert_rule(
    session: Session,
    *,
    name: str,
    conditions: dict[str, Any],
    actions: dict[str, Any],
    enabled: bool,
    stop_processing: bool,
    actor: Actor,
) -> CategoryRule:
    # Positions are handed out one at a time per tenant: two creations at once would both
    # take max + 1.
    advisory_xact_lock(session, "finsight.analytics.rules:", per_schema=True)
    last = session.scalar(
        select(func.max(CategoryRule.position)).where(CategoryRule.deleted_at.is_(None))
    )
    rule = CategoryRule(
        name=name,
        position=(last + 1) if last is not None else 0,
        enabled=enabled,
        conditions=conditions,
        actions=actions,
        stop_processing=stop_processing,
        created_by=actor.user_id,
    )
    session.add(rule)
    session.flush()
    return rule


def create_rule(
    session: Session, org_id: uuid.UUID, actor: Actor, fields: dict[str, Any]
) -> CategoryRule:
    """A new rule, last in the order."""
    rule = _insert_rule(
        session,
        name=_name(fields.get("name")),
        conditions=checked_conditions(session, fields.get("conditions")),
        actions=checked_actions(session, fields.get("actions")),
        enabled=bool(fields.get("enabled", True)),
        stop_processing=bool(fields.get("stop_processing", False)),
        actor=actor,
    )
    _audit(session, org_id, actor, "analytics.rule.create", rule.id, _described(rule))
    return rule


def _described(rule: CategoryRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "position": rule.position,
        "enabled": rule.enabled,
        "stop_processing": rule.stop_processing,
        "conditions": rule.conditions,
        "actions": rule.actions,
    }


def update_rule(
    session: Session, org_id: uuid.UUID, actor: Actor, rule: CategoryRule, changes: dict[str, Any]
) -> CategoryRule:
    """Change what is sent; conditions and actions are replaced whole."""
    if not changes:
        raise InvalidInput(
            "nothing to change: send name, enabled, stop_processing, conditions or actions"
        )
    for key in ("enabled", "stop_processing"):
        if key in changes and changes[key] is None:
            raise InvalidInput(f"{key} cannot be null", field=key)
    if "name" in changes:
        rule.name = _name(changes["name"])
    if "conditions" in changes:
        rule.conditions = checked_conditions(session, changes["conditions"])
    if "actions" in changes:
        rule.actions = checked_actions(session, changes["actions"])
    if "enabled" in changes:
        rule.enabled = bool(changes["enabled"])
    if "stop_processing" in changes:
        rule.stop_processing = bool(changes["stop_processing"])
    rule.updated_at = utcnow()
    session.flush()
    _audit(
        session,
        org_id,
        actor,
        "analytics.rule.update",
        rule.id,
        {"changed": sorted(changes), **_described(rule)},
    )
    return rule


def delete_rule(session: Session, org_id: uuid.UUID, actor: Actor, rule: CategoryRule) -> None:
    """Soft delete. Rows it categorized keep their category until the next full run, where the
    remaining rules and the model decide them again."""
    rule.deleted_at = utcnow()
    session.flush()
    _audit(session, org_id, actor, "analytics.rule.delete", rule.id, {"name": rule.name})


def reorder_rules(
    session: Session, org_id: uuid.UUID, actor: Actor, ids: list[uuid.UUID]
) -> list[CategoryRule]:
    """Positions 0..n-1 in the order given; `ids` must be every live rule, once."""
    advisory_xact_lock(session, "finsight.analytics.rules:", per_schema=True)
    rules = {rule.id: rule for rule in list_rules(session)}
    if len(set(ids)) != len(ids):
        raise InvalidInput("ids: each rule once", field="ids")
    unknown = [str(i) for i in ids if i not in rules]
    if unknown:
        raise InvalidInput(f"ids: no such rule {unknown[0]}", field="ids")
    missing = [str(i) for i in rules if i not in set(ids)]
    if missing:
        raise InvalidInput(f"ids: give every rule; missing {missing[0]}", field="ids")
    for position, rule_id in enumerate(ids):
        rules[rule_id].position = position
    session.flush()
    _audit(session, org_id, actor, "analytics.rule.reorder", None, {"ids": [str(i) for i in ids]})
    return [rules[i] for i in ids]


# --- review queue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    transaction: Transaction
    suggested_category_id: uuid.UUID | None
    confidence: float | None


def review_queue(
    session: Session,
    *,
    reason: str | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[ReviewRow]:
    """Uncategorized rows (with the model's guess, when it had one below its threshold) and
    rows the model categorized with less than REVIEW_BELOW confidence; newest first."""
    uncategorized = Transaction.category_id.is_(None)
    unsure = and_(
        Transaction.category_source == "model", Transaction.category_confidence < REVIEW_BELOW
    )
    wanted = {"uncategorized": uncategorized, "low_confidence": unsure}.get(
        reason or "", or_(uncategorized, unsure)
    )
    suggestion = Transaction.extra[SUGGESTION]
    query = select(Transaction, suggestion).where(*store.eligible(), wanted)
    if after is not None:
        query = query.where(tuple_(Transaction.transaction_date, Transaction.id) < after)
    rows = session.execute(
        query.order_by(Transaction.transaction_date.desc(), Transaction.id.desc()).limit(limit)
    )
    out = []
    for transaction, guess in (tuple(row) for row in rows):
        if transaction.category_source == "model" and transaction.category_id is not None:
            out.append(
                ReviewRow(transaction, transaction.category_id, transaction.category_confidence)
            )
        elif (
            isinstance(guess, dict)
            and guess.get("category_id")
            and float(guess.get("confidence") or 0) >= MIN_SUGGESTION_CONFIDENCE
        ):
            out.append(
                ReviewRow(transaction, uuid.UUID(guess["category_id"]), float(guess["confidence"]))
            )
        else:
            out.append(ReviewRow(transaction, None, None))
    return out


def resolve(
    session: Session,
    org_id: uuid.UUID,
    actor: Actor,
    ids: list[uuid.UUID],
    category_id: uuid.UUID,
) -> BulkOutcome:
    """Set a person's category on reviewed rows, exactly as bulk recategorize does (its audit
    entry is this call's; it also clears the model's confidence and the rule), then drop the
    model's suggestion, and look at their merchants for a rule to propose."""
    outcome = bulk_recategorize(session, org_id, ids, category_id, actor)
    missing = set(outcome.not_found)
    changed = [i for i in dict.fromkeys(ids) if i not in missing]
    if changed:
        merchants = {
            merchant
            for merchant in session.scalars(
                update(Transaction)
                .where(Transaction.id.in_(changed))
                .values(extra=Transaction.extra.op("-")(SUGGESTION))
                .returning(Transaction.merchant_id)
                .execution_options(synchronize_session=False)
            )
            if merchant is not None
        }
        proposals.refresh(session, merchants)
    return outcome


# --- proposals ---------------------------------------------------------------------------------


def accept_proposal(
    session: Session, org_id: uuid.UUID, actor: Actor, proposal_id: uuid.UUID
) -> tuple[RuleProposal, str]:
    """Create the proposed rule (last in the order) and mark the proposal accepted."""
    proposal, merchant = proposals.get_proposal(session, proposal_id)
    if proposal.status != "proposed":
        raise Conflict(f"the proposal is already {proposal.status}")
    category = session.get(Category, proposal.category_id)
    if category is None or category.deleted_at is not None:
        raise Conflict("the proposed category has been deleted; dismiss the proposal")
    rule = _insert_rule(
        session,
        name=f"{merchant} → {category.name}"[:200],
        conditions={"merchant_ids": [str(proposal.merchant_id)]},
        actions={"category_id": str(proposal.category_id)},
        enabled=True,
        stop_processing=False,
        actor=actor,
    )
    _decide(proposal, "accepted", actor)
    proposal.rule_id = rule.id
    session.flush()
    _audit(
        session,
        org_id,
        actor,
        "analytics.proposal.accept",
        proposal.id,
        {"rule_id": str(rule.id), **_described(rule)},
        target_type="rule_proposal",
    )
    return proposal, merchant


def dismiss_proposal(
    session: Session, org_id: uuid.UUID, actor: Actor, proposal_id: uuid.UUID
) -> tuple[RuleProposal, str]:
    """Final: the same merchant and category are never proposed again."""
    proposal, merchant = proposals.get_proposal(session, proposal_id)
    if proposal.status == "accepted":
        raise Conflict("the proposal was accepted; delete its rule instead")
    if proposal.status == "proposed":
        _decide(proposal, "dismissed", actor)
        session.flush()
    _audit(
        session,
        org_id,
        actor,
        "analytics.proposal.dismiss",
        proposal.id,
        {"merchant_id": str(proposal.merchant_id), "category_id": str(proposal.category_id)},
        target_type="rule_proposal",
    )
    return proposal, merchant


def _decide(proposal: RuleProposal, status: str, actor: Actor) -> None:
    proposal.status, proposal.decided_by, proposal.decided_at = status, actor.user_id, utcnow()
