"""Merchants for people: list and read them, rename, merge, split. Never commits.

Edits take the merchants' advisory lock (`merchant_store.lock_merchants`): a run places keys
from what it read, and an edit landing in the middle would be undone by it. Keys an edit moves
are pinned, and a renamed merchant keeps its name, so later runs leave the person's choice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from finsight.analytics.descriptors import descriptor_key
from finsight.analytics.merchant_store import MAX_NAME, lock_merchants, sync_merchant_names
from finsight.analytics.models import CategoryRule, Merchant, MerchantKey
from finsight.audit.service import record
from finsight.errors import InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.query import escape_like
from finsight.transactions.models import Transaction

__all__ = [
    "KeyView",
    "MerchantView",
    "get_merchant",
    "list_merchants",
    "merge_merchants",
    "rename_merchant",
    "split_merchant",
]


@dataclass(frozen=True)
class KeyView:
    key: str
    display: str
    pinned: bool


@dataclass(frozen=True)
class MerchantView:
    id: uuid.UUID
    name: str
    name_source: str
    key_details: list[KeyView]
    transactions: int  # live ones
    last_seen: date | None

    @property
    def keys(self) -> list[str]:
        return [k.key for k in self.key_details]


def _views(session: Session, merchants: list[Merchant]) -> list[MerchantView]:
    """Keys and transaction counts for a page of merchants (two queries, index-backed)."""
    ids = [m.id for m in merchants]
    keys: dict[uuid.UUID, list[KeyView]] = {m: [] for m in ids}
    for row in session.scalars(
        select(MerchantKey).where(MerchantKey.merchant_id.in_(ids)).order_by(MerchantKey.key)
    ):
        keys[row.merchant_id].append(KeyView(row.key, row.display, row.pinned))
    seen = {
        merchant_id: (int(n), last)
        for merchant_id, n, last in session.execute(
            select(Transaction.merchant_id, func.count(), func.max(Transaction.transaction_date))
            .where(Transaction.merchant_id.in_(ids), Transaction.deleted_at.is_(None))
            .group_by(Transaction.merchant_id)
        ).all()
        if merchant_id is not None
    }
    return [
        MerchantView(
            id=m.id,
            name=m.name,
            name_source=m.name_source,
            key_details=keys[m.id],
            transactions=seen.get(m.id, (0, None))[0],
            last_seen=seen.get(m.id, (0, None))[1],
        )
        for m in merchants
    ]


def list_merchants(
    session: Session, *, q: str | None, after: tuple[str, uuid.UUID] | None, limit: int
) -> list[MerchantView]:
    """By name (case-blind), then id; `q` is a case-blind substring of the name or a key."""
    query = select(Merchant)
    if q and q.strip():
        pattern = f"%{escape_like(q.strip())}%"
        matches: list[ColumnElement[bool]] = [MerchantKey.key.ilike(pattern)]
        key = descriptor_key(q)  # "Blue-Bottle" finds the key "blue bottle"
        if key:
            matches.append(MerchantKey.key.contains(key, autoescape=True))
        query = query.where(
            or_(
                Merchant.name.ilike(pattern),
                exists().where(MerchantKey.merchant_id == Merchant.id, or_(*matches)),
            )
        )
    sort = func.lower(Merchant.name)
    if after is not None:
        # Lower-cased by PostgreSQL on both sides, so the comparison agrees with ORDER BY.
        query = query.where(tuple_(sort, Merchant.id) > tuple_(func.lower(after[0]), after[1]))
    rows = list(session.scalars(query.order_by(sort, Merchant.id).limit(limit)))
    return _views(session, rows)


def cursor_of(view: MerchantView) -> dict[str, Any]:
    return {"name": view.name, "id": str(view.id)}


def _merchant(session: Session, merchant_id: uuid.UUID) -> Merchant:
    found = session.get(Merchant, merchant_id)
    if found is None:
        raise NotFound("merchant not found")
    return found


def get_merchant(session: Session, merchant_id: uuid.UUID) -> MerchantView:
    return _views(session, [_merchant(session, merchant_id)])[0]


def _name(value: str, field: str = "name") -> str:
    name = " ".join(value.split())
    if not name:
        raise InvalidInput(f"{field} cannot be blank", field=field)
    if len(name) > MAX_NAME:
        raise InvalidInput(f"{field} is longer than {MAX_NAME} characters", field=field)
    return name


def rename_merchant(
    session: Session, merchant_id: uuid.UUID, name: str, *, org_id: uuid.UUID, actor: Actor
) -> MerchantView:
    new_name = _name(name)
    lock_merchants(session)
    merchant = _merchant(session, merchant_id)
    before = merchant.name
    merchant.name, merchant.name_source = new_name, "user"
    session.flush()
    sync_merchant_names(session, [merchant.id])
    record(
        session,
        org_id=org_id,
        actor=actor,
        action="analytics.merchant.rename",
        target_type="merchant",
        target_id=merchant.id,
        details={"from": before, "to": new_name},
    )
    return get_merchant(session, merchant.id)


def merge_merchants(
    session: Session,
    source_ids: list[uuid.UUID],
    target_id: uuid.UUID,
    *,
    org_id: uuid.UUID,
    actor: Actor,
) -> MerchantView:
    """The sources' keys (pinned) and transactions move to the target; the sources go."""
    sources = list(dict.fromkeys(source_ids))
    if not sources:
        raise InvalidInput("source_ids is empty", field="source_ids")
    if target_id in sources:
        raise InvalidInput("target_id is also among source_ids", field="source_ids")
    lock_merchants(session)
    target = session.get(Merchant, target_id)
    if target is None:
        raise InvalidInput(f"no merchant {target_id}", field="target_id")
    found = dict(
        session.execute(select(Merchant.id, Merchant.name).where(Merchant.id.in_(sources))).all()
    )
    unknown = [str(s) for s in sources if s not in found]
    if unknown:
        raise InvalidInput(f"no merchant {', '.join(unknown)}", field="source_ids")
    moved = session.scalars(
        update(MerchantKey)
        .where(MerchantKey.merchant_id.in_(sources))
        .values(merchant_id=target.id, pinned=True, updated_at=func.now())
        .returning(MerchantKey.key),
        execution_options={"synchronize_session": False},
    ).all()
    rows = session.execute(
        update(Transaction)
        .where(Transaction.merchant_id.in_(sources))
        .values(merchant_id=target.id)
        .execution_options(synchronize_session=False)
    )
    sync_merchant_names(session, [target.id])
    rules = _point_rules_at(session, sources, target.id)
    session.execute(delete(Merchant).where(Merchant.id.in_(sources)))
    record(
        session,
        org_id=org_id,
        actor=actor,
        action="analytics.merchant.merge",
        target_type="merchant",
        target_id=target.id,
        details={
            "source_ids": [str(s) for s in sources],
            "source_names": [found[s] for s in sources],
            "keys": sorted(moved),
            "transactions": int(rows.rowcount),  # type: ignore[attr-defined]
            "rules": rules,
        },
    )
    session.expire_all()
    return get_merchant(session, target.id)


def _point_rules_at(session: Session, sources: list[uuid.UUID], target: uuid.UUID) -> list[str]:
    """Rules that named a merged merchant name the merchant it became (else they would name
    nothing and silently stop matching); returns their ids."""
    gone = {str(source) for source in sources}
    changed = []
    for rule in session.scalars(select(CategoryRule).where(CategoryRule.deleted_at.is_(None))):
        named = rule.conditions.get("merchant_ids") or []
        if gone.isdisjoint(named):
            continue
        kept = [m for m in named if m not in gone]
        rule.conditions = {
            **rule.conditions,
            "merchant_ids": list(dict.fromkeys([*kept, str(target)])),
        }
        changed.append(str(rule.id))
    session.flush()
    return changed


def split_merchant(
    session: Session,
    merchant_id: uuid.UUID,
    keys: list[str],
    name: str | None,
    *,
    org_id: uuid.UUID,
    actor: Actor,
) -> MerchantView:
    """Some of a merchant's keys (pinned) and their transactions become a new merchant."""
    wanted = list(dict.fromkeys(k.strip() for k in keys if k.strip()))
    if not wanted:
        raise InvalidInput("keys is empty", field="keys")
    new_name = _name(name) if name is not None else None
    lock_merchants(session)
    merchant = _merchant(session, merchant_id)
    owned = {
        row.key: row
        for row in session.scalars(
            select(MerchantKey).where(MerchantKey.merchant_id == merchant.id)
        )
    }
    unknown = [k for k in wanted if k not in owned]
    if unknown:
        raise InvalidInput(f"not keys of this merchant: {', '.join(unknown)}", field="keys")
    if len(wanted) == len(owned):
        raise InvalidInput(
            "keys cannot be all of the merchant's keys (rename it instead)", field="keys"
        )
    created = Merchant(
        name=new_name or owned[wanted[0]].display,
        name_source="user" if new_name else "cleaner",
    )
    session.add(created)
    session.flush()
    session.execute(
        update(MerchantKey)
        .where(MerchantKey.key.in_(wanted))
        .values(merchant_id=created.id, pinned=True, updated_at=func.now())
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        update(Transaction)
        .where(Transaction.merchant_id == merchant.id, Transaction.merchant_key.in_(wanted))
        .values(merchant_id=created.id)
        .execution_options(synchronize_session=False)
    )
    sync_merchant_names(session, [created.id])
    record(
        session,
        org_id=org_id,
        actor=actor,
        action="analytics.merchant.split",
        target_type="merchant",
        target_id=created.id,
        details={
            "from_id": str(merchant.id),
            "from_name": merchant.name,
            "keys": wanted,
            "transactions": int(rows.rowcount),  # type: ignore[attr-defined]
        },
    )
    session.expire_all()
    return get_merchant(session, created.id)
