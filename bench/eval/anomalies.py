"""Anomaly detection scored against injected truth (bench/eval/anomaly_injection.py).

- precision@10 per tenant-year: of the 10 highest-scored anomalies found in a ledger year, the
  share that are injected ones (when fewer than 10 are found, the share of those found). The
  first ledger year is left out: it is the history the detectors need (nothing is injected in
  its first half). An anomaly is a hit when its transaction is an injected row, a duplicate
  when its pair is the injected copy and its original, a category_pace when its category and
  month are an injected pace's.
- duplicates: precision and recall of kind "duplicate" against the injected copies.
- alerts on a clean ledger (nothing injected): anomalies scoring at least ALERT_THRESHOLD (what
  the service publishes as events) per tenant-month, months from the seventh on.
- the baseline: "amount > 3x the merchant's mean so far" (scored by that ratio) and "same
  amount at the same merchant on the same day" (ranked first).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from bench.eval.anomaly_injection import Injected, inject_anomalies
from bench.eval.generator import Ledger, RawTxn, generate_ledger
from finsight.analytics.anomalies import ALERT_THRESHOLD, Anomaly, Txn, detect_anomalies
from finsight.analytics.descriptors import clean_descriptor

TARGETS = {
    "precision_at_10": 0.80,
    "duplicate_precision": 0.95,
    "duplicate_recall": 0.90,
}
MAX_ALERTS_PER_MONTH = 2
TOP = 10


def to_txns(rows: Iterable[RawTxn], cleaned: dict[str, tuple[str, str]]) -> list[Txn]:
    """The library's input as the service builds it without a merchant id: the cleaned
    descriptor is the merchant; the category is the generator's truth (the categorizer's
    output in the product)."""
    out = []
    for t in rows:
        if t.descriptor not in cleaned:
            clean = clean_descriptor(t.descriptor)
            cleaned[t.descriptor] = (clean.key, clean.display)
        key, display = cleaned[t.descriptor]
        category = getattr(t, "category", "") or None
        out.append(
            Txn(
                t.id,
                t.date,
                float(t.amount),
                t.account,
                key,
                display,
                category,
                category,
                descriptor=t.descriptor,
            )
        )
    return out


def baseline(transactions: list[Txn]) -> list[Anomaly]:
    """The peer product's rules: a charge over 3x the merchant's mean so far; the same amount at
    the same merchant on the same day (all duplicates outrank every spike)."""
    found: list[Anomaly] = []
    sums: dict[str, tuple[float, int]] = {}
    seen: dict[tuple[str, str, float, date], str] = {}
    for t in sorted(transactions, key=lambda t: (t.date, t.id)):
        if t.amount >= 0:
            continue
        amount = -t.amount
        total, count = sums.get(t.merchant, (0.0, 0))
        key = (t.account, t.merchant, amount, t.date)
        common = {
            "occurred_on": t.date,
            "amount": amount,
            "account": t.account,
            "merchant": t.name,
            "category": t.category,
            "currency": t.currency,
            "reason": "",
        }
        if key in seen:
            found.append(Anomaly("duplicate", 1e9, t.id, (seen[key],), dedupe_key=t.id, **common))
        elif count >= 2 and amount > 3 * total / count:
            ratio = amount / (total / count)
            found.append(Anomaly("spike", ratio, t.id, (), dedupe_key=t.id, **common))
        seen.setdefault(key, t.id)
        sums[t.merchant] = (total + amount, count + 1)
    return sorted(found, key=lambda a: -a.score)


def _hit(
    anomaly: Anomaly, truth: list[Injected], rows: set[str], paces: set[tuple[str, str]]
) -> bool:
    if anomaly.kind == "category_pace":
        month = f"{anomaly.occurred_on:%Y-%m}"
        return (anomaly.category or "", month) in paces or anomaly.transaction_id in rows
    return anomaly.transaction_id in rows or (
        anomaly.kind == "duplicate" and any(r in rows for r in anomaly.related_ids)
    )


def _f1(scores: dict[str, Any]) -> float:
    precision = scores["duplicate_precision"] or 0.0
    recall = scores["duplicate_recall"] or 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _duplicate_pairs(truth: list[Injected]) -> set[frozenset[str]]:
    return {frozenset((i.ids[0], i.original or "")) for i in truth if i.kind == "duplicate"}


class Scores:
    def __init__(self) -> None:
        self.precision_at_10: list[float] = []
        self.found_pairs = 0
        self.right_pairs = 0
        self.truth_pairs = 0
        self.recalled_pairs = 0
        self.by_kind: Counter[str] = Counter()
        self.hits_by_kind: Counter[str] = Counter()

    def add(
        self, ledger: Ledger, injected: list[RawTxn], truth: list[Injected], found: list[Anomaly]
    ) -> None:
        day_of = {t.id: t.date for t in injected}
        rows = {r for i in truth for r in i.ids}
        paces = {(i.category or "", i.month or "") for i in truth if i.kind == "category_pace"}
        by_year: dict[int, list[Anomaly]] = defaultdict(list)
        for anomaly in found:  # already ranked
            year = (anomaly.occurred_on - ledger.start).days // 365
            if year >= 1:
                by_year[year].append(anomaly)
            self.by_kind[anomaly.kind] += 1
            self.hits_by_kind[anomaly.kind] += _hit(anomaly, truth, rows, paces)
        years = (ledger.end - ledger.start).days // 365
        injected_by_year = Counter(
            (min(day_of[r] for r in i.ids) - ledger.start).days // 365 for i in truth
        )
        for year in range(1, years):
            # Precision at 10, or at the number injected that year when fewer (the best
            # possible then is 1.0 too).
            k = min(TOP, injected_by_year[year])
            if not k:
                continue
            hits = sum(_hit(a, truth, rows, paces) for a in by_year[year][:k])
            self.precision_at_10.append(hits / k)
        pairs = _duplicate_pairs(truth)
        found_pairs = {
            frozenset((a.transaction_id, *a.related_ids)) for a in found if a.kind == "duplicate"
        }
        self.found_pairs += len(found_pairs)
        self.right_pairs += len(found_pairs & pairs)
        self.truth_pairs += len(pairs)
        self.recalled_pairs += len(pairs & found_pairs)

    def result(self) -> dict[str, Any]:
        values = sorted(self.precision_at_10)
        return {
            "precision_at_10": round(sum(values) / len(values), 4) if values else None,
            "precision_at_10_min": round(values[0], 4) if values else None,
            "tenant_years_at_or_above_0.8": round(
                sum(v >= TARGETS["precision_at_10"] for v in values) / len(values), 4
            )
            if values
            else None,
            "duplicate_precision": round(self.right_pairs / self.found_pairs, 4)
            if self.found_pairs
            else None,
            "duplicate_recall": round(self.recalled_pairs / self.truth_pairs, 4)
            if self.truth_pairs
            else None,
            "found_by_kind": dict(sorted(self.by_kind.items())),
            "injected_share_by_kind": {
                k: round(self.hits_by_kind[k] / n, 4) for k, n in sorted(self.by_kind.items())
            },
        }


def _alerts_per_month(ledger: Ledger, found: list[Anomaly]) -> list[int]:
    first = ledger.start + timedelta(days=183)
    months = Counter(
        (a.occurred_on.year, a.occurred_on.month)
        for a in found
        if a.score >= ALERT_THRESHOLD and a.occurred_on >= first
    )
    counts = []
    day = date(first.year, first.month, 1)
    if day < first:
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    while day <= ledger.end:
        counts.append(months.get((day.year, day.month), 0))
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return counts


def evaluate_anomalies(
    seed: int, tenants: int, years: int, end: date
) -> tuple[list[dict[str, Any]], dict[str, float], dict[str, bool], dict[str, bool]]:
    """Result lines, the targets, which are met and where the baseline is beaten."""
    ours, theirs = Scores(), Scores()
    monthly: list[int] = []
    injected: Counter[str] = Counter()
    for index in range(tenants):
        ledger = generate_ledger(seed, index, years, end)
        cleaned: dict[str, tuple[str, str]] = {}
        rows, truth = inject_anomalies(ledger, seed)
        injected.update(i.kind for i in truth)
        txns = to_txns(rows, cleaned)
        ours.add(ledger, rows, truth, detect_anomalies(txns))
        theirs.add(ledger, rows, truth, baseline(txns))
        clean = detect_anomalies(to_txns(ledger.transactions, cleaned))
        monthly.extend(_alerts_per_month(ledger, clean))
    run = {"seed": seed, "tenants": tenants, "years": years}
    mine, base = ours.result(), theirs.result()
    monthly.sort()
    alerts = {
        "tenant_months": len(monthly),
        "mean": round(sum(monthly) / len(monthly), 3) if monthly else None,
        "p95": monthly[int(0.95 * (len(monthly) - 1))] if monthly else None,
        "max": monthly[-1] if monthly else None,
        "share_over_2": round(sum(m > MAX_ALERTS_PER_MONTH for m in monthly) / len(monthly), 4)
        if monthly
        else None,
        "alert_threshold": ALERT_THRESHOLD,
    }
    lines = [
        {
            "suite": "anomalies",
            "detector": "finsight",
            **run,
            **mine,
            "injected": dict(sorted(injected.items())),
        },
        {"suite": "anomalies", "detector": "baseline", **run, **base},
        {"suite": "anomaly_alerts_clean", **run, **alerts},
    ]
    met = {k: (mine[k] or 0.0) >= target for k, target in TARGETS.items()}
    met["alerts_per_month"] = (alerts["max"] or 0) <= MAX_ALERTS_PER_MONTH
    beats = {
        k: (mine[k] or 0.0) > (base[k] or 0.0) for k in ("precision_at_10", "duplicate_recall")
    }
    # The baseline only flags same-day repeats: perfect precision, half the recall. Beating it
    # means catching more at a precision that still meets the target: judged on F1.
    beats["duplicate_f1"] = _f1(mine) > _f1(base)
    targets: dict[str, float] = {
        **{f"anomalies_{k}": v for k, v in TARGETS.items()},
        "anomalies_max_alerts_per_month": MAX_ALERTS_PER_MONTH,
    }
    return (
        lines,
        targets,
        {f"anomalies_{k}": v for k, v in met.items()},
        {f"anomalies_{k}": v for k, v in beats.items()},
    )
