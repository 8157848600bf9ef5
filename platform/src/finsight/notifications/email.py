"""Email messages and their delivery over SMTP, with the standard library only.

A message is a text part and an HTML alternative, plus attachments (reports attach files).
Nothing here touches the database: the outbox (`service`, `tasks`) decides when to send.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

from finsight.config import Settings


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)


class DeliveryFailed(Exception):
    """The SMTP server could not be reached or refused the message (worth a retry)."""


def build_message(email: OutgoingEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


def send(email: OutgoingEmail, settings: Settings) -> None:
    """Deliver one message to the configured SMTP server, or raise DeliveryFailed."""
    if not settings.smtp_host:
        raise DeliveryFailed("SMTP_HOST is not set: nowhere to send mail")
    message = build_message(email, settings.smtp_from)
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                password = (
                    settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                )
                smtp.login(settings.smtp_username, password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        # The exception's text never includes the password (smtplib does not echo AUTH).
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
