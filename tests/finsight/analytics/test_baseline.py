"""The peer product's rule: same merchant and amount, at least 3 times, a month apart."""

from datetime import date, timedelta
from decimal import Decimal

from bench.eval.recurring_baseline import detect_recurring_baseline

from finsight.analytics.recurring import Cadence, Status, Transaction


def _txns(days: list[date], amounts: list[str], merchant: str = "netflix") -> list[Transaction]:
    return [
        Transaction(f"{merchant}-{i}", d, Decimal(a), merchant, "card")
        for i, (d, a) in enumerate(zip(days, amounts, strict=True))
    ]


def test_three_equal_charges_a_month_apart() -> None:
    days = [date(2024, 1, 15), date(2024, 2, 15), date(2024, 3, 15)]
    streams = detect_recurring_baseline(_txns(days, ["-15.49"] * 3), as_of=date(2024, 3, 20))
    assert len(streams) == 1
    stream = streams[0]
    assert (stream.cadence, stream.status) == (Cadence.MONTHLY, Status.MATURE)
    assert stream.next_date == date(2024, 4, 15)
    assert stream.occurrences == 3


def test_two_charges_or_changing_amounts_are_not_enough() -> None:
    days = [date(2024, 1, 15), date(2024, 2, 15), date(2024, 3, 15)]
    assert detect_recurring_baseline(_txns(days[:2], ["-15.49"] * 2)) == []
    assert detect_recurring_baseline(_txns(days, ["-120.10", "-118.40", "-131.00"])) == []


def test_other_cadences_are_invisible_to_it() -> None:
    weekly = [date(2024, 1, 1) + timedelta(days=7 * i) for i in range(12)]
    annual = [date(2021, 5, 1), date(2022, 5, 1), date(2023, 5, 1)]
    assert detect_recurring_baseline(_txns(weekly, ["-45.00"] * 12)) == []
    assert detect_recurring_baseline(_txns(annual, ["-99.00"] * 3, "prime")) == []


def test_a_price_change_splits_it_and_a_stop_is_cancelled_after_45_days() -> None:
    days = [date(2024, m, 3) for m in range(1, 9)]
    txns = _txns(days, ["-9.99"] * 4 + ["-12.99"] * 4)
    streams = detect_recurring_baseline(txns, as_of=date(2024, 10, 1))
    assert [s.last_amount for s in streams] == [Decimal("9.99"), Decimal("12.99")]
    assert [s.status for s in streams] == [Status.CANCELLED, Status.CANCELLED]
