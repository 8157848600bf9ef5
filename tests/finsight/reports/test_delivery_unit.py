"""The scheduled message: files attached, or linked past REPORTS_ATTACHMENT_MAX_BYTES."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest

from finsight.config import get_settings
from finsight.reports.delivery import compose
from finsight.reports.models import Report, ReportSchedule
from finsight.reports.orgs import OrgProfile


@pytest.fixture
def limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REPORTS_ATTACHMENT_MAX_BYTES", "100")
    monkeypatch.setenv("PUBLIC_WEB_URL", "https://books.example.com")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _report(fmt: str) -> Report:
    return Report(
        id=uuid.uuid4(),
        kind="income_spending",
        format=fmt,
        period_label="2026-03",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        filename=f"income-spending-2026-03-01-2026-03-31.{fmt}",
        mime_type="application/pdf",
        summary=[
            {"label": "Spending", "value": "42.50", "currency": "USD", "change_percent": "-5.0"}
        ],
    )


def test_small_files_are_attached_and_large_ones_linked(limit: None) -> None:
    schedule = ReportSchedule(name="Monthly <b>", kind="income_spending")
    profile = OrgProfile("Acme", "UTC")
    small = _report("pdf")
    message = compose(schedule, [small], {small.id: b"x" * 100}, profile, "a@example.com")
    assert [a.filename for a in message.attachments] == [small.filename]
    assert "Spending: 42.50 USD (-5.0% vs previous period)" in message.text
    assert message.subject == "Acme: Income and spending, 2026-03"
    assert "Monthly &lt;b&gt;" in (message.html or "")

    large = _report("xlsx")
    linked = compose(schedule, [large], {large.id: b"x" * 101}, profile, "a@example.com")
    assert linked.attachments == []
    assert f"https://books.example.com/reports/{large.id}/download" in linked.text
