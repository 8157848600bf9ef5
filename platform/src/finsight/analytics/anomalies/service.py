"""The anomalies step of an analytics run, the stored anomalies, and a person's feedback.
Never commits.

A run upserts what it finds into `anomalies` by `dedupe_key` (one row per kind and subject): a
rerun refreshes score and reason but never adds a second row, and never touches `status` or the
feedback columns. Only rows it inserted are new; each new one scoring at least
`ALERT_THRESHOLD` is published once to the `analytics_events` outbox as `anomaly.detected`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from finsight.analytics.anomalies.engine import ALERT_THRESHOLD, detect_anomalies, worth_showing
from finsight.analytics.anomalies.model import Anomaly, Settings, Txn
from finsight.analytics.descriptors import clean_descriptor, descriptor_key
from finsight.analytics.models import AnalyticsEvent, AnalyticsRun, AnomalyRecord, Merchant
from finsight.analytics.steps import RunScope, live_ledger, not_a_transfer
from finsight.audit.service import record
from finsight.categories.models import Category
from finsight.errors import InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import new_id, utcnow
from finsight.kit.query import advisory_xact_lock
from finsight.transactions.models import Transaction as LedgerRow

EVENT_TYPE = "anomaly.detected"
# A run without an import judges the last 13 months (a year and the current month); older
# rows are only history.
FULL_RUN_DAYS = 395
FEEDBACK = ("confirmed", "dismissed")


def _ledger(session: Session) -> list[Any]:
    return list(
        session.execute(
            select(
                LedgerRow.id,
                LedgerRow.account_id,
                LedgerRow.transaction_date,
                LedgerRow.amount,
                LedgerRow.currency,
                LedgerRow.description,
                LedgerRow.description_raw,
                LedgerRow.merchant,
                LedgerRow.merchant_id,
                LedgerRow.category_id,
                LedgerRow.import_batch_id,
            ).where(*live_ledger(), *not_a_transfer(), LedgerRow.amount < 0)
        ).all()
    )


def to_txns(session: Session, rows: Iterable[Any]) -> list[Txn]:
    """Merchant identity: the merchant id when a run set one, else the merchant a person set,
    else the cleaned descriptor."""
    merchants = {row.id: row.name for row in session.execute(select(Merchant.id, Merchant.name))}
    categories = {row.id: row.name for row in session.execute(select(Category.id, Category.name))}
    cleaned: dict[str, tuple[str, str]] = {}
    out = []
    for row in rows:
        if row.merchant_id is not None:
            key = f"id:{row.merchant_id}"
            name = merchants.get(row.merchant_id) or row.merchant or row.description
        elif row.merchant and descriptor_key(row.merchant):
            key, name = f"name:{descriptor_key(row.merchant)}", row.merchant.strip()
        else:
            if row.description not in cleaned:
                clean = clean_descriptor(row.description)
                cleaned[row.description] = (f"key:{clean.key}", clean.display)
            key, name = cleaned[row.description]
        category = str(row.category_id) if row.category_id else None
        out.append(
            Txn(
                id=str(row.id),
                date=row.transaction_date,
                amount=float(row.amount),
                account=str(row.account_id),
                merchant=key,
                merchant_name=name,
                category=category,
                category_name=categories.get(row.category_id) if row.category_id else None,
                currency=row.currency,
                descriptor=row.description_raw,
            )
        )
    return out


def _dismissed(session: Session) -> dict[str, int]:
    """Dismissals per merchant: their anomalies score lower next time."""
    query = (
        select(AnomalyRecord.merchant, func.count())
        .where(AnomalyRecord.status == "dismissed", AnomalyRecord.merchant.is_not(None))
        .group_by(AnomalyRecord.merchant)
    )
    return {str(merchant): int(n) for merchant, n in session.execute(query).all()}


def _money(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


def _values(anomaly: Anomaly, run_id: uuid.UUID) -> dict[str, Any]:
    return {
        "id": new_id(),
        "kind": anomaly.kind,
        "dedupe_key": anomaly.dedupe_key,
        "transaction_id": uuid.UUID(anomaly.transaction_id),
        "related_ids": [uuid.UUID(i) for i in anomaly.related_ids],
        "account_id": uuid.UUID(anomaly.account) if anomaly.account else None,
        "category_id": uuid.UUID(anomaly.category) if anomaly.category else None,
        "merchant": anomaly.merchant,
        "occurred_on": anomaly.occurred_on,
        "amount": _money(anomaly.amount),
        "currency": anomaly.currency,
        "score": round(anomaly.score, 6),
        "reason": anomaly.reason,
        "details": anomaly.details,
        "run_id": run_id,
    }


def run_anomalies(session: Session, run: AnalyticsRun, scope: RunScope) -> dict[str, int]:
    """Detect anomalies among the import's rows (or the last 13 months'), judged against the
    whole ledger before them; upsert them; publish the new ones that pass the alert bar."""
    # Two runs at once would both see a key as new and both publish it.
    advisory_xact_lock(session, "finsight.analytics.anomalies:", per_schema=True)
    rows = _ledger(session)
    withdrawn = _withdraw_stale(session)
    if scope.import_batch_id is not None:
        candidates = [str(r.id) for r in rows if r.import_batch_id == scope.import_batch_id]
    else:
        since = scope.as_of - timedelta(days=FULL_RUN_DAYS)
        candidates = [str(r.id) for r in rows if since <= r.transaction_date <= scope.as_of]
    counts = {"transactions": len(rows), "candidates": len(candidates), "withdrawn": withdrawn}
    if not candidates:
        return {**counts, "found": 0, "new": 0, "events": 0}
    settings = Settings(dismissed=_dismissed(session))
    found = detect_anomalies(to_txns(session, rows), candidates=candidates, settings=settings)
    latest = max(
        (r.transaction_date for r in rows if r.transaction_date <= scope.as_of), default=None
    )
    shown = worth_showing(found, latest or scope.as_of)
    counts["set_aside"] = len(found) - len(shown)
    found = shown
    counts["withdrawn"] += _withdraw_unfound(session, candidates, [a.dedupe_key for a in found])
    stored = _upsert(session, found, run.id)
    new = [a for a in found if stored[a.dedupe_key][1]]
    events = [_event(stored[a.dedupe_key][0], a) for a in new if a.score >= ALERT_THRESHOLD]
    session.add_all(events)
    session.flush()
    return {**counts, "found": len(found), "new": len(new), "events": len(events)}


def _withdraw_stale(session: Session) -> int:
    """Anomalies nobody has looked at yet whose charge is no longer one: it became one side of
    a transfer (its other account was imported later), was put in a transfer category, was
    excluded or deleted. Confirmed and dismissed ones stay: they are a person's record."""
    spending = select(LedgerRow.id).where(*live_ledger(), *not_a_transfer())
    result = session.execute(
        delete(AnomalyRecord).where(
            AnomalyRecord.status == "new",
            AnomalyRecord.transaction_id.is_not(None),
            AnomalyRecord.transaction_id.not_in(spending),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _withdraw_unfound(session: Session, judged: list[str], kept: list[str]) -> int:
    """New anomalies on charges this run judged that it no longer shows (an older run listed a
    year of day-one noise): the run's answer stands for what it looked at."""
    result = session.execute(
        text(
            "DELETE FROM anomalies WHERE status = 'new' "
            "AND transaction_id = ANY(CAST(:judged AS uuid[])) "
            "AND NOT (dedupe_key = ANY(CAST(:kept AS text[])))"
        ),
        {"judged": judged, "kept": kept},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _upsert(
    session: Session, found: list[Anomaly], run_id: uuid.UUID
) -> dict[str, tuple[uuid.UUID, bool]]:
    """Upsert the anomalies in one statement (their dedupe keys are distinct: one anomaly per
    transaction, one category_pace per category and month); each key's stored id, and whether
    this run inserted it."""
    if not found:
        return {}
    statement = insert(AnomalyRecord)
    upsert: Any = statement.on_conflict_do_update(
        index_elements=[AnomalyRecord.dedupe_key],
        set_={
            key: statement.excluded[key]
            # The subject too: a month's pace anomaly moves to the charge that now crosses first
            # (a reason saying "by day 8" on the row of June 15 was a stale subject).
            for key in (
                "score",
                "reason",
                "details",
                "related_ids",
                "amount",
                "run_id",
                "transaction_id",
                "occurred_on",
                "account_id",
                "category_id",
                "merchant",
            )
        }
        | {"updated_at": utcnow()},
    ).returning(
        AnomalyRecord.dedupe_key, AnomalyRecord.id, literal_column("xmax = 0").label("inserted")
    )
    rows = session.execute(upsert, [_values(anomaly, run_id) for anomaly in found])
    return {key: (stored_id, bool(inserted)) for key, stored_id, inserted in rows}


def _event(anomaly_id: uuid.UUID, anomaly: Anomaly) -> AnalyticsEvent:
    return AnalyticsEvent(
        type=EVENT_TYPE,
        subject_id=anomaly_id,
        payload={
            "anomaly_id": str(anomaly_id),
            "kind": anomaly.kind,
            "reason": anomaly.reason,
            "score": round(anomaly.score, 4),
            "amount": str(_money(anomaly.amount)) if anomaly.amount is not None else None,
            "currency": anomaly.currency,
            "transaction_id": anomaly.transaction_id,
            "related_ids": list(anomaly.related_ids),
            "merchant": anomaly.merchant,
            "occurred_on": anomaly.occurred_on.isoformat(),
        },
    )


def list_anomalies(
    session: Session,
    *,
    status: str | None = None,
    kind: str | None = None,
    account_id: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    after: tuple[date, uuid.UUID] | None = None,
    limit: int,
) -> list[AnomalyRecord]:
    """Newest first (occurred_on, then id, both descending: the listing index), `limit` rows
    after the cursor's (occurred_on, id)."""
    query = select(AnomalyRecord)
    if status:
        query = query.where(AnomalyRecord.status == status)
    if kind:
        query = query.where(AnomalyRecord.kind == kind)
    if account_id:
        query = query.where(AnomalyRecord.account_id == account_id)
    if date_from:
        query = query.where(AnomalyRecord.occurred_on >= date_from)
    if date_to:
        query = query.where(AnomalyRecord.occurred_on <= date_to)
    if after:
        day, last_id = after
        query = query.where(
            (AnomalyRecord.occurred_on < day)
            | ((AnomalyRecord.occurred_on == day) & (AnomalyRecord.id < last_id))
        )
    order = (AnomalyRecord.occurred_on.desc(), AnomalyRecord.id.desc())
    return list(session.scalars(query.order_by(*order).limit(limit)))


def give_feedback(
    session: Session,
    anomaly_id: uuid.UUID,
    status: str,
    *,
    org_id: uuid.UUID,
    actor: Actor,
) -> AnomalyRecord:
    """A person confirms or dismisses an anomaly; runs never change it back."""
    if status not in FEEDBACK:
        raise InvalidInput(f"status must be one of {', '.join(FEEDBACK)}", field="status")
    anomaly = session.get(AnomalyRecord, anomaly_id, with_for_update=True)
    if anomaly is None:
        raise NotFound("anomaly not found")
    previous = anomaly.status
    anomaly.status, anomaly.feedback_by, anomaly.feedback_at = status, actor.user_id, utcnow()
    session.flush()
    record(
        session,
        org_id=org_id,
        actor=actor,
        action="analytics.anomaly.feedback",
        target_type="anomaly",
        target_id=anomaly.id,
        details={"status": status, "previous": previous, "kind": anomaly.kind},
    )
    return anomaly
