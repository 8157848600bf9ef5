"""Scores against the generator's truth: merchant grouping and recurring streams."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from bench.eval.generator import PERIOD_DAYS, Ledger, RawTxn, TruthStream
from finsight.analytics.recurring import RecurringStream, Status, Transaction

Detector = Callable[[list[Transaction], date | None], list[RecurringStream]]
MIN_TRUTH_OCCURRENCES = 3  # truth streams the recall is measured on (the baseline's minimum)
NEXT_DATE_DAYS = 3


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


@dataclass
class GroupingCounts:
    """Pair counts over transactions, and B-cubed sums (per transaction)."""

    same_both: int = 0
    same_predicted: int = 0
    same_truth: int = 0
    bcubed_precision: float = 0.0
    bcubed_recall: float = 0.0
    items: int = 0

    def add(self, truth: Sequence[str], predicted: Sequence[str]) -> None:
        cells = Counter(zip(truth, predicted, strict=True))
        by_truth, by_pred = Counter(truth), Counter(predicted)
        self.same_both += sum(_pairs(n) for n in cells.values())
        self.same_predicted += sum(_pairs(n) for n in by_pred.values())
        self.same_truth += sum(_pairs(n) for n in by_truth.values())
        for (t, p), n in cells.items():
            self.bcubed_precision += n * n / by_pred[p]
            self.bcubed_recall += n * n / by_truth[t]
        self.items += len(truth)

    def result(self) -> dict[str, float]:
        return {
            "pairwise_precision": round(self.same_both / max(1, self.same_predicted), 4),
            "pairwise_recall": round(self.same_both / max(1, self.same_truth), 4),
            "bcubed_precision": round(self.bcubed_precision / max(1, self.items), 4),
            "bcubed_recall": round(self.bcubed_recall / max(1, self.items), 4),
        }


@dataclass
class RecurringCounts:
    detected: int = 0
    true_positive: int = 0
    eligible: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    cadence_right: int = 0
    next_checked: int = 0
    next_right: int = 0
    cancel_checked: int = 0
    cancel_flagged: int = 0
    active_checked: int = 0
    active_called_cancelled: int = 0

    def headline(self) -> dict[str, float]:
        """The figures the issue sets targets for (0.0 when there was nothing to measure)."""
        return {
            "precision": _ratio(self.true_positive, self.detected) or 0.0,
            "recall": _ratio(sum(self.found.values()), sum(self.eligible.values())) or 0.0,
            "recall_monthly": _ratio(self.found["monthly"], self.eligible["monthly"]) or 0.0,
            "recall_annual": _ratio(self.found["annual"], self.eligible["annual"]) or 0.0,
            "cadence_accuracy": _ratio(self.cadence_right, self.true_positive) or 0.0,
            "next_date_within_3d": _ratio(self.next_right, self.next_checked) or 0.0,
        }

    def result(self) -> dict[str, object]:
        ratio = _ratio

        return {
            "precision": ratio(self.true_positive, self.detected),
            "recall": ratio(sum(self.found.values()), sum(self.eligible.values())),
            "recall_by_cadence": {
                c: ratio(self.found[c], self.eligible[c]) for c in sorted(self.eligible)
            },
            "cadence_accuracy": ratio(self.cadence_right, self.true_positive),
            "next_date_within_3d": ratio(self.next_right, self.next_checked),
            "cancellation_flagged_within_1_5_periods": ratio(
                self.cancel_flagged, self.cancel_checked
            ),
            "active_called_cancelled": ratio(self.active_called_cancelled, self.active_checked),
            "detected": self.detected,
            "true_positive": self.true_positive,
            "eligible_truth": sum(self.eligible.values()),
        }


def match(streams: Sequence[RecurringStream], by_id: dict[str, RawTxn]) -> dict[int, str]:
    """Detected stream index -> truth stream id: the truth holding most of its transactions
    (at least half); a truth stream matches once, the largest overlap first."""
    candidates = []
    for i, stream in enumerate(streams):
        owners = Counter(by_id[t].stream for t in stream.transaction_ids)
        owner, count = owners.most_common(1)[0]
        if owner is not None and 2 * count >= len(stream.transaction_ids):
            candidates.append((-count, i, owner))
    matched: dict[int, str] = {}
    taken: set[str] = set()
    for _neg, i, owner in sorted(candidates):
        if owner not in taken:
            matched[i] = owner
            taken.add(owner)
    return matched


def _flagged_in_time(
    detector: Detector, txns: list[Transaction], by_id: dict[str, RawTxn], truth: TruthStream
) -> bool:
    """Run as of 1.5 periods after the last real charge, on the merchant's transactions only."""
    as_of = truth.last_date + timedelta(days=round(1.5 * PERIOD_DAYS[truth.cadence.value]) + 1)
    merchants = {t.merchant for t in txns if by_id[t.id].stream == truth.id}
    subset = [t for t in txns if t.merchant in merchants and t.date <= as_of]
    streams = detector(subset, as_of)
    for i, owner in match(streams, by_id).items():
        if owner == truth.id:
            return streams[i].status in (Status.MISSED, Status.CANCELLED)
    return False


def score_recurring(
    counts: RecurringCounts,
    detector: Detector,
    ledger: Ledger,
    txns: list[Transaction],
) -> list[RecurringStream]:
    by_id = {t.id: t for t in ledger.transactions}
    truths = {s.id: s for s in ledger.streams}
    streams = detector(txns, ledger.end)
    matched = match(streams, by_id)
    counts.detected += len(streams)
    counts.true_positive += len(matched)
    for truth in ledger.streams:
        if truth.occurrences >= MIN_TRUTH_OCCURRENCES:
            counts.eligible[truth.cadence.value] += 1
    for i, owner in matched.items():
        truth, stream = truths[owner], streams[i]
        if truth.occurrences >= MIN_TRUTH_OCCURRENCES:
            counts.found[truth.cadence.value] += 1
        counts.cadence_right += stream.cadence == truth.cadence
        if truth.next_date is not None:
            counts.next_checked += 1
            if stream.next_date is not None:
                counts.next_right += abs((stream.next_date - truth.next_date).days) <= 3
            counts.active_checked += 1
            counts.active_called_cancelled += stream.status is Status.CANCELLED
    for truth in ledger.streams:
        if truth.cancelled and truth.occurrences >= MIN_TRUTH_OCCURRENCES:
            counts.cancel_checked += 1
            counts.cancel_flagged += _flagged_in_time(detector, txns, by_id, truth)
    return streams
