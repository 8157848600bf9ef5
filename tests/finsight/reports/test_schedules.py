"""Report schedules: mail with attachments to a real SMTP server, one send per slot however many
dispatchers race, DST in the organization's time zone, failed deliveries retried then shown."""

from __future__ import annotations

import io
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select, update

from finsight.config import get_settings
from finsight.db import platform_session
from finsight.embedded import free_port
from finsight.notifications.models import EmailOutbox
from finsight.notifications.service import deliver
from finsight.organizations.models import Organization
from finsight.reports import schedules, tasks
from finsight.reports.models import Delivery, ReportSchedule, ScheduleRun
from finsight.tenancy import tenant_session

from support.api import Member
from support.ledger import insert_transactions
from support.mail import MailSink, text_of

pytestmark = pytest.mark.integration
NEW_YORK = "America/New_York"


def _schedule(client: httpx.Client, member: Member, recipients: list[dict], **fields) -> dict:
    body = {
        "name": "Monthly spending",
        "kind": "income_spending",
        "formats": ["pdf", "xlsx"],
        "cadence": {"type": "monthly", "day": 1, "time": "08:00"},
        "period": "last_month",
        "recipients": recipients,
        **fields,
    }
    response = client.post("/api/report-schedules", json=body, headers=member.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _set_time_zone(slug: str, zone: str) -> None:
    with platform_session() as session:
        session.execute(
            update(Organization).where(Organization.slug == slug).values(time_zone=zone)
        )


@pytest.fixture
def ledger_of(client: httpx.Client) -> Callable[[Member], None]:
    def fill(member: Member) -> None:
        body = {"name": "Checking", "type": "checking", "currency": "USD"}
        account = client.post("/api/accounts", json=body, headers=member.headers).json()
        today = datetime.now(UTC).date().replace(day=1)
        last_month = (today - timedelta(days=1)).replace(day=10)
        insert_transactions(
            str(member.org_slug),
            account["id"],
            [{"day": last_month, "amount": "-42.50"}, {"day": last_month, "amount": "1200.00"}],
        )

    return fill


def test_send_now_mails_the_files_to_members_and_addresses(
    client, owner, ledger_of, mail_sink: MailSink, worker_process
):
    ledger_of(owner)
    address = f"books-{uuid.uuid4().hex[:8]}@example.test"
    user_id = client.get("/api/users/me", headers=owner.headers).json()["id"]
    schedule = _schedule(client, owner, [{"email": address}, {"user_id": user_id}])
    assert schedule["next_run_at"] and schedule["status"] == "active"
    sent = client.post(f"/api/report-schedules/{schedule['id']}/send", headers=owner.headers)
    assert sent.status_code == 202, sent.text

    (message,) = mail_sink.wait_for(address, timeout=90)
    assert "Income and spending" in str(message["Subject"])
    assert "Spending: 42.50 USD" in text_of(message)
    files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    pdf_name = next(name for name in files if name.endswith(".pdf"))
    xlsx_name = next(name for name in files if name.endswith(".xlsx"))
    assert "1,200.00" in PdfReader(io.BytesIO(files[pdf_name])).pages[0].extract_text()
    book = load_workbook(io.BytesIO(files[xlsx_name]))
    assert book["Summary"]["A1"].value == "Income and spending"
    mail_sink.wait_for(owner.email, timeout=30)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        shown = client.get(f"/api/report-schedules/{schedule['id']}", headers=owner.headers).json()
        statuses = {d["recipient"]: d["status"] for d in shown["last_deliveries"]}
        if statuses.get(address) == "sent":
            break
        time.sleep(0.3)
    assert statuses[address] == "sent" and shown["last_run"]["status"] == "sent"
    listed = client.get(
        "/api/reports", headers=owner.headers, params={"schedule_id": schedule["id"]}
    ).json()["items"]
    assert sorted(r["format"] for r in listed) == ["pdf", "xlsx"]


def test_racing_dispatchers_create_one_run_per_slot(client, owner, ledger_of):
    slug = str(owner.org_slug)
    _set_time_zone(slug, NEW_YORK)
    schedule = _schedule(client, owner, [{"email": "race@example.test"}])
    slot = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)  # 08:00 EST
    with tenant_session(slug) as session:
        session.execute(
            update(ReportSchedule)
            .where(ReportSchedule.id == uuid.UUID(schedule["id"]))
            .values(next_run_at=slot)
        )
    now = slot + timedelta(seconds=20)
    zone = get_zone()
    barrier = threading.Barrier(2)
    created: list[list[uuid.UUID]] = []

    def dispatcher() -> None:
        with tenant_session(slug) as session:
            barrier.wait()
            created.append(schedules.claim_due(session, zone, now))

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(ids) for ids in created) == [0, 1]

    with tenant_session(slug) as session:
        row = session.get(ReportSchedule, uuid.UUID(schedule["id"]))
        assert row is not None
        # The next slot: 1 April 08:00 EDT, 12:00 UTC (daylight time began on 8 March).
        assert row.next_run_at == datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
        # A restart that had not seen the move finds the slot's run and creates nothing.
        row.next_run_at = slot
        session.flush()
        assert schedules.claim_due(session, zone, now) == []
        runs = session.scalars(select(ScheduleRun).where(ScheduleRun.schedule_id == row.id)).all()
        assert [(r.scheduled_for, r.period_start.isoformat()) for r in runs] == [
            (slot, "2026-02-01")
        ]

    # The organization moves to UTC: the next send is planned again, at 08:00 UTC.
    with tenant_session(slug) as session:
        assert schedules.claim_due(session, ZoneInfo("UTC"), now) == []
        row = session.get(ReportSchedule, uuid.UUID(schedule["id"]))
        assert row is not None and row.next_run_at == datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def get_zone():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(NEW_YORK)


@pytest.fixture
def no_broker(test_env: dict[str, str]) -> Iterator[Callable[..., None]]:
    """This test's process queues mail without a broker (the worker must not deliver it) and
    may point SMTP elsewhere; undone after."""
    saved = dict(os.environ)

    def apply(**values: str) -> None:
        os.environ.update(values)
        get_settings.cache_clear()

    apply(REDIS_URL="", SMTP_MAX_ATTEMPTS="2")
    yield apply
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()


def test_a_run_sends_once_and_failures_are_retried_then_shown(
    client, owner, ledger_of, mail_sink: MailSink, no_broker
):
    ledger_of(owner)
    slug = str(owner.org_slug)
    lucky = f"lucky-{uuid.uuid4().hex[:8]}@example.test"
    doomed = f"doomed-{uuid.uuid4().hex[:8]}@example.test"
    schedule = _schedule(client, owner, [{"email": lucky}, {"email": doomed}], formats=["csv"])
    with tenant_session(slug) as session:
        session.execute(
            update(ReportSchedule)
            .where(ReportSchedule.id == uuid.UUID(schedule["id"]))
            .values(next_run_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        (run_id,) = schedules.claim_due(session, ZoneInfo("UTC"), datetime.now(UTC))
    # Two deliveries of the run's task (a retry, a restart): the messages are queued once.
    assert tasks.run_schedule(slug, str(run_id)) == "sent"
    assert tasks.run_schedule(slug, str(run_id)) == "sent"
    with tenant_session(slug) as session:
        outbox = {
            d.recipient: d.outbox_id
            for d in session.scalars(select(Delivery).where(Delivery.run_id == run_id))
        }
    with platform_session() as session:
        queued = session.scalar(
            select(func.count()).where(EmailOutbox.to_address.in_([lucky, doomed]))
        )
    assert queued == 2

    no_broker(SMTP_PORT=str(free_port()))  # the server is down: both fail once
    for recipient in (lucky, doomed):
        with platform_session() as session:
            deliver(session, outbox[recipient])
    no_broker(SMTP_PORT=str(mail_sink.port))  # back, for the retry of the first
    with platform_session() as session:
        deliver(session, outbox[lucky])
    no_broker(SMTP_PORT=str(free_port()))
    with platform_session() as session:
        deliver(session, outbox[doomed])  # its last attempt

    mail_sink.wait_for(lucky)
    shown = client.get(f"/api/report-schedules/{schedule['id']}", headers=owner.headers).json()
    states = {d["recipient"]: d for d in shown["last_deliveries"]}
    assert (states[lucky]["status"], states[lucky]["attempts"]) == ("sent", 2)
    assert (states[doomed]["status"], states[doomed]["attempts"]) == ("failed", 2)
    assert "Connection" in states[doomed]["error"]
    assert mail_sink.to(doomed) == []


def test_schedules_are_the_tenants_own_and_checked(client, owner):
    from support.api import create_org, login

    schedule = _schedule(client, owner, [{"email": "x@example.test"}])
    other = login(client, create_org(f"{owner.org_slug}y"), f"{owner.org_slug}y")
    path = f"/api/report-schedules/{schedule['id']}"
    assert client.get(path, headers=other.headers).status_code == 404
    assert client.post(path + "/send", headers=other.headers).status_code == 404
    assert client.get("/api/report-schedules", headers=other.headers).json()["items"] == []

    paused = client.patch(path, json={"status": "paused"}, headers=owner.headers).json()
    assert paused["status"] == "paused" and paused["next_run_at"] is None
    resumed = client.patch(path, json={"status": "active"}, headers=owner.headers).json()
    assert resumed["next_run_at"] is not None

    stranger = str(uuid.uuid4())
    bad = client.post(
        "/api/report-schedules",
        headers=owner.headers,
        json={
            "name": "x",
            "kind": "ledger",
            "formats": ["csv"],
            "cadence": {"type": "weekly", "weekday": "funday"},
            "period": "last_month",
            "recipients": [{"user_id": stranger}],
        },
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cadence.weekday"
    not_member = client.post(
        "/api/report-schedules",
        headers=owner.headers,
        json={
            "name": "x",
            "kind": "ledger",
            "formats": ["csv"],
            "cadence": {"type": "weekly", "weekday": "friday"},
            "period": "last_month",
            "recipients": [{"user_id": stranger}],
        },
    )
    assert not_member.status_code == 422
    assert not_member.json()["errors"][0]["field"] == "recipients[0].user_id"
