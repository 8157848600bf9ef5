"""The mail `finsight dev` caught, for the dashboard's Mail page. Mounted only when
ENVIRONMENT=development: in any other environment these paths do not exist (404)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from finsight.api.deps import CurrentPrincipal
from finsight.api.problems import problem_responses
from finsight.config import get_settings
from finsight.dev import mailcatcher
from finsight.errors import NotFound

router = APIRouter(prefix="/api/dev/mail", tags=["development"])


class CaughtMail(BaseModel):
    id: str
    sender: str = Field(alias="from")
    to: str
    subject: str
    received_at: datetime
    attachments: list[str]

    model_config = {"populate_by_name": True}


class CaughtMailContent(CaughtMail):
    text: str
    html: str | None


@router.get(
    "",
    response_model=list[CaughtMail],
    summary="Mail caught by `finsight dev` (development only), newest first",
    responses=problem_responses(401),
)
def list_mail(principal: CurrentPrincipal) -> list[CaughtMail]:
    data_dir = get_settings().data_dir
    found = (mailcatcher.summary(data_dir, i) for i in mailcatcher.message_ids(data_dir))
    return [CaughtMail.model_validate(s) for s in found if s is not None]


@router.get(
    "/{message_id}",
    response_model=CaughtMailContent,
    summary="One caught message: text, HTML and its attachments' names",
    responses=problem_responses(401, 404),
)
def read_mail(message_id: str, principal: CurrentPrincipal) -> CaughtMailContent:
    found = mailcatcher.content(get_settings().data_dir, message_id)
    if found is None:
        raise NotFound("no such message")
    return CaughtMailContent.model_validate(found)


@router.get(
    "/{message_id}/attachments/{index}",
    summary="Download an attachment of a caught message",
    responses={200: {"content": {"application/octet-stream": {}}}, **problem_responses(401, 404)},
)
def read_attachment(message_id: str, index: int, principal: CurrentPrincipal) -> Response:
    found = mailcatcher.attachment(get_settings().data_dir, message_id, index)
    if found is None:
        raise NotFound("no such attachment")
    filename, content_type, data = found
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "._- ") or "attachment"
    return Response(
        data,
        media_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
