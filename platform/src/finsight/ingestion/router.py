"""Statement imports: upload (202 + a batch the worker fills in), status, saved column mappings."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, UploadFile, status
from pydantic import ValidationError

from finsight.api.deps import TenantContext, tenant
from finsight.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    cursor_id,
    page_of,
)
from finsight.api.problems import problem_responses
from finsight.api.validation_text import in_words
from finsight.config import get_settings
from finsight.errors import InvalidInput
from finsight.ingestion import service
from finsight.ingestion.dialect import Dialect
from finsight.ingestion.formats import FORMATS
from finsight.ingestion.mapping import ColumnMapping
from finsight.ingestion.models import ColumnMappingRecord
from finsight.ingestion.preview import preview_statement
from finsight.ingestion.schemas import (
    DialectOut,
    ImportOut,
    MappingOut,
    PreviewOut,
    PreviewRow,
    RowProblem,
)

router = APIRouter(prefix="/api", tags=["imports"])

CanRead = Annotated[TenantContext, tenant("imports:read")]
CanWrite = Annotated[TenantContext, tenant("imports:write")]
CHUNK = 1024 * 1024


def _read_limited(upload: UploadFile) -> bytes:
    """Read the upload, refusing it (413) as soon as it passes the limit, whatever it claimed."""
    limit = get_settings().import_max_bytes
    parts, size = [], 0
    while chunk := upload.file.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise service.FileTooLarge(f"the file is over the limit of {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def _mapping_from_form(raw: str | None) -> tuple[ColumnMapping | None, str | None]:
    """`mapping` is either a saved mapping's name or a JSON ColumnMapping (saved for reuse)."""
    if raw is None or not raw.strip():
        return None, None
    if not raw.lstrip().startswith("{"):
        return None, raw.strip()
    try:
        return ColumnMapping.model_validate(json.loads(raw)), None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"mapping is not valid JSON: {exc.msg}", field="mapping") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "mapping"
        message = in_words(first)
        raise InvalidInput(f"mapping.{where}: {message}", field=f"mapping.{where}") from exc


@router.post(
    "/imports",
    name="import.create",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportOut,
    summary="Upload a statement; the tenant's worker imports it",
    description=(
        "Formats: " + ", ".join(FORMATS) + ". Detected from the content unless `format` is "
        "given. `mapping`: for any other CSV, a column mapping as JSON (saved on the account "
        "under its name) or the name of one saved earlier. `on_error=reject` (default) imports "
        "nothing if any row is invalid; `skip` imports the valid rows and reports the rest. "
        "Poll `GET /api/imports/{id}` for progress."
    ),
    responses=problem_responses(401, 403, 404, 413, 422),
)
def create_import(
    ctx: CanWrite,
    file: UploadFile,
    account_id: Annotated[uuid.UUID, Form()],
    format: Annotated[str | None, Form(description="One of the formats above")] = None,
    mapping: Annotated[str | None, Form(description="JSON mapping, or a saved one's name")] = None,
    on_error: Annotated[Literal["reject", "skip"], Form()] = "reject",
) -> ImportOut:
    content = _read_limited(file)
    inline, saved_name = _mapping_from_form(mapping)
    org = ctx.org
    request = service.ImportRequest(
        account_id=account_id,
        filename=file.filename,
        content=content,
        format=format or None,
        mapping=inline,
        mapping_name=saved_name,
        on_error=on_error,
    )
    batch = service.create_import(
        ctx.session,
        request,
        org_id=org.id,
        org_slug=org.slug,
        actor=ctx.actor,
    )
    return ImportOut.model_validate(batch)


@router.post(
    "/imports/preview",
    response_model=PreviewOut,
    summary="Dry run: detect the format, show the first rows as read and as imported",
    description="Stores nothing. With `mapping` (JSON, or a saved mapping's name with "
    "`account_id`), shows what that mapping makes of the file: use it to build a mapping.",
    responses=problem_responses(401, 403, 404, 413, 422),
)
def preview_import(
    ctx: CanWrite,
    file: UploadFile,
    account_id: Annotated[uuid.UUID | None, Form()] = None,
    format: Annotated[str | None, Form(description="One of the formats")] = None,
    mapping: Annotated[str | None, Form(description="JSON mapping, or a saved one's name")] = None,
    delimiter: Annotated[
        Literal[",", ";", "\t", "|"] | None,
        Form(description="Without a mapping: split the CSV by this (default: guessed)"),
    ] = None,
    quotechar: Annotated[Literal['"', "'"] | None, Form(description="Likewise")] = None,
    decimal_separator: Annotated[Literal[".", ","] | None, Form(description="Likewise")] = None,
    skip_rows: Annotated[int, Form(ge=0, le=1000, description="Lines before the header")] = 0,
) -> PreviewOut:
    content = _read_limited(file)
    if not content.strip():
        raise InvalidInput("the file is empty", field="file")
    if format and format not in FORMATS:
        known = ", ".join(FORMATS)
        raise InvalidInput(f"unknown format {format!r}; one of {known}", field="format")
    inline, saved_name = _mapping_from_form(mapping)
    session = ctx.session
    account = service.get_account(session, account_id) if account_id is not None else None
    if saved_name is not None:
        if account is None:
            raise InvalidInput("a saved mapping is looked up on an account", field="account_id")
        inline = service.saved_mapping(session, account, saved_name)
    recognized = None
    if inline is None and not format and account is not None:
        recognized = service.recognize_mapping(session, account, content)
        if recognized is not None:
            inline = ColumnMapping.model_validate(recognized.mapping)
    chosen = None
    if delimiter or quotechar or decimal_separator:
        chosen = Dialect(delimiter or ",", quotechar or '"', decimal_separator or ".")
    result = preview_statement(
        content, format=format or None, mapping=inline, dialect=chosen, skip_rows=skip_rows
    )
    return PreviewOut(
        format=result.format,
        detection_error=result.detection_error,
        error=result.error,
        columns=result.columns,
        sample=result.sample,
        rows=[PreviewRow.model_validate(row) for row in result.rows],
        errors=[RowProblem(line=i.line, column=i.column, message=i.message) for i in result.issues],
        rows_total=result.rows_total,
        errors_total=result.issues_total,
        dialect=DialectOut(
            delimiter=result.dialect.delimiter,
            quotechar=result.dialect.quotechar,
            decimal_separator=result.dialect.decimal_separator,
        ),
        mapping_name=recognized.name if recognized is not None else None,
    )


@router.get(
    "/imports",
    response_model=Page[ImportOut],
    summary="Imports, newest first",
    responses=problem_responses(401, 403, 422),
)
def list_imports(
    ctx: CanRead,
    account_id: uuid.UUID | None = None,
    status_filter: Annotated[
        Literal["queued", "running", "succeeded", "failed"] | None, Query(alias="status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ImportOut]:
    rows = service.list_imports(
        ctx.session,
        account_id=account_id,
        status=status_filter,
        before_id=cursor_id(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, ImportOut.model_validate, lambda row: {"id": row.id})


@router.get(
    "/imports/{import_id}",
    response_model=ImportOut,
    summary="One import: status, progress, counts, errors by row",
    responses=problem_responses(401, 403, 404),
)
def read_import(import_id: uuid.UUID, ctx: CanRead) -> ImportOut:
    return ImportOut.model_validate(service.get_batch(ctx.session, import_id))


def _mapping_out(saved: ColumnMappingRecord) -> MappingOut:
    return MappingOut(
        id=saved.id,
        account_id=saved.account_id,
        name=saved.name,
        mapping=ColumnMapping.model_validate(saved.mapping),
    )


@router.get(
    "/accounts/{account_id}/mappings",
    response_model=list[MappingOut],
    summary="The account's saved column mappings",
    responses=problem_responses(401, 403, 404),
)
def list_mappings(account_id: uuid.UUID, ctx: CanRead) -> list[MappingOut]:
    saved = service.list_mappings(ctx.session, account_id)
    return [_mapping_out(row) for row in saved]


@router.put(
    "/accounts/{account_id}/mappings",
    name="mapping.save",
    response_model=MappingOut,
    summary="Save (create or replace by name) a column mapping for the account",
    responses=problem_responses(401, 403, 404, 422),
)
def save_mapping(account_id: uuid.UUID, body: ColumnMapping, ctx: CanWrite) -> MappingOut:
    saved = service.save_mapping(ctx.session, ctx.org.id, account_id, body, ctx.actor)
    return _mapping_out(saved)


@router.delete(
    "/accounts/{account_id}/mappings/{mapping_id}",
    name="mapping.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a saved column mapping",
    responses=problem_responses(401, 403, 404),
)
def delete_mapping(account_id: uuid.UUID, mapping_id: uuid.UUID, ctx: CanWrite) -> None:
    service.delete_mapping(ctx.session, ctx.org.id, account_id, mapping_id, ctx.actor)
