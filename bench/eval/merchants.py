"""Merchant grouping scored with B-cubed against the generator's merchant identities, along
the path the product stores (`finsight.analytics.merchant_store`):

- "descriptor": the cleaner on the raw bank descriptor, grouped in one go (what the recurring
  evaluation labels transactions with);
- "stored_full": the importer's text columns (`clean_description`, `normalize_merchant`), keyed
  as the merchants step keys them, grouped in one go (a full run);
- "stored_incremental": the same keys arriving month by month, each month placed as the run
  after an import places it (new keys only, next to the merchant grouping puts them with).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from bench.eval.generator import Ledger, generate_ledger
from bench.eval.metrics import GroupingCounts
from finsight.analytics.merchant_store import Placement, place_new_keys, source_key
from finsight.analytics.merchants import group_merchants, merchant_index
from finsight.transactions.merchants import clean_description, normalize_merchant

# Issue 6 targets, on the stored paths (what users see).
TARGETS = {"bcubed_precision": 0.95, "bcubed_recall": 0.85}


def stored_key(descriptor: str) -> str:
    """The key the merchants step gives an imported row (no merchant typed by a person)."""
    description = clean_description(descriptor)
    return source_key(normalize_merchant(description) or description, False)[0]


def grouped(keys: Sequence[str]) -> list[int]:
    """The merchant the product's grouping (one go, a full run) gives each key."""
    index_of = merchant_index(group_merchants(keys))
    return [index_of[key] for key in keys]


def _incremental(ledger: Ledger, keys: list[str]) -> list[str]:
    """Merchant of each transaction after monthly imports, each placed incrementally."""
    placed: dict[str, Placement] = {}
    by_month: dict[tuple[int, int], Counter[str]] = {}
    for txn, key in zip(ledger.transactions, keys, strict=True):
        by_month.setdefault((txn.date.year, txn.date.month), Counter())[key] += 1
    for month in sorted(by_month):
        plan = place_new_keys(by_month[month], placed, lambda key: key)
        for key, merchant in plan.placements.items():
            placed[key] = Placement(merchant, pinned=False)
    return [str(placed[k].merchant_id) for k in keys]


def evaluate_merchants(
    seed: int, tenants: int, years: int, end: date, descriptor: GroupingCounts
) -> tuple[list[dict[str, Any]], dict[str, float], dict[str, bool]]:
    """Lines for make eval, the targets, and whether each path meets them. `descriptor` holds
    the counts the recurring evaluation already gathered (no need to group twice)."""
    full, incremental = GroupingCounts(), GroupingCounts()
    for index in range(tenants):
        ledger = generate_ledger(seed, index, years, end)
        truth = [t.merchant.casefold() for t in ledger.transactions]
        keys = [stored_key(t.descriptor) for t in ledger.transactions]
        full.add(truth, grouped(keys))
        incremental.add(truth, _incremental(ledger, keys))
    run = {"seed": seed, "tenants": tenants, "years": years}
    results = {
        "descriptor": descriptor.result(),
        "stored_full": full.result(),
        "stored_incremental": incremental.result(),
    }
    lines = [{"suite": "merchants", "path": path, **run, **r} for path, r in results.items()]
    met = {
        f"merchants_{path}_{name}": results[path][name] >= target
        for path in ("stored_full", "stored_incremental")
        for name, target in TARGETS.items()
    }
    return lines, {f"merchants_{k}": v for k, v in TARGETS.items()}, met
