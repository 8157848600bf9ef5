"""`finsight report run`: a report made now, in this process, by the API's own service (recorded,
audited and kept like the API's), written to a file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from finsight.cli.common import console, fail, use_database
from finsight.db import platform_session
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.organizations.service import get_organization
from finsight.reports.build import FORMATS
from finsight.reports.model import KINDS
from finsight.reports.orgs import org_profile
from finsight.reports.periods import RELATIVE
from finsight.reports.service import make_report_now
from finsight.tenancy import tenant_session

app = typer.Typer(help="Reports in PDF, Excel, CSV and JSON.", no_args_is_help=True)

_MONTH = re.compile(r"^\d{4}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def parse_period(text: str) -> dict[str, Any]:
    """ "2026-03", "2026", "2026-01-15..2026-02-14", a relative name ("last_month"), or the
    API's JSON object."""
    text = text.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            fail(f"--period is not valid JSON: {exc}")
        if not isinstance(value, dict):
            fail("--period JSON must be an object")
        return value
    if text in RELATIVE:
        return {"type": "relative", "name": text}
    if _MONTH.match(text):
        return {"type": "months", "from": text, "to": text}
    if _YEAR.match(text):
        return {"type": "year", "year": int(text)}
    if found := _RANGE.match(text):
        return {"type": "range", "from": found.group(1), "to": found.group(2)}
    fail(
        "--period must be YYYY-MM, YYYY, FROM..TO (dates), a JSON object or one of: "
        + ", ".join(RELATIVE)
    )


@app.command("run")
def run(
    org: Annotated[str, typer.Option(help="The organization's slug.")],
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(KINDS)}.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    format_: Annotated[
        str, typer.Option("--format", help=f"One of: {', '.join(FORMATS)}.")
    ] = "pdf",
    period: Annotated[
        str,
        typer.Option(help="YYYY-MM, YYYY, FROM..TO, last_month, ... or the API's JSON."),
    ] = "last_month",
    filters: Annotated[
        str, typer.Option(help='JSON: {"account_ids": [...], "category_ids": [...]}')
    ] = "{}",
) -> None:
    """Make a report now and write it to --output. Exit 1 with one error line if it cannot."""
    use_database()
    try:
        parsed_filters = json.loads(filters)
    except json.JSONDecodeError as exc:
        fail(f"--filters is not valid JSON: {exc}")
    spec = parse_period(period)
    with platform_session() as session:
        organization = get_organization(session, org)
        org_id, slug = organization.id, organization.slug
    profile = org_profile(org_id)
    with tenant_session(slug) as session:
        report, content = make_report_now(
            session,
            org_id=org_id,
            actor=Actor.cli(),
            kind=kind,
            period=spec,
            fmt=format_,
            filters=parsed_filters,
            today=profile.today(utcnow()),
            organization=profile.name,
        )
        summary = (report.id, report.period_label, report.sha256)
    try:
        output.write_bytes(content)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    report_id, label, sha = summary
    console.print(
        f"{kind} {label} -> {output} ({len(content):,} bytes, sha256 {sha}); report {report_id}"
    )
