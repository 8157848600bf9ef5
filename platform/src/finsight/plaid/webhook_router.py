"""`POST /api/plaid/webhook`: public (Plaid calls it), verified before anything is read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from finsight.api.problems import problem_responses
from finsight.errors import FinsightError
from finsight.plaid import webhooks
from finsight.plaid.schemas import WebhookAnswer

router = APIRouter(prefix="/api/plaid", tags=["connections"])

MAX_BODY_BYTES = 64 * 1024


class BodyTooLarge(FinsightError):
    status = 413
    code = "too_large"
    title = "Body too large"


@router.post(
    "/webhook",
    name="plaid.webhook",
    response_model=WebhookAnswer,
    summary="Plaid's webhooks (signed: Plaid-Verification, ES256)",
    description="Verified first (ES256 JWT from Plaid's published key, at most 5 minutes old, "
    "the body's SHA-256 as signed). Webhooks for items this platform does not know answer "
    "200 and are logged.",
    responses=problem_responses(401, 413),
)
async def webhook(request: Request) -> WebhookAnswer:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"a webhook body is at most {MAX_BODY_BYTES} bytes")
    header = request.headers.get("plaid-verification")
    outcome = await run_in_threadpool(webhooks.handle, body, header)
    return WebhookAnswer(outcome=outcome)
