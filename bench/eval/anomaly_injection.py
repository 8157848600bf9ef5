"""Anomalies injected into a generated ledger, with the truth of what was injected.

About 2% of a ledger's transactions become (or bring) an anomaly, split evenly over five kinds,
all after the first half year (an anomaly needs a history to stand out against):

- spike: an existing charge at a merchant whose usual charge is $10+ (a coffee costing $15
  instead of $5 is nobody's concern) costs 3-8x the merchant's median of the year before.
- duplicate: an existing charge is billed again, 0-2 days later, same account, amount and
  descriptor (how processors resubmit).
- large_first_charge: a charge at a merchant the tenant never paid, 3-8x the tenant's 95th
  percentile charge of the year before (shops and electronics, not travel).
- category_pace: 3-5 extra charges in the first half of a month at merchants the tenant already
  uses in a regularly used category, adding 1.5-2.5x a usual month's spending there.
- outlier: a new charge at a merchant visited 10+ times in the year before, on the weekday
  least usual for it, at 1.3-2x the largest charge there that year.

The generator is not changed: injected rows are new `RawTxn`s (ids ending "-a<n>") or
`dataclasses.replace` of existing ones.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from bench.eval.generator import Ledger, RawTxn

RATE = 0.02
KINDS = ("spike", "duplicate", "large_first_charge", "category_pace", "outlier")
WARMUP_DAYS = 183
_NEW_MERCHANTS = (
    ("BEST BUY #{n} SEATTLE WA", "Best Buy", "Shopping/Electronics"),
    ("IKEA {n} RENTON WA", "Ikea", "Shopping"),
    ("SQ *LUXE WATCH BOUTIQUE", "Luxe Watch Boutique", "Shopping"),
    ("WAYFAIR*WF{n}", "Wayfair", "Shopping"),
    ("NORDSTROM #{n}", "Nordstrom", "Shopping/Clothing"),
    ("MICRO CENTER {n} DENVER CO", "Micro Center", "Shopping/Electronics"),
    ("PP*GADGETWORLD", "Gadgetworld", "Shopping/Electronics"),
    ("HOME DEPOT #{n}", "Home Depot", "Shopping"),
    ("LOWES #{n} BOISE ID", "Lowes", "Shopping"),
    ("SQ *ATELIER JEWELRY", "Atelier Jewelry", "Shopping"),
    ("CRATE&BARREL {n}", "Crate Barrel", "Shopping"),
    ("REI #{n} PORTLAND OR", "Rei", "Shopping"),
    ("TST* CHEZ MARCEL BISTRO", "Chez Marcel Bistro", "Restaurants"),
    ("SAMSUNG ELECTRONICS AMER", "Samsung", "Shopping/Electronics"),
    ("PAYPAL *STUBHUB", "Stubhub", "Entertainment"),
    ("WILLIAMS-SONOMA {n}", "Williams Sonoma", "Shopping"),
)


@dataclass(frozen=True)
class Injected:
    kind: str
    ids: tuple[str, ...]  # the injected (or altered) transactions
    original: str | None = None  # duplicate: the charge billed twice
    category: str | None = None  # category_pace: the category and month (YYYY-MM)
    month: str | None = None


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


class _Injector:
    def __init__(self, ledger: Ledger, seed: int) -> None:
        self.rng = random.Random(f"anomalies:{seed}:{ledger.tenant}")
        self.ledger = ledger
        self.rows = list(ledger.transactions)
        self.truth: list[Injected] = []
        self.touched: set[str] = set()
        self.counter = 0
        self.new_merchants: set[str] = set()
        self.first_eligible = ledger.start + timedelta(days=WARMUP_DAYS)
        self.by_merchant: dict[str, list[RawTxn]] = defaultdict(list)
        for t in self.rows:
            if t.amount < 0:
                self.by_merchant[t.merchant].append(t)

    def new_id(self) -> str:
        self.counter += 1
        return f"{self.ledger.tenant}-a{self.counter}"

    def append(self, row: RawTxn) -> None:
        self.rows.append(row)
        self.by_merchant[row.merchant].append(row)

    def prior(self, merchant: str, day: date, days: int = 365) -> list[float]:
        return [
            float(-t.amount)
            for t in self.by_merchant[merchant]
            if day - timedelta(days=days) <= t.date < day
        ]

    def eligible(self) -> list[RawTxn]:
        return [
            t
            for t in self.rows
            if t.amount < 0 and t.date >= self.first_eligible and t.id not in self.touched
        ]

    def spike(self) -> bool:
        for t in self.rng.sample(self.eligible(), 60):
            usual = self.prior(t.merchant, t.date)
            if len(usual) < 5 or statistics.median(usual) < 10:
                continue
            amount = statistics.median(usual) * self.rng.uniform(3, 8)
            self.rows[self.rows.index(t)] = replace(t, amount=-_money(amount))
            self.touched.add(t.id)
            self.truth.append(Injected("spike", (t.id,)))
            return True
        return False

    def duplicate(self) -> bool:
        t = self.rng.choice(self.eligible())
        day = min(t.date + timedelta(days=self.rng.choice((0, 0, 1, 1, 2))), self.ledger.end)
        copy = replace(t, id=self.new_id(), date=day, stream=None)
        self.append(copy)
        self.touched.update((t.id, copy.id))
        self.truth.append(Injected("duplicate", (copy.id,), original=t.id))
        return True

    def large_first_charge(self) -> bool:
        t = self.rng.choice(self.eligible())
        spent = sorted(
            float(-r.amount)
            for r in self.rows
            if r.amount < 0 and t.date - timedelta(days=365) <= r.date < t.date
        )
        p95 = spent[int(0.95 * (len(spent) - 1))]
        unused = [m for m in _NEW_MERCHANTS if m[1] not in self.new_merchants]
        if not unused:
            return False
        template, name, category = self.rng.choice(unused)
        self.new_merchants.add(name)
        row_id = self.new_id()
        descriptor = template.format(n=self.rng.randint(100, 9999))
        row = RawTxn(
            row_id,
            t.date,
            -_money(p95 * self.rng.uniform(3, 8)),
            descriptor,
            "card",
            name,
            None,
            category,
        )
        self.append(row)
        self.touched.add(row_id)
        self.truth.append(Injected("large_first_charge", (row_id,)))
        return True

    def category_pace(self) -> bool:
        months = sorted({(t.date.year, t.date.month) for t in self.eligible()})[:-1]
        for year, month in self.rng.sample(months, min(len(months), 20)):
            start = date(year, month, 1)
            by_category: dict[str, dict[tuple[int, int], float]] = defaultdict(
                lambda: defaultdict(float)
            )
            merchants: dict[str, set[str]] = defaultdict(set)
            for t in self.rows:
                if t.amount < 0 and t.category and start - timedelta(days=183) <= t.date < start:
                    by_category[t.category][(t.date.year, t.date.month)] += float(-t.amount)
                    if t.stream is None:
                        merchants[t.category].add(t.merchant)
            regular = [
                c
                for c, spend in by_category.items()
                if len(spend) >= 5 and statistics.median(spend.values()) >= 100 and merchants[c]
            ]
            if not regular:
                continue
            category = self.rng.choice(sorted(regular))
            usual = statistics.median(by_category[category].values())
            extra = usual * self.rng.uniform(1.5, 2.5)
            count = self.rng.randint(3, 5)
            ids = []
            for day in sorted(self.rng.sample(range(1, 15), count)):
                merchant = self.rng.choice(sorted(merchants[category]))
                model = self.rng.choice(self.by_merchant[merchant])
                amount = extra / count * self.rng.uniform(0.8, 1.2)
                row = replace(
                    model,
                    id=self.new_id(),
                    date=date(year, month, day),
                    amount=-_money(amount),
                    stream=None,
                )
                self.append(row)
                ids.append(row.id)
            self.touched.update(ids)
            self.truth.append(
                Injected("category_pace", tuple(ids), category=category, month=f"{start:%Y-%m}")
            )
            return True
        return False

    def outlier(self) -> bool:
        for t in self.rng.sample(self.eligible(), 60):
            history = [
                r
                for r in self.by_merchant[t.merchant]
                if t.date - timedelta(days=365) <= r.date < t.date
            ]
            if len(history) < 10:
                continue
            weekdays = [r.date.weekday() for r in history]
            rare = min(range(7), key=lambda d: (weekdays.count(d), self.rng.random()))
            day = t.date + timedelta(days=(rare - t.date.weekday()) % 7)
            if day > self.ledger.end:
                continue
            largest = max(float(-r.amount) for r in history)
            row = replace(
                t,
                id=self.new_id(),
                date=day,
                stream=None,
                amount=-_money(largest * self.rng.uniform(1.3, 2.0)),
            )
            self.append(row)
            self.touched.add(row.id)
            self.truth.append(Injected("outlier", (row.id,)))
            return True
        return False


def inject_anomalies(
    ledger: Ledger, seed: int, rate: float = RATE
) -> tuple[list[RawTxn], list[Injected]]:
    """The ledger's transactions with anomalies injected (date order), and what was injected."""
    injector = _Injector(ledger, seed)
    events = round(rate * len(ledger.transactions))
    plan = [KINDS[i % len(KINDS)] for i in range(events)]
    injector.rng.shuffle(plan)
    for kind in plan:
        getattr(injector, kind)()
    rows = sorted(injector.rows, key=lambda t: (t.date, t.id))
    return rows, injector.truth
