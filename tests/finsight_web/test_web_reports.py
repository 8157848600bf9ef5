"""The Reports and Schedules pages over a real API and worker: preview, make, download; create a
schedule, pause it, send it now and see its delivery."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from support.accounts import make_account
from support.api import add_user, create_org, login
from support.ledger import insert_transactions
from support.mail import MailSink
from support.web import WebClient

pytestmark = pytest.mark.integration

PREVIEW = {
    "kind": "income_spending",
    "period_type": "months",
    "from_month": "2026-01",
    "to_month": "2026-02",
    "preview": "1",
}


def test_reports_page_previews_makes_and_downloads(
    web: WebClient, client: httpx.Client, unique_slug: str, worker_process, web_url: str
):
    email = create_org(unique_slug)
    account = make_account(unique_slug, name="Checking")
    insert_transactions(
        unique_slug,
        account,
        [{"day": "2026-01-05", "amount": "-42.50"}, {"day": "2026-02-01", "amount": "1200.00"}],
    )
    web.sign_in(email)
    preview = web.get("/reports", params=PREVIEW)
    assert preview.status_code == 200
    assert 'id="preview"' in preview.text and "42.50" in preview.text and "<svg" in preview.text

    bad = web.get("/reports", params={**PREVIEW, "from_month": "2026-05"})
    assert (
        bad.status_code == 422 and "period.to" not in bad.text and 'id="report-error"' in bad.text
    )

    made = web.post(
        "/reports",
        {**PREVIEW, "format": "csv"},
        csrf_from="/reports",
    )
    assert made.status_code == 303
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = web.get("/reports")
        if '/download"' in page.text.split('id="history"')[1]:
            break
        time.sleep(0.3)
    row = page.text.split('id="history"')[1]
    assert '/download"' in row, row[:3000]
    link = row.split('href="')[1].split('"')[0]
    assert link.startswith("/reports/") and link.endswith("/download")
    file = web.get(link)
    assert file.status_code == 200 and "attachment" in file.headers["content-disposition"]

    viewer = WebClient(web_url)
    viewer.sign_in(add_user(unique_slug, "viewer"))
    seen = viewer.get("/reports")
    assert seen.status_code == 200 and 'id="make-report"' not in seen.text
    viewer.close()


def test_schedules_page_creates_pauses_and_sends(
    web: WebClient, client: httpx.Client, unique_slug: str, worker_process, mail_sink: MailSink
):
    email = create_org(unique_slug)
    web.sign_in(email)
    address = f"web-{uuid.uuid4().hex[:8]}@example.test"
    form = {
        "name": "Weekly ledger",
        "kind": "ledger",
        "formats": "csv",
        "period": "last_7_days",
        "cadence_type": "weekly",
        "weekday": "monday",
        "time": "07:30",
        "addresses": address,
    }
    created = web.post("/reports/schedules", form, csrf_from="/reports/schedules")
    assert created.status_code == 303
    page = web.follow(created)
    assert "Weekly ledger" in page.text and "on monday at 07:30" in page.text

    owner = login(client, email)
    (schedule,) = client.get("/api/report-schedules", headers=owner.headers).json()["items"]
    paused = web.post(f"/reports/schedules/{schedule['id']}/pause", csrf_from="/reports/schedules")
    assert "paused" in web.follow(paused).text
    assert (
        client.get(f"/api/report-schedules/{schedule['id']}", headers=owner.headers).json()[
            "status"
        ]
        == "paused"
    )

    sent = web.post(f"/reports/schedules/{schedule['id']}/send", csrf_from="/reports/schedules")
    assert "Sending now" in web.follow(sent).text
    mail_sink.wait_for(address, timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page = web.get("/reports/schedules")
        if f"sent</span> {address}" in page.text:
            break
        time.sleep(0.3)
    assert f"sent</span> {address}" in page.text

    bad = web.post(
        "/reports/schedules",
        {**form, "cadence_type": "cron", "expression": "nope"},
        csrf_from="/reports/schedules",
    )
    assert bad.status_code == 422 and 'id="schedule-error"' in bad.text
