"""Reading and changing transactions by hand: list, annotate, recategorize, delete, restore.

Every change keeps the account's current_balance (finsight.accounts.service) and writes one
audit entry, in the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Row, and_, func, select, update
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.accounts.service import adjust_balance
from finsight.audit.service import record, record_change
from finsight.categories.models import Category
from finsight.categories.tree import load_tree
from finsight.errors import Conflict, InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.transactions import query as q
from finsight.transactions.models import USER_FIELDS, Transaction


def prepare_filter(session: Session, where: q.TransactionFilter) -> q.TransactionFilter:
    """Widen categories to their subcategories and hide deleted accounts' transactions."""
    category_ids = where.category_ids
    if category_ids:
        children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
        for node in load_tree(session):
            children.setdefault(node.parent_id, []).append(node.id)
        widened: set[uuid.UUID] = set()
        pending = list(category_ids)
        while pending:
            current = pending.pop()
            if current not in widened:
                widened.add(current)
                pending.extend(children.get(current, []))
        category_ids = tuple(sorted(widened))
    return replace(where, category_ids=category_ids)


def list_transactions(
    session: Session,
    where: q.TransactionFilter,
    *,
    sort: q.Sort,
    cursor: dict[str, Any] | None,
    limit: int,
) -> list[Row[Any]]:
    """A page of rows (q.LISTED columns), in `sort` order after `cursor`."""
    query = q.page_after(q.filtered(prepare_filter(session, where)), sort, cursor)
    listed = q.ordered(query, sort).limit(limit).with_only_columns(*q.LISTED)
    return list(session.execute(listed).all())


def get_transaction(session: Session, transaction_id: uuid.UUID) -> Transaction:
    """A transaction of a live account, deleted or not."""
    found = session.execute(
        select(Transaction)
        .join(Account, Account.id == Transaction.account_id)
        .where(Transaction.id == transaction_id, Account.deleted_at.is_(None))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("transaction not found")
    return found


def live_transaction(session: Session, transaction_id: uuid.UUID) -> Transaction:
    transaction = get_transaction(session, transaction_id)
    if transaction.deleted_at is not None:
        raise NotFound("transaction not found (it is deleted; restore it first)")
    return transaction


def _live_category(session: Session, category_id: uuid.UUID) -> None:
    found = session.scalar(
        select(Category.id).where(Category.id == category_id, Category.deleted_at.is_(None))
    )
    if found is None:
        raise InvalidInput(f"category {category_id} not found", field="category_id")


def update_transaction(
    session: Session,
    org_id: uuid.UUID,
    transaction: Transaction,
    changes: dict[str, Any],
    actor: Actor,
) -> Transaction:
    """Set the fields in `changes`; each becomes a user field. category_source becomes
    'user' when the category is set (to a category or to none)."""
    if not changes:
        raise InvalidInput(f"nothing to change: send one of {', '.join(USER_FIELDS)}")
    if "tags" in changes:
        if changes["tags"] is None:
            raise InvalidInput("tags cannot be null; send [] to clear them", field="tags")
        changes["tags"] = list(dict.fromkeys(changes["tags"]))
    if "excluded" in changes and changes["excluded"] is None:
        raise InvalidInput("excluded cannot be null", field="excluded")
    if changes.get("category_id") is not None:
        _live_category(session, changes["category_id"])
    if "merchant" in changes and not changes["merchant"]:
        changes["merchant"] = None
    for key, value in changes.items():
        setattr(transaction, key, value)
    if "category_id" in changes:
        transaction.category_source = "user"
        transaction.category_confidence = transaction.category_rule_id = None
    if "merchant" in changes:
        # The next analytics run keys the row again, from the person's text.
        # Until then the person's text is the name shown.
        transaction.merchant_key = transaction.merchant_id = transaction.merchant_name = None
    transaction.user_fields = sorted(set(transaction.user_fields) | set(changes))
    session.flush()
    record_change(
        session,
        org_id=org_id,
        actor=actor,
        action="transaction.update",
        target=transaction,
        changed=changes,
    )
    return transaction


def _unpair(session: Session, transaction: Transaction) -> None:
    """A deleted side ends the transfer: neither side stays paired."""
    if transaction.transfer_id is not None:
        session.execute(
            update(Transaction)
            .where(Transaction.transfer_id == transaction.transfer_id)
            .values(transfer_id=None, updated_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )


def delete_transaction(
    session: Session, org_id: uuid.UUID, transaction: Transaction, actor: Actor
) -> None:
    """Soft delete: the amount leaves the account's balance; a transfer pair is undone."""
    _unpair(session, transaction)
    transaction.deleted_at = utcnow()
    adjust_balance(session, transaction.account_id, -transaction.amount)
    session.flush()
    record_change(
        session, org_id=org_id, actor=actor, action="transaction.delete", target=transaction
    )


def restore_transaction(
    session: Session, org_id: uuid.UUID, transaction: Transaction, actor: Actor
) -> Transaction:
    if transaction.deleted_at is None:
        raise Conflict("transaction is not deleted")
    transaction.deleted_at = None
    adjust_balance(session, transaction.account_id, transaction.amount)
    session.flush()
    record_change(
        session, org_id=org_id, actor=actor, action="transaction.restore", target=transaction
    )
    return transaction


@dataclass(frozen=True)
class BulkOutcome:
    requested: int
    updated: int
    not_found: list[uuid.UUID]


def bulk_recategorize(
    session: Session,
    org_id: uuid.UUID,
    ids: list[uuid.UUID],
    category_id: uuid.UUID | None,
    actor: Actor,
) -> BulkOutcome:
    """Set one category on many live transactions as a user choice; one audit entry."""
    wanted = list(dict.fromkeys(ids))
    if category_id is not None:
        _live_category(session, category_id)
    live_account = select(Account.id).where(
        Account.id == Transaction.account_id, Account.deleted_at.is_(None)
    )
    marked = func.array_append(
        func.array_remove(Transaction.user_fields, "category_id"), "category_id"
    )
    updated = list(
        session.scalars(
            update(Transaction)
            .where(
                and_(
                    Transaction.id.in_(wanted),
                    Transaction.deleted_at.is_(None),
                    live_account.exists(),
                )
            )
            .values(
                category_id=category_id,
                category_source="user",
                category_confidence=None,
                category_rule_id=None,
                user_fields=marked,
                updated_at=utcnow(),
            )
            .returning(Transaction.id)
            .execution_options(synchronize_session=False)
        )
    )
    done = set(updated)
    outcome = BulkOutcome(len(wanted), len(updated), [i for i in wanted if i not in done])
    record(
        session,
        org_id=org_id,
        actor=actor,
        action="transaction.bulk_recategorize",
        target_type="category",
        target_id=category_id,
        details={"requested": outcome.requested, "updated": outcome.updated},
    )
    return outcome
