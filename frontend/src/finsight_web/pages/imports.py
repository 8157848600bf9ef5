"""Import: upload a statement (format detected or chosen), map an unknown CSV's columns with a
preview of its first rows, then watch the batch until it ends."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from finsight_web.client import ApiError
from finsight_web.context import Page, signed_in
from finsight_web.navigation import NavItem
from finsight_web.pages.mapping import (
    DATE_FORMATS,
    FORMAT_TITLES,
    dialect_fields,
    guess_date_format,
    mapping_from_form,
    mapping_values,
    with_dialect,
)

router = APIRouter()
NAV = NavItem("imports", "Import", "/imports", ("imports:read",))
SignedIn = Annotated[Page, Depends(signed_in)]
PREVIEW_BYTES = 64 * 1024  # enough for the mapping editor; the import reads the whole file
FINISHED = ("succeeded", "failed")
EXPIRED = "That upload expired; upload it again."


def file_head(content: bytes, size: int = PREVIEW_BYTES) -> bytes:
    """The first `size` bytes, cut after the last whole line."""
    if len(content) <= size:
        return content
    head = content[:size]
    cut = head.rfind(b"\n")
    return head[: cut + 1] if cut > 0 else head


async def _accounts(page: Page) -> list[dict[str, Any]]:
    return list((await page.api("GET", "/api/accounts", params={"limit": 200}))["items"])


async def _upload_form(
    page: Page, *, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    accounts, batches = await asyncio.gather(
        _accounts(page), page.api("GET", "/api/imports", params={"limit": 20})
    )
    values = {**values, "account_id": _preselected(str(values.get("account_id", "")), accounts)}
    return await page.render(
        "imports.html",
        status_code=status_code,
        accounts=accounts,
        account_names={a["id"]: a["name"] for a in accounts},
        batches=batches["items"],
        formats=FORMAT_TITLES,
        values=values,
        errors=errors,
        can_write=await page.can("imports:write"),
    )


def _preselected(wanted: str, accounts: list[dict[str, Any]]) -> str:
    """The account the form starts on: the one asked for, else the only one there is."""
    ids = [str(a["id"]) for a in accounts]
    if wanted in ids:
        return wanted
    return ids[0] if len(ids) == 1 else ""


def _came_from_account(page: Page) -> str:
    """The account of the page a person came from (`?account_id=` in the link, else in the
    Referer of one of our own pages: the accounts list, an account's transactions)."""
    asked = page.request.query_params.get("account_id", "")
    if asked:
        return asked
    referer = urlsplit(page.request.headers.get("referer", ""))
    if referer.netloc != page.request.url.netloc:
        return ""
    found = parse_qs(referer.query).get("account_id", [])
    return found[0] if len(found) == 1 else ""


@router.get("/imports")
async def imports_page(page: SignedIn) -> Response:
    values = {"account_id": _came_from_account(page), "on_error": "reject"}
    return await _upload_form(page, values=values, errors={})


async def _read_upload(page: Page, upload: UploadFile) -> bytes:
    limit = page.shared.settings.import_max_bytes
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise ValueError(f"The file is over the limit of {limit // (1024 * 1024)} MiB.")
    return content


async def _start_import(
    page: Page, *, account_id: str, filename: str, content: bytes, fields: dict[str, str]
) -> dict[str, Any]:
    batch: dict[str, Any] = await page.api(
        "POST",
        "/api/imports",
        data={"account_id": account_id, **{k: v for k, v in fields.items() if v}},
        files={"file": (filename, content, "application/octet-stream")},
    )
    return batch


@router.post("/imports")
async def upload(page: SignedIn) -> Response:
    form = await page.form()
    values = {k: form.get(k, "") for k in ("account_id", "format", "on_error", "mapping")}
    upload_file = form.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        errors = {"file": "Choose a statement file to upload."}
        return await _upload_form(page, values=values, errors=errors, status_code=422)
    if not values["account_id"]:
        errors = {"account_id": "Choose the account this statement belongs to."}
        return await _upload_form(page, values=values, errors=errors, status_code=422)
    try:
        content = await _read_upload(page, upload_file)
    except ValueError as exc:
        return await _upload_form(page, values=values, errors={"file": str(exc)}, status_code=413)
    filename = upload_file.filename
    chosen, saved_mapping = str(values["format"]), str(values["mapping"]).strip()
    needs_mapping = chosen == "csv_mapped" and not saved_mapping
    detection_error = None
    if not chosen and not saved_mapping and content.strip():
        try:
            preview = await page.api(
                "POST",
                "/api/imports/preview",
                data={"account_id": str(values["account_id"])},
                files={"file": (filename, file_head(content), "application/octet-stream")},
            )
        except ApiError as error:  # a PDF, an image, a spreadsheet: said on the form
            if error.status not in (413, 422):
                raise
            return await _upload_form(
                page, values=values, errors={"file": error.detail}, status_code=error.status
            )
        detection_error = preview["detection_error"] if preview["format"] is None else None
        # A layout met before (its saved mapping recognized by the header) imports at once.
        needs_mapping = detection_error is not None and bool(preview["columns"])
    if needs_mapping:
        draft_id = secrets.token_urlsafe(12)
        meta = {
            "account_id": values["account_id"],
            "filename": filename,
            "on_error": values["on_error"],
        }
        await page.shared.sessions.put_draft(
            page.session,
            draft_id,
            json.dumps(meta).encode() + b"\n" + content,
            page.shared.settings.web_upload_draft_seconds,
        )
        note = "Describe this file's columns once; the mapping is saved on the account."
        return await page.redirect(f"/imports/drafts/{draft_id}", flash=note, level="info")
    try:
        batch = await _start_import(
            page,
            account_id=str(values["account_id"]),
            filename=filename,
            content=content,
            fields={
                "format": chosen,
                "on_error": str(values["on_error"]),
                "mapping": saved_mapping,
            },
        )
    except ApiError as error:
        if error.status not in (404, 409, 413, 422):
            raise
        errors = {k if k in values else "file": v for k, v in error.field_errors().items()}
        return await _upload_form(
            page, values=values, errors=errors or {"file": error.detail}, status_code=error.status
        )
    return await page.redirect(f"/imports/{batch['id']}")


class DraftExpired(Exception):
    pass


async def _draft(page: Page, draft_id: str) -> tuple[dict[str, str], bytes]:
    payload = await page.shared.sessions.get_draft(page.session, draft_id)
    if payload is None:
        raise DraftExpired(draft_id)
    header, _, content = payload.partition(b"\n")
    return json.loads(header), content


async def _preview(
    page: Page,
    filename: str,
    head: bytes,
    mapping: dict[str, Any] | None,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    # Without a mapping yet, the file is split as the person chose (else as the API guesses).
    data = {"mapping": json.dumps(mapping)} if mapping else dialect_fields(values or {})
    result: dict[str, Any] = await page.api(
        "POST",
        "/api/imports/preview",
        data=data,
        files={"file": (filename, head, "application/octet-stream")},
    )
    return result


async def _mapping_editor(
    page: Page,
    draft_id: str,
    meta: dict[str, str],
    content: bytes,
    *,
    values: dict[str, Any],
    mapping: dict[str, Any] | None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    head = file_head(content)
    try:
        preview = await _preview(page, meta["filename"], head, mapping, values)
    except ApiError as problem:
        if problem.status != 422 or mapping is None:
            raise
        # The API names what is wrong with the mapping; show it with the file as it is.
        error, status_code, mapping = problem.detail, 422, None
        preview = await _preview(page, meta["filename"], head, None, values)
    values = guess_date_format(with_dialect(values, preview.get("dialect")), preview["sample"])
    return await page.render(
        "mapping.html",
        status_code=status_code,
        draft_id=draft_id,
        meta=meta,
        preview=preview,
        values=values,
        mapped=mapping is not None,
        error=error,
        date_formats=DATE_FORMATS,
        preview_kib=PREVIEW_BYTES // 1024,
        # Rows without a currency column are in the account's: euros show as euros.
        currency=(await page.api("GET", f"/api/accounts/{meta['account_id']}"))["currency"],
    )


@router.get("/imports/drafts/{draft_id}")
async def mapping_page(page: SignedIn, draft_id: str) -> Response:
    try:
        meta, content = await _draft(page, draft_id)
    except DraftExpired:
        return await page.redirect("/imports", flash=EXPIRED, level="error")
    return await _mapping_editor(
        page, draft_id, meta, content, values=mapping_values({}), mapping=None
    )


@router.post("/imports/drafts/{draft_id}")
async def mapping_submit(page: SignedIn, draft_id: str) -> Response:
    form = await page.form()
    try:
        meta, content = await _draft(page, draft_id)
    except DraftExpired:
        return await page.redirect("/imports", flash=EXPIRED, level="error")
    values = mapping_values(form)
    mapping, problem = mapping_from_form(values)
    if mapping is None or form.get("action") != "import":
        return await _mapping_editor(
            page,
            draft_id,
            meta,
            content,
            values=values,
            mapping=mapping,
            error=problem,
            status_code=422 if problem else 200,
        )
    try:
        batch = await _start_import(
            page,
            account_id=meta["account_id"],
            filename=meta["filename"],
            content=content,
            fields={
                "format": "csv_mapped",
                "on_error": meta["on_error"],
                "mapping": json.dumps(mapping),
            },
        )
    except ApiError as error:
        if error.status not in (404, 409, 413, 422):
            raise
        return await _mapping_editor(
            page,
            draft_id,
            meta,
            content,
            values=values,
            mapping=mapping,
            error=error.detail,
            status_code=error.status,
        )
    await page.shared.sessions.delete_draft(page.session, draft_id)
    return await page.redirect(f"/imports/{batch['id']}")


@router.get("/imports/{import_id}")
async def batch_page(page: SignedIn, import_id: uuid.UUID) -> Response:
    batch = await page.api("GET", f"/api/imports/{import_id}")
    account = await page.api("GET", f"/api/accounts/{batch['account_id']}")
    return await page.render(
        "import_batch.html",
        batch=batch,
        account=account,
        finished=batch["status"] in FINISHED,
        formats=FORMAT_TITLES,
    )


@router.get("/imports/{import_id}/status")
async def batch_status(page: SignedIn, import_id: uuid.UUID) -> Response:
    """For the progress view's script: the batch's moving parts, polled while it runs."""
    batch = await page.api("GET", f"/api/imports/{import_id}")
    keys = ("status", "progress", "rows_processed", "inserted", "duplicates", "skipped", "error")
    return JSONResponse(
        {key: batch[key] for key in keys} | {"finished": batch["status"] in FINISHED}
    )
