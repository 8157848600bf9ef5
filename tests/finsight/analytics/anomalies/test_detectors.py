"""Each detector on small hand-made ledgers whose answers are known."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np

from finsight.analytics.anomalies import ALERT_THRESHOLD, Settings, Txn, detect_anomalies
from finsight.analytics.anomalies.detectors import _amount_share, duplicates
from finsight.analytics.anomalies.model import History
from finsight.analytics.anomalies.outliers import outliers

START = date(2024, 1, 1)


def charge(
    tid: str,
    day: date,
    amount: float,
    merchant: str,
    *,
    category: str | None = None,
    descriptor: str | None = None,
) -> Txn:
    return Txn(
        id=tid,
        date=day,
        amount=-amount,
        account="card",
        merchant=merchant.lower(),
        merchant_name=merchant,
        category=category,
        category_name=category,
        descriptor=descriptor or merchant.upper(),
    )


def monthly(merchant: str, amount: float, months: int, day: int = 5) -> list[Txn]:
    return [
        charge(f"{merchant}-{m}", date(2024 + m // 12, m % 12 + 1, day), amount, merchant)
        for m in range(months)
    ]


def background(days: int = 240, seed: int = 1) -> list[Txn]:
    """Everyday spending: groceries every few days, fuel, a marketplace; amounts that vary."""
    rng = random.Random(seed)
    out = []
    for offset in range(days):
        day = START + timedelta(days=offset)
        if offset % 4 == 0:
            out.append(charge(f"g{offset}", day, rng.uniform(40, 120), "Kroger", category="Food"))
        if offset % 9 == 0:
            out.append(charge(f"f{offset}", day, rng.uniform(30, 60), "Shell", category="Fuel"))
        if rng.random() < 0.2:
            out.append(charge(f"m{offset}", day, rng.uniform(10, 90), "Amazon", category="Shop"))
    return out


def kinds(found: list, tid: str) -> list[str]:
    return [a.kind for a in found if a.transaction_id == tid]


def test_a_fixed_price_subscription_doubling_is_a_spike() -> None:
    ledger = monthly("Netflix", 15.49, 12)
    doubled = charge("double", date(2025, 1, 5), 30.98, "Netflix")
    found = detect_anomalies([*ledger, doubled])
    assert kinds(found, "double") == ["spike"]
    spike = found[0]
    assert spike.reason == "$30.98 at Netflix is 2.0\N{MULTIPLICATION SIGN} your usual $15.49 there"
    assert spike.details["usual"] == 15.49 and spike.dedupe_key == "spike:double"


def test_a_price_rise_of_ten_percent_is_not_a_spike() -> None:
    ledger = [*monthly("Netflix", 15.49, 12), charge("rise", date(2025, 1, 5), 17.04, "Netflix")]
    assert detect_anomalies(ledger) == []


def test_varying_amounts_spike_only_well_above_their_spread() -> None:
    ledger = background()
    usual = charge("usual", START + timedelta(days=241), 119.0, "Kroger", category="Food")
    big = charge("big", START + timedelta(days=242), 420.0, "Kroger", category="Food")
    found = detect_anomalies([*ledger, usual, big], candidates=["usual", "big"])
    assert kinds(found, "usual") == []
    assert kinds(found, "big") == ["spike"]
    times = "\N{MULTIPLICATION SIGN}"
    assert found[0].reason.startswith(f"$420.00 at Kroger is 4.9{times} your usual $")


def test_two_coffees_a_day_at_a_fixed_price_are_not_duplicates() -> None:
    """Someone who often buys the same latte twice a day: the same amount on the same day is
    what chance predicts there."""
    ledger = []
    for offset in range(60):
        day = START + timedelta(days=offset)
        ledger.append(charge(f"am{offset}", day, 4.50, "Blue Bottle"))
        if offset % 3 == 0:
            ledger.append(charge(f"pm{offset}", day, 4.50, "Blue Bottle"))
    today = START + timedelta(days=61)
    ledger += [charge("one", today, 4.50, "Blue Bottle"), charge("two", today, 4.50, "Blue Bottle")]
    history = History(ledger)
    today_pair = [history.position["one"], history.position["two"]]
    assert duplicates(history, today_pair, Settings()) == []


def test_a_repeated_charge_one_day_later_is_a_duplicate() -> None:
    ledger = monthly("Adobe", 89.99, 10)
    again = charge("again", date(2024, 10, 6), 89.99, "Adobe")
    found = detect_anomalies([*ledger, again])
    assert [(a.kind, a.transaction_id, a.related_ids) for a in found] == [
        ("duplicate", "again", ("Adobe-9",))
    ]
    assert "charged twice, 1 day later" in found[0].reason
    assert found[0].score >= ALERT_THRESHOLD


def test_a_same_day_repeat_at_a_cafe_never_visited_twice_a_day_is_a_duplicate() -> None:
    rng = random.Random(3)
    ledger = [
        charge(f"c{o}", START + timedelta(days=o), round(rng.uniform(3.5, 7.5), 2), "Peets")
        for o in range(0, 120)
        if o % 7 < 5
    ]
    today = START + timedelta(days=121)
    ledger += [charge("x1", today, 6.13, "Peets"), charge("x2", today, 6.13, "Peets")]
    found = detect_anomalies(ledger, candidates=["x1", "x2"])
    assert [(a.kind, a.transaction_id, a.related_ids) for a in found] == [
        ("duplicate", "x2", ("x1",))
    ]


def test_different_amounts_or_three_days_apart_are_not_duplicates() -> None:
    ledger = [
        *monthly("Adobe", 89.99, 10),
        charge("other", date(2024, 10, 6), 54.99, "Adobe"),
        charge("later", date(2024, 10, 8), 89.99, "Adobe"),
    ]
    assert [a for a in detect_anomalies(ledger) if a.kind == "duplicate"] == []


def test_a_large_first_charge_at_a_new_merchant() -> None:
    ledger = background()
    day = START + timedelta(days=245)
    big = charge("tv", day, 1400.0, "Best Buy", category="Shop")
    small = charge("book", day, 60.0, "Bookshop", category="Shop")
    found = detect_anomalies([*ledger, big, small])
    assert kinds(found, "tv") == ["large_first_charge"] and kinds(found, "book") == []
    first = next(a for a in found if a.transaction_id == "tv")
    assert first.reason.startswith("First charge at Best Buy: $1,400.00, ")
    # Early in a ledger nothing is "new" yet: every merchant is a first.
    early = charge("early", START + timedelta(days=30), 1400.0, "Ikea", category="Shop")
    assert kinds(detect_anomalies([*ledger, early]), "early") == []


def test_a_category_ahead_of_its_usual_pace() -> None:
    ledger = []
    rng = random.Random(5)
    for month in range(8):
        for visit in range(6):
            day = date(2024, month + 1, 2 + visit * 4)
            ledger.append(
                charge(f"d{month}-{visit}", day, rng.uniform(40, 60), "Bistro", category="Dining")
            )
    # Ordinary amounts (no single one stands out), but twice a day.
    fast = [
        charge(f"fast{i}", date(2024, 9, 1 + i // 2), 55.0 + i, "Bistro", category="Dining")
        for i in range(12)
    ]
    found = detect_anomalies([*ledger, *fast])
    pace = [a for a in found if a.kind == "category_pace"]
    assert len(pace) == 1 and pace[0].dedupe_key == "category_pace:Dining:2024-09"
    assert pace[0].transaction_id in {t.id for t in fast}
    assert pace[0].reason.startswith("Dining: $") and "by day" in pace[0].reason
    # An ordinary month: nothing.
    assert [a for a in detect_anomalies(ledger) if a.kind == "category_pace"] == []


def test_the_isolation_forest_is_seeded_and_finds_an_odd_charge() -> None:
    ledger = background(days=500, seed=9)
    # Kroger only ever sees weekdays here; a Sunday charge at 2x the largest one stands out.
    weekday_only = [t for t in ledger if t.merchant != "kroger" or t.date.weekday() < 5]
    sunday = START + timedelta(days=503)
    assert sunday.weekday() == 6
    odd = charge("odd", sunday, 240.0, "Kroger", category="Food")
    history = History([*weekday_only, odd])
    candidates = range(len(history.expenses))
    first = outliers(history, candidates, Settings())
    again = outliers(history, candidates, Settings())
    assert [(a.transaction_id, a.score) for a in first] == [
        (a.transaction_id, a.score) for a in again
    ]
    assert "odd" in {a.transaction_id for a in first}
    assert len(first) <= 0.01 * len(history.expenses) + 1


def test_incremental_mode_judges_only_the_candidates_against_their_history() -> None:
    ledger = [*monthly("Netflix", 15.49, 12), charge("double", date(2025, 1, 5), 30.98, "Netflix")]
    full = detect_anomalies(ledger)
    assert detect_anomalies(ledger, candidates=["double"]) == full
    assert detect_anomalies(ledger, candidates=["Netflix-3"]) == []
    assert detect_anomalies(ledger, candidates=["unknown"]) == []


def test_one_anomaly_per_charge_ranked_by_score_and_dismissals_lower_it() -> None:
    ledger = [
        *monthly("Netflix", 15.49, 12),
        charge("double", date(2025, 1, 5), 30.98, "Netflix"),
        *monthly("Adobe", 89.99, 12),
        charge("again", date(2024, 12, 6), 89.99, "Adobe"),
    ]
    found = detect_anomalies(ledger)
    assert len({a.transaction_id for a in found}) == len(found) == 2
    assert [a.score for a in found] == sorted((a.score for a in found), reverse=True)
    spike = next(a for a in found if a.kind == "spike")
    lowered = detect_anomalies(ledger, settings=Settings(dismissed={"Netflix": 2}))
    after = next(a for a in lowered if a.kind == "spike")
    assert after.score < spike.score
    duplicate = next(a for a in lowered if a.kind == "duplicate")
    assert duplicate.score == next(a for a in found if a.kind == "duplicate").score


def workday_cafe(days: int = 200, seed: int = 5) -> list[Txn]:
    """Someone at the same cafe every workday (never at weekends, never twice a day), paying
    $3.50-7.50: a same-amount coffee a day later happens by chance now and then."""
    rng = random.Random(seed)
    return [
        charge(f"c{o}", START + timedelta(days=o), round(rng.uniform(3.5, 7.5), 2), "Peets")
        for o in range(days)
        if (START + timedelta(days=o)).weekday() < 5
    ]


def duplicate_pairs(ledger: list[Txn], candidates: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    history = History(ledger)
    found = duplicates(history, [history.position[i] for i in candidates], Settings())
    return [(a.transaction_id, a.related_ids) for a in found]


def test_a_workday_coffee_repeated_the_next_workday_is_chance() -> None:
    ledger = workday_cafe()
    wednesday = date(2024, 7, 24)  # after the 200 days of history
    thursday = wednesday + timedelta(days=1)
    ledger += [charge("wed", wednesday, 5.37, "Peets"), charge("thu", thursday, 5.37, "Peets")]
    assert duplicate_pairs(ledger, ["wed", "thu"]) == []


def test_a_workday_coffee_repeated_on_saturday_is_a_duplicate() -> None:
    """The cafe is never visited at weekends: the weekday is the evidence."""
    ledger = workday_cafe()
    friday = date(2024, 7, 26)
    saturday = friday + timedelta(days=1)
    ledger += [charge("fri", friday, 5.37, "Peets"), charge("sat", saturday, 5.37, "Peets")]
    assert duplicate_pairs(ledger, ["fri", "sat"]) == [("sat", ("fri",))]


def test_a_coffee_repeated_on_a_day_with_its_own_coffee_is_a_duplicate() -> None:
    """Thursday already has its coffee: a second charge makes a busier day than this person has
    ever had at the cafe."""
    ledger = workday_cafe()
    wednesday = date(2024, 7, 24)
    thursday = wednesday + timedelta(days=1)
    ledger += [
        charge("wed", wednesday, 5.37, "Peets"),
        charge("thu", thursday, 4.10, "Peets"),
        charge("again", thursday, 5.37, "Peets"),
    ]
    found = duplicate_pairs(ledger, ["wed", "thu", "again"])
    assert found == [("again", ("wed",))]


def test_a_new_reference_is_a_new_invoice_a_repeated_one_a_resubmission() -> None:
    """A monthly fixed price whose bank text carries a fresh reference every invoice: a second
    charge the next day with its own reference is a second invoice, with the first one's
    reference it is the same charge again."""
    ledger = [
        charge(f"s{m}", date(2024, m + 1, 5), 10.99, "Spotify", descriptor=f"SPOTIFY USA P{m}X7")
        for m in range(10)
    ]
    again = charge("again", date(2024, 10, 6), 10.99, "Spotify", descriptor="SPOTIFY USA P9X7")
    other = charge("other", date(2024, 10, 6), 10.99, "Spotify", descriptor="SPOTIFY USA Q3Z1")
    assert duplicate_pairs([*ledger, again], ["again"]) == [("again", ("s9",))]
    assert duplicate_pairs([*ledger, other], ["other"]) == []


def test_the_amount_share_is_exact_for_fixed_prices_and_a_density_for_varying_ones() -> None:
    rng = random.Random(2)
    varying = np.asarray([round(rng.uniform(3.5, 7.5), 2) for _ in range(150)] + [5.37])
    # One earlier $5.37 among prices spread over 400 cents is luck: about 1 in 400.
    assert 0.001 < _amount_share(varying, 5.37) < 0.005
    fixed = np.asarray([10.99] * 11)
    assert _amount_share(fixed, 10.99) > 0.9
    # A price the fixed-price merchant never charged is unlikely.
    assert _amount_share(fixed, 12.49) < 0.01


# --- Issue 21, point 18: what a first import shows, and reasons that are true ---------------


def test_only_recent_or_truly_odd_anomalies_are_shown() -> None:
    from finsight.analytics.anomalies.engine import RECENT_DAYS, worth_showing
    from finsight.analytics.anomalies.model import Anomaly

    latest = date(2025, 6, 30)

    def anomaly(tid: str, day: date, score: float) -> Anomaly:
        t = charge(tid, day, 50.0, "Shop")
        return Anomaly.of_charge("spike", t, score=score, reason="r", details={})

    recent = anomaly("recent", latest - timedelta(days=RECENT_DAYS - 1), 0.3)
    old_mild = anomaly("old-mild", latest - timedelta(days=300), 0.5)
    old_odd = anomaly("old-odd", latest - timedelta(days=300), ALERT_THRESHOLD + 0.05)
    shown = worth_showing([recent, old_mild, old_odd], latest)
    assert [a.transaction_id for a in shown] == ["old-odd", "recent"]


def test_an_outlier_at_the_usual_amount_is_never_unlike_the_usual() -> None:
    from finsight.analytics.anomalies.outliers import FEATURES, _reason

    t = charge("s", date(2025, 6, 2), 1200.0, "Schwab")
    usual = dict.fromkeys(FEATURES, 0.0) | {
        "log_merchant_visits": float(np.log1p(12)),
        "log_days_since_visit": float(np.log1p(30)),
        "weekday_rarity": 0.5,
    }
    assert _reason(1200.0, 1200.0, usual, t) is None  # "usually $1,200 there" was false
    high = _reason(3000.0, 1200.0, usual, t)
    assert high is not None and "2.5\N{MULTIPLICATION SIGN} your usual" in high


def test_a_category_of_one_cheap_merchant_is_no_usual_for_a_dinner() -> None:
    """ "Chipotle $70.96 is 12x your usual $6.15 on Restaurants": the usual was coffee."""
    txns = [
        charge(f"c{d}", START + timedelta(days=d), 6.15, "Starbucks", category="Restaurants")
        for d in range(0, 200, 3)
    ]
    txns += [
        charge("ch1", START + timedelta(days=100), 11.0, "Chipotle", category="Restaurants"),
        charge("ch2", START + timedelta(days=210), 70.96, "Chipotle", category="Restaurants"),
    ]
    found = detect_anomalies(txns, candidates=["ch2"])
    assert "spike" not in kinds(found, "ch2")
