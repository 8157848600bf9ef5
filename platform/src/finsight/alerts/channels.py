"""Notification channels: email (addresses and/or members by role), Slack incoming webhooks,
generic webhooks signed per Standard Webhooks, in-app. Never commits.

The URL of a Slack or webhook channel and a webhook's `whsec_` secret are envelope-encrypted
(finsight.crypto, bound to the channel's id and column); the secret is shown once, when made.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from finsight.alerts.delivery import open_secret, secret_context
from finsight.alerts.directory import OrgProfile
from finsight.alerts.messages import test_payload
from finsight.alerts.models import AlertDelivery, AlertRoute, NotificationChannel
from finsight.alerts.routing import queue_delivery
from finsight.audit.service import record_change
from finsight.config import get_settings
from finsight.crypto.envelope import encrypt_secret
from finsight.errors import Conflict, InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.kit.outbound import is_public
from finsight.users.service import normalize_email

KINDS = ("email", "slack", "webhook", "in_app")
# After a rotation the old secret keeps signing (a second signature) this long.
ROTATION_OVERLAP = timedelta(hours=24)


def new_secret() -> str:
    """`whsec_` + base64 of 24 random bytes (Standard Webhooks' secret format)."""
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def _seal(channel: NotificationChannel, column: str, value: str) -> str:
    return encrypt_secret(value, context=secret_context(channel.id, column))


def check_url(url: str, field: str = "url") -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise InvalidInput("must be an http:// or https:// URL", field=field)
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return url
    # A literal private address can be refused at once; names are checked at send time.
    if not is_public(literal) and not get_settings().alerts_allow_private_addresses:
        raise InvalidInput(f"{literal} is not a public address", field=field)
    return url


def display_target(url: str | None) -> str | None:
    """What the API shows of a URL: scheme and host only (the path of a Slack URL is its key)."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…"


def list_channels(session: Session) -> list[NotificationChannel]:
    query = select(NotificationChannel).where(NotificationChannel.deleted_at.is_(None))
    return list(session.scalars(query.order_by(NotificationChannel.name, NotificationChannel.id)))


def get_channel(session: Session, channel_id: uuid.UUID) -> NotificationChannel:
    channel = session.get(NotificationChannel, channel_id)
    if channel is None or channel.deleted_at is not None:
        raise NotFound("notification channel not found")
    return channel


def _email_config(addresses: list[str], roles: list[str]) -> dict[str, Any]:
    if not addresses and not roles:
        raise InvalidInput("an email channel needs addresses or roles", field="addresses")
    checked = []
    for index, address in enumerate(addresses):
        try:
            checked.append(normalize_email(address))
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, field=f"addresses.{index}") from exc
    return {
        "addresses": sorted(set(checked)),
        "roles": sorted(set(roles)),
    }


def create_channel(
    session: Session,
    org_id: uuid.UUID,
    *,
    name: str,
    kind: str,
    url: str | None,
    addresses: list[str],
    roles: list[str],
    actor: Actor,
) -> tuple[NotificationChannel, str | None]:
    """The channel, and for a webhook its signing secret (returned this once only)."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    channel = NotificationChannel(id=uuid.uuid4(), name=name, kind=kind, created_by=actor.user_id)
    secret = None
    if kind in ("slack", "webhook"):
        if not url:
            raise InvalidInput(f"a {kind} channel needs a url", field="url")
        channel.target = _seal(channel, "target", check_url(url))
        channel.config = {"url": display_target(url)}
    elif kind == "email":
        channel.config = _email_config(addresses, roles)
    if kind == "webhook":
        secret = new_secret()
        channel.secret = _seal(channel, "secret", secret)
    session.add(channel)
    session.flush()
    record_change(session, org_id=org_id, actor=actor, action="channel.create", target=channel)
    return channel, secret


def update_channel(
    session: Session,
    org_id: uuid.UUID,
    channel: NotificationChannel,
    changes: dict[str, Any],
    actor: Actor,
) -> NotificationChannel:
    changed = []
    if changes.get("name") is not None and changes["name"] != channel.name:
        channel.name = changes["name"]
        changed.append("name")
    if changes.get("url") is not None:
        if channel.kind not in ("slack", "webhook"):
            raise InvalidInput(f"a {channel.kind} channel has no url", field="url")
        channel.target = _seal(channel, "target", check_url(changes["url"]))
        channel.config = {**channel.config, "url": display_target(changes["url"])}
        changed.append("url")
    if "addresses" in changes or "roles" in changes:
        if channel.kind != "email":
            raise InvalidInput(f"a {channel.kind} channel has no recipients", field="addresses")
        channel.config = _email_config(
            changes.get("addresses") or list(channel.config.get("addresses") or []),
            list(changes.get("roles") or [])
            if "roles" in changes
            else list(channel.config.get("roles") or []),
        )
        changed.append("recipients")
    if changes.get("enabled") is not None and changes["enabled"] != channel.enabled:
        channel.enabled = changes["enabled"]
        if channel.enabled:  # turned on again by a person: a fresh start
            channel.disabled_reason, channel.failing_since = None, None
        changed.append("enabled")
    session.flush()
    record_change(
        session,
        org_id=org_id,
        actor=actor,
        action="channel.update",
        target=channel,
        changed=changed,
    )
    return channel


def rotate_secret(
    session: Session, org_id: uuid.UUID, channel: NotificationChannel, actor: Actor
) -> str:
    """A new secret (returned once); the old one still signs for ROTATION_OVERLAP, so both
    signatures go out until receivers have switched."""
    if channel.kind != "webhook":
        raise Conflict("only webhook channels have a signing secret")
    secret = new_secret()
    if channel.secret is not None:
        # Re-sealed under its new column's context.
        old = open_secret(channel, "secret")
        channel.previous_secret = _seal(channel, "previous_secret", old) if old else None
        channel.previous_secret_expires_at = utcnow() + ROTATION_OVERLAP
    channel.secret = _seal(channel, "secret", secret)
    session.flush()
    record_change(
        session, org_id=org_id, actor=actor, action="channel.rotate_secret", target=channel
    )
    return secret


def delete_channel(
    session: Session, org_id: uuid.UUID, channel: NotificationChannel, actor: Actor
) -> None:
    """Soft delete; refused while a route still sends to it (409 naming the route)."""
    using = session.scalar(
        select(AlertRoute.name).where(
            AlertRoute.deleted_at.is_(None), AlertRoute.channel_ids.contains([channel.id])
        )
    )
    if using:
        raise Conflict(f"route {using!r} sends to this channel: change the route first")
    channel.deleted_at = utcnow()
    session.flush()
    record_change(session, org_id=org_id, actor=actor, action="channel.delete", target=channel)


def send_test(
    session: Session,
    org: OrgProfile,
    channel: NotificationChannel,
    actor: Actor,
    now: datetime | None = None,
) -> AlertDelivery:
    """Queue a test message to the channel (even a disabled one: that is how to check it
    before turning it on again)."""
    now = now or utcnow()
    delivery = queue_delivery(
        session,
        org,
        channel,
        kind="test",
        payload=test_payload(org.slug, org.name, channel.name, now),
        now=now,
    )
    record_change(
        session,
        org_id=org.id,
        actor=actor,
        action="channel.test",
        target=channel,
        details={"delivery_id": str(delivery.id)},
    )
    return delivery


def deliveries(
    session: Session, channel_id: uuid.UUID, *, before_id: uuid.UUID | None, limit: int
) -> list[AlertDelivery]:
    query = select(AlertDelivery).where(AlertDelivery.channel_id == channel_id)
    if before_id:
        query = query.where(AlertDelivery.id < before_id)
    return list(session.scalars(query.order_by(AlertDelivery.id.desc()).limit(limit)))
