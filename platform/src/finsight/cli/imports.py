"""`finsight import FILE`: the same import path as POST /api/imports, with a progress bar."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from finsight.cli.common import console, fail, use_database
from finsight.db import platform_session
from finsight.ingestion.mapping import ColumnMapping
from finsight.ingestion.service import ImportRequest, create_import, find_account, get_batch
from finsight.kit.identity import Actor
from finsight.organizations.service import get_organization
from finsight.tenancy import TenantNames, tenant_session
from finsight.worker.broker import check_broker

POLL_SECONDS = 0.5


def _mapping(value: str | None) -> tuple[ColumnMapping | None, str | None]:
    """A path to a JSON mapping (saved on the account for reuse), or a saved mapping's name."""
    if value is None:
        return None, None
    path = Path(value)
    if path.suffix == ".json" and path.is_file():
        try:
            return ColumnMapping.model_validate(json.loads(path.read_text())), None
        except (json.JSONDecodeError, ValidationError) as exc:
            fail(f"{path}: not a valid column mapping: {exc}")
    return None, value


def import_statement(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="A statement: CSV, OFX/QFX or QIF."
        ),
    ],
    org: Annotated[str, typer.Option(help="The organization's slug.")],
    account: Annotated[str, typer.Option(help="The account's name or id.")],
    format: Annotated[
        str | None,
        typer.Option(
            help="Force a format (chase_card, chase_checking, discover, capital_one_card, "
            "capital_one_360, ofx, qif, csv_mapped); default: detected."
        ),
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(
            help="A saved column mapping's name, or a .json file with one (saved for reuse)."
        ),
    ] = None,
    on_error: Annotated[
        str,
        typer.Option(
            help="reject: import nothing if a row is invalid; skip: import the valid rows."
        ),
    ] = "reject",
    wait: Annotated[bool, typer.Option(help="Follow the import until it ends.")] = True,
    timeout: Annotated[
        float,
        typer.Option(
            help="Seconds to wait for a worker to start the import (a running one is followed "
            "to its end)."
        ),
    ] = 600,
) -> None:
    """Import a bank statement into an account, on the organization's worker queue."""
    check_broker(use_database())  # before anything is recorded: nothing is left queued
    inline, saved_name = _mapping(mapping)
    with platform_session() as session:
        organization = get_organization(session, org)
        org_id, slug = organization.id, organization.slug
    with tenant_session(slug) as session:
        target = find_account(session, account)
        request = ImportRequest(
            account_id=target.id,
            filename=file.name,
            content=file.read_bytes(),
            format=format,
            mapping=inline,
            mapping_name=saved_name,
            on_error=on_error,
        )
        batch = create_import(session, request, org_id=org_id, org_slug=slug, actor=Actor.cli())
        batch_id, size = batch.id, batch.file_size
    console.print(f"import {batch_id} queued on {TenantNames.for_slug(slug).queue}")
    if wait:
        _follow(slug, batch_id, size, timeout)


def _follow(slug: str, batch_id: uuid.UUID, size: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("queued", total=size)
        while True:
            with tenant_session(slug) as session:
                batch = get_batch(session, batch_id)
                session.expunge(batch)
            bar.update(
                task,
                completed=batch.bytes_processed,
                description=f"{batch.status}: {batch.rows_processed:,} rows",
            )
            if batch.status in ("succeeded", "failed"):
                break
            if batch.status == "queued" and time.monotonic() > deadline:
                fail(
                    f"import {batch_id} is still queued after {timeout:.0f}s: is a worker "
                    f"serving org.{slug}? (`make dev`, or `finsight serve worker`); it is "
                    "imported once one starts"
                )
            time.sleep(POLL_SECONDS)
    if batch.status == "failed":
        for problem in batch.errors[:10]:
            column = f", column {problem['column']}" if problem.get("column") else ""
            console.print(f"  line {problem['line']}{column}: {problem['message']}")
        fail(f"import failed: {batch.error}")
    console.print(
        f"imported {batch.inserted:,} transactions ({batch.duplicates:,} duplicates, "
        f"{batch.skipped:,} skipped) from {batch.rows_total:,} rows"
    )
    for problem in (batch.errors + batch.warnings)[:10]:
        console.print(f"  line {problem['line']}: {problem['message']}")
