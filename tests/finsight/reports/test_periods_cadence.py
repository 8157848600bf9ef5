"""Periods and cadences: pure functions, no servers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from finsight.errors import InvalidInput
from finsight.reports.cadence import next_after
from finsight.reports.periods import resolve

NEW_YORK = ZoneInfo("America/New_York")
DAILY_8AM = {"type": "cron", "expression": "0 8 * * *"}


def test_an_8am_new_york_schedule_keeps_local_time_across_both_dst_changes():
    # Spring forward: 2026-03-08. 08:00 EST is 13:00 UTC, 08:00 EDT is 12:00 UTC.
    assert next_after(DAILY_8AM, NEW_YORK, datetime(2026, 3, 7, 0, 0, tzinfo=UTC)) == datetime(
        2026, 3, 7, 13, 0, tzinfo=UTC
    )
    assert next_after(DAILY_8AM, NEW_YORK, datetime(2026, 3, 7, 13, 0, tzinfo=UTC)) == datetime(
        2026, 3, 8, 12, 0, tzinfo=UTC
    )
    # Fall back: 2026-11-01.
    assert next_after(DAILY_8AM, NEW_YORK, datetime(2026, 10, 31, 13, 0, tzinfo=UTC)) == datetime(
        2026, 11, 1, 13, 0, tzinfo=UTC
    )
    monthly = {"type": "monthly", "day": 1, "time": "08:00"}
    assert next_after(monthly, NEW_YORK, datetime(2026, 3, 15, tzinfo=UTC)) == datetime(
        2026, 4, 1, 12, 0, tzinfo=UTC
    )


def test_a_time_repeated_by_fall_back_is_sent_once_and_a_skipped_one_after_the_gap():
    early = {"type": "cron", "expression": "30 1 * * *"}
    first = next_after(early, NEW_YORK, datetime(2026, 11, 1, 4, 0, tzinfo=UTC))
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, the first one
    assert next_after(early, NEW_YORK, first) == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)
    skipped = {"type": "cron", "expression": "30 2 * * *"}
    assert next_after(skipped, NEW_YORK, datetime(2026, 3, 8, 5, 0, tzinfo=UTC)) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )


def test_bad_cadences_name_the_field():
    with pytest.raises(InvalidInput) as bad_day:
        next_after({"type": "monthly", "day": 31}, NEW_YORK, datetime.now(UTC))
    assert bad_day.value.errors[0]["field"] == "cadence.day"
    with pytest.raises(InvalidInput) as bad_cron:
        next_after({"type": "cron", "expression": "every day"}, NEW_YORK, datetime.now(UTC))
    assert bad_cron.value.errors[0]["field"] == "cadence.expression"


def test_periods_payday_tax_year_range_and_relative():
    payday_spec = {"type": "payday", "from": "2026-01", "to": "2026-02", "day": 31}
    payday = resolve(payday_spec, date.today())
    assert [(b.start, b.end) for b in payday.buckets] == [
        (date(2026, 1, 31), date(2026, 2, 27)),
        (date(2026, 2, 28), date(2026, 3, 30)),
    ]
    tax_spec = {"type": "tax_year", "year": 2025, "start_month": 4, "start_day": 6}
    tax = resolve(tax_spec, date.today())
    assert (tax.start, tax.end, tax.months) == (date(2025, 4, 6), date(2026, 4, 5), 12)
    assert (tax.previous_start, tax.previous_end) == (date(2024, 4, 6), date(2025, 4, 5))
    custom = resolve({"type": "range", "from": "2026-01-15", "to": "2026-02-14"}, date.today())
    assert [b.label for b in custom.buckets] == ["2026-01", "2026-02"]
    assert (custom.previous_start, custom.previous_end) == (date(2025, 12, 15), date(2026, 1, 14))
    last = resolve({"type": "relative", "name": "last_quarter"}, date(2026, 5, 20))
    assert (last.start, last.end) == (date(2026, 1, 1), date(2026, 3, 31))
    with pytest.raises(InvalidInput) as backwards:
        resolve({"type": "months", "from": "2026-05", "to": "2026-01"}, date.today())
    assert backwards.value.errors[0]["field"] == "period.to"
