"""`finsight dev`'s local SMTP server: every message the platform sends is kept as a file under
DATA_DIR/mail (attachments included), for the dashboard's development-only Mail page.

It listens on 127.0.0.1 only, on DEV_SMTP_PORT (1025) or, when that is taken, a free port.
"""

from __future__ import annotations

import email
import email.policy
import errno
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from finsight.embedded import free_port

DEFAULT_PORT = 1025
MAIL_DIR = "mail"


def mail_dir(data_dir: Path) -> Path:
    return data_dir / MAIL_DIR


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


class _Keeper:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Sortable names: newest last; the id is the file's stem.
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        temporary = path.with_suffix(".part")
        temporary.write_bytes(envelope.content)
        temporary.rename(path)  # readers never see half a message
        return "250 Message kept"


@dataclass
class MailCatcher:
    data_dir: Path
    port: int = DEFAULT_PORT
    controller: Controller | None = None

    def start(self) -> int:
        """Start listening; returns the port (the asked one, or a free one if it was taken)."""
        folder = mail_dir(self.data_dir)
        folder.mkdir(parents=True, exist_ok=True)
        if not _port_is_free(self.port):
            self.port = free_port()
        self.controller = Controller(_Keeper(folder), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self.port

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# --- reading what was caught ------------------------------------------------------------------


def _parse(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def message_ids(data_dir: Path, limit: int = 200) -> list[str]:
    folder = mail_dir(data_dir)
    if not folder.is_dir():
        return []
    return sorted((p.stem for p in folder.glob("*.eml")), reverse=True)[:limit]


def message_path(data_dir: Path, message_id: str) -> Path | None:
    # Ids are file stems we made: anything else (a path, "..") is not one.
    if not message_id.replace("-", "").replace("T", "").isalnum():
        return None
    path = mail_dir(data_dir) / f"{message_id}.eml"
    return path if path.is_file() else None


def summary(data_dir: Path, message_id: str) -> dict[str, Any] | None:
    path = message_path(data_dir, message_id)
    if path is None:
        return None
    message = _parse(path)
    return {
        "id": message_id,
        "from": str(message["From"] or ""),
        "to": str(message["To"] or ""),
        "subject": str(message["Subject"] or ""),
        "received_at": datetime.fromtimestamp(path.stat().st_mtime, UTC),
        "attachments": [part.get_filename() or "attachment" for part in message.iter_attachments()],
    }


def content(data_dir: Path, message_id: str) -> dict[str, Any] | None:
    path = message_path(data_dir, message_id)
    if path is None:
        return None
    message = _parse(path)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return {
        **(summary(data_dir, message_id) or {}),
        "text": str(text.get_content()) if text is not None else "",
        "html": str(html.get_content()) if html is not None else None,
    }


def attachment(data_dir: Path, message_id: str, index: int) -> tuple[str, str, bytes] | None:
    """(filename, content type, bytes) of the message's attachment number `index`."""
    path = message_path(data_dir, message_id)
    if path is None:
        return None
    parts = list(_parse(path).iter_attachments())
    if not 0 <= index < len(parts):
        return None
    part = parts[index]
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    return part.get_filename() or "attachment", part.get_content_type(), data
