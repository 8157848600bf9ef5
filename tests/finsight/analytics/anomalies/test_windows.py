"""The sliding windows' order statistics equal numpy's on the same values, to the last bit,
and the detectors give the same answers whichever path (numpy or sorted window) they take."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from finsight.analytics.anomalies import Txn, detect_anomalies, windows


def _values(rng: np.random.Generator, n: int) -> np.ndarray:
    # Prices in cents with many repeats (a fixed-price merchant), as the ledger stores them.
    cents = rng.choice(rng.integers(50, 20000, size=max(1, n // 4)), size=n)
    return np.round(cents / 100.0, 2)


@pytest.mark.parametrize("seed", range(40))
def test_sorted_window_statistics_equal_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = _values(rng, 400)
    window = windows.SortedWindow(values)
    lo = hi = 0
    for _ in range(60):
        # Windows that slide forward by a little or jump (both paths of move).
        lo = min(len(values) - 1, lo + int(rng.integers(0, 30)))
        hi = min(len(values), max(lo + 1, hi + int(rng.integers(0, 40))))
        s = window.move(lo, hi)
        part = values[lo:hi]
        median = float(np.median(part))
        assert windows.median(s) == median
        assert windows.mad(s, median) == float(np.median(np.abs(part - median)))
        for q in (90, 95, 50, 0, 100):
            assert windows.percentile(s, q) == float(np.percentile(part, q))
        amount = float(rng.choice(part))
        for tolerance, strict in ((0.005, True), (max(0.5, 0.05 * amount) + 0.005, False)):
            distance = np.abs(part - amount)
            expected = np.count_nonzero(distance < tolerance if strict else distance <= tolerance)
            assert windows.count_within(s, amount, tolerance, strict) == expected


def _ledger() -> list[Txn]:
    """A busy coffee shop (several charges a day at a few fixed prices, some doubled), a
    grocer, and a few large one-offs: windows far larger than numpy's small path."""
    rng = np.random.default_rng(7)
    start = date(2022, 1, 1)
    out: list[Txn] = []
    for day in range(900):
        when = start + timedelta(days=day)
        for k in range(int(rng.integers(0, 4))):
            price = float(rng.choice([4.5, 5.25, 6.1, 12.0]))
            out.append(
                Txn(
                    f"c{day}-{k}",
                    when,
                    -price,
                    "a",
                    "cafe",
                    "Cafe",
                    "food",
                    "Food",
                    descriptor=f"CAFE {int(rng.integers(0, 3))}",
                )
            )
        if day % 3 == 0:
            amount = round(float(rng.normal(80, 20)), 2)
            out.append(Txn(f"g{day}", when, -abs(amount), "a", "grocer", "Grocer", "food", "Food"))
        if day % 97 == 50:
            out.append(Txn(f"x{day}", when, -900.0, "a", f"shop{day}", "Shop", "other", "Other"))
        if day % 41 == 3:
            out.append(Txn(f"s{day}", when, -60.0, "a", "cafe", "Cafe", "food", "Food"))
    return out


def test_detectors_answer_the_same_on_either_path(monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = _ledger()
    ledger.append(replace(ledger[-5], id="copy"))  # a duplicate to find
    fast = detect_anomalies(ledger)
    monkeypatch.setattr(windows, "SMALL", 10**9)  # numpy on every window, as before
    slow = detect_anomalies(ledger)
    assert fast == slow
    assert {a.kind for a in fast} >= {"spike", "duplicate"}
