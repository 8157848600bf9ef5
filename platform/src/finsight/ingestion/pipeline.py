"""The import task's body: one batch, in one transaction, exactly once in effect.

- All or nothing: rows stream from the parser into COPY inside one transaction with the batch's
  final status, so a crash leaves no rows and a rerun starts clean.
- Exactly once: an advisory lock admits one run of a batch at a time, and a finished batch is
  not run again; fingerprints keep rows already stored (an overlapping statement) out.
- Progress is written on a second connection, so readers see it while the transaction runs.
"""

from __future__ import annotations

import io
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Connection, select, text, update
from sqlalchemy.orm import Session

from finsight.accounts.models import Account, ColumnMappingRecord
from finsight.accounts.service import adjust_balance
from finsight.audit.service import Actor, record
from finsight.categories.bank_mapping import category_resolver
from finsight.db import get_engine
from finsight.errors import FinsightError
from finsight.ingestion.formats import parse_statement
from finsight.ingestion.mapping import ColumnMapping
from finsight.ingestion.models import ImportBatch, ImportFile
from finsight.ingestion.normalize import COPY_COLUMNS, RowNormalizer
from finsight.ingestion.records import ParsedStatement, RowIssue
from finsight.kit.models import utcnow
from finsight.observability.logging import get_logger
from finsight.organizations.models import Organization
from finsight.tenancy import TenantNames, scope_to_tenant, tenant_session
from finsight.transactions.models import Transaction
from finsight.transactions.transfers import detect_transfers

log = get_logger(__name__)
WORKER = Actor.system("worker")
MAX_ATTEMPTS = 5
ISSUES_KEPT = 100
PROGRESS_EVERY_ROWS = 20_000

Issue = dict[str, Any]


@dataclass
class Rejected(Exception):
    """The file is refused as a whole; nothing of it is stored."""

    message: str
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


def _issue(issue: RowIssue) -> Issue:
    return {"line": issue.line, "column": issue.column, "message": issue.message}


class Progress:
    """Writes rows and bytes processed on its own connection, every PROGRESS_EVERY_ROWS rows."""

    def __init__(self, names: TenantNames, batch_id: uuid.UUID, source: io.BytesIO) -> None:
        self.names, self.batch_id, self.source = names, batch_id, source
        self.rows = 0
        self._connection: Connection | None = None

    def tick(self) -> None:
        self.rows += 1
        if self.rows % PROGRESS_EVERY_ROWS == 0:
            self.flush()

    def flush(self) -> None:
        if self._connection is None:
            self._connection = get_engine().connect()
        with self._connection.begin():
            scope_to_tenant(self._connection, self.names)
            self._connection.execute(
                update(ImportBatch)
                .where(ImportBatch.id == self.batch_id)
                .values(
                    rows_processed=self.rows,
                    bytes_processed=self.source.tell(),
                    updated_at=utcnow(),
                )
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def run_import(slug: str, batch_id: uuid.UUID) -> str:
    """Run one import batch to its end; returns its final status."""
    with get_engine().connect() as connection:
        org_id = connection.execute(
            select(Organization.id).where(
                Organization.slug == slug, Organization.deleted_at.is_(None)
            )
        ).scalar_one()
    done = _claim(slug, org_id, batch_id)
    if done is not None:
        return done
    try:
        with tenant_session(slug) as session:
            return _load(session, slug, org_id, batch_id)
    except Rejected as rejected:
        with tenant_session(slug) as session:
            batch = session.get(ImportBatch, batch_id)
            assert batch is not None
            _finish_failed(session, batch, org_id, rejected)
        return "failed"


def _claim(slug: str, org_id: uuid.UUID, batch_id: uuid.UUID) -> str | None:
    """Mark the batch running (its own transaction, so the API shows it). Returns the final
    status instead when there is nothing to do."""
    with tenant_session(slug) as session:
        batch = session.get(ImportBatch, batch_id)
        if batch is None:
            return "missing"
        if batch.status in ("succeeded", "failed"):
            return batch.status
        if batch.attempts >= MAX_ATTEMPTS:
            _finish_failed(
                session, batch, org_id, Rejected(f"gave up after {batch.attempts} attempts")
            )
            return "failed"
        batch.status, batch.attempts = "running", batch.attempts + 1
        batch.started_at = batch.started_at or utcnow()
        return None


def _finish_failed(
    session: Session, batch: ImportBatch, org_id: uuid.UUID, rejected: Rejected
) -> None:
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


def _load(session: Session, slug: str, org_id: uuid.UUID, batch_id: uuid.UUID) -> str:
    started = time.perf_counter()
    # One run per batch at a time; a second delivery waits here, then finds it finished.
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
        {"k": f"finsight.import:{batch_id}"},
    )
    batch = session.get(ImportBatch, batch_id, populate_existing=True)
    assert batch is not None
    if batch.status in ("succeeded", "failed"):
        return batch.status
    account = session.get(Account, batch.account_id)
    stored = session.get(ImportFile, batch.id)
    if account is None or account.deleted_at is not None or stored is None:
        raise Rejected("the account or the uploaded file is gone")
    mapping = None
    if batch.mapping_id:
        saved = session.get(ColumnMappingRecord, batch.mapping_id)
        mapping = ColumnMapping.model_validate(saved.mapping) if saved else None
    source = io.BytesIO(stored.content)
    existing = set(
        session.scalars(select(Transaction.fingerprint).where(Transaction.account_id == account.id))
    )
    normalize = RowNormalizer(
        account_id=account.id,
        account_currency=account.currency,
        batch_id=batch.id,
        existing=existing,
        category_of=category_resolver(session),
    )
    progress = Progress(TenantNames.for_slug(slug), batch.id, source)
    issues: list[Issue] = []
    driver = session.connection().connection.driver_connection
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        statement = parse_statement(source, format=batch.format, mapping=mapping)
        rows_total, inserted, first_date = _copy_rows(
            cursor, statement, normalize, progress, issues, reject=batch.on_error == "reject"
        )
    except FinsightError as exc:  # a whole-file problem, perhaps found deep in the file
        raise Rejected(exc.detail, issues) from exc
    finally:
        progress.close()
        cursor.close()
    loaded = time.perf_counter()
    warnings = [_issue(warning) for warning in statement.warnings]
    if rows_total == 0:
        raise Rejected("the file holds no transactions", [], warnings)
    adjust_balance(session, account.id, normalize.total)
    pairs = (
        detect_transfers(session, account_ids=[account.id], since=first_date) if first_date else 0
    )
    batch.status, batch.finished_at = "succeeded", utcnow()
    batch.rows_total = batch.rows_processed = rows_total
    batch.bytes_processed = batch.file_size
    batch.inserted, batch.duplicates, batch.skipped = inserted, normalize.duplicates, len(issues)
    batch.errors, batch.warnings = issues[:ISSUES_KEPT], warnings[:ISSUES_KEPT]
    batch.timings = {
        "parse_and_load_s": round(loaded - started, 3),
        "transfers_s": round(time.perf_counter() - loaded, 3),
    }
    session.delete(stored)
    record(
        session,
        org_id=org_id,
        actor=WORKER,
        action="import.complete",
        target_type="import",
        target_id=batch.id,
        details={
            "inserted": inserted,
            "skipped": len(issues),
            "duplicates": normalize.duplicates,
            "transfers": pairs,
        },
    )
    log.info(
        "import.succeeded",
        batch=str(batch.id),
        inserted=inserted,
        duplicates=normalize.duplicates,
        skipped=len(issues),
    )
    return "succeeded"


def _copy_rows(
    cursor: Any,
    statement: ParsedStatement,
    normalize: RowNormalizer,
    progress: Progress,
    issues: list[Issue],
    *,
    reject: bool,
) -> tuple[int, int, date | None]:
    """Stream the statement's rows into COPY; returns (rows read, rows inserted, first date).

    In reject mode the first invalid row stops the writing; the rest of the file is still read
    to report up to ISSUES_KEPT issues, then Rejected rolls everything back."""
    rows_total = inserted = 0
    first_date: date | None = None
    # The queued writer sends from its own thread, so parsing goes on while the server loads.
    statement_sql = f"COPY transactions ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    with cursor.copy(statement_sql, writer=QueuedLibpqWriter(cursor)) as copy:
        for item in statement.rows:
            rows_total += 1
            progress.tick()
            out = item if isinstance(item, RowIssue) else normalize(item)
            if isinstance(out, RowIssue):
                issues.append(_issue(out))
                if reject and len(issues) >= ISSUES_KEPT:
                    break
                continue
            if out is None or (reject and issues):
                continue  # a duplicate; or the file is already refused: only look for issues
            copy.write_row(out)
            inserted += 1
            day = out[3]
            first_date = day if first_date is None or day < first_date else first_date
        if reject and issues:
            first = issues[0]
            column = f", column {first['column']!r}" if first["column"] else ""
            more = "+" if len(issues) >= ISSUES_KEPT else ""
            raise Rejected(
                f"{len(issues)}{more} invalid row(s); nothing was imported. First: line "
                f"{first['line']}{column}: {first['message']}",
                issues,
                [_issue(warning) for warning in statement.warnings],
            )
    return rows_total, inserted, first_date
