"""Analytics runs: record one, hand it to the tenant's queue, and the run itself. Never commits.

A run's answer replaces the previous one as a whole, in the run's own transaction, so readers
see either the old streams or the new ones, never a mixture.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, true, update
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.analytics.descriptors import clean_descriptor, descriptor_key
from finsight.analytics.domain import RUN_ANALYTICS_TASK
from finsight.analytics.models import RUN_KINDS, AnalyticsRun, Merchant, RecurringStreamRecord
from finsight.analytics.recurring import (
    RecurringStream,
    Status,
    Transaction,
    detect_recurring,
    monthly_subscription_total,
)
from finsight.analytics.steps import RunScope, Step, live_ledger, not_a_transfer
from finsight.audit.service import record
from finsight.errors import InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.kit.query import advisory_xact_lock, newest_first
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction as LedgerRow
from finsight.worker.enqueue import enqueue_after_commit

# The order of an "all" run: each step reads what the ones before it wrote.
STEP_ORDER = ("merchants", "categorize", "recurring", "anomalies", "forecast")
FINISHED = ("succeeded", "failed")
# A run whose task died this many times (a worker killed each time) is given up on.
MAX_ATTEMPTS = 5
ERROR_CHARS = 2000


def start_run(
    session: Session,
    kind: str,
    *,
    org_id: uuid.UUID,
    org_slug: str,
    actor: Actor,
    parameters: dict[str, Any] | None = None,
) -> AnalyticsRun:
    """Record a queued run and send it to the tenant's queue once the caller commits."""
    if kind not in RUN_KINDS:
        raise InvalidInput(f"unknown kind {kind!r}; one of {', '.join(RUN_KINDS)}", field="kind")
    run = AnalyticsRun(
        kind=kind, status="queued", parameters=parameters or {}, requested_by=actor.user_id
    )
    session.add(run)
    session.flush()
    record(
        session,
        org_id=org_id,
        actor=actor,
        action="analytics.run.create",
        target_type="analytics_run",
        target_id=run.id,
        details={"kind": kind, **(parameters or {})},
    )
    enqueue_after_commit(session, RUN_ANALYTICS_TASK, org_slug, run_id=str(run.id))
    return run


def start_run_for_landed_rows(
    session: Session,
    *,
    org_id: uuid.UUID,
    org_slug: str,
    source: str,
    account_ids: list[str],
    source_id: str | None,
) -> AnalyticsRun:
    """The run that follows rows landing in the books ("rows landed" event). Exactly once in
    effect: a redelivered event finds the run its first delivery started. An import's run is
    scoped to the import's rows; a manual entry joins a run still queued rather than start
    another (a person adding ten cash receipts wants one run)."""
    trigger = {"trigger": source}
    if source_id is not None:
        existing = session.scalar(
            select(AnalyticsRun).where(AnalyticsRun.parameters["source_id"].astext == source_id)
        )
    else:
        existing = session.scalar(
            select(AnalyticsRun).where(
                AnalyticsRun.status == "queued",
                AnalyticsRun.kind == "all",
                AnalyticsRun.parameters.contains(trigger),
            )
        )
    if existing is not None:
        return existing
    parameters: dict[str, Any] = {**trigger, "account_ids": account_ids, "source_id": source_id}
    if source == "import" and source_id is not None:
        parameters["import_batch_id"] = source_id
    return start_run(
        session,
        "all",
        org_id=org_id,
        org_slug=org_slug,
        actor=Actor.system("worker"),
        parameters=parameters,
    )


def steps() -> dict[str, Step]:
    """Each kind's step (imported here: the capability modules import this one)."""
    from finsight.analytics.anomalies.service import run_anomalies
    from finsight.analytics.categorization.service import run_categorize
    from finsight.analytics.forecasting.service import run_forecast
    from finsight.analytics.merchant_store import run_merchants

    return {
        "merchants": run_merchants,
        "categorize": run_categorize,
        "recurring": run_recurring,
        "anomalies": run_anomalies,
        "forecast": run_forecast,
    }


def get_run(session: Session, run_id: uuid.UUID) -> AnalyticsRun:
    run = session.get(AnalyticsRun, run_id)
    if run is None:
        raise NotFound("analytics run not found")
    return run


def list_runs(
    session: Session,
    *,
    kind: str | None = None,
    status: str | None = None,
    before_id: uuid.UUID | None = None,
    limit: int,
) -> list[AnalyticsRun]:
    """Newest first, `limit` rows after the cursor's id."""
    return newest_first(
        session, AnalyticsRun, before_id=before_id, limit=limit, kind=kind, status=status
    )


def abandon_queued_run(session: Session, run_id: uuid.UUID, reason: str) -> bool:
    """Fail a run no worker has taken, so it does not sit `queued`; False if a worker took it
    meanwhile (its task, delivered later, then finds it finished and does nothing)."""
    abandoned = session.execute(
        update(AnalyticsRun)
        .where(AnalyticsRun.id == run_id, AnalyticsRun.status == "queued")
        .values(status="failed", finished_at=utcnow(), error=reason[:ERROR_CHARS])
    )
    return bool(abandoned.rowcount)  # type: ignore[attr-defined]


def claim_run(session: Session, run_id: uuid.UUID) -> AnalyticsRun | None:
    """Mark the run running (the caller commits at once, so readers see it). None when there
    is nothing to do: the run is gone or already finished (a redelivered task)."""
    run = session.get(AnalyticsRun, run_id)
    if run is None or run.status in FINISHED:
        return None
    if run.attempts >= MAX_ATTEMPTS:
        fail_run(session, run, f"gave up after {run.attempts} attempts")
        return None
    run.status, run.attempts = "running", run.attempts + 1
    run.started_at = run.started_at or utcnow()
    return run


def fail_run(session: Session, run: AnalyticsRun, error: str) -> None:
    run.status, run.finished_at, run.error = "failed", utcnow(), error[:ERROR_CHARS]


def execute_run(org_slug: str, run_id: uuid.UUID, *, as_of: date | None = None) -> str:
    """Run a claimed run to its end; returns its final status.

    Each step works and commits in a transaction of its own, with its counts and timings on
    the run: a step's locks (the merchants' advisory lock a person's rename also takes, the
    rows categorizing rewrites) are held while that step works, not for the whole run. A
    step's answer still replaces the previous one as a whole (its own transaction), and each
    step reads what the steps before it committed. A failing step raises: the caller records
    the failure on the run; the steps before it keep their answers, which are complete."""
    with tenant_session(org_slug) as session:
        run = session.get(AnalyticsRun, run_id, populate_existing=True)
        if run is None:
            return "missing"
        if run.status in FINISHED:
            return run.status
        if run.kind not in RUN_KINDS:  # a row written by a newer release than this worker's
            fail_run(session, run, f"this worker cannot run kind {run.kind!r}")
            return run.status
        batch = run.parameters.get("import_batch_id")
        scope = RunScope(
            as_of=as_of or utcnow().date(), import_batch_id=uuid.UUID(batch) if batch else None
        )
        kinds = STEP_ORDER if run.kind == "all" else (run.kind,)
    step_of = steps()
    for kind in kinds:
        with tenant_session(org_slug) as session:
            run = session.get(AnalyticsRun, run_id, populate_existing=True)
            if run is None:
                return "missing"
            started = time.perf_counter()
            counts = step_of[kind](session, run, scope)
            run.counts = {**run.counts, **{f"{kind}.{k}": v for k, v in counts.items()}}
            run.timings = {**run.timings, f"{kind}_s": round(time.perf_counter() - started, 3)}
    with tenant_session(org_slug) as session:
        run = session.get(AnalyticsRun, run_id, populate_existing=True)
        if run is None:
            return "missing"
        run.parameters = {**run.parameters, "as_of": scope.as_of.isoformat()}
        run.status, run.finished_at, run.error = "succeeded", utcnow(), None
        return run.status


def _merchant_names(
    rows: Iterable[Any], merchants: Mapping[uuid.UUID, str] | None = None
) -> tuple[list[Transaction], dict[str, str]]:
    """Library transactions keyed by merchant, and each key's most used display name. A stored
    merchant (the merchants step's, with a person's merges and renames) wins; rows without one
    fall back to the merchant a person set, then to the cleaned bank descriptor."""
    cleaned: dict[str, tuple[str, str]] = {}
    names: dict[str, Counter[str]] = {}
    out: list[Transaction] = []
    stored = merchants or {}
    for row in rows:
        merchant_id = getattr(row, "merchant_id", None)
        if merchant_id is not None and merchant_id in stored:
            # The name's words first (stitching compares first words), then the id: two stored
            # merchants never share a key, nor one a cleaned descriptor's key.
            name = stored[merchant_id]
            key = f"{descriptor_key(name) or 'merchant'} #{merchant_id}"
            names.setdefault(key, Counter())[name] += 1
            out.append(
                Transaction(str(row.id), row.transaction_date, row.amount, key, str(row.account_id))
            )
            continue
        name = (row.merchant or "").strip()
        key = descriptor_key(name) if name else ""
        if not key:
            source = row.merchant or row.description
            if source not in cleaned:
                clean = clean_descriptor(source)
                cleaned[source] = (clean.display, clean.key)
            name, key = cleaned[source]
        names.setdefault(key, Counter())[name] += 1
        out.append(
            Transaction(str(row.id), row.transaction_date, row.amount, key, str(row.account_id))
        )
    return out, {key: counts.most_common(1)[0][0] for key, counts in names.items()}


def run_recurring(session: Session, run: AnalyticsRun, scope: RunScope) -> dict[str, int]:
    """Detect recurring streams and replace the stored ones with them. A stream belongs to one
    account and spans its whole history, so the run after an import looks again at the whole
    history of the import's account, and leaves the other accounts' streams as they are."""
    # Two runs of one tenant at once would each delete only what was committed before it
    # began, and both insert: duplicates. One at a time per schema (advisory lock keys are
    # shared by the whole database, hence the schema in the key).
    advisory_xact_lock(session, "finsight.analytics.recurring:", per_schema=True)
    started = time.perf_counter()
    when = scope.as_of
    accounts = None
    if scope.import_batch_id is not None:
        batch_transfers = select(LedgerRow.transfer_id).where(
            LedgerRow.import_batch_id == scope.import_batch_id,
            LedgerRow.transfer_id.is_not(None),
        )
        # The import's accounts, and those whose rows it paired as transfers: a savings
        # transfer found a bill there before its other side came in.
        accounts = list(
            session.scalars(
                select(LedgerRow.account_id)
                .where(
                    (LedgerRow.import_batch_id == scope.import_batch_id)
                    | LedgerRow.transfer_id.in_(batch_transfers)
                )
                .distinct()
            )
        )
    rows = session.execute(
        select(
            LedgerRow.id,
            LedgerRow.account_id,
            LedgerRow.transaction_date,
            LedgerRow.amount,
            LedgerRow.merchant,
            LedgerRow.description,
            LedgerRow.merchant_id,
        ).where(
            *live_ledger(),
            *not_a_transfer(),
            LedgerRow.account_id.in_(accounts) if accounts is not None else true(),
        )
    ).all()
    stored = dict(session.execute(select(Merchant.id, Merchant.name)).all())
    transactions, display = _merchant_names(rows, stored)
    currencies = {
        row.id: row.currency for row in session.execute(select(Account.id, Account.currency))
    }
    read = time.perf_counter()
    streams = detect_recurring(transactions, as_of=when)
    detected = time.perf_counter()
    replaced = delete(RecurringStreamRecord)
    if accounts is not None:
        replaced = replaced.where(RecurringStreamRecord.account_id.in_(accounts))
    session.execute(replaced)
    if streams:
        session.execute(
            insert(RecurringStreamRecord),
            [_stream_values(stream, display, currencies) for stream in streams],
        )
    run.timings = {
        **run.timings,
        "recurring.read_s": round(read - started, 3),
        "recurring.detect_s": round(detected - read, 3),
        "recurring.write_s": round(time.perf_counter() - detected, 3),
    }
    return {
        "transactions": len(transactions),
        "streams": len(streams),
        "expense_streams": sum(s.direction == "expense" for s in streams),
        "income_streams": sum(s.direction == "income" for s in streams),
        "active_streams": sum(s.status is not Status.CANCELLED for s in streams),
    }


def _stream_values(
    stream: RecurringStream, display: dict[str, str], currencies: dict[uuid.UUID, str]
) -> dict[str, Any]:
    account_id = uuid.UUID(stream.account)
    return {
        "account_id": account_id,
        "merchant": display.get(stream.merchant, stream.merchant),
        "direction": stream.direction,
        "cadence": stream.cadence.value,
        "average_amount": stream.average_amount,
        "last_amount": stream.last_amount,
        "currency": currencies[account_id],
        "first_date": stream.first_date,
        "last_date": stream.last_date,
        "next_date": stream.next_date,
        "status": stream.status.value,
        "occurrences": stream.occurrences,
        "transaction_ids": [uuid.UUID(t) for t in stream.transaction_ids],
    }


def recurring_streams(
    session: Session,
    *,
    status: str | None = None,
    direction: str | None = None,
    account_id: uuid.UUID | None = None,
) -> list[RecurringStreamRecord]:
    """The stored streams: expenses first, then by next date (cancelled ones last)."""
    query = select(RecurringStreamRecord)
    if status:
        query = query.where(RecurringStreamRecord.status == status)
    if direction:
        query = query.where(RecurringStreamRecord.direction == direction)
    if account_id:
        query = query.where(RecurringStreamRecord.account_id == account_id)
    order = (
        RecurringStreamRecord.direction,
        RecurringStreamRecord.next_date.asc().nulls_last(),
        RecurringStreamRecord.merchant,
        RecurringStreamRecord.id,
    )
    return list(session.scalars(query.order_by(*order)))


def monthly_totals(streams: Iterable[RecurringStreamRecord]) -> dict[str, Decimal]:
    """What active recurring expenses cost per month, per currency (never summed across)."""
    by_currency: dict[str, list[RecurringStreamRecord]] = {}
    for row in streams:
        by_currency.setdefault(row.currency, []).append(row)
    return {currency: monthly_subscription_total(rows) for currency, rows in by_currency.items()}
