"""Reports on demand: request one (made on the tenant's worker), list, read, download, preview."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import HTMLResponse

from finsight.api.deps import TenantContext, tenant
from finsight.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_id, page_of
from finsight.api.problems import problem_responses
from finsight.errors import InvalidInput
from finsight.kit.models import utcnow
from finsight.reports import build, service
from finsight.reports.kinds.common import Filters
from finsight.reports.orgs import org_profile
from finsight.reports.render import svg
from finsight.reports.render.json_out import JSON_SCHEMA, as_dict
from finsight.reports.schemas import PERIOD_DOC, Format, Kind, PreviewIn, ReportIn, ReportOut

router = APIRouter(prefix="/api/reports", tags=["reports"])


def _json(text: str, field: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{field} is not valid JSON: {exc.msg}", field=field) from exc
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be a JSON object", field=field)
    return value


CanRead = Annotated[TenantContext, tenant("reports:read")]
CanWrite = Annotated[TenantContext, tenant("reports:write")]
Status = Literal["queued", "running", "succeeded", "failed"]


@router.post(
    "",
    name="report.create",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReportOut,
    summary="Request a report; the tenant's worker makes it (poll GET /api/reports/{id})",
    responses=problem_responses(401, 403, 422, 503),
)
def create_report(body: ReportIn, ctx: CanWrite) -> ReportOut:
    today = org_profile(ctx.org.id).today(utcnow())
    report = service.request_report(
        ctx.session,
        org_id=ctx.org.id,
        org_slug=ctx.org.slug,
        actor=ctx.actor,
        kind=body.kind,
        period=body.period,
        fmt=body.format,
        filters=body.filters,
        today=today,
    )
    return ReportOut.model_validate(report)


@router.get(
    "",
    response_model=Page[ReportOut],
    summary="Reports, newest first (on demand and scheduled), with status, size and SHA-256",
    responses=problem_responses(401, 403, 422),
)
def list_reports(
    ctx: CanRead,
    kind: Kind | None = None,
    format_filter: Annotated[Format | None, Query(alias="format")] = None,
    status_filter: Annotated[Status | None, Query(alias="status")] = None,
    schedule_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ReportOut]:
    rows = service.list_reports(
        ctx.session,
        kind=kind,
        fmt=format_filter,
        status=status_filter,
        schedule_id=schedule_id,
        before_id=cursor_id(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, ReportOut.model_validate, lambda row: {"id": row.id})


@router.get(
    "/schema",
    summary="The JSON Schema of reports in the json format (finsight.report.v1)",
    responses=problem_responses(401, 403),
)
def json_schema(ctx: CanRead) -> dict[str, Any]:
    return JSON_SCHEMA


@router.get(
    "/preview",
    summary="The report's figures as the json format has them, made in the request, each chart "
    "also as SVG (`svg`): the dashboard's preview. `as=html` gives the PDF's HTML instead",
    responses=problem_responses(401, 403, 422),
)
def preview(
    ctx: CanRead,
    kind: Kind,
    period: Annotated[str, Query(description="The period object, as JSON. " + PERIOD_DOC)],
    filters: Annotated[str, Query(description="The filters object, as JSON")] = "{}",
    as_: Annotated[Literal["json", "html"], Query(alias="as")] = "json",
) -> Any:
    body = PreviewIn(kind=kind, period=_json(period, "period"), filters=_json(filters, "filters"))
    profile = org_profile(ctx.org.id)
    parsed = Filters.parse(body.filters)
    service.check_filters(ctx.session, parsed)
    doc = build.document(
        ctx.session,
        kind=body.kind,
        period=build.period_of(body.period, profile.today(utcnow())),
        filters=parsed,
        organization=profile.name,
    )
    if as_ == "html":
        return HTMLResponse(build.preview(doc))
    shaped = as_dict(doc)
    for chart, svg_text in zip(shaped["charts"], (svg.render(c) for c in doc.charts), strict=True):
        chart["svg"] = svg_text
    return shaped


@router.get(
    "/{report_id}",
    response_model=ReportOut,
    summary="One report: status, period, size, SHA-256, key figures, error",
    responses=problem_responses(401, 403, 404),
)
def read_report(report_id: uuid.UUID, ctx: CanRead) -> ReportOut:
    return ReportOut.model_validate(service.get_report(ctx.session, report_id))


@router.get(
    "/{report_id}/download",
    summary="The report's file (PDF, xlsx, CSV or zip of CSVs, JSON)",
    response_class=Response,
    responses=problem_responses(401, 403, 404),
)
def download(report_id: uuid.UUID, ctx: CanRead) -> Response:
    report, content = service.report_file(ctx.session, report_id)
    return Response(
        content,
        media_type=report.mime_type or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{report.filename}"',
            "X-Content-SHA256": report.sha256 or "",
            "Cache-Control": "private, no-store",
        },
    )


@router.delete(
    "/{report_id}",
    name="report.delete",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a report and its file",
    responses=problem_responses(401, 403, 404),
)
def delete_report(report_id: uuid.UUID, ctx: CanWrite) -> None:
    report = service.get_report(ctx.session, report_id)
    service.delete_report(ctx.session, org_id=ctx.org.id, actor=ctx.actor, report=report)
