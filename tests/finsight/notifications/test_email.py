"""Email over a real SMTP server (aiosmtpd): the message, the outbox and its retries, and the
worker delivering after commit."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from finsight.config import get_settings
from finsight.db import platform_session
from finsight.embedded import free_port
from finsight.notifications.email import Attachment, DeliveryFailed, OutgoingEmail, send
from finsight.notifications.models import EmailOutbox
from finsight.notifications.service import ERASED, deliver, queue_email, stale_pending

from support.mail import MailSink, text_of
from support.processes import ServerProcess

pytestmark = pytest.mark.integration


@pytest.fixture
def smtp_env(test_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """Settings changes for one test, undone after it."""
    changed: dict[str, str] = {}
    saved = dict(os.environ)

    def apply(**values: str) -> None:
        changed.update(values)
        os.environ.update(values)
        get_settings.cache_clear()

    yield apply  # type: ignore[misc]
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()


def _address() -> str:
    return f"person-{uuid.uuid4().hex[:8]}@example.test"


def test_message_has_text_html_and_attachments(
    test_env: dict[str, str], mail_sink: MailSink
) -> None:
    to = _address()
    csv = b"date,amount\n2026-01-01,12.50\n"
    send(
        OutgoingEmail(
            to=to,
            subject="Your report",
            text="Plain words",
            html="<p>Rich <b>words</b></p>",
            attachments=[Attachment("report.csv", csv, "text/csv")],
        ),
        get_settings(),
    )
    [message] = mail_sink.wait_for(to)
    assert message["Subject"] == "Your report"
    assert text_of(message).strip() == "Plain words"
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "<b>words</b>" in html.get_content()
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == "report.csv"
    assert attached.get_content_type() == "text/csv"
    assert attached.get_payload(decode=True) == csv


def test_login_when_credentials_are_set_and_password_not_in_errors(smtp_env) -> None:  # type: ignore[no-untyped-def]
    with MailSink(credentials=("mailer", "s3cret-pass")) as sink:
        smtp_env(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(sink.port),
            SMTP_USERNAME="mailer",
            SMTP_PASSWORD="s3cret-pass",
        )
        to = _address()
        send(OutgoingEmail(to=to, subject="hi", text="x"), get_settings())
        sink.wait_for(to)
        smtp_env(SMTP_PASSWORD="wrong-pass-value")
        with pytest.raises(DeliveryFailed) as refused:
            send(OutgoingEmail(to=to, subject="hi", text="x"), get_settings())
        assert "wrong-pass-value" not in str(refused.value)
        assert "s3cret" not in repr(get_settings())


def _queue(to: str, *, sensitive: bool = False) -> uuid.UUID:
    with platform_session() as session:
        row = queue_email(
            session,
            OutgoingEmail(to=to, subject="Invitation", text="open https://x/?token=abc"),
            kind="test",
            sensitive=sensitive,
        )
        return row.id


def _row(outbox_id: uuid.UUID) -> EmailOutbox:
    with platform_session() as session:
        row = session.get(EmailOutbox, outbox_id)
        assert row is not None
        session.expunge(row)
        return row


def test_failed_delivery_is_recorded_retried_and_then_failed(smtp_env, mail_sink: MailSink) -> None:  # type: ignore[no-untyped-def]
    smtp_env(REDIS_URL="", SMTP_MAX_ATTEMPTS="3")  # no broker: nothing sent at commit
    to = _address()
    outbox_id = _queue(to)
    closed_port = str(free_port())  # nothing listens there
    smtp_env(SMTP_PORT=closed_port)
    with platform_session() as session:
        assert deliver(session, outbox_id) is not None
    first = _row(outbox_id)
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.last_error and "Connection" in first.last_error

    smtp_env(SMTP_PORT=str(mail_sink.port))  # the server is back: the retry delivers
    with platform_session() as session:
        deliver(session, outbox_id)
    assert (_row(outbox_id).status, _row(outbox_id).attempts) == ("sent", 2)
    mail_sink.wait_for(to)
    with platform_session() as session:
        deliver(session, outbox_id)  # a second delivery of the same task sends nothing
    assert len(mail_sink.to(to)) == 1

    smtp_env(SMTP_PORT=closed_port)
    doomed = _queue(_address())
    for _ in range(3):
        with platform_session() as session:
            deliver(session, doomed)
    assert (_row(doomed).status, _row(doomed).attempts) == ("failed", 3)


def test_worker_sends_after_commit_and_erases_sensitive_bodies(
    test_env: dict[str, str], mail_sink: MailSink, worker_process: ServerProcess
) -> None:
    to = _address()
    outbox_id = _queue(to, sensitive=True)
    [message] = mail_sink.wait_for(to, timeout=60)
    assert "token=abc" in text_of(message)
    with platform_session() as session:
        row = session.get(EmailOutbox, outbox_id)
        assert row is not None and row.status == "sent"
        assert row.text_body == ERASED  # the link is not kept once delivered
        assert outbox_id not in stale_pending(session)


def test_rolled_back_message_is_never_sent(
    test_env: dict[str, str], mail_sink: MailSink, worker_process: ServerProcess
) -> None:
    to, control = _address(), _address()
    with pytest.raises(RuntimeError), platform_session() as session:
        queue_email(session, OutgoingEmail(to=to, subject="no", text="no"), kind="test")
        raise RuntimeError("the change fails")
    _queue(control)
    mail_sink.wait_for(control, timeout=60)
    assert mail_sink.to(to) == []


def test_worker_retries_a_temporary_refusal_with_backoff(
    test_env: dict[str, str], mail_sink: MailSink, worker_process: ServerProcess
) -> None:
    to = f"flaky-{uuid.uuid4().hex[:8]}@example.test"
    outbox_id = _queue(to)
    mail_sink.wait_for(to, timeout=90)  # refused once (451), delivered by the retry
    assert to in mail_sink.keeper.refused
    with platform_session() as session:
        row = session.get(EmailOutbox, outbox_id)
        assert row is not None and (row.status, row.attempts) == ("sent", 2)
