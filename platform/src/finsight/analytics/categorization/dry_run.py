"""A rule tried against the existing transactions, in its place among the others; writes nothing.

What the next run would do with the rule: it matches the rows its conditions select; of those, an
earlier rule (in the list's order) that sets a category decides the row's category first, and an
earlier matching rule marked "stop" keeps this one from the row altogether (both counted as
`preempted`); a category or tags a person set are never changed. A new rule goes last; a stored
one (`rule_id`) keeps its place, with its stored conditions and actions or the ones given (an
edit being previewed).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, tuple_
from sqlalchemy.orm import Session

from finsight.analytics.categorization import store
from finsight.analytics.categorization.rules import (
    CompiledRule,
    apply_rules,
    sql_conditions,
    validate_conditions,
)
from finsight.analytics.categorization.runner import compiled_rules
from finsight.analytics.categorization.service import (
    checked_actions,
    checked_conditions,
    get_rule,
)
from finsight.analytics.models import CategoryRule
from finsight.categories.tree import load_tree
from finsight.errors import InvalidInput
from finsight.transactions.models import Transaction

SAMPLE_SIZE = 20
_USER_TAGS = store.user_set("tags")


@dataclass(frozen=True)
class SampleRow:
    transaction_id: uuid.UUID
    date: date
    description: str
    amount: Decimal
    current_category_id: uuid.UUID | None
    new_category_id: uuid.UUID | None
    currency: str = "USD"  # the transaction's (its account's): euros show as euros


@dataclass(frozen=True)
class DryRun:
    matched: int
    would_change: int
    preempted: int
    sample: list[SampleRow]


def dry_run(
    session: Session,
    *,
    conditions: Any = None,
    actions: Any = None,
    rule_id: uuid.UUID | None = None,
) -> DryRun:
    """How many rows the rule matches, how many it would change, how many an earlier rule
    takes first, and the newest matches."""
    stored: CategoryRule | None = None
    # Conditions sent now are checked like a save's (ids must be the tenant's); a stored
    # rule's are taken as they are (an account deleted since simply matches nothing).
    checked = checked_conditions(session, conditions) if conditions is not None else None
    if rule_id is not None:
        stored = get_rule(session, rule_id)
        checked = validate_conditions(stored.conditions) if checked is None else checked
        actions = stored.actions if actions is None else actions
    elif checked is None or actions is None:
        raise InvalidInput("send conditions and actions, or rule_id", field="conditions")
    compiled = CompiledRule.of(checked, checked_actions(session, actions))
    earlier = _earlier_rules(session, stored)
    if compiled.exact_in_sql and not earlier:
        return _counted_in_sql(session, compiled)
    return _counted_in_order(session, compiled, earlier)


def _earlier_rules(session: Session, stored: CategoryRule | None) -> list[CompiledRule]:
    """The enabled rules that come before `stored` (every enabled rule for a new one)."""
    live = {node.id for node in load_tree(session)}
    before = None
    if stored is not None:
        before = tuple_(CategoryRule.position, CategoryRule.id) < (stored.position, stored.id)
    return compiled_rules(session, live, before=before)


def _would_change(category: uuid.UUID | None, tags: list[str]) -> ColumnElement[bool]:
    """The rule changes the row when it runs alone (nothing before it)."""
    changes: list[Any] = []
    if category is not None:
        other = Transaction.category_id.is_distinct_from(category)
        changes.append(and_(~store.USER_CATEGORY, other))
    if tags:
        changes.append(and_(~store.USER_CATEGORY, ~_USER_TAGS, ~Transaction.tags.contains(tags)))
    return or_(*changes) if changes else false()


def _columns(category: uuid.UUID | None, tags: list[str]) -> tuple[Any, ...]:
    """What matching, the earlier rules and the counts read of a row."""
    return (
        Transaction.id,
        Transaction.transaction_date,
        Transaction.description,
        Transaction.amount,
        Transaction.currency,
        Transaction.merchant_id,
        Transaction.account_id,
        Transaction.category_id,
        store.USER_CATEGORY.label("user_category"),
        Transaction.category_id.is_distinct_from(category).label("other_category"),
        (~_USER_TAGS & ~Transaction.tags.contains(tags) if tags else false()).label("tags_missing"),
    )


_ORDER = (Transaction.transaction_date.desc(), Transaction.id.desc())


def _counted_in_sql(session: Session, rule: CompiledRule) -> DryRun:
    """No rule comes first and the conditions are exact in SQL: counted by the database."""
    columns = _columns(rule.category_id, list(rule.add_tags))
    where = [*store.eligible(), *sql_conditions(rule)]
    would = _would_change(rule.category_id, list(rule.add_tags))
    counts = session.execute(select(func.count(), func.count().filter(would)).where(*where)).one()
    rows = session.execute(select(*columns).where(*where).order_by(*_ORDER).limit(SAMPLE_SIZE))
    sample = [_sample(row, rule.category_id if not row.user_category else None) for row in rows]
    return DryRun(int(counts[0]), int(counts[1]), 0, sample)


def _counted_in_order(session: Session, rule: CompiledRule, earlier: list[CompiledRule]) -> DryRun:
    """Each candidate row read and judged as the run would: this rule after `earlier`."""
    stops = {r.id for r in earlier if r.stop_processing}
    columns = _columns(rule.category_id, list(rule.add_tags))
    stream = session.execute(
        select(*columns)
        .where(*store.eligible(), *sql_conditions(rule))
        .order_by(*_ORDER)
        .execution_options(yield_per=5000)
    )
    matched = changed = preempted = 0
    sample: list[SampleRow] = []
    for row in stream:
        if not rule.matches(row):
            continue
        matched += 1
        first = apply_rules(earlier, row) if earlier else None
        stopped = first is not None and any(i in stops for i in first.matched)
        taken = first is not None and first.category_id is not None
        preempted += stopped or (taken and rule.category_id is not None)
        category = None if stopped or taken or row.user_category else rule.category_id
        retagged = not stopped and not row.user_category and bool(row.tags_missing)
        changed += (category is not None and bool(row.other_category)) or retagged
        if len(sample) < SAMPLE_SIZE:
            sample.append(_sample(row, category))
    return DryRun(matched, changed, preempted, sample)


def _sample(row: Any, category: uuid.UUID | None) -> SampleRow:
    """`category`: what this rule would set (None: it leaves the category as it is)."""
    return SampleRow(
        row.id,
        row.transaction_date,
        row.description,
        row.amount,
        row.category_id,
        category if category is not None else row.category_id,
        row.currency,
    )
