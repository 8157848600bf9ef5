"""Recurring streams on small hand-made ledgers whose answers are known."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from finsight.analytics.recurring import (
    Cadence,
    RecurringStream,
    Status,
    Transaction,
    detect_recurring,
    monthly_subscription_total,
)


def _ledger(
    days: list[date], amounts: list[str] | str, merchant: str = "netflix", account: str = "card"
) -> list[Transaction]:
    values = [amounts] * len(days) if isinstance(amounts, str) else amounts
    return [
        Transaction(f"{merchant}-{i}", day, Decimal(value), merchant, account)
        for i, (day, value) in enumerate(zip(days, values, strict=True))
    ]


def _monthly(start: date, count: int, day: int) -> list[date]:
    result = []
    year, month = start.year, start.month
    for _ in range(count):
        result.append(date(year, month, day))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def _only(streams: list[RecurringStream]) -> RecurringStream:
    assert len(streams) == 1, streams
    return streams[0]


def test_monthly_fixed_price() -> None:
    days = _monthly(date(2024, 1, 1), 12, 15)
    stream = _only(detect_recurring(_ledger(days, "-15.49"), as_of=date(2024, 12, 20)))
    assert stream.cadence is Cadence.MONTHLY
    assert stream.direction == "expense"
    assert stream.status is Status.MATURE
    assert stream.average_amount == stream.last_amount == Decimal("15.49")
    assert (stream.first_date, stream.last_date) == (days[0], days[-1])
    assert stream.next_date == date(2025, 1, 15)
    assert stream.occurrences == 12


def test_monthly_with_jitter_and_varying_amounts() -> None:
    rng = random.Random(3)
    days = [d + timedelta(days=rng.randint(-3, 3)) for d in _monthly(date(2023, 1, 1), 18, 10)]
    amounts = [f"-{120 * rng.uniform(0.85, 1.15):.2f}" for _ in days]  # a utility bill
    stream = _only(detect_recurring(_ledger(days, amounts, "pg and e")))
    assert stream.cadence is Cadence.MONTHLY
    assert stream.next_date is not None
    assert abs((stream.next_date - date(2024, 7, 10)).days) <= 3


@pytest.mark.parametrize(
    ("cadence", "step_days", "count"),
    [(Cadence.WEEKLY, 7, 20), (Cadence.BIWEEKLY, 14, 20)],
)
def test_fixed_period_cadences(cadence: Cadence, step_days: int, count: int) -> None:
    days = [date(2024, 1, 5) + timedelta(days=step_days * i) for i in range(count)]
    stream = _only(detect_recurring(_ledger(days, "-45.00", "rover")))
    assert stream.cadence is cadence
    assert stream.next_date == days[-1] + timedelta(days=step_days)


def test_biweekly_payroll_is_income() -> None:
    days = [date(2024, 1, 5) + timedelta(days=14 * i) for i in range(12)]
    amounts = [f"{2500 + 10 * (i % 3)}.00" for i in range(12)]
    stream = _only(detect_recurring(_ledger(days, amounts, "acme payroll", "checking")))
    assert (stream.cadence, stream.direction) == (Cadence.BIWEEKLY, "income")


def test_semi_monthly_is_not_biweekly() -> None:
    # The 1st and the 15th, moved to the Friday before when on a weekend (payroll does that).
    days = []
    for month_start in _monthly(date(2024, 1, 1), 10, 1):
        for day in (month_start, month_start.replace(day=15)):
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            days.append(day)
    stream = _only(detect_recurring(_ledger(days, "3100.00", "gusto pay", "checking")))
    assert stream.cadence is Cadence.SEMI_MONTHLY
    assert stream.next_date == date(2024, 11, 1)  # a Friday


def test_quarterly_and_annual() -> None:
    quarterly = _ledger(_monthly(date(2022, 2, 1), 28, 20)[::3], "-129.00", "terminix")
    annual = _ledger([date(2021, 3, 3), date(2022, 3, 3), date(2023, 3, 4)], "-139.00", "prime")
    streams = {s.merchant: s for s in detect_recurring(quarterly + annual, date(2024, 2, 1))}
    assert streams["terminix"].cadence is Cadence.QUARTERLY
    assert streams["terminix"].next_date == date(2024, 2, 20)
    assert streams["prime"].cadence is Cadence.ANNUAL
    assert streams["prime"].next_date == date(2024, 3, 3)
    # Two months after the renewal that did not come: missed, the next renewal a year on.
    later = _only(detect_recurring(annual, date(2024, 5, 1)))
    assert (later.status, later.next_date) == (Status.MISSED, date(2025, 3, 3))


def test_transactions_after_as_of_are_ignored() -> None:
    days = _monthly(date(2024, 1, 1), 12, 15)
    stream = _only(detect_recurring(_ledger(days, "-15.49"), as_of=date(2024, 6, 20)))
    assert stream.last_date == date(2024, 6, 15)
    assert stream.next_date == date(2024, 7, 15)


def test_a_skipped_period_keeps_the_stream() -> None:
    days = _monthly(date(2024, 1, 1), 12, 5)
    del days[6]
    stream = _only(detect_recurring(_ledger(days, "-9.99"), as_of=date(2024, 12, 6)))
    assert stream.cadence is Cadence.MONTHLY
    assert stream.status is Status.MATURE
    assert stream.occurrences == 11


def test_a_price_change_is_one_stream_with_the_new_price() -> None:
    days = _monthly(date(2023, 1, 1), 14, 3)
    amounts = ["-9.99"] * 7 + ["-12.99"] * 7
    stream = _only(detect_recurring(_ledger(days, amounts, "spotify")))
    assert stream.last_amount == Decimal("12.99")
    assert stream.occurrences == 14


def test_missed_then_cancelled() -> None:
    days = _monthly(date(2024, 1, 1), 8, 12)  # last charge 2024-08-12
    txns = _ledger(days, "-54.99", "adobe")
    assert _only(detect_recurring(txns, date(2024, 9, 14))).status is Status.MATURE
    missed = _only(detect_recurring(txns, date(2024, 9, 25)))
    assert missed.status is Status.MISSED
    assert missed.next_date == date(2024, 10, 12)  # rolled to the next due date
    cancelled = _only(detect_recurring(txns, date(2024, 11, 1)))
    assert cancelled.status is Status.CANCELLED
    assert cancelled.next_date is None


def test_two_charges_are_an_early_stream() -> None:
    stream = _only(detect_recurring(_ledger([date(2024, 5, 2), date(2024, 6, 2)], "-20.00")))
    assert stream.status is Status.EARLY
    assert stream.next_date == date(2024, 7, 2)


def test_daily_coffee_is_a_habit() -> None:
    rng = random.Random(1)
    day, days = date(2024, 1, 1), []
    while day < date(2024, 12, 31):
        if day.weekday() < 5 and rng.random() < 0.7:
            days.append(day)
        day += timedelta(days=1)
    amounts = [f"-{rng.uniform(3.5, 7.5):.2f}" for _ in days]
    assert detect_recurring(_ledger(days, amounts, "starbucks")) == []


def test_weekly_groceries_with_irregular_gaps_are_a_habit() -> None:
    rng = random.Random(2)
    days = [date(2024, 1, 1)]
    while days[-1] < date(2025, 1, 1):
        days.append(days[-1] + timedelta(days=rng.randint(4, 10)))
    amounts = [f"-{rng.uniform(40, 150):.2f}" for _ in days]
    assert detect_recurring(_ledger(days, amounts, "whole foods mkt")) == []


def test_a_plan_inside_a_busy_merchant_is_found_by_its_price() -> None:
    rng = random.Random(4)
    plan = _ledger(_monthly(date(2023, 1, 1), 18, 20), "-2.99", "apple")
    purchases = [
        Transaction(
            f"app-{i}",
            date(2023, 1, 1) + timedelta(days=rng.randint(0, 540)),
            Decimal(f"-{rng.uniform(0.99, 9.99):.2f}"),
            "apple",
            "card",
        )
        for i in range(30)
    ]
    stream = _only(detect_recurring(plan + purchases))
    assert stream.last_amount == Decimal("2.99")
    assert set(stream.transaction_ids) == {t.id for t in plan}


def test_a_renamed_descriptor_continues_the_stream() -> None:
    days = _monthly(date(2023, 1, 1), 16, 8)
    txns = _ledger(days[:9], "-54.99", "adobe") + [
        Transaction(f"new-{i}", d, Decimal("-54.99"), "adobe creative", "card")
        for i, d in enumerate(days[9:])
    ]
    stream = _only(detect_recurring(txns))
    assert stream.occurrences == 16
    assert stream.merchant == "adobe creative"


def test_accounts_and_directions_are_separate_streams() -> None:
    days = _monthly(date(2024, 1, 1), 6, 1)
    txns = _ledger(days, "-10.00", "x", "card") + _ledger(days, "-10.00", "x", "checking")
    refunds = [Transaction(f"r{i}", d, Decimal("10.00"), "x", "card") for i, d in enumerate(days)]
    streams = detect_recurring(txns + refunds)
    assert {(s.account, s.direction) for s in streams} == {
        ("card", "expense"),
        ("checking", "expense"),
        ("card", "income"),
    }


def test_deterministic_whatever_the_input_order() -> None:
    rng = random.Random(5)
    txns = _ledger(_monthly(date(2024, 1, 1), 10, 3), "-9.99") + _ledger(
        [date(2024, 1, 2) + timedelta(days=7 * i) for i in range(30)], "-70.00", "hellofresh"
    )
    shuffled = txns[:]
    rng.shuffle(shuffled)
    assert detect_recurring(txns) == detect_recurring(shuffled)
    assert detect_recurring([]) == []


def test_monthly_subscription_total() -> None:
    as_of = date(2024, 12, 20)
    netflix = _ledger(_monthly(date(2024, 1, 1), 12, 15), "-15.49")
    weekly = _ledger([date(2024, 6, 7) + timedelta(days=7 * i) for i in range(28)], "-10.00", "w")
    annual = _ledger([date(2022, 3, 1), date(2023, 3, 1), date(2024, 3, 1)], "-120.00", "aaa")
    pay = _ledger(_monthly(date(2024, 1, 1), 12, 1), "5000.00", "acme")
    gone = _ledger(_monthly(date(2023, 1, 1), 6, 9), "-99.00", "gym")
    streams = detect_recurring(netflix + weekly + annual + pay + gone, as_of)
    assert {s.merchant: s.status for s in streams}["gym"] is Status.CANCELLED
    # 15.49 + 10 * 52 / 12 + 120 / 12; income and cancelled streams do not count
    assert monthly_subscription_total(streams) == Decimal("68.82")


def _groceries(seed: int, days: int) -> list[Transaction]:
    """Whole Foods every 4-10 days, 40-160 a visit."""
    rng = random.Random(seed)
    start, dates = date(2024, 1, 1), [date(2024, 1, 1)]
    while (dates[-1] - start).days < days:
        dates.append(dates[-1] + timedelta(days=rng.randint(4, 10)))
    amounts = [f"-{rng.uniform(40, 160):.2f}" for _ in dates]
    return _ledger(dates, amounts, "wholefds mkt")


@pytest.mark.parametrize("seed", [3, 4, 5, 11])
@pytest.mark.parametrize("as_of_day", [95, 102, 115, 130, 146])
def test_no_band_of_the_groceries_is_a_monthly_stream(seed: int, as_of_day: int) -> None:
    as_of = date(2024, 1, 1) + timedelta(days=as_of_day)
    streams = detect_recurring(_groceries(seed, 150), as_of=as_of)
    assert [s for s in streams if s.cadence is not Cadence.WEEKLY] == []


@pytest.mark.parametrize("seed", range(6))
def test_two_years_of_groceries_are_a_habit(seed: int) -> None:
    txns = _groceries(seed, 730)
    for as_of_day in range(400, 731, 30):
        assert detect_recurring(txns, as_of=date(2024, 1, 1) + timedelta(days=as_of_day)) == []


def test_an_annual_premium_a_year_apart_and_dearer_is_an_early_stream() -> None:
    """Issue 21, point 19: an insurance premium paid twice, a year apart, 6% dearer the second
    time, is an annual stream (early) due again a year later."""
    days = [date(2024, 3, 14), date(2025, 3, 13)]
    stream = _only(
        detect_recurring(_ledger(days, ["-1180.00", "-1250.80"], "geico"), as_of=date(2025, 6, 1))
    )
    assert (stream.cadence, stream.status) == (Cadence.ANNUAL, Status.EARLY)
    assert stream.last_amount == Decimal("-1250.80") or stream.last_amount == Decimal("1250.80")
    assert stream.next_date is not None and stream.next_date.year == 2026


def test_two_annual_charges_far_apart_in_price_are_not_a_stream() -> None:
    days = [date(2024, 3, 14), date(2025, 3, 13)]
    ledger = _ledger(days, ["-400.00", "-1250.80"], "geico")
    assert detect_recurring(ledger, as_of=date(2025, 6, 1)) == []


def test_two_monthly_charges_still_need_the_same_price() -> None:
    days = [date(2024, 5, 2), date(2024, 6, 2)]
    assert detect_recurring(_ledger(days, ["-20.00", "-21.20"]), as_of=date(2024, 6, 10)) == []
