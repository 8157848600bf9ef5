"""Sending one delivery: webhooks signed per Standard Webhooks, Slack, email (through the
platform's email outbox), in-app; the retry schedule; every attempt recorded.

A delivery is sent by whoever holds its row lock (`FOR UPDATE SKIP LOCKED`): two copies of its
task never send it at once. The attempt is written and committed *before* the request goes out,
so an attempt cut off by a dying worker stays visible (no outcome); the row itself is still
pending then, and the next delivery of the task sends it again with the same `webhook-id`, which
receivers use to process it exactly once (Standard Webhooks' idempotency key).
"""

from __future__ import annotations

import email.utils
import functools
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from finsight.alerts.directory import member_emails, org_profile
from finsight.alerts.messages import email_parts, headline, slack_message
from finsight.alerts.models import (
    AlertDelivery,
    DeliveryAttempt,
    InAppNotification,
    NotificationChannel,
)
from finsight.config import get_settings
from finsight.crypto.envelope import decrypt_secret
from finsight.db import platform_session
from finsight.kit.models import new_id, utcnow
from finsight.kit.outbound import AddressRefused, post
from finsight.notifications.email import OutgoingEmail
from finsight.notifications.models import EmailOutbox
from finsight.notifications.service import queue_email
from finsight.observability.logging import get_logger
from finsight.tenancy import tenant_session
from finsight.tenancy.directory import locate

log = get_logger(__name__)
USER_AGENT = "finsight-webhooks/1"
# Longest wait a Retry-After may ask for (a day); beyond it the schedule decides.
MAX_RETRY_AFTER = 86400


@dataclass(frozen=True)
class Result:
    outcome: str  # sent | retry | failed | refused | gone
    status_code: int | None = None
    error: str | None = None
    retry_after: int | None = None


def secret_context(channel_id: uuid.UUID, column: str) -> bytes:
    return f"notification_channels.{column}:{channel_id}".encode()


def open_secret(channel: NotificationChannel, column: str) -> str | None:
    sealed = getattr(channel, column)
    return decrypt_secret(sealed, context=secret_context(channel.id, column)) if sealed else None


def signature_header(
    channel: NotificationChannel, msg_id: str, timestamp: datetime, body: bytes, now: datetime
) -> str:
    """`v1,<sig>` with the current secret, and with the previous one while it is still honoured
    (rotation: receivers still holding the old secret keep verifying)."""
    secrets = [open_secret(channel, "secret")]
    expires = channel.previous_secret_expires_at
    if channel.previous_secret and expires is not None and expires > now:
        secrets.append(open_secret(channel, "previous_secret"))
    return " ".join(Webhook(s).sign(msg_id, timestamp, body) for s in secrets if s)


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return min(int(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0, min(int((when - utcnow()).total_seconds()), MAX_RETRY_AFTER))


@functools.cache
def _client() -> httpx.Client:
    """One client per process (it is thread-safe): building one loads the CA bundle, which cost
    more than a whole delivery; its pool keeps connections to endpoints alive between sends."""
    return httpx.Client(limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))


def _http(url: str, body: bytes, headers: dict[str, str]) -> Result:
    settings = get_settings()
    try:
        response = post(
            _client(),
            url,
            content=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
            allow_private=settings.alerts_allow_private_addresses,
            timeout=settings.alerts_http_timeout_seconds,
        )
    except AddressRefused as exc:
        return Result("refused", error=str(exc))
    except httpx.HTTPError as exc:
        return Result("retry", error=f"{type(exc).__name__}: {exc}"[:500])
    code = response.status_code
    if 200 <= code < 300:
        return Result("sent", code)
    if code == 410:
        return Result("gone", code, "410 Gone: the endpoint asked to stop")
    return Result("retry", code, f"HTTP {code}: {response.text[:200]}", _retry_after(response))


def _send_webhook(channel: NotificationChannel, delivery: AlertDelivery, now: datetime) -> Result:
    url = open_secret(channel, "target")
    if not url:
        return Result("failed", error="the channel has no URL")
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    msg_id = f"msg_{delivery.id.hex}"
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature_header(channel, msg_id, now, body, now),
    }
    return _http(url, body, headers)


def _send_slack(channel: NotificationChannel, delivery: AlertDelivery) -> Result:
    url = open_secret(channel, "target")
    if not url:
        return Result("failed", error="the channel has no URL")
    return _http(url, json.dumps(slack_message(delivery.payload)).encode(), {})


def _send_email(org_id: uuid.UUID, channel: NotificationChannel, delivery: AlertDelivery) -> Result:
    """Queue one message per recipient in the platform's email outbox (its sender retries SMTP).
    A recipient already queued for this delivery is not queued twice (a retried attempt)."""
    addresses = list(channel.config.get("addresses") or [])
    addresses += member_emails(org_id, list(channel.config.get("roles") or []))
    recipients = list(dict.fromkeys(a.lower() for a in addresses))
    if not recipients:
        return Result("failed", error="no recipients (no addresses, and no member in the roles)")
    subject, text, html = email_parts(delivery.payload)
    kind = f"alert:{delivery.id}"
    with platform_session() as session:
        done = set(session.scalars(select(EmailOutbox.to_address).where(EmailOutbox.kind == kind)))
        for address in recipients:
            if address not in done:
                queue_email(
                    session,
                    OutgoingEmail(to=address, subject=subject, text=text, html=html),
                    kind=kind,
                    org_id=org_id,
                )
    return Result("sent")


def _send_in_app(session: Session, delivery: AlertDelivery) -> Result:
    alerts = delivery.payload["data"]["alerts"]
    session.execute(
        insert(InAppNotification)
        .values(
            id=new_id(),
            delivery_id=delivery.id,
            severity=delivery.payload["data"]["severity"],
            title=headline(delivery.payload)[:500],
            body=(alerts[0]["body"] if len(alerts) == 1 else "")[:2000],
            link=alerts[0]["url"] if len(alerts) == 1 else delivery.payload["data"]["url"],
        )
        .on_conflict_do_nothing(index_elements=["delivery_id"])
    )
    return Result("sent")


def _begin_attempt(org_slug: str, delivery_id: uuid.UUID, number: int, now: datetime) -> uuid.UUID:
    """The attempt's row, committed at once (its own transaction)."""
    with tenant_session(org_slug) as session:
        attempt = DeliveryAttempt(delivery_id=delivery_id, attempt=number, started_at=now)
        session.add(attempt)
        session.flush()
        return attempt.id


def next_delay(attempts: int) -> int | None:
    """Seconds before the retry after `attempts` failed ones; None: give up."""
    schedule = get_settings().alerts_retry_schedule_seconds
    return schedule[attempts - 1] if attempts - 1 < len(schedule) else None


def deliver(
    org_slug: str, delivery_id: uuid.UUID, *, now: datetime | None = None
) -> AlertDelivery | None:
    """Send one delivery if it is pending and due; returns the row after (None: missing, or
    another worker holds it)."""
    now = now or utcnow()
    with tenant_session(org_slug) as session:
        row = session.scalar(
            select(AlertDelivery)
            .where(AlertDelivery.id == delivery_id)
            # NO KEY UPDATE: the attempt row (another transaction) still takes its key share.
            .with_for_update(skip_locked=True, key_share=True)
        )
        if row is None or row.status != "pending" or row.next_attempt_at > now:
            if row is not None:
                session.expunge(row)
            return row
        channel = session.get(NotificationChannel, row.channel_id)
        if (
            channel is None
            or channel.deleted_at is not None
            or (not channel.enabled and row.kind != "test")
        ):
            row.status, row.last_error = "cancelled", "the channel is disabled or deleted"
            session.flush()
            session.expunge(row)
            return row
        row.attempts += 1
        attempt_id = _begin_attempt(org_slug, row.id, row.attempts, now)
        result = _send(session, org_slug, channel, row, now)
        _record(session, org_slug, channel, row, attempt_id, result, now)
        session.flush()
        session.expunge(row)
        return row


def _send(
    session: Session, org_slug: str, channel: NotificationChannel, row: AlertDelivery, now: datetime
) -> Result:
    try:
        if channel.kind == "webhook":
            return _send_webhook(channel, row, now)
        if channel.kind == "slack":
            return _send_slack(channel, row)
        if channel.kind == "email":
            return _send_email(org_profile_id(org_slug), channel, row)
        return _send_in_app(session, row)
    except Exception as exc:  # a bug or a broken secret: recorded, retried on the schedule
        log.exception("alerts.delivery.error", delivery=str(row.id))
        return Result("retry", error=f"{type(exc).__name__}: {exc}"[:500])


def org_profile_id(org_slug: str) -> uuid.UUID:
    return locate(org_slug).org_id


def _record(
    session: Session,
    org_slug: str,
    channel: NotificationChannel,
    row: AlertDelivery,
    attempt_id: uuid.UUID,
    result: Result,
    now: datetime,
) -> None:
    attempt = session.get(DeliveryAttempt, attempt_id)
    if attempt is not None:
        attempt.finished_at, attempt.outcome = utcnow(), result.outcome
        attempt.status_code, attempt.error = result.status_code, result.error
    row.last_error = result.error
    if result.outcome == "sent":
        row.status, row.sent_at = "sent", now
        channel.failing_since = None
        return
    if result.outcome in ("refused", "failed"):
        row.status = "failed"
        return
    if result.outcome == "gone":
        row.status = "failed"
        disable_channel(session, org_slug, channel, "the endpoint answered 410 Gone", now)
        return
    channel.failing_since = channel.failing_since or now
    days = get_settings().alerts_disable_after_days
    if now - channel.failing_since >= timedelta(days=days):
        row.status = "failed"
        disable_channel(session, org_slug, channel, f"failing for {days:g} days", now)
        return
    delay = next_delay(row.attempts)
    if delay is None:
        row.status = "failed"
        return
    row.next_attempt_at = now + timedelta(seconds=max(delay, result.retry_after or 0))


def disable_channel(
    session: Session, org_slug: str, channel: NotificationChannel, reason: str, now: datetime
) -> None:
    """Turn the channel off, cancel what waits for it, and tell the organization's owners by
    email (the channel itself is what broke)."""
    if not channel.enabled:
        return
    channel.enabled, channel.disabled_reason = False, reason
    session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.channel_id == channel.id, AlertDelivery.status == "pending")
        .values(status="cancelled", last_error=f"channel disabled: {reason}")
    )
    org_id = org_profile_id(org_slug)
    profile = org_profile(org_id)
    text = (
        f"finsight disabled the notification channel {channel.name!r} ({channel.kind}) of "
        f"{profile.name}: {reason}.\n\nAlerts no longer go there. Check the endpoint, then "
        f"turn the channel on again in Settings > Channels."
    )
    owners = member_emails(org_id, ["owner"])
    with platform_session() as platform:
        for address in owners:
            queue_email(
                platform,
                OutgoingEmail(
                    to=address,
                    subject=f"[finsight] Notification channel disabled: {channel.name}",
                    text=text,
                ),
                kind="alert.channel_disabled",
                org_id=org_id,
            )
    log.warning("alerts.channel.disabled", channel=str(channel.id), reason=reason, org=org_slug)


def due_deliveries(session: Session, now: datetime, grace: timedelta) -> list[uuid.UUID]:
    """Pending deliveries due for longer than `grace`: their task was lost (or never sent)."""
    return list(
        session.scalars(
            select(AlertDelivery.id)
            .where(AlertDelivery.status == "pending", AlertDelivery.next_attempt_at < now - grace)
            .order_by(AlertDelivery.next_attempt_at)
            .limit(1000)
        )
    )
