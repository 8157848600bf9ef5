"""Categorization against the generator's truth categories (issue 6 targets).

Protocols, all per tenant (a tenant's model only ever sees that tenant's rows) and scored pooled
over tenants, macro-F1 over the categories present in the scored rows:
- unseen merchants: the tenant's truth merchants are split in two halves (seeded); the model
  learns the rows of one half (plus the bootstrap prior) and is scored on the other, so no test
  merchant was seen in training. Also reported on the test merchants the bootstrap keyword list
  does not name (the strictest reading of "unseen").
- random split: half the rows each way; a sanity check only (the same merchants on both sides).
- corrections: a new tenant gets the bootstrap model; the user corrects one row of each of the
  20 merchants (as the product groups them) the bootstrap gets wrong most often (one label per
  merchant); the tenant model is trained on those 20 labels and scored against the bootstrap on
  every other row. The tenant files some things its own way (bench.eval.house_style: its truth
  categories restyled by conventions drawn from the seed), since a tenant that files exactly as
  the starter taxonomy leaves corrections almost nothing to do; `corrections_starter_style_*`
  is the same protocol on the generator's truth as is. `unseen_house_style` is the
  unseen-merchants protocol on the restyled truth (information, not a target: a merchant-level
  convention on a merchant never seen cannot be known).
- abstention: on the unseen-merchant split at the threshold chosen at training: precision of the
  rows it categorizes and the share it categorizes.
Every protocol predicts as the product does, a merchant's rows pooling their evidence and
following the labels its other rows carry (the training side's labels; in the corrections
protocol, the corrections): the merchants are the product's own grouping of the stored merchant
keys (bench.eval.merchants), not the generator's identities. The corrections protocol also
reports two bounds: `corrections_merchant_memory` (every row of a corrected merchant takes the
correction, every other row keeps the bootstrap's answer) and the most any learner could add
(1 - before).
Baseline (the peer product's rule): the category the tenant gave the same cleaned merchant before
(most frequent), else the bank's own category mapped by finsight.categories.bank_mapping, else
nothing. Only the first CATEGORIZATION_TENANTS tenants are used unless the caller names others
(`python -m bench.eval --categorization-tenants 4-9`): training is the slow part.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from sklearn.metrics import f1_score  # type: ignore[import-untyped]

from bench.eval.generator import Ledger, RawTxn, generate_ledger
from bench.eval.house_style import house_style, styled_categories
from bench.eval.merchants import grouped, stored_key
from finsight.analytics.categorization.bootstrap import bootstrap_classifier, corpus
from finsight.analytics.categorization.classifier import CategoryClassifier, Prediction
from finsight.analytics.categorization.features import Example, normalize_text
from finsight.analytics.categorization.keywords import KEYWORDS
from finsight.analytics.descriptors import clean_descriptor
from finsight.categories.bank_mapping import BANK_KEYS
from finsight.categories.resolve import normalize_key

CATEGORIZATION_TENANTS = 4
CORRECTIONS = 20
TARGETS = {
    "categorization_macro_f1_unseen_merchants": 0.85,
    "categorization_corrections_gain": 0.10,
    "categorization_abstention_precision": 0.95,
    "categorization_abstention_coverage": 0.70,
}
NONE = "(uncategorized)"


class _Scores:
    """Pooled truth and predictions (None = uncategorized) of one protocol."""

    def __init__(self) -> None:
        self.truth: list[str] = []
        self.predicted: list[str | None] = []

    def add(self, truth: Sequence[str], predicted: Sequence[str | None]) -> None:
        self.truth += truth
        self.predicted += predicted

    def macro_f1(self) -> float:
        if not self.truth:
            return 0.0
        labels = sorted(set(self.truth))
        predicted = [p if p is not None else NONE for p in self.predicted]
        return round(float(f1_score(self.truth, predicted, labels=labels, average="macro")), 4)

    def result(self) -> dict[str, Any]:
        made = [(t, p) for t, p in zip(self.truth, self.predicted, strict=True) if p is not None]
        right = sum(t == p for t, p in made)
        return {
            "macro_f1": self.macro_f1(),
            "accuracy": round(right / len(self.truth), 4) if self.truth else 0.0,
            "categorized": round(len(made) / len(self.truth), 4) if self.truth else 0.0,
            "precision": round(right / len(made), 4) if made else 0.0,
            "rows": len(self.truth),
        }


def examples_of(transactions: Sequence[RawTxn]) -> list[Example]:
    return [
        Example(
            t.descriptor,
            clean_descriptor(t.descriptor).display,
            t.amount,
            t.bank_category,
            t.mcc,
        )
        for t in transactions
    ]


def merchant_groups(transactions: Sequence[RawTxn]) -> list[int]:
    """The merchant the product groups each transaction under (its merchants step)."""
    return grouped([stored_key(t.descriptor) for t in transactions])


def _bank_rule(example: Example) -> str | None:
    if not example.bank_category:
        return None
    path = BANK_KEYS.get(normalize_key(example.bank_category))
    return "/".join(path) if path else None


def baseline(
    train: Sequence[Example], labels: Sequence[str], test: Sequence[Example]
) -> list[str | None]:
    """Same merchant as a labelled row: its most frequent label; else the bank's category."""
    seen: dict[str, Counter[str]] = {}
    for example, label in zip(train, labels, strict=True):
        seen.setdefault(normalize_text(example.merchant), Counter())[label] += 1
    result: list[str | None] = []
    for example in test:
        counts = seen.get(normalize_text(example.merchant))
        result.append(counts.most_common(1)[0][0] if counts else _bank_rule(example))
    return result


def _named_by_keywords(identity: str) -> bool:
    words = f" {normalize_text(identity)} "
    return any(f" {normalize_text(k)} " in words for ks in KEYWORDS.values() for k in ks)


def _labels(predictions: Sequence[Prediction]) -> list[str | None]:
    return [p.label for p in predictions]


def _best(predictions: Sequence[Prediction]) -> list[str | None]:
    return [p.best for p in predictions]


def _known(
    groups: Sequence[int], truth: Sequence[str], labelled: Sequence[int]
) -> dict[int, Counter[str]]:
    """The labels of the `labelled` rows counted per merchant: what the product's run reads of
    the rows people categorized."""
    known: dict[int, Counter[str]] = {}
    for i in labelled:
        known.setdefault(groups[i], Counter())[truth[i]] += 1
    return known


def _corrections(
    groups: Sequence[int], truth: Sequence[str], boot: Sequence[Prediction]
) -> list[int]:
    """One row (the first) of each of the merchants the bootstrap gets wrong most often; a
    merchant as the product groups it (what a person sees and corrects)."""
    wrong: Counter[int] = Counter()
    first: dict[int, int] = {}
    for i, (group, label, prediction) in enumerate(zip(groups, truth, boot, strict=True)):
        if prediction.best != label:
            wrong[group] += 1
            first.setdefault(group, i)
    return [first[group] for group, _ in wrong.most_common(CORRECTIONS)]


def _unseen(
    prefix: str,
    rows: Sequence[RawTxn],
    examples: Sequence[Example],
    groups: Sequence[int],
    truth: Sequence[str],
    rng: random.Random,
    scores: dict[str, _Scores],
    *,
    baselines: bool,
) -> None:
    """Half the truth merchants train, the other half test (`prefix` names the lines);
    `baselines`: also the peer rule and the merchants the keyword list does not name."""
    merchants = sorted({t.merchant.casefold() for t in rows})
    rng.shuffle(merchants)
    train_side = set(merchants[: len(merchants) // 2])
    train = [i for i, t in enumerate(rows) if t.merchant.casefold() in train_side]
    test = [i for i, t in enumerate(rows) if t.merchant.casefold() not in train_side]
    model = CategoryClassifier.train(
        [examples[i] for i in train], [truth[i] for i in train], prior=corpus()
    )
    predicted = model.predict(
        [examples[i] for i in test],
        merchants=[groups[i] for i in test],
        known=_known(groups, truth, train),
    )
    test_truth = [truth[i] for i in test]
    scores[prefix].add(test_truth, _best(predicted))
    scores[f"{prefix}_abstaining"].add(test_truth, _labels(predicted))
    if not baselines:
        return
    scores[f"{prefix}_baseline"].add(
        test_truth,
        baseline(
            [examples[i] for i in train], [truth[i] for i in train], [examples[i] for i in test]
        ),
    )
    strict = [j for j, i in enumerate(test) if not _named_by_keywords(rows[i].merchant)]
    scores[f"{prefix}_not_in_keywords"].add(
        [test_truth[j] for j in strict], [predicted[j].best for j in strict]
    )


def _corrected(
    prefix: str,
    examples: Sequence[Example],
    groups: Sequence[int],
    truth: Sequence[str],
    boot: Sequence[Prediction],
    scores: dict[str, _Scores],
) -> None:
    """A new tenant corrects CORRECTIONS rows; the model trained on them against the bootstrap,
    scored on every other row (`prefix` names the lines)."""
    fixed = _corrections(groups, truth, boot)
    rest = sorted(set(range(len(examples))) - set(fixed))
    model = CategoryClassifier.train(
        [examples[i] for i in fixed], [truth[i] for i in fixed], prior=corpus()
    )
    known = _known(groups, truth, fixed)
    after = model.predict(
        [examples[i] for i in rest], merchants=[groups[i] for i in rest], known=known
    )
    rest_truth = [truth[i] for i in rest]
    scores[f"{prefix}_before"].add(rest_truth, [boot[i].best for i in rest])
    scores[f"{prefix}_before_abstaining"].add(rest_truth, [boot[i].label for i in rest])
    scores[f"{prefix}_merchant_memory"].add(
        rest_truth,
        [
            known[groups[i]].most_common(1)[0][0] if groups[i] in known else boot[i].best
            for i in rest
        ],
    )
    scores[f"{prefix}_after"].add(rest_truth, _best(after))
    scores[f"{prefix}_after_abstaining"].add(rest_truth, _labels(after))
    scores[f"{prefix}_baseline"].add(
        rest_truth,
        baseline(
            [examples[i] for i in fixed], [truth[i] for i in fixed], [examples[i] for i in rest]
        ),
    )


def _tenant(
    ledger: Ledger, seed: int, index: int, scores: dict[str, _Scores]
) -> tuple[list[Example], list[int], int]:
    """Score one tenant into `scores`; its examples and merchant groups, for reuse, and how
    many of its rows its house style files differently."""
    rows = ledger.transactions
    examples = examples_of(rows)
    truth = [t.category for t in rows]
    groups = merchant_groups(rows)
    rng = random.Random(f"{seed}:{index}:categorization-split")
    boot = bootstrap_classifier().predict(examples, merchants=groups)
    scores["bootstrap"].add(truth, _best(boot))
    scores["bootstrap_abstaining"].add(truth, _labels(boot))
    scores["bank_category_rule"].add(truth, [_bank_rule(e) for e in examples])

    _unseen("unseen", rows, examples, groups, truth, rng, scores, baselines=True)

    # Random split (sanity only).
    order = list(range(len(rows)))
    rng.shuffle(order)
    train, test = order[: len(order) // 2], order[len(order) // 2 :]
    model = CategoryClassifier.train(
        [examples[i] for i in train], [truth[i] for i in train], calibrate=False
    )
    scores["random"].add(
        [truth[i] for i in test],
        _best(
            model.predict(
                [examples[i] for i in test],
                merchants=[groups[i] for i in test],
                known=_known(groups, truth, train),
            )
        ),
    )

    _corrected("corrections_starter_style", examples, groups, truth, boot, scores)
    styled = styled_categories(house_style(seed, index), rows)
    _corrected("corrections", examples, groups, styled, boot, scores)
    # The same merchant split as the starter-style unseen protocol.
    rng = random.Random(f"{seed}:{index}:categorization-split")
    _unseen("unseen_house_style", rows, examples, groups, styled, rng, scores, baselines=False)
    return examples, groups, sum(a != b for a, b in zip(truth, styled, strict=True))


def evaluate_categorization(
    seed: int, tenants: int, years: int, end: date, indices: range | None = None
) -> tuple[list[dict[str, Any]], dict[str, float], dict[str, bool], dict[str, bool]]:
    """Suite lines, and for the targets line: targets, met, beats_baseline. The tenants used are
    `indices`, else the first CATEGORIZATION_TENANTS of `tenants`."""
    started = time.perf_counter()
    indices = indices or range(min(tenants, CATEGORIZATION_TENANTS))
    names = [
        "bootstrap",
        "bootstrap_abstaining",
        "bank_category_rule",
        "unseen",
        "unseen_abstaining",
        "unseen_baseline",
        "unseen_not_in_keywords",
        "random",
        *(
            f"{prefix}_{line}"
            for prefix in ("corrections", "corrections_starter_style")
            for line in (
                "before",
                "before_abstaining",
                "after",
                "after_abstaining",
                "merchant_memory",
                "baseline",
            )
        ),
        "unseen_house_style",
        "unseen_house_style_abstaining",
    ]
    scores = {name: _Scores() for name in names}
    named = total = styled = rows_total = 0
    styles: list[dict[str, Any]] = []
    first: tuple[list[Example], list[int]] | None = None
    for index in indices:
        ledger = generate_ledger(seed, index, years, end)
        identities = {t.merchant.casefold() for t in ledger.transactions}
        named += sum(_named_by_keywords(i) for i in identities)
        total += len(identities)
        tenant_examples, tenant_groups, restyled = _tenant(ledger, seed, index, scores)
        styled += restyled
        rows_total += len(tenant_examples)
        styles.append({"tenant": index, "conventions": [c.name for c in house_style(seed, index)]})
        first = first or (tenant_examples, tenant_groups)
    # Prediction speed on the rows of the first tenant used, repeated to 200,000 rows.
    assert first is not None  # indices is never empty
    sample, sample_groups = first
    repeats = 200_000 // len(sample) + 1
    rows = (sample * repeats)[:200_000]
    groups = (sample_groups * repeats)[:200_000]
    model = bootstrap_classifier()
    tick = time.perf_counter()
    model.predict(rows, merchants=groups)
    rate = len(rows) / (time.perf_counter() - tick)

    run = {
        "seed": seed,
        "tenants": len(indices),
        "tenant_indices": f"{indices[0]}-{indices[-1]}",
        "years": years,
    }
    results = {name: s.result() for name, s in scores.items()}
    lines: list[dict[str, Any]] = [
        {"suite": "categorization", "protocol": name, **run, **result}
        for name, result in results.items()
    ]
    lines.append(
        {
            "suite": "categorization_info",
            **run,
            "merchants_named_by_bootstrap_keywords": f"{named}/{total}",
            "bootstrap_threshold": model.threshold,
            "predict_rows_per_second": int(rate),
            "house_styles": styles,
            "house_style_rows_restyled": round(styled / rows_total, 4),
            "seconds": round(time.perf_counter() - started, 1),
        }
    )
    gains = {
        prefix: results[f"{prefix}_after"]["macro_f1"] - results[f"{prefix}_before"]["macro_f1"]
        for prefix in ("corrections", "corrections_starter_style")
    }
    gain = gains["corrections"]
    # A gain is bounded by what the bootstrap leaves: the share of that room the corrections
    # closed, and the most any learner could add (1 - before), for both styles.
    for prefix, prefix_gain in gains.items():
        before = results[f"{prefix}_before"]["macro_f1"]
        lines[-1][f"{prefix}_gain"] = round(prefix_gain, 4)
        lines[-1][f"{prefix}_room_closed"] = (
            round(prefix_gain / (1 - before), 4) if before < 1 else 1.0
        )
        lines[-1][f"{prefix}_max_gain"] = round(1 - before, 4)
    observed = {
        "categorization_macro_f1_unseen_merchants": results["unseen"]["macro_f1"],
        "categorization_corrections_gain": round(gain, 4),
        "categorization_abstention_precision": results["unseen_abstaining"]["precision"],
        "categorization_abstention_coverage": results["unseen_abstaining"]["categorized"],
    }
    met = {k: observed[k] >= target for k, target in TARGETS.items()}
    beats = {
        "categorization_unseen_macro_f1": results["unseen"]["macro_f1"]
        > results["unseen_baseline"]["macro_f1"],
        "categorization_corrections_macro_f1": results["corrections_after"]["macro_f1"]
        > results["corrections_baseline"]["macro_f1"],
    }
    return lines, TARGETS, met, beats
