"""What the classifier sees of a transaction, hashed into one sparse row.

Feature blocks (each block is L2-normalised on its own, so a long descriptor's hundred character
n-grams do not drown the single MCC feature):
- words and word bigrams of the description and of the merchant name;
- character 3-5-grams of the merchant name (of the description when there is no name), which
  carry "coffee" in "BLUECOFFEE" and survive truncation ("STARBUC");
- direction (money in or out) and a coarse magnitude bucket (half decades: 1-3, 3-10, 10-30...);
- the bank's own category text, and the MCC with its two-digit group.

Digits are dropped before anything is hashed: store numbers, reference codes and phone numbers
are noise for categorization, and dropping them makes many rows identical, which the classifier
exploits (it featurizes each distinct row once).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.feature_extraction import FeatureHasher  # type: ignore[import-untyped]

__all__ = [
    "N_FEATURES",
    "Example",
    "FeatureKey",
    "feature_key",
    "featurize_keys",
    "normalize_text",
    "unique_keys",
]

N_FEATURES = 1 << 20
# Weights of the bank-category and MCC features against the L2-normalised text blocks (2 or 3
# changed unseen-merchant macro-F1 by under a point either way, so they stay 1).
BANK_WEIGHT = 1.0
MCC_WEIGHT = 1.0


@dataclass(frozen=True)
class Example:
    description: str  # the cleaned bank description (transactions.description)
    merchant: str  # merchant display name (may be "")
    amount: Decimal | float  # signed: negative = money out
    bank_category: str | None = None  # the bank's own category text, e.g. Chase "Food & Drink"
    mcc: int | None = None  # ISO 18245 merchant category code where present


# (description words, merchant words, direction, magnitude bucket, bank category, mcc)
FeatureKey = tuple[str, str, str, int, str, int]

_NOT_WORD = re.compile(r"[^a-z&]+")
_HASHER = FeatureHasher(n_features=N_FEATURES, input_type="pair", alternate_sign=False)


def normalize_text(text: str) -> str:
    """Lower case letters and '&', single spaces; digits and punctuation are separators."""
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def _bucket(amount: Decimal | float) -> int:
    value = abs(float(amount))
    if value < 1.0:
        return 0
    return 1 + int(math.log10(value) * 2)  # 1-3 -> 1, 3-10 -> 2, 10-30 -> 3, ...


def feature_key(example: Example, cache: dict[str, str] | None = None) -> FeatureKey:
    """Everything the features depend on, normalised: equal keys give equal rows."""
    if cache is None:
        description = normalize_text(example.description)
        merchant = normalize_text(example.merchant)
    else:
        description = cache.get(example.description)  # type: ignore[assignment]
        if description is None:
            description = cache.setdefault(example.description, normalize_text(example.description))
        merchant = cache.get(example.merchant)  # type: ignore[assignment]
        if merchant is None:
            merchant = cache.setdefault(example.merchant, normalize_text(example.merchant))
    amount = example.amount
    return (
        description,
        merchant,
        "in" if amount > 0 else "out",
        _bucket(amount),
        normalize_text(example.bank_category) if example.bank_category else "",
        example.mcc if example.mcc is not None else -1,
    )


def _words(prefix: str, text: str) -> list[str]:
    tokens = text.split()
    features = [f"{prefix}{t}" for t in tokens if len(t) > 1]
    features += [f"{prefix}{a}_{b}" for a, b in itertools.pairwise(tokens)]
    return features


def _chars(text: str) -> list[str]:
    padded = f" {text} "
    return [f"c:{padded[i : i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)]


def _block(features: list[str]) -> list[tuple[str, float]]:
    if not features:
        return []
    weight = 1.0 / math.sqrt(len(features))
    return [(f, weight) for f in features]


def _small(key: FeatureKey) -> list[tuple[str, float]]:
    _, _, direction, bucket, bank, mcc = key
    pairs = [(f"dir:{direction}", 1.0), (f"amt:{direction}{bucket}", 0.5)]
    if bank:
        pairs.append((f"bank:{bank}", BANK_WEIGHT))
    if mcc >= 0:
        pairs += [(f"mcc:{mcc}", MCC_WEIGHT), (f"mcc2:{mcc // 100}", 0.5 * MCC_WEIGHT)]
    return pairs


# Each block depends on one part of the key only; (part of the key, its hashed features).
_BLOCKS: tuple[
    tuple[Callable[[FeatureKey], Hashable], Callable[[FeatureKey], list[tuple[str, float]]]], ...
] = (
    (lambda k: k[0], lambda k: _block(_words("d:", k[0]))),
    (lambda k: k[1], lambda k: _block(_words("m:", k[1]))),
    (lambda k: k[1] or k[0], lambda k: _block(_chars(k[1] or k[0]))),
    (lambda k: k[2:], _small),
)


def _shared_block(
    keys: Sequence[FeatureKey],
    part: Callable[[FeatureKey], Hashable],
    pairs: Callable[[FeatureKey], list[tuple[str, float]]],
) -> sp.csr_matrix:
    """One block for every key, featurized once per distinct part: reference codes make most
    descriptions unique, but the merchant name (whose character n-grams are the bulk of the
    work) and the direction/amount/bank/MCC part repeat, so those are hashed once and the rows
    are assembled by a sparse selection product (in C)."""
    index: dict[Hashable, int] = {}
    first: list[FeatureKey] = []
    rows = np.empty(len(keys), dtype=np.int64)
    for i, key in enumerate(keys):
        value = part(key)
        slot = index.get(value)
        if slot is None:
            slot = index[value] = len(first)
            first.append(key)
        rows[i] = slot
    distinct = _HASHER.transform(pairs(k) for k in first)
    select = sp.csr_matrix(
        (np.ones(len(keys)), (np.arange(len(keys)), rows)), shape=(len(keys), len(first))
    )
    return select @ distinct


def featurize_keys(keys: Sequence[FeatureKey]) -> sp.csr_matrix:
    """One hashed sparse row per key (rows in the order given)."""
    if not keys:
        return sp.csr_matrix((0, N_FEATURES), dtype=np.float64)
    matrix = sum(
        (_shared_block(keys, part, pairs) for part, pairs in _BLOCKS[1:]),
        _shared_block(keys, *_BLOCKS[0]),
    )
    return sp.csr_matrix(matrix, dtype=np.float64)


def unique_keys(
    examples: Sequence[Example],
) -> tuple[list[FeatureKey], np.ndarray]:
    """The distinct feature keys and, for each example, the index of its key."""
    cache: dict[str, str] = {}
    index: dict[Hashable, int] = {}
    keys: list[FeatureKey] = []
    positions = np.empty(len(examples), dtype=np.int64)
    for i, example in enumerate(examples):
        key = feature_key(example, cache)
        slot = index.get(key)
        if slot is None:
            slot = index[key] = len(keys)
            keys.append(key)
        positions[i] = slot
    return keys, positions
