"""Accounts and their balances.

current_balance is opening_balance plus the sum of the account's live transactions. Whoever
changes transactions keeps it so, in the same transaction: adjust_balance() by the delta when
the change is known, recompute_balance() after a bulk change (an import).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from finsight.accounts.institutions import live_institution
from finsight.accounts.models import Account
from finsight.audit.service import record_change, soft_delete_and_record
from finsight.errors import Conflict, InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.transactions.models import Transaction

NOT_NULLABLE = ("name", "type", "currency", "opening_balance")


@dataclass(frozen=True)
class AccountFilter:
    type: str | None = None
    institution_id: uuid.UUID | None = None


def list_accounts(
    session: Session, where: AccountFilter, *, after: tuple[str, uuid.UUID] | None, limit: int
) -> list[Account]:
    """Live accounts by name (case-insensitive), then id; `after` is the last row's key."""
    sort_key = tuple_(func.lower(Account.name), Account.id)
    query = select(Account).where(Account.deleted_at.is_(None))
    if where.type:
        query = query.where(Account.type == where.type)
    if where.institution_id:
        query = query.where(Account.institution_id == where.institution_id)
    if after is not None:
        query = query.where(sort_key > tuple_(*after))
    return list(session.scalars(query.order_by(func.lower(Account.name), Account.id).limit(limit)))


def get_account(session: Session, account_id: uuid.UUID) -> Account:
    account = session.get(Account, account_id)
    if account is None or account.deleted_at is not None:
        raise NotFound("account not found")
    return account


def deleted_account_ids(session: Session) -> list[uuid.UUID]:
    """Soft-deleted accounts, whose transactions lists leave out (usually none)."""
    return list(session.scalars(select(Account.id).where(Account.deleted_at.is_not(None))))


def _ensure_unique_name(session: Session, name: str, own: uuid.UUID | None) -> None:
    query = select(Account.id).where(
        Account.deleted_at.is_(None), func.lower(Account.name) == name.lower()
    )
    if own is not None:
        query = query.where(Account.id != own)
    if session.scalar(query):
        raise Conflict(f"an account named {name!r} exists")


def create_account(
    session: Session,
    org_id: uuid.UUID,
    *,
    name: str,
    type: str,
    currency: str,
    institution_id: uuid.UUID | None,
    mask: str | None,
    opening_balance: Decimal,
    actor: Actor,
) -> Account:
    _ensure_unique_name(session, name, None)
    if institution_id is not None:
        live_institution(session, institution_id, "institution_id")
    account = Account(
        name=name,
        type=type,
        currency=currency,
        institution_id=institution_id,
        mask=mask,
        opening_balance=opening_balance,
        current_balance=opening_balance,
    )
    session.add(account)
    session.flush()
    record_change(session, org_id=org_id, actor=actor, action="account.create", target=account)
    return account


def update_account(
    session: Session, org_id: uuid.UUID, account: Account, changes: dict[str, Any], actor: Actor
) -> Account:
    """`changes` holds only the fields the caller sent (null clears institution_id and mask)."""
    for key in NOT_NULLABLE:
        if key in changes and changes[key] is None:
            raise InvalidInput(f"{key} cannot be null", field=key)
    if "name" in changes:
        _ensure_unique_name(session, changes["name"], account.id)
    if changes.get("institution_id") is not None:
        live_institution(session, changes["institution_id"], "institution_id")
    if "currency" in changes and changes["currency"] != account.currency:
        used = session.scalar(select(func.count()).where(Transaction.account_id == account.id))
        if used:
            raise Conflict(
                f"account {account.name!r} has {used} transaction(s) in {account.currency}; "
                "its currency cannot change"
            )
    if "opening_balance" in changes:
        # In SQL, not from the loaded value: an import may be moving the balance right now.
        adjust_balance(session, account.id, changes["opening_balance"] - account.opening_balance)
    for key in ("name", "type", "currency", "institution_id", "mask", "opening_balance"):
        if key in changes:
            setattr(account, key, changes[key])
    session.flush()
    record_change(
        session,
        org_id=org_id,
        actor=actor,
        action="account.update",
        target=account,
        changed=changes,
    )
    return account


def delete_account(session: Session, org_id: uuid.UUID, account: Account, actor: Actor) -> None:
    """Soft delete: the account and its transactions leave every list; rows are kept."""
    soft_delete_and_record(session, account, org_id=org_id, actor=actor, action="account.delete")


def adjust_balance(session: Session, account_id: uuid.UUID, delta: Decimal) -> None:
    """Move the account's current_balance by `delta`, as one atomic UPDATE (no lost updates
    between concurrent imports and edits)."""
    if delta:
        session.execute(
            update(Account)
            .where(Account.id == account_id)
            .values(current_balance=Account.current_balance + delta)
            .execution_options(synchronize_session="fetch")
        )


def recompute_balance(session: Session, account_id: uuid.UUID) -> Decimal:
    """Set current_balance to opening_balance + the sum of live transactions; returns it."""
    live_sum = (
        select(func.coalesce(func.sum(Transaction.amount), 0))
        .where(Transaction.account_id == account_id, Transaction.deleted_at.is_(None))
        .scalar_subquery()
    )
    balance = session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(current_balance=Account.opening_balance + live_sum)
        .returning(Account.current_balance)
        .execution_options(synchronize_session="fetch")
    ).scalar_one()
    return Decimal(balance)
