"""Routing with a controllable clock: business and quiet hours in the organization's time zone
(across zones and midnight), escalation after N minutes unacknowledged (stopped by an
acknowledgement), and the repeat interval."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from finsight.alerts.windows import Hours, in_business_hours, in_quiet_hours, window_open

from support.alerting import Alerting

OFFICE = Hours((1, 2, 3, 4, 5), time(9), time(17), time(22), time(7))
# Tuesday 2026-12-08 15:30 UTC: 10:30 in New York, 00:30 (Wednesday) in Tokyo, 16:30 in Paris.
TUESDAY = datetime(2026, 12, 8, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "business", "quiet"),
    [
        ("America/New_York", True, False),
        ("Asia/Tokyo", False, True),  # past midnight: quiet hours wrap around it
        ("Europe/Paris", True, False),
        ("UTC", True, False),
        ("Pacific/Kiritimati", False, True),  # UTC+14: 05:30 on Wednesday
    ],
)
def test_hours_in_the_organizations_zone(zone: str, business: bool, quiet: bool):
    tz = ZoneInfo(zone)
    assert in_business_hours(OFFICE, TUESDAY, tz) is business
    assert in_quiet_hours(OFFICE, TUESDAY, tz) is quiet
    assert window_open("outside_business_hours", OFFICE, TUESDAY, tz) is not business
    assert window_open("outside_quiet_hours", OFFICE, TUESDAY, tz) is not quiet
    assert window_open("always", OFFICE, TUESDAY, tz)


def test_weekend_and_dst():
    saturday = datetime(2026, 12, 12, 15, 0, tzinfo=UTC)
    assert not in_business_hours(OFFICE, saturday, ZoneInfo("Europe/Paris"))
    # New York's spring-forward day: 13:30 UTC is 09:30 EDT (inside), the day before 08:30 EST.
    assert in_business_hours(
        OFFICE, datetime(2026, 3, 9, 13, 30, tzinfo=UTC), ZoneInfo("America/New_York")
    )
    assert not in_business_hours(
        OFFICE, datetime(2026, 3, 6, 13, 30, tzinfo=UTC), ZoneInfo("America/New_York")
    )


def _fire(alerting: Alerting, now: datetime) -> dict:
    event = {"kind": "import.failed", "subject_id": str(uuid.uuid4()), "data": {"error": "x"}}
    alerting.evaluate(["import_failed"], now=now, event=event)
    return alerting.alerts(state="open")[0]


@pytest.mark.integration
def test_business_hours_route_waits_for_the_office_to_open(alerting: Alerting, sender_in_test):
    patched = alerting.client.patch(
        "/api/organizations/current", headers=alerting.h, json={"time_zone": "Asia/Tokyo"}
    )
    assert patched.status_code == 200, patched.text
    hours = alerting.client.put(
        "/api/alert-settings",
        headers=alerting.h,
        json={"business_days": [1, 2, 3, 4, 5], "business_start": "09:00", "business_end": "18:00"},
    ).json()
    assert hours["time_zone"] == "Asia/Tokyo"
    office = alerting.channel("in_app")
    night = alerting.channel("slack", url="http://127.0.0.1:9/slack")
    alerting.route([office], time_window="business_hours")
    alerting.route([night], time_window="outside_business_hours")
    alerting.rule("import_failed", repeat_interval_minutes=1440)  # no repeat in this test

    # Tuesday 15:30 UTC is 00:30 in Tokyo: only the night route hears, at once.
    _fire(alerting, TUESDAY)
    assert [d.channel_id for d in alerting.deliveries()] == [uuid.UUID(night["id"])]
    # Until 09:00 Tokyo (00:00 UTC) the office route stays silent; then the sweep tells it.
    assert alerting.follow_up(TUESDAY + timedelta(hours=8)) == []
    opened = alerting.follow_up(datetime(2026, 12, 9, 0, 1, tzinfo=UTC))
    assert len(opened) == 1
    assert alerting.deliveries()[-1].channel_id == uuid.UUID(office["id"])
    assert alerting.follow_up(datetime(2026, 12, 9, 0, 2, tzinfo=UTC)) == []  # once


@pytest.mark.integration
def test_escalation_steps_until_acknowledged(alerting: Alerting, sender_in_test):
    first = alerting.channel("in_app")
    second = alerting.channel("slack", url="http://127.0.0.1:9/slack")
    owner = alerting.channel("email", roles=["owner"])
    alerting.route([first])
    alerting.route([second], escalate_after_minutes=15)
    alerting.route([owner], escalate_after_minutes=60)
    alerting.rule("import_failed", severity="critical")
    start = datetime.now(UTC)
    alert = _fire(alerting, start)
    assert len(alerting.deliveries()) == 1
    assert alerting.follow_up(start + timedelta(minutes=14)) == []
    (escalated,) = alerting.follow_up(start + timedelta(minutes=15))
    delivery = next(d for d in alerting.deliveries() if d.id == escalated)
    assert delivery.channel_id == uuid.UUID(second["id"]) and delivery.kind == "escalation"
    assert delivery.payload["type"] == "alert.escalated"
    assert alerting.follow_up(start + timedelta(minutes=20)) == []  # each step once
    # Acknowledged before the last step: the owner is not woken.
    acked = alerting.client.post(f"/api/alerts/{alert['id']}/acknowledge", headers=alerting.h)
    assert acked.json()["status"] == "acknowledged"
    assert acked.json()["acknowledged_by_email"] == alerting.owner.email
    assert alerting.follow_up(start + timedelta(minutes=90)) == []
    assert len(alerting.deliveries()) == 2


@pytest.mark.integration
def test_repeat_interval(alerting: Alerting, sender_in_test):
    channel = alerting.channel("in_app")
    alerting.route([channel])
    alerting.rule("import_failed", repeat_interval_minutes=60)
    start = datetime.now(UTC)
    _fire(alerting, start)
    assert alerting.follow_up(start + timedelta(minutes=59)) == []
    (repeat,) = alerting.follow_up(start + timedelta(minutes=60))
    assert next(d for d in alerting.deliveries() if d.id == repeat).kind == "repeat"
    assert alerting.follow_up(start + timedelta(minutes=100)) == []  # next one at 120
    assert len(alerting.follow_up(start + timedelta(minutes=121))) == 1
