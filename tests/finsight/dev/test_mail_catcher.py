"""`finsight dev`'s mail catcher: a real SMTP server keeping messages (with attachments) under
DATA_DIR/mail, shown by API endpoints and a dashboard page that exist in development only."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from finsight.config import Settings
from finsight.dev import mailcatcher
from finsight.dev.mailcatcher import MailCatcher
from finsight.embedded import free_port
from finsight.notifications.email import Attachment, OutgoingEmail, send

from support.api import create_org, login
from support.processes import ServerProcess, finsight_command
from support.web import WebClient

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4 a tiny report\n"


def _send_to(port: int, subject: str) -> None:
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, database_url="postgresql://x/y")
    send(
        OutgoingEmail(
            to="someone@example.test",
            subject=subject,
            text="The report is attached.",
            html="<p>The report is attached.</p>",
            attachments=[Attachment("report.pdf", PDF, "application/pdf")],
        ),
        settings,
    )


def test_a_busy_port_falls_back_and_messages_are_kept_with_attachments(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        catcher = MailCatcher(tmp_path, port=busy)
        port = catcher.start()
        try:
            assert port != busy
            _send_to(port, "Monthly report")
        finally:
            catcher.stop()
    [message_id] = mailcatcher.message_ids(tmp_path)
    kept = mailcatcher.content(tmp_path, message_id)
    assert kept is not None
    assert kept["subject"] == "Monthly report" and kept["attachments"] == ["report.pdf"]
    assert "attached" in kept["text"] and kept["html"]
    assert mailcatcher.attachment(tmp_path, message_id, 0) == ("report.pdf", "application/pdf", PDF)
    assert mailcatcher.content(tmp_path, "../../etc/passwd") is None


@pytest.fixture
def dev_servers(
    test_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, Path]]:
    """An api and a web process with ENVIRONMENT=development and their own DATA_DIR."""
    data_dir = tmp_path_factory.mktemp("dev-data")
    env = {**test_env, "ENVIRONMENT": "development", "DATA_DIR": str(data_dir)}
    logs = tmp_path_factory.mktemp("dev-logs")
    api_port, web_port = free_port(), free_port()
    api = ServerProcess(
        finsight_command("serve", "api", "--host", "127.0.0.1", "--port", str(api_port)),
        env=env,
        log_path=logs / "api.log",
    )
    api_url = f"http://127.0.0.1:{api_port}"
    web = ServerProcess(
        finsight_command(
            "serve", "web", "--host", "127.0.0.1", "--port", str(web_port), "--api-url", api_url
        ),
        env=env,
        log_path=logs / "web.log",
    )
    try:
        api.wait_http(api_url + "/healthz")
        web.wait_http(f"http://127.0.0.1:{web_port}/healthz")
        yield api_url, f"http://127.0.0.1:{web_port}", data_dir
    finally:
        web.stop()
        api.stop()


def test_mail_page_in_development_only(
    dev_servers: tuple[str, str, Path],
    client: httpx.Client,
    web_url: str,
    unique_slug: str,
):
    api_url, dev_web_url, data_dir = dev_servers
    catcher = MailCatcher(data_dir, port=free_port())
    try:
        _send_to(catcher.start(), "Your invitation")
    finally:
        catcher.stop()
    email = create_org(unique_slug)
    with httpx.Client(base_url=api_url, timeout=30) as dev_api:
        owner = login(dev_api, email)
        assert "dev-mail" in dev_api.get("/api/users/me", headers=owner.headers).json()["features"]
        [caught] = dev_api.get("/api/dev/mail", headers=owner.headers).json()
        assert caught["subject"] == "Your invitation" and caught["attachments"] == ["report.pdf"]
        assert dev_api.get("/api/dev/mail").status_code == 401

    web = WebClient(dev_web_url)
    web.sign_in(email)
    listing = web.get("/dev/mail")
    assert listing.status_code == 200 and "Your invitation" in listing.text
    message = web.get(f"/dev/mail/{caught['id']}")
    assert "The report is attached." in message.text and "report.pdf" in message.text
    download = web.get(f"/dev/mail/{caught['id']}/attachments/0")
    assert download.status_code == 200 and download.content == PDF
    web.close()

    # Outside development the endpoints do not exist, nor does the page.
    elsewhere = login(client, email)
    assert client.get("/api/dev/mail", headers=elsewhere.headers).status_code == 404
    assert (
        "dev-mail" not in client.get("/api/users/me", headers=elsewhere.headers).json()["features"]
    )
    test_web = WebClient(web_url)
    test_web.sign_in(email)
    assert test_web.get("/dev/mail").status_code == 404
    assert 'href="/dev/mail"' not in test_web.get("/").text
    test_web.close()
