"""Append to and verify the hash-chained audit log (DESIGN §5)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from finsight.audit.models import AuditEntry
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.kit.query import escape_like


def record(
    session: Session,
    *,
    org_id: uuid.UUID | None,
    actor: Actor,
    action: str,
    target_type: str | None = None,
    target_id: str | uuid.UUID | None = None,
    result: str = "success",
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction, so it lands exactly when the change does.

    `org_id=None` writes to the platform's own chain. Never put secrets in `details`.
    """
    session.execute(
        insert(AuditEntry).values(
            org_id=org_id,
            occurred_at=utcnow(),
            actor_id=actor.user_id,
            actor_email=actor.email,
            action=action,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            result=result,
            ip=actor.ip,
            request_id=actor.request_id,
            details=details or {},
        )
    )


class Audited(Protocol):
    """A row whose changes are audited: its id, and what names it in the trail."""

    @property
    def id(self) -> uuid.UUID: ...

    def audit_summary(self) -> dict[str, Any]: ...


def record_change(
    session: Session,
    *,
    org_id: uuid.UUID | None,
    actor: Actor,
    action: str,
    target: Audited,
    changed: Iterable[str] | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """The entry for a change to one row, the same for every domain: the target's type is the
    action's first word (`account.update` -> `account`), its details what names it, the
    fields that changed (sorted) and anything else the caller adds."""
    summary = {**target.audit_summary(), **(details or {})}
    if changed is not None:
        summary["changed"] = sorted(changed)
    record(
        session,
        org_id=org_id,
        actor=actor,
        action=action,
        target_type=action.split(".", 1)[0],
        target_id=target.id,
        details={
            k: str(v) if isinstance(v, uuid.UUID | Decimal) else v for k, v in summary.items()
        },
    )


def apply_and_record(
    session: Session,
    target: Audited,
    changes: Mapping[str, Any],
    *,
    org_id: uuid.UUID | None,
    actor: Actor,
    action: str,
) -> list[str]:
    """Set on `target` the fields of `changes` whose value differs, flush, and record the
    change (naming those fields); returns them."""
    changed = [key for key, value in changes.items() if getattr(target, key) != value]
    for key in changed:
        setattr(target, key, changes[key])
    session.flush()
    record_change(
        session, org_id=org_id, actor=actor, action=action, target=target, changed=changed
    )
    return changed


class SoftDeletable(Audited, Protocol):
    deleted_at: datetime | None


def soft_delete_and_record(
    session: Session, target: SoftDeletable, *, org_id: uuid.UUID | None, actor: Actor, action: str
) -> None:
    """Mark `target` deleted (its row is kept: lists leave it out) and record it."""
    target.deleted_at = utcnow()
    session.flush()
    record_change(session, org_id=org_id, actor=actor, action=action, target=target)


@dataclass(frozen=True)
class ChainReport:
    org_id: uuid.UUID | None
    entries: int
    first_broken_seq: int | None
    reason: str | None

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


# Recomputes every hash with the same database function the insert trigger used, and checks
# that each entry links to the one before it with no gap in the sequence.
_VERIFY_SQL = """
WITH chain AS (
    SELECT a.seq, a.hash, a.prev_hash,
           platform.audit_entry_hash(a) AS expected_hash,
           lag(a.hash) OVER (ORDER BY a.seq) AS previous_hash,
           lag(a.seq) OVER (ORDER BY a.seq) AS previous_seq
      FROM platform.audit_log a
     WHERE a.org_id IS NOT DISTINCT FROM CAST(:org_id AS uuid)
)
SELECT (SELECT count(*) FROM chain) AS entries, seq,
       CASE
         WHEN hash <> expected_hash THEN 'entry content does not match its hash (edited)'
         WHEN seq <> coalesce(previous_seq, 0) + 1 THEN 'sequence gap before it (entries removed)'
         WHEN prev_hash <> coalesce(previous_hash, repeat('0', 64))
           THEN 'does not link to the entry before it'
       END AS reason
  FROM chain
 WHERE hash <> expected_hash
    OR seq <> coalesce(previous_seq, 0) + 1
    OR prev_hash <> coalesce(previous_hash, repeat('0', 64))
 ORDER BY seq
 LIMIT 1
"""


def verify_chain(session: Session, org_id: uuid.UUID | None) -> ChainReport:
    row = session.execute(text(_VERIFY_SQL), {"org_id": org_id}).first()
    if row is None:
        count = session.execute(
            text(
                "SELECT count(*) FROM platform.audit_log WHERE org_id IS NOT DISTINCT FROM "
                "CAST(:org_id AS uuid)"
            ),
            {"org_id": org_id},
        ).scalar_one()
        return ChainReport(org_id, int(count), None, None)
    return ChainReport(org_id, int(row.entries), int(row.seq), str(row.reason))


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None  # a user id or an email
    action: str | None = None  # exact, or a prefix ending in "*"
    target_type: str | None = None
    target_id: str | None = None
    result: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_entries(
    session: Session,
    where: AuditFilter,
    *,
    before_seq: int | None,
    limit: int,
    org_id: uuid.UUID | None = None,
) -> list[AuditEntry]:
    """Newest first. Run it in a tenant-scoped session: row security then shows exactly the
    caller's organization (the platform's own chain and other tenants are invisible). In a
    platform session name the organization (`org_id`)."""
    query = select(AuditEntry)
    if org_id is not None:
        query = query.where(AuditEntry.org_id == org_id)
    if where.actor:
        try:
            query = query.where(AuditEntry.actor_id == uuid.UUID(where.actor))
        except ValueError:
            query = query.where(AuditEntry.actor_email == where.actor.strip().lower())
    if where.action:
        if where.action.endswith("*"):
            query = query.where(AuditEntry.action.like(escape_like(where.action[:-1]) + "%"))
        else:
            query = query.where(AuditEntry.action == where.action)
    for column, value in (
        (AuditEntry.target_type, where.target_type),
        (AuditEntry.target_id, where.target_id),
        (AuditEntry.result, where.result),
    ):
        if value:
            query = query.where(column == value)
    if where.since:
        query = query.where(AuditEntry.occurred_at >= where.since)
    if where.until:
        query = query.where(AuditEntry.occurred_at < where.until)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    return list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit)))


@dataclass(frozen=True)
class Chain:
    """One of an organization's audit chains: `default` on the platform's cluster (membership,
    roles, the organization's record) and, for an organization on another cluster, one there
    (its books). Each is written in the same transaction as the change it records."""

    name: str
    session: Session
    org_id: uuid.UUID | None  # set for a platform session; None where row security decides


def organization_chains(
    tenant: Session, platform: Session, org_id: uuid.UUID, cluster: str
) -> list[Chain]:
    """The chains of an organization, given its tenant-scoped session and a platform session."""
    if cluster == "default":
        return [Chain("default", tenant, None)]
    return [Chain("default", platform, org_id), Chain(cluster, tenant, None)]


def list_chains(
    chains: list[Chain], where: AuditFilter, *, before: dict[str, int], limit: int
) -> tuple[list[AuditEntry], dict[str, int] | None]:
    """Newest first across chains: each chain is read below its own cursor position and kept in
    its own order (seq), so a page shows a prefix of each and its position is exact; between
    chains the newest head goes first. Returns the page and the next cursor (per chain, the last
    position shown; a chain none of whose rows made the page keeps its old position)."""
    pending = {
        chain.name: list_entries(
            chain.session,
            where,
            before_seq=before.get(chain.name),
            limit=limit + 1,
            org_id=chain.org_id,
        )
        for chain in chains
    }
    page: list[AuditEntry] = []
    cursor = dict(before)
    while len(page) < limit:
        heads = [name for name, rows in pending.items() if rows]
        if not heads:
            return page, None
        newest = max(heads, key=lambda name: pending[name][0].occurred_at)
        entry = pending[newest].pop(0)
        page.append(entry)
        cursor[newest] = entry.seq
    more = any(pending.values())
    return page, cursor if more else None
