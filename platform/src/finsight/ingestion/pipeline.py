"""The import task's body: one batch, in one transaction, exactly once in effect.

- All or nothing: rows stream from the parser into COPY inside one transaction with the batch's
  final status, so a crash leaves no rows and a rerun starts clean.
- Exactly once: an advisory lock admits one run of a batch at a time, and a finished batch is
  not run again; fingerprints keep rows already stored (an overlapping statement) out.
- Progress is written on a second connection, so readers see it while the transaction runs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text, update
from sqlalchemy.orm import Session

from finsight.accounts.bank_balance import note_stated_balance
from finsight.accounts.models import Account
from finsight.audit.service import record
from finsight.categories.bank_mapping import build_lookup
from finsight.db import get_engine
from finsight.events import IMPORT_FAILED, DomainEvent, publish_event
from finsight.ingestion.mapping import ColumnMapping
from finsight.ingestion.models import ColumnMappingRecord, ImportBatch
from finsight.ingestion.normalize import COPY_COLUMNS
from finsight.ingestion.producer import (
    CHILD_MIN_BYTES,
    ISSUES_KEPT,
    Chunk,
    Failed,
    Issue,
    Job,
    Message,
    ProducerProcess,
    Summary,
    produce,
)
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.kit.query import advisory_xact_lock, try_advisory_xact_lock
from finsight.ledger.service import land, stored_fingerprints
from finsight.observability.logging import get_logger
from finsight.observability.metrics import IMPORT_BATCHES, IMPORT_ROWS, after_commit
from finsight.tenancy import TenantLocation, TenantNames, locate, scope_to_tenant, tenant_session

log = get_logger(__name__)
WORKER = Actor.system("worker")
MAX_ATTEMPTS = 5
PROGRESS_EVERY_ROWS = 20_000


@dataclass
class Rejected(Exception):
    """The file is refused as a whole; nothing of it is stored."""

    message: str
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


class Progress:
    """Writes rows and bytes processed on its own connection, every PROGRESS_EVERY_ROWS rows."""

    def __init__(self, names: TenantNames, cluster: str, batch_id: uuid.UUID) -> None:
        self.names, self.cluster, self.batch_id = names, cluster, batch_id
        self.rows = self.position = 0
        self._connection: Connection | None = None

    def update(self, rows: int, position: int) -> None:
        due = rows // PROGRESS_EVERY_ROWS > self.rows // PROGRESS_EVERY_ROWS
        self.rows, self.position = rows, position
        if due:
            self.flush()

    def flush(self) -> None:
        if self._connection is None:
            self._connection = get_engine(self.cluster).connect()
        with self._connection.begin():
            scope_to_tenant(self._connection, self.names)
            self._connection.execute(
                update(ImportBatch)
                .where(ImportBatch.id == self.batch_id)
                .values(
                    rows_processed=self.rows,
                    bytes_processed=self.position,
                    updated_at=utcnow(),
                )
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def run_import(slug: str, batch_id: uuid.UUID) -> str:
    """Run one import batch to its end; returns its final status."""
    location = locate(slug)
    org_id = location.org_id
    done = _claim(slug, org_id, batch_id)
    if done is not None:
        return done
    try:
        with tenant_session(slug) as session:
            return _load(session, location, batch_id)
    except Rejected as rejected:
        with tenant_session(slug) as session:
            # Under the batch's lock: another delivery may be loading it right now, and must
            # not find its file deleted half-way; if it finished first, its outcome stands.
            _lock_batch(session, batch_id)
            batch = session.get(ImportBatch, batch_id, populate_existing=True)
            assert batch is not None
            if batch.status in ("succeeded", "failed"):
                return batch.status
            _finish_failed(session, slug, batch, org_id, rejected)
        return "failed"


def _batch_lock(batch_id: uuid.UUID) -> str:
    return f"finsight.import:{batch_id}"


def _lock_batch(session: Session, batch_id: uuid.UUID) -> None:
    """One run per batch at a time (held to the end of the transaction)."""
    advisory_xact_lock(session, _batch_lock(batch_id))


def _claim(slug: str, org_id: uuid.UUID, batch_id: uuid.UUID) -> str | None:
    """Mark the batch running (its own transaction, so the API shows it). Returns the final
    status instead when there is nothing to do."""
    with tenant_session(slug) as session:
        if not try_advisory_xact_lock(session, _batch_lock(batch_id)):
            # Another delivery is loading it (Redis redelivers a task unacknowledged for the
            # visibility timeout, long imports included): leave it to that one, and do not
            # count an attempt.
            log.info("import.busy", batch=str(batch_id))
            return "running"
        batch = session.get(ImportBatch, batch_id)
        if batch is None:
            return "missing"
        if batch.status in ("succeeded", "failed"):
            return batch.status
        if batch.attempts >= MAX_ATTEMPTS:
            _finish_failed(
                session, slug, batch, org_id, Rejected(f"gave up after {batch.attempts} attempts")
            )
            return "failed"
        batch.status, batch.attempts = "running", batch.attempts + 1
        batch.started_at = batch.started_at or utcnow()
        return None


def _finish_failed(
    session: Session, slug: str, batch: ImportBatch, org_id: uuid.UUID, rejected: Rejected
) -> None:
    after_commit(session, lambda: IMPORT_BATCHES.labels(slug, "failed").inc())
    batch.status, batch.error, batch.finished_at = "failed", rejected.message, utcnow()
    batch.errors = rejected.errors[:ISSUES_KEPT]
    batch.warnings = rejected.warnings[:ISSUES_KEPT]
    session.execute(text("DELETE FROM import_files WHERE batch_id = :id"), {"id": batch.id})
    record(
        session,
        org_id=org_id,
        actor=WORKER,
        action="import.fail",
        target_type="import",
        target_id=batch.id,
        details={"error": rejected.message},
    )
    publish_event(
        session,
        slug,
        DomainEvent(
            IMPORT_FAILED,
            str(batch.id),
            {"account_id": str(batch.account_id), "error": rejected.message},
        ),
    )


def _load(session: Session, location: TenantLocation, batch_id: uuid.UUID) -> str:
    slug, org_id = location.slug, location.org_id
    started = time.perf_counter()
    # One run per batch at a time; a second delivery waits here, then finds it finished.
    _lock_batch(session, batch_id)
    batch = session.get(ImportBatch, batch_id, populate_existing=True)
    assert batch is not None
    if batch.status in ("succeeded", "failed"):
        return batch.status
    # The parser process starts first: its interpreter starts while the file, the stored
    # fingerprints and the categories are read.
    child = ProducerProcess() if batch.file_size >= CHILD_MIN_BYTES else None
    progress = Progress(TenantNames.for_slug(slug), location.cluster, batch.id)
    issues: list[Issue] = []
    try:
        job = _job(session, batch)
        messages = child.run(job) if child else produce(job)
        driver = session.connection().connection.driver_connection
        with driver.cursor() as cursor:  # type: ignore[union-attr]
            summary = _copy_rows(cursor, messages, progress, issues, reject=job.reject)
    finally:
        progress.close()
        if child is not None:
            child.close()
    loaded = time.perf_counter()
    if summary.rows_total == 0:
        raise Rejected("the file holds no transactions", [], summary.warnings)
    landed = land(
        session,
        slug,
        account_id=batch.account_id,
        total=summary.total,
        rows=summary.inserted,
        first_date=summary.first_date,
        source="import",
        source_id=batch.id,
    )
    pairs = landed.transfers
    if summary.stated_balance is not None:
        stated = summary.stated_balance
        note_stated_balance(session, batch.account_id, stated.amount, stated.as_of, batch.id)
    batch.status, batch.finished_at = "succeeded", utcnow()
    batch.rows_total = batch.rows_processed = summary.rows_total
    batch.bytes_processed = batch.file_size
    batch.inserted, batch.duplicates = summary.inserted, summary.duplicates
    batch.skipped = len(issues)
    batch.errors, batch.warnings = issues[:ISSUES_KEPT], summary.warnings[:ISSUES_KEPT]
    batch.timings = {
        "parse_and_load_s": round(loaded - started, 3),
        "transfers_s": round(time.perf_counter() - loaded, 3),
    }
    session.execute(text("DELETE FROM import_files WHERE batch_id = :id"), {"id": batch.id})
    record(
        session,
        org_id=org_id,
        actor=WORKER,
        action="import.complete",
        target_type="import",
        target_id=batch.id,
        details={
            "inserted": summary.inserted,
            "skipped": len(issues),
            "duplicates": summary.duplicates,
            "transfers": pairs,
        },
    )
    after_commit(
        session, lambda: _count_success(slug, summary.inserted, summary.duplicates, issues)
    )
    log.info(
        "import.succeeded",
        batch=str(batch.id),
        inserted=summary.inserted,
        duplicates=summary.duplicates,
        skipped=len(issues),
    )
    return "succeeded"


def _count_success(slug: str, inserted: int, duplicates: int, issues: list[Issue]) -> None:
    IMPORT_BATCHES.labels(slug, "succeeded").inc()
    IMPORT_ROWS.labels(slug, "inserted").inc(inserted)
    IMPORT_ROWS.labels(slug, "duplicate").inc(duplicates)
    IMPORT_ROWS.labels(slug, "skipped").inc(len(issues))


def _job(session: Session, batch: ImportBatch) -> Job:
    """What the producer needs, read in the import's transaction."""
    account = session.get(Account, batch.account_id)
    driver = session.connection().connection.driver_connection
    # In binary: the ORM reads bytea as hex text, twice the bytes and 3-4 times the time.
    with driver.cursor(binary=True) as cursor:  # type: ignore[union-attr]
        cursor.execute("SELECT content FROM import_files WHERE batch_id = %s", (batch.id,))
        stored = cursor.fetchone()
    if account is None or account.deleted_at is not None or stored is None:
        raise Rejected("the account or the uploaded file is gone")
    mapping = None
    if batch.mapping_id:
        saved = session.get(ColumnMappingRecord, batch.mapping_id)
        mapping = ColumnMapping.model_validate(saved.mapping) if saved else None
    existing = stored_fingerprints(session, account.id)
    return Job(
        content=stored[0],
        format=batch.format,
        mapping=mapping,
        account_id=account.id,
        account_currency=account.currency,
        batch_id=batch.id,
        existing=existing,
        categories=build_lookup(session),
        reject=batch.on_error == "reject",
    )


def _copy_rows(
    cursor: Any,
    messages: Iterator[Message],
    progress: Progress,
    issues: list[Issue],
    *,
    reject: bool,
) -> Summary:
    """Write the producer's chunks to COPY; returns its summary. A whole-file problem, or in
    reject mode any invalid row, raises Rejected inside the COPY, which rolls everything back."""
    summary: Summary | None = None
    statement_sql = f"COPY transactions ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    with cursor.copy(statement_sql) as copy:
        for message in messages:
            if isinstance(message, Chunk):
                if message.data:
                    copy.write(message.data)
                issues.extend(message.issues)
                progress.update(message.rows, message.position)
            elif isinstance(message, Failed):
                raise Rejected(message.message, issues)
            else:
                summary = message
        assert summary is not None
        if reject and issues:
            first = issues[0]
            column = f", column {first['column']!r}" if first["column"] else ""
            more = "+" if len(issues) >= ISSUES_KEPT else ""
            raise Rejected(
                f"{len(issues)}{more} invalid row(s); nothing was imported. First: line "
                f"{first['line']}{column}: {first['message']}",
                issues,
                summary.warnings,
            )
    return summary
