"""A seeded generator of multi-year tenant ledgers with known truth.

Each tenant has a checking account and a card, pay (biweekly or semi-monthly), recurring bills
and subscriptions of every cadence, habits (coffee most weekdays, groceries every 3-10 days,
fuel, rides, marketplace orders, app purchases at the merchant that also bills iCloud) and
one-off purchases. Recurring streams behave like real ones: card charges move a day or so, bills
and pay move ±1-3 days and slide off weekends, some skip a period, change price once or are
cancelled. Nothing here knows how the detector works.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from bench.eval.catalogue import (
    AMAZON_MARKETPLACE,
    APPLE,
    BANK_VOCABULARIES,
    COFFEE,
    GAS,
    GROCERIES,
    PAYROLL,
    SUBSCRIPTIONS,
    UBER,
    UBER_EATS,
    Merchant,
    bank_category_of,
    city,
    local_restaurant,
    mcc_choices,
    phone,
    render,
    solyanka_merchants,
    store_number,
)
from finsight.analytics.schedules import Anchor, Cadence, due_date, locate, shift_off_weekend

PERIOD_DAYS = {
    "weekly": 7,
    "biweekly": 14,
    "semi_monthly": 15,
    "monthly": 30,
    "quarterly": 91,
    "annual": 365,
}
# Monthly-or-longer charges "move ±1-3 days": 0 most often, 3 least.
_JITTER = (-3, -2, -1, 0, 1, 2, 3)
_JITTER_WEIGHTS = (1, 2, 3, 4, 3, 2, 1)


@dataclass(frozen=True)
class RawTxn:
    id: str
    date: date
    amount: Decimal
    descriptor: str
    account: str
    merchant: str  # truth: merchant identity
    stream: str | None  # truth: recurring stream id
    category: str = ""  # truth: a seed-category path, "Restaurants/Coffee shops"
    bank_category: str | None = None  # the bank's own (coarse, sometimes wrong) category text
    mcc: int | None = None  # the merchant category code, where the source gives one


@dataclass(frozen=True)
class TruthStream:
    id: str
    merchant: str
    cadence: Cadence
    direction: str
    cancelled: bool
    last_date: date  # last charge in the ledger
    next_date: date | None  # the real next charge after the ledger ends; None if cancelled
    occurrences: int
    monthly_amount: Decimal  # the current amount normalised to a month (0 when cancelled)


@dataclass
class Ledger:
    tenant: str
    start: date
    end: date
    transactions: list[RawTxn] = field(default_factory=list)
    streams: list[TruthStream] = field(default_factory=list)


class _Tenant:
    def __init__(
        self, rng: random.Random, name: str, start: date, end: date, labels: random.Random
    ) -> None:
        self.rng, self.name, self.start, self.end = rng, name, start, end
        # Bank categories and MCCs come from their own generator: drawing them from `rng`
        # would move every later date and amount, and with them the recurring figures.
        self.labels = labels
        self.bank = labels.choice(tuple(BANK_VOCABULARIES))
        self.mccs: dict[str, int] = {}
        self.ledger = Ledger(name, start, end)
        self.branches: dict[str, list[dict[str, str]]] = {}
        self.primary: dict[str, str] = {}
        self.counter = 0

    def descriptor(self, merchant: Merchant, template: str | None, stream: bool) -> str:
        """The tenant's bank spells a merchant one way mostly (its primary template); card
        terminals of one chain differ now and then; a stream uses the template it is given."""
        if merchant.identity not in self.branches:
            self.branches[merchant.identity] = [
                {"store": store_number(self.rng), "city": city(self.rng), "phone": phone(self.rng)}
                for _ in range(self.rng.randint(1, 3))
            ]
            self.primary[merchant.identity] = self.rng.choice(merchant.templates)
        if template is None:
            template = self.primary[merchant.identity]
            if self.rng.random() < 0.2:
                template = self.rng.choice(merchant.templates)
        # A stream is billed by one branch; card purchases happen at any of a few.
        branches = self.branches[merchant.identity]
        branch = branches[0] if stream else self.rng.choice(branches)
        text = render(template, self.rng, branch)
        return text.upper() if merchant.templates[0].isupper() else text

    def add(
        self,
        day: date,
        amount: float,
        merchant: Merchant,
        account: str,
        stream: str | None,
        template: str | None = None,
    ) -> None:
        if not self.start <= day <= self.end:
            return
        self.counter += 1
        desc = self.descriptor(merchant, template, stream is not None)
        if account == "checking" and amount < 0 and self.rng.random() < 0.5:
            # Debit-card rows get the bank's wrapper around the merchant's descriptor.
            wrapper = self.rng.choice(("POS DEBIT ", "PURCHASE AUTHORIZED ON {md} ", "CHECKCARD "))
            desc = wrapper.format(md=day.strftime("%m/%d")) + desc
        money = Decimal(str(round(amount, 2)))
        bank_category, mcc = self.source_labels(merchant, account)
        self.ledger.transactions.append(
            RawTxn(
                f"{self.name}-{self.counter}",
                day,
                money,
                desc,
                account,
                merchant.identity,
                stream,
                merchant.category,
                bank_category,
                mcc,
            )
        )

    def source_labels(self, merchant: Merchant, account: str) -> tuple[str | None, int | None]:
        """What the bank sends besides the descriptor: card exports carry the issuer's coarse
        category on most rows (now and then a wrong one), an MCC on some; checking rarely."""
        rng = self.labels
        card = account == "card"
        bank_category = None
        if rng.random() < (0.9 if card else 0.05):
            bank_category = bank_category_of(self.bank, merchant.category)
            if bank_category is not None and rng.random() < 0.06:
                bank_category = rng.choice(sorted(set(BANK_VOCABULARIES[self.bank].values())))
        mcc = None
        if rng.random() < (0.35 if card else 0.05):
            if merchant.identity not in self.mccs:
                choices = mcc_choices(merchant.category)
                self.mccs[merchant.identity] = rng.choice(choices) if choices else 0
            mcc = self.mccs[merchant.identity] or None
        return bank_category, mcc


def _anchor(rng: random.Random, cadence: Cadence, first: date) -> Anchor:
    if cadence in (Cadence.WEEKLY, Cadence.BIWEEKLY):
        return Anchor(cadence, ordinal=first.toordinal())
    if cadence is Cadence.SEMI_MONTHLY:
        return Anchor(cadence, days=rng.choice(((1, 15), (15, 31), (5, 20))))
    step = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.ANNUAL: 12}[cadence]
    day = rng.choice((rng.randint(1, 28), rng.randint(1, 28), 30, 31))
    return Anchor(cadence, days=(day,), phase=(first.year * 12 + first.month - 1) % step)


def _stream(
    t: _Tenant,
    merchant: Merchant,
    cadence: Cadence,
    amount: float,
    noise: str,
    shift: bool,
    account: str,
    income: bool = False,
) -> None:
    rng = t.rng
    period = PERIOD_DAYS[cadence.value]
    sid = f"{t.name}-s{len(t.ledger.streams)}"
    first = t.start + timedelta(days=rng.randint(-period, max(0, (t.end - t.start).days // 3)))
    anchor = _anchor(rng, cadence, first)
    slot = locate(anchor, first)[0]
    if due_date(anchor, slot) < first:
        slot += 1
    cancel_at: date | None = None
    if rng.random() < 0.2 and not income:
        lo, hi = first + timedelta(days=4 * period), t.end - timedelta(days=2 * period)
        if lo < hi:
            cancel_at = lo + timedelta(days=rng.randint(0, (hi - lo).days))
    # One price rise (8-25%) at a random point for a quarter of the fixed-price streams.
    change_at = t.end + timedelta(days=10 * period)
    if rng.random() < 0.25 and noise == "fixed":
        change_at = first + timedelta(days=rng.randint(0, max(1, (t.end - first).days)))
    new_price = round(amount * (1.0 + rng.uniform(0.08, 0.25)), 2)
    small_jitter = cadence in (Cadence.WEEKLY, Cadence.BIWEEKLY)
    dates: list[tuple[date, float]] = []
    skipped_last = False
    next_real: date | None = None
    while True:
        nominal = due_date(anchor, slot)
        slot += 1
        if small_jitter:
            # Weekly and biweekly charges land on their day, now and then a day off.
            day = nominal + timedelta(days=rng.choice((-1, 0, 0, 0, 1)))
        else:
            day = nominal + timedelta(days=rng.choices(_JITTER, _JITTER_WEIGHTS)[0])
        if shift:
            day = shift_off_weekend(day, forward=not income)  # pay comes early, bills late
        if cancel_at is not None and day > cancel_at:
            break
        if day > t.end:
            next_real = day
            break
        base = new_price if day > change_at else amount
        if noise == "bill":
            value = base * rng.uniform(0.85, 1.15)
        elif noise == "usage":
            value = base * rng.uniform(0.96, 1.04)
        else:
            value = base
        if day >= t.start and not skipped_last and rng.random() < 0.03 and dates:
            skipped_last = True  # a skipped period, never two in a row
            continue
        skipped_last = False
        dates.append((day, value))
    in_ledger = [(d, v) for d, v in dates if d >= t.start]
    if not in_ledger:
        return
    sign = 1.0 if income else -1.0
    # A stream's descriptor is stable; a fifth switch spelling once (a processor change).
    templates = list(merchant.templates)
    rng.shuffle(templates)
    switch_at = t.end + timedelta(days=1)
    if rng.random() < 0.2 and len(templates) > 1:
        switch_at = in_ledger[0][0] + timedelta(days=rng.randint(0, (t.end - in_ledger[0][0]).days))
    for day, value in in_ledger:
        template = templates[1] if day >= switch_at else templates[0]
        t.add(day, sign * value, merchant, account, sid, template)
    per_month = {
        "weekly": Decimal(52) / 12,
        "biweekly": Decimal(26) / 12,
        "semi_monthly": Decimal(2),
        "monthly": Decimal(1),
        "quarterly": Decimal(1) / 3,
        "annual": Decimal(1) / 12,
    }[cadence.value]
    last_value = Decimal(str(round(in_ledger[-1][1], 2)))
    t.ledger.streams.append(
        TruthStream(
            id=sid,
            merchant=merchant.identity,
            cadence=cadence,
            direction="income" if income else "expense",
            cancelled=cancel_at is not None,
            last_date=in_ledger[-1][0],
            next_date=None if cancel_at is not None else next_real,
            occurrences=len(in_ledger),
            monthly_amount=Decimal(0) if cancel_at is not None else last_value * per_month,
        )
    )


def _habits(t: _Tenant) -> None:
    rng = t.rng
    coffee, grocery, gas = rng.choice(COFFEE), rng.choice(GROCERIES), rng.choice(GAS)
    coffee_rate = rng.uniform(0.4, 0.8)
    day = t.start
    next_grocery = t.start + timedelta(days=rng.randint(0, 6))
    next_gas = t.start + timedelta(days=rng.randint(0, 10))
    while day <= t.end:
        if day.weekday() < 5 and rng.random() < coffee_rate:
            t.add(day, -rng.uniform(3.5, 7.5), coffee, "card", None)
        if day >= next_grocery:
            t.add(day, -rng.uniform(30, 180), grocery, "card", None)
            next_grocery = day + timedelta(days=rng.randint(3, 10))
        if day >= next_gas:
            t.add(day, -rng.uniform(25, 70), gas, "card", None)
            next_gas = day + timedelta(days=rng.randint(6, 16))
        for merchant, rate, lo, hi in (
            (UBER, 0.12, 8, 45),
            (UBER_EATS, 0.08, 15, 55),
            (AMAZON_MARKETPLACE, 0.15, 6, 150),
            (APPLE, 0.04, 0.99, 9.99),
        ):
            if rng.random() < rate:
                t.add(day, -rng.uniform(lo, hi), merchant, "card", None)
        day += timedelta(days=1)


def _one_offs(t: _Tenant) -> None:
    rng = t.rng
    online = [m for m in solyanka_merchants() if m[3] is None]
    restaurants = [local_restaurant(rng) for _ in range(25)]
    days = (t.end - t.start).days
    for _ in range(days // 6):
        day = t.start + timedelta(days=rng.randint(0, days))
        if rng.random() < 0.6:
            t.add(day, -rng.uniform(12, 90), rng.choice(restaurants), "card", None)
        else:
            merchant, lo, hi, _sub = rng.choice(online)
            t.add(day, -rng.uniform(lo, hi), merchant, "card", None)


def generate_ledger(seed: int, index: int, years: int, end: date) -> Ledger:
    rng = random.Random(f"{seed}:{index}")
    start = end.replace(year=end.year - years) + timedelta(days=1)
    t = _Tenant(rng, f"t{index}", start, end, random.Random(f"{seed}:{index}:categories"))
    payer, pay_cadence = rng.choice(PAYROLL)
    _stream(
        t, payer, Cadence(pay_cadence), rng.uniform(1800, 4200), "usage", True, "checking", True
    )
    by_cadence: dict[str, list[tuple[Merchant, str, float, str, bool]]] = {}
    for merchant, cadence, amount, noise, shift in SUBSCRIPTIONS:
        by_cadence.setdefault(cadence, []).append((merchant, cadence, amount, noise, shift))
    chosen = (
        rng.sample(by_cadence["monthly"], rng.randint(6, 10))
        + rng.sample(by_cadence["quarterly"], rng.randint(1, 2))
        + rng.sample(by_cadence["annual"], rng.randint(2, 4))
        + rng.sample(by_cadence["weekly"], rng.randint(0, 1))
        + rng.sample(by_cadence["biweekly"], rng.randint(0, 1))
        + rng.sample(by_cadence["semi_monthly"], rng.randint(0, 1))
    )
    for merchant, cadence, amount, noise, shift in chosen:
        account = "checking" if shift else "card"
        _stream(t, merchant, Cadence(cadence), amount, noise, shift, account)
    # Solyanka's own subscription descriptors (30 or 365 days), on the card.
    subs = [m for m in solyanka_merchants() if m[3] in (30, 365)]
    for merchant, lo, hi, days in rng.sample(subs, 2):
        cadence = Cadence.MONTHLY if days == 30 else Cadence.ANNUAL
        _stream(t, merchant, cadence, rng.uniform(lo, hi), "fixed", False, "card")
    # iCloud: a fixed 2.99 a month hidden among Apple's app purchases.
    if rng.random() < 0.5:
        _stream(t, APPLE, Cadence.MONTHLY, 2.99, "fixed", False, "card")
    _habits(t)
    _one_offs(t)
    t.ledger.transactions.sort(key=lambda x: (x.date, x.id))
    return t.ledger
