"""Import batches: accept a statement, record it, hand it to the tenant's queue. Never commits.

Whole-file problems a person can fix at once (empty file, unknown layout, another bank's file)
are refused at upload with 4xx; row problems are found by the task, which reads every row.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from finsight.accounts.models import Account, FinancialInstitution
from finsight.audit.service import record
from finsight.config import get_settings
from finsight.errors import FinsightError, InvalidInput, NotFound
from finsight.ingestion.dialect import split_lines
from finsight.ingestion.domain import RUN_IMPORT_TASK
from finsight.ingestion.formats import FORMATS, detect_format, parse_statement
from finsight.ingestion.formats.layouts import normal_name
from finsight.ingestion.mapping import ColumnMapping
from finsight.ingestion.models import ColumnMappingRecord, ImportBatch, ImportFile
from finsight.ingestion.records import StatementError
from finsight.kit.identity import Actor
from finsight.kit.query import newest_first
from finsight.worker.enqueue import enqueue_after_commit

DETECTION_BYTES = 64 * 1024
INSTITUTION_NAMES = {"chase": "Chase", "discover": "Discover", "capital_one": "Capital One"}


class FileTooLarge(FinsightError):
    status = 413
    code = "file_too_large"
    title = "File too large"


@dataclass(frozen=True)
class ImportRequest:
    account_id: uuid.UUID
    filename: str | None
    content: bytes
    format: str | None = None
    mapping: ColumnMapping | None = None
    mapping_name: str | None = None
    on_error: str = "reject"


def get_account(session: Session, account_id: uuid.UUID) -> Account:
    account = session.get(Account, account_id)
    if account is None or account.deleted_at is not None:
        raise NotFound("account not found")
    return account


def find_account(session: Session, name_or_id: str) -> Account:
    """By id, or by name (case-insensitive): the CLI's `--account`."""
    try:
        return get_account(session, uuid.UUID(name_or_id))
    except ValueError:
        pass
    account = session.scalar(
        select(Account).where(Account.name.ilike(name_or_id.strip()), Account.deleted_at.is_(None))
    )
    if account is None:
        raise NotFound(f"no account named {name_or_id!r}")
    return account


def _saved_mapping(session: Session, account: Account, name: str) -> ColumnMappingRecord:
    saved = session.scalar(
        select(ColumnMappingRecord).where(
            ColumnMappingRecord.account_id == account.id,
            ColumnMappingRecord.name.ilike(name.strip()),
        )
    )
    if saved is None:
        raise NotFound(f"account {account.name!r} has no saved column mapping named {name!r}")
    return saved


def saved_mapping(session: Session, account: Account, name: str) -> ColumnMapping:
    return ColumnMapping.model_validate(_saved_mapping(session, account, name).mapping)


def recognize_mapping(
    session: Session, account: Account, content: bytes
) -> ColumnMappingRecord | None:
    """The account's saved mapping for a file no bank layout matched: the latest saved one
    whose columns the file's header has (read with that mapping's separator and quoting).
    So the same export, coming again, imports without its mapping's name being typed."""
    try:
        detect_format(content[:DETECTION_BYTES])
        return None  # a bank's own layout: no mapping wanted
    except StatementError:
        pass
    text = content[:DETECTION_BYTES].decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = [line for line in text.splitlines() if line.strip()]
    saved_ones = session.scalars(
        select(ColumnMappingRecord)
        .where(ColumnMappingRecord.account_id == account.id)
        .order_by(ColumnMappingRecord.updated_at.desc())
    )
    for saved in saved_ones:
        try:
            mapping = ColumnMapping.model_validate(saved.mapping)
        except ValidationError:
            continue  # written by an older release; it can still be chosen by name
        header_line = lines[mapping.skip_rows : mapping.skip_rows + 1]
        cells = split_lines(header_line, mapping.delimiter, mapping.quotechar)
        header = {normal_name(cell) for cell in (cells[0] if cells else [])}
        if {normal_name(column) for column in mapping.columns().values()} <= header:
            return saved
    return None


def _store_mapping(
    session: Session, account: Account, mapping: ColumnMapping
) -> ColumnMappingRecord:
    """Create or replace the account's mapping of that name, for later imports."""
    saved = session.scalar(
        select(ColumnMappingRecord).where(
            ColumnMappingRecord.account_id == account.id,
            ColumnMappingRecord.name.ilike(mapping.name.strip()),
        )
    )
    if saved is None:
        saved = ColumnMappingRecord(account_id=account.id, name=mapping.name.strip(), mapping={})
        session.add(saved)
    saved.mapping = mapping.model_dump(mode="json")
    session.flush()
    return saved


def save_mapping(
    session: Session, org_id: uuid.UUID, account_id: uuid.UUID, mapping: ColumnMapping, actor: Actor
) -> ColumnMappingRecord:
    """A person saves a mapping on an account (audited)."""
    account = get_account(session, account_id)
    saved = _store_mapping(session, account, mapping)
    record(
        session,
        org_id=org_id,
        actor=actor,
        action="mapping.save",
        target_type="column_mapping",
        target_id=saved.id,
        details={"account_id": str(account.id), "name": saved.name},
    )
    return saved


def list_mappings(session: Session, account_id: uuid.UUID) -> list[ColumnMappingRecord]:
    account = get_account(session, account_id)
    return list(
        session.scalars(
            select(ColumnMappingRecord)
            .where(ColumnMappingRecord.account_id == account.id)
            .order_by(ColumnMappingRecord.name)
        )
    )


def delete_mapping(
    session: Session, org_id: uuid.UUID, account_id: uuid.UUID, mapping_id: uuid.UUID, actor: Actor
) -> None:
    saved = session.get(ColumnMappingRecord, mapping_id)
    if saved is None or saved.account_id != account_id:
        raise NotFound("column mapping not found")
    session.delete(saved)
    record(
        session,
        org_id=org_id,
        actor=actor,
        action="mapping.delete",
        target_type="column_mapping",
        target_id=mapping_id,
        details={"name": saved.name},
    )


def list_imports(
    session: Session,
    *,
    account_id: uuid.UUID | None,
    status: str | None,
    before_id: uuid.UUID | None,
    limit: int,
) -> list[ImportBatch]:
    """Imports, newest first."""
    return newest_first(
        session, ImportBatch, before_id=before_id, limit=limit, account_id=account_id, status=status
    )


def _check_statement(
    session: Session, account: Account, request: ImportRequest, mapping: ColumnMapping | None
) -> str:
    """The format, checked against the account's bank; raises a 4xx for whole-file problems."""
    if request.format is not None and request.format not in FORMATS:
        raise InvalidInput(
            f"unknown format {request.format!r}; one of {', '.join(FORMATS)}", field="format"
        )
    if not request.content.strip():
        raise InvalidInput("the file is empty", field="file")
    chosen = request.format or ("csv_mapped" if mapping else None)
    detected = chosen or detect_format(request.content[:DETECTION_BYTES])
    if detected == "csv_mapped" and mapping is None:
        raise InvalidInput("a mapped CSV needs a column mapping (`mapping`)", field="mapping")
    # Lazy: reads the header and first row only (rows are the task's job).
    statement = parse_statement(request.content, format=detected, mapping=mapping)
    institution = (
        session.get(FinancialInstitution, account.institution_id)
        if account.institution_id
        else None
    )
    if (
        statement.institution
        and institution is not None
        and institution.code
        and institution.code != statement.institution
    ):
        raise InvalidInput(
            f"this is a {INSTITUTION_NAMES.get(statement.institution, statement.institution)} "
            f"statement, but account {account.name!r} is at {institution.name}",
            field="file",
        )
    return detected


def create_import(
    session: Session, request: ImportRequest, *, org_id: uuid.UUID, org_slug: str, actor: Actor
) -> ImportBatch:
    """Record the batch and its file, and queue it for the tenant's workers after commit."""
    limit = get_settings().import_max_bytes
    if len(request.content) > limit:
        raise FileTooLarge(f"the file is {len(request.content)} bytes; the limit is {limit}")
    if request.on_error not in ("reject", "skip"):
        raise InvalidInput("on_error must be 'reject' or 'skip'", field="on_error")
    account = get_account(session, request.account_id)
    mapping = request.mapping
    mapping_record: ColumnMappingRecord | None = None
    if request.mapping_name and mapping is None:
        mapping_record = _saved_mapping(session, account, request.mapping_name)
        mapping = ColumnMapping.model_validate(mapping_record.mapping)
    elif mapping is not None:
        mapping_record = _store_mapping(session, account, mapping)
    elif request.format is None:
        mapping_record = recognize_mapping(session, account, request.content)
        if mapping_record is not None:
            mapping = ColumnMapping.model_validate(mapping_record.mapping)
    detected = _check_statement(session, account, request, mapping)
    batch = ImportBatch(
        account_id=account.id,
        status="queued",
        format=detected,
        requested_format=request.format,
        on_error=request.on_error,
        mapping_id=mapping_record.id if mapping_record else None,
        filename=(request.filename or "")[:255] or None,
        file_sha256=hashlib.sha256(request.content).hexdigest(),
        file_size=len(request.content),
        requested_by=actor.user_id,
    )
    session.add(batch)
    session.flush()
    session.add(ImportFile(batch_id=batch.id, content=request.content))
    record(
        session,
        org_id=org_id,
        actor=actor,
        action="import.create",
        target_type="import",
        target_id=batch.id,
        details={
            "account_id": str(account.id),
            "format": detected,
            "filename": batch.filename,
            "bytes": batch.file_size,
        },
    )
    session.flush()
    enqueue_after_commit(session, RUN_IMPORT_TASK, org_slug, batch_id=str(batch.id))
    return batch


def get_batch(session: Session, batch_id: uuid.UUID) -> ImportBatch:
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound("import not found")
    return batch
