"""Sending: webhooks signed per Standard Webhooks (verified by a receiver with the
`standardwebhooks` library, both signatures during a rotation), a Slack-shaped receiver's Block
Kit, email through the outbox to a real SMTP server, in-app; the retry schedule with a clock,
Retry-After on 429, 410 disables the endpoint and tells the owner, private addresses refused,
every attempt recorded."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from finsight.alerts.delivery import deliver
from finsight.alerts.models import DeliveryAttempt, NotificationChannel
from finsight.config import get_settings
from finsight.db import platform_session
from finsight.kit.models import utcnow
from finsight.notifications.models import EmailOutbox
from finsight.notifications.service import deliver as deliver_email
from finsight.tenancy import tenant_session

from support.alerting import Alerting
from support.mail import MailSink, text_of
from support.receivers import Answer, Receiver

pytestmark = pytest.mark.integration


def _test(alerting: Alerting, channel: dict) -> dict:
    return alerting.send_test(channel)


def _attempts(slug: str, delivery_id: uuid.UUID | str) -> list[DeliveryAttempt]:
    with tenant_session(slug) as session:
        rows = list(
            session.scalars(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.delivery_id == uuid.UUID(str(delivery_id)))
                .order_by(DeliveryAttempt.attempt)
            )
        )
        for row in rows:
            session.expunge(row)
        return rows


def test_webhook_signed_and_secret_shown_once(alerting: Alerting, sender_in_test):
    with Receiver() as receiver:
        created = alerting.channel("webhook", url=receiver.url)
        secret = created["secret"]
        assert secret.startswith("whsec_") and created["config"]["url"].startswith("http://127")
        listed = alerting.client.get(
            f"/api/notification-channels/{created['id']}", headers=alerting.h
        ).json()
        assert "secret" not in listed and receiver.url not in str(listed)
        with tenant_session(alerting.slug) as session:
            stored = session.get(NotificationChannel, uuid.UUID(created["id"]))
            assert stored is not None and secret not in (stored.secret or "")
            assert receiver.url not in (stored.target or "")  # sealed at rest

        receiver.secrets = [secret]
        test = _test(alerting, created)
        alerting.send_due()
        (got,) = receiver.wait(1)
        assert got.verified_with == [0]
        assert got.headers["webhook-id"] == f"msg_{uuid.UUID(test['id']).hex}"
        assert got.json["type"] == "channel.test"

        # Rotation: the new secret is shown once; both signatures go out for a while.
        rotated = alerting.post(
            f"/api/notification-channels/{created['id']}/rotate-secret", {}, status=200
        )
        new_secret = rotated["secret"]
        assert new_secret != secret and rotated["previous_valid_until"]
        receiver.secrets = [secret, new_secret]
        _test(alerting, created)
        alerting.send_due()
        second = receiver.wait(2)[1]
        assert second.verified_with == [0, 1]
        assert len(second.headers["webhook-signature"].split(" ")) == 2
        # Once the overlap is over, only the new secret signs.
        with tenant_session(alerting.slug) as session:
            stored = session.get(NotificationChannel, uuid.UUID(created["id"]))
            assert stored is not None
            stored.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
        _test(alerting, created)
        alerting.send_due()
        third = receiver.wait(3)[2]
        assert third.verified_with == [1]


def test_slack_block_kit_links_to_the_dashboard(alerting: Alerting, sender_in_test):
    with Receiver() as slack:
        channel = alerting.channel("slack", url=slack.url)
        assert channel["secret"] is None
        alerting.route([channel])
        alerting.rule("import_failed", severity="critical")
        event = {"kind": "import.failed", "subject_id": str(uuid.uuid4()), "data": {"error": "x"}}
        alerting.evaluate(["import_failed"], event=event)
        alerting.send_due()
        (got,) = slack.wait(1)
        message = got.json
        assert message["text"].startswith("Import failed")
        kinds = [block["type"] for block in message["blocks"]]
        assert kinds[0] == "header" and "section" in kinds and kinds[-1] == "actions"
        button = message["blocks"][-1]["elements"][0]
        assert button["url"] == get_settings().public_web_url.rstrip("/") + "/alerts"


def test_email_to_addresses_and_owners_over_smtp(
    alerting: Alerting, sender_in_test, mail_sink: MailSink
):
    extra = f"ops-{uuid.uuid4().hex[:8]}@example.test"
    channel = alerting.channel("email", addresses=[extra], roles=["owner"])
    alerting.route([channel])
    alerting.rule("import_failed")
    event = {"kind": "import.failed", "subject_id": str(uuid.uuid4()), "data": {"error": "bad"}}
    alerting.evaluate(["import_failed"], event=event)
    (sent,) = alerting.send_due()
    assert sent.status == "sent"
    again = deliver(alerting.slug, sent.id)  # a second run of the task: nothing more queued
    assert again is not None and again.status == "sent"
    with platform_session() as session:
        outbox = list(
            session.scalars(select(EmailOutbox).where(EmailOutbox.kind == f"alert:{sent.id}"))
        )
        assert sorted(row.to_address for row in outbox) == sorted([extra, alerting.owner.email])
        for row in outbox:
            deliver_email(session, row.id)
    (message,) = mail_sink.wait_for(extra)
    assert message["Subject"].startswith("[finsight] WARNING: Import failed")
    assert "/alerts/" in text_of(message)
    mail_sink.wait_for(alerting.owner.email)


def test_in_app_bell(alerting: Alerting, sender_in_test):
    channel = alerting.channel("in_app")
    alerting.route([channel])
    alerting.rule("import_failed")
    event = {"kind": "import.failed", "subject_id": str(uuid.uuid4()), "data": {}}
    alerting.evaluate(["import_failed"], event=event)
    (sent,) = alerting.send_due()
    deliver(alerting.slug, sent.id)  # again: still one notification
    feed = alerting.client.get("/api/in-app-notifications", headers=alerting.h).json()
    assert feed["unread"] == 1 and len(feed["items"]) == 1 and feed["items"][0]["unread"]
    alerting.post("/api/in-app-notifications/seen", {}, status=200)
    assert (
        alerting.client.get("/api/in-app-notifications", headers=alerting.h).json()["unread"] == 0
    )


def test_retry_schedule_429_and_every_attempt(alerting: Alerting, sender_in_test):
    with Receiver() as receiver:
        channel = alerting.channel("webhook", url=receiver.url)
        receiver.script += [
            Answer(500),
            Answer(429, {"Retry-After": "120"}),
            Answer(200),
        ]
        test = _test(alerting, channel)
        start = utcnow()
        (first,) = alerting.send_due(start)
        assert first.status == "pending" and first.attempts == 1
        assert first.next_attempt_at == start + timedelta(seconds=5)  # the schedule's first step
        assert alerting.send_due(start + timedelta(seconds=4)) == []  # not due yet
        (second,) = alerting.send_due(start + timedelta(seconds=5))
        # 429 with Retry-After 120 s: waits that long, not the schedule's 5 minutes... or more.
        assert second.next_attempt_at == start + timedelta(seconds=5 + 300)
        receiver.script.insert(0, Answer(429, {"Retry-After": "900"}))
        (third,) = alerting.send_due(second.next_attempt_at)
        assert third.next_attempt_at == second.next_attempt_at + timedelta(seconds=1800)
        (fourth,) = alerting.send_due(third.next_attempt_at)
        assert fourth.status == "sent" and fourth.attempts == 4
        attempts = _attempts(alerting.slug, test["id"])
        assert [(a.outcome, a.status_code) for a in attempts] == [
            ("retry", 500),
            ("retry", 429),
            ("retry", 429),
            ("sent", 200),
        ]
        log = alerting.client.get(
            f"/api/notification-channels/{channel['id']}/deliveries", headers=alerting.h
        ).json()["items"][0]
        assert [a["outcome"] for a in log["attempt_log"]] == ["retry", "retry", "retry", "sent"]


def test_retry_after_longer_than_the_schedule_is_honoured(alerting: Alerting, sender_in_test):
    with Receiver() as receiver:
        channel = alerting.channel("webhook", url=receiver.url)
        receiver.script.append(Answer(429, {"Retry-After": "60"}))
        _test(alerting, channel)
        start = utcnow()
        (first,) = alerting.send_due(start)
        assert first.next_attempt_at == start + timedelta(seconds=60)  # not the schedule's 5 s


def test_410_disables_the_endpoint_and_tells_the_owner(alerting: Alerting, sender_in_test):
    with Receiver() as receiver:
        channel = alerting.channel("webhook", url=receiver.url)
        alerting.route([channel])
        receiver.script.append(Answer(410))
        _test(alerting, channel)
        (done,) = alerting.send_due()
        assert done.status == "failed"
        after = alerting.client.get(
            f"/api/notification-channels/{channel['id']}", headers=alerting.h
        ).json()
        assert after["enabled"] is False and "410" in after["disabled_reason"]
        with platform_session() as session:
            told = session.scalars(
                select(EmailOutbox).where(
                    EmailOutbox.kind == "alert.channel_disabled",
                    EmailOutbox.to_address == alerting.owner.email,
                )
            ).all()
            assert len(told) == 1 and "webhook channel" in told[0].text_body
        # Alerts no longer go there; a person turns it on again.
        alerting.rule("import_failed")
        event = {"kind": "import.failed", "subject_id": str(uuid.uuid4()), "data": {}}
        alerting.evaluate(["import_failed"], event=event)
        assert alerting.send_due() == []
        turned_on = alerting.client.patch(
            f"/api/notification-channels/{channel['id']}",
            headers=alerting.h,
            json={"enabled": True},
        ).json()
        assert turned_on["enabled"] and turned_on["disabled_reason"] is None


def test_days_of_failure_disable_and_schedule_ends(alerting: Alerting, sender_in_test):
    with Receiver() as receiver:
        channel = alerting.channel("webhook", url=receiver.url)
        receiver.script += [Answer(503)] * 20
        _test(alerting, channel)
        now = utcnow()
        row = alerting.send_due(now)[0]
        while row.status == "pending":
            now = row.next_attempt_at
            row = alerting.send_due(now)[0]
        # 5 s + 5 min + 30 min + 2 h + 5 h + 10 h + 10 h: about 27.6 h, under 5 days: the
        # schedule ended (8 attempts), the endpoint is still on.
        assert row.status == "failed" and row.attempts == 8
        assert alerting.client.get(
            f"/api/notification-channels/{channel['id']}", headers=alerting.h
        ).json()["enabled"]
        # Failing since then, a delivery five days later disables it.
        _test(alerting, channel)
        (late,) = alerting.send_due(utcnow() + timedelta(days=6))
        assert late.status == "failed"
        after = alerting.client.get(
            f"/api/notification-channels/{channel['id']}", headers=alerting.h
        ).json()
        assert after["enabled"] is False and "failing for 5 days" in after["disabled_reason"]


def test_private_addresses_refused(alerting: Alerting, sender_in_test, monkeypatch):
    with Receiver() as receiver:
        channel = alerting.channel("webhook", url=receiver.url)
        named = alerting.channel("webhook", url=receiver.url.replace("127.0.0.1", "localhost"))
        monkeypatch.setenv("ALERTS_ALLOW_PRIVATE_ADDRESSES", "false")
        get_settings.cache_clear()
        try:
            for url in ("http://10.0.0.5/hook", "http://169.254.169.254/latest", "http://[::1]/x"):
                refused = alerting.client.post(
                    "/api/notification-channels",
                    headers=alerting.h,
                    json={"name": "x", "kind": "webhook", "url": url},
                )
                # The api process allows them (its settings); the send-time check is the guard.
                assert refused.status_code in (201, 422)
            _test(alerting, channel)
            _test(alerting, named)
            done = alerting.send_due()
            assert [d.status for d in done] == ["failed", "failed"]
            assert all("non-public address" in (d.last_error or "") for d in done)
            assert receiver.received == []
            attempts = _attempts(alerting.slug, done[0].id)
            assert [a.outcome for a in attempts] == ["refused"]
        finally:
            monkeypatch.delenv("ALERTS_ALLOW_PRIVATE_ADDRESSES")
            get_settings.cache_clear()
