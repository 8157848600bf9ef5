"""The email outbox: queue a message in the caller's transaction, deliver it after commit.

Never commits. A queued message is sent by the task `finsight.notifications.send_email`
(enqueued after commit, retried with backoff); the beat's sweeper resends what a lost task or an
absent broker left pending.
"""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from finsight.config import get_settings
from finsight.kit.models import utcnow
from finsight.notifications.email import Attachment, DeliveryFailed, OutgoingEmail, send
from finsight.notifications.models import EmailOutbox
from finsight.observability.logging import get_logger

SEND_EMAIL_TASK = "finsight.notifications.send_email"
SEND_PENDING_TASK = "finsight.notifications.send_pending"
# A pending message older than this, with no task seen to handle it, is sent again.
PENDING_GRACE_SECONDS = 60
ERASED = "(erased after delivery: it held a single-use link)"

log = get_logger(__name__)


def queue_email(
    session: Session,
    email: OutgoingEmail,
    *,
    kind: str,
    org_id: uuid.UUID | None = None,
    sensitive: bool = False,
    outbox_id: uuid.UUID | None = None,
) -> EmailOutbox:
    """Write the message to the outbox and send it once the caller commits.

    With `outbox_id` (chosen and kept by the caller beforehand), a message already written
    under that id is returned as it is: a caller retrying after a crash never queues twice."""
    if outbox_id is not None:
        existing = session.get(EmailOutbox, outbox_id)
        if existing is not None:
            return existing
    row = EmailOutbox(
        org_id=org_id,
        kind=kind,
        to_address=email.to,
        subject=email.subject,
        text_body=email.text,
        html_body=email.html,
        attachments=[
            {
                "filename": a.filename,
                "mime_type": a.mime_type,
                "content_b64": base64.b64encode(a.content).decode(),
            }
            for a in email.attachments
        ],
        sensitive=sensitive,
    )
    if outbox_id is not None:
        row.id = outbox_id
    session.add(row)
    session.flush()
    if get_settings().redis_url:
        from finsight.worker.enqueue import enqueue_platform_task_after_commit

        enqueue_platform_task_after_commit(session, SEND_EMAIL_TASK, outbox_id=str(row.id))
    # Without a broker (a CLI run outside `finsight dev`) the sweeper sends it later.
    return row


def _outgoing(row: EmailOutbox) -> OutgoingEmail:
    return OutgoingEmail(
        to=row.to_address,
        subject=row.subject,
        text=row.text_body,
        html=row.html_body,
        attachments=[
            Attachment(a["filename"], base64.b64decode(a["content_b64"]), a["mime_type"])
            for a in row.attachments
        ],
    )


def deliver(session: Session, outbox_id: uuid.UUID) -> EmailOutbox | None:
    """Try to send one outbox message unless it is already handled; returns the row after.

    The row stays locked while the SMTP server takes the message, so two deliveries of the same
    task never send it twice (the second finds it locked or sent). A crash between the
    server's acceptance and the commit sends it again on redelivery: at least once. A failure
    is recorded on the row (attempts, last_error) and leaves it pending, to be retried by the
    caller, until SMTP_MAX_ATTEMPTS: then it is failed.
    """
    row = session.scalar(
        select(EmailOutbox).where(EmailOutbox.id == outbox_id).with_for_update(skip_locked=True)
    )
    if row is None or row.status != "pending":
        return row
    settings = get_settings()
    row.attempts += 1
    try:
        send(_outgoing(row), settings)
    except DeliveryFailed as exc:
        row.last_error = str(exc)[:500]
        if row.attempts >= settings.smtp_max_attempts:
            row.status = "failed"
        log.warning(
            "email.not_sent",
            outbox_id=str(row.id),
            kind=row.kind,
            attempts=row.attempts,
            status=row.status,
            error=row.last_error,
        )
        return row
    row.status, row.sent_at, row.last_error = "sent", utcnow(), None
    if row.sensitive:
        row.text_body, row.html_body = ERASED, None
    return row


def retry_delay(attempts: int) -> int:
    """Exponential backoff: SMTP_RETRY_BACKOFF_SECONDS, then twice that, ... capped at 2 h."""
    return int(min(get_settings().smtp_retry_backoff_seconds * 2 ** max(attempts - 1, 0), 7200))


def stale_pending(session: Session) -> list[uuid.UUID]:
    """Pending messages old enough that their task was lost (or never sent: no broker)."""
    now = utcnow()
    never_tried = (EmailOutbox.attempts == 0) & (
        EmailOutbox.updated_at < now - timedelta(seconds=PENDING_GRACE_SECONDS)
    )
    # A message being retried has its task waiting out the backoff: only a long silence
    # means that task was lost.
    retry_lost = EmailOutbox.updated_at < now - timedelta(seconds=2 * 7200)
    return list(
        session.scalars(
            select(EmailOutbox.id)
            .where(EmailOutbox.status == "pending", never_tried | retry_lost)
            .order_by(EmailOutbox.created_at)
            .limit(500)
        )
    )
