"""Rule proposals: a merchant whose rows people categorized consistently suggests a rule.

A merchant is proposed for category C when the live rows of it that carry a category a person
set are all C, no live rule names the merchant yet, and either there are at least MIN_SUPPORT of
them or the merchant's other rows are too many for them to carry: more than KNOWN_WEIGHT per
person's row (classifier.py) not in C. There the engine keeps the correction as an exception
(a gift among two hundred Amazon orders), so whether the whole merchant moves (every Peet's
Coffee is Restaurants here) is asked at once rather than after two more corrections.

A proposal is kept per (merchant, category): accepting it creates the rule
(service.accept_proposal); dismissing it is final — the same pair is never proposed again,
however many corrections follow. A proposal still waiting is withdrawn when its evidence goes
(a person picks another category for one of the rows, or a rule for the merchant appears); more
corrections that agree keep it, whatever is left to carry.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from finsight.analytics.categorization.classifier import KNOWN_WEIGHT
from finsight.analytics.models import Merchant, RuleProposal
from finsight.errors import NotFound

MIN_SUPPORT = 3

# Per merchant: how many rows people categorized, the one category if they all agree (a row a
# person left uncategorized on purpose counts as disagreement), and how many of its other rows
# are elsewhere. :merchants null = every one.
_EVIDENCE = """
    labelled AS (
        SELECT t.merchant_id,
               count(*) AS support,
               CASE WHEN count(DISTINCT t.category_id) = 1 AND bool_and(t.category_id IS NOT NULL)
                    THEN min(t.category_id::text)::uuid END AS category_id
        FROM transactions t
        WHERE t.deleted_at IS NULL
          AND t.merchant_id IS NOT NULL
          AND 'category_id' = ANY (t.user_fields)
          AND (CAST(:merchants AS uuid[]) IS NULL
               OR t.merchant_id = ANY (CAST(:merchants AS uuid[])))
        GROUP BY t.merchant_id
    ),
    evidence AS (
        SELECT l.merchant_id, l.support, l.category_id,
               (SELECT count(*) FROM transactions o
                WHERE o.merchant_id = l.merchant_id
                  AND o.deleted_at IS NULL
                  AND NOT ('category_id' = ANY (o.user_fields))
                  AND o.category_id IS DISTINCT FROM l.category_id) AS others
        FROM labelled l
    ),
    ruled AS (
        SELECT DISTINCT jsonb_array_elements_text(r.conditions -> 'merchant_ids')::uuid AS id
        FROM category_rules r
        WHERE r.deleted_at IS NULL AND r.conditions ? 'merchant_ids'
    )
"""

# Composed of this module's constants only (no input reaches the text).
_PROPOSE = text(
    "WITH"  # noqa: S608
    + _EVIDENCE
    + """
    INSERT INTO rule_proposals (id, merchant_id, category_id, support, status)
    SELECT gen_random_uuid(), e.merchant_id, e.category_id, e.support, 'proposed'
    FROM evidence e
    JOIN categories c ON c.id = e.category_id AND c.deleted_at IS NULL
    WHERE e.category_id IS NOT NULL
      AND (e.support >= :support OR e.others > :carried * e.support
           OR EXISTS (SELECT 1 FROM rule_proposals w
                      WHERE w.merchant_id = e.merchant_id AND w.category_id = e.category_id
                        AND w.status = 'proposed'))
      AND e.merchant_id NOT IN (SELECT id FROM ruled)
    ON CONFLICT (merchant_id, category_id) DO UPDATE
        SET support = EXCLUDED.support, updated_at = now()
        WHERE rule_proposals.status = 'proposed'
    RETURNING (xmax = 0) AS inserted
    """
)

_WITHDRAW = text(
    "WITH"  # noqa: S608
    + _EVIDENCE
    + """
    DELETE FROM rule_proposals p
    WHERE p.status = 'proposed'
      AND (CAST(:merchants AS uuid[]) IS NULL
           OR p.merchant_id = ANY (CAST(:merchants AS uuid[])))
      AND (NOT EXISTS (SELECT 1 FROM evidence e
                       WHERE e.merchant_id = p.merchant_id
                         AND e.category_id = p.category_id)
           OR p.merchant_id IN (SELECT id FROM ruled))
    """
)


def refresh(session: Session, merchant_ids: Collection[uuid.UUID] | None = None) -> int:
    """Propose rules where the evidence is there and withdraw waiting proposals where it is not
    any more, for `merchant_ids` (None: every merchant). Returns the number of new proposals."""
    if merchant_ids is not None and not merchant_ids:
        return 0
    params: dict[str, Any] = {
        "support": MIN_SUPPORT,
        "carried": KNOWN_WEIGHT,
        "merchants": list(merchant_ids) if merchant_ids is not None else None,
    }
    created = session.execute(_PROPOSE, params).all()
    session.execute(_WITHDRAW, params)
    return sum(1 for row in created if row.inserted)


def list_proposals(session: Session, status: str | None) -> list[tuple[RuleProposal, str]]:
    """Proposals with their merchant's name, newest first."""
    query = select(RuleProposal, Merchant.name).join(
        Merchant, Merchant.id == RuleProposal.merchant_id
    )
    if status:
        query = query.where(RuleProposal.status == bindparam("status", status))
    rows = session.execute(query.order_by(RuleProposal.created_at.desc(), RuleProposal.id.desc()))
    return [(row[0], row[1]) for row in rows]


def get_proposal(session: Session, proposal_id: uuid.UUID) -> tuple[RuleProposal, str]:
    found = session.execute(
        select(RuleProposal, Merchant.name)
        .join(Merchant, Merchant.id == RuleProposal.merchant_id)
        .where(RuleProposal.id == proposal_id)
        .with_for_update(of=RuleProposal)
    ).first()
    if found is None:
        raise NotFound("rule proposal not found")
    return found[0], found[1]
