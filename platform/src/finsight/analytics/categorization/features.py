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
exploits (it featurizes each distinct row once). The description's words also lose what says
where or how a payment was made rather than to whom: whole tokens that contain a digit (the
letters of "P8HZ3NTK" are not words), the bank's wrapper ("POS DEBIT", "PURCHASE AUTHORIZED
ON"), web suffixes ("com", "www"), US state names and a trailing state code, and the names of
large US cities. A tenant's branches sit in a few cities, so a city learnt from one merchant
is spurious evidence for the next ("COMCAST CALIFORNIA" is not "SOUTHERN CALIFORNIA EDISON").
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

from finsight.analytics.descriptors import US_STATES

__all__ = [
    "N_FEATURES",
    "Example",
    "FeatureKey",
    "description_words",
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
_HAS_DIGIT = re.compile(r"\d")


def _split(text: str) -> list[str]:
    return text.split()


# Bank wrappers before the merchant's name (only as a leading run: "ONLINE TRANSFER" later in
# a descriptor means something).
_WRAPPER = frozenset(
    _split(
        "pos debit dda purchase pur checkcard check card visa recurring preauthorized authorized "
        "on withdrawal transaction ach electronic"
    )
)
_WEB = frozenset(_split("com net org www http https io"))
_STATE_CODES = frozenset(state.lower() for state in US_STATES) | {"usa", "us"}
# Place names, removed wherever they occur (several words as a whole): the 50 states and the
# largest US cities (general knowledge, not any one data set's list; "washington" stays, it is
# also the Washington Post, and so do cities that are common names: Buffalo, Lincoln, Mesa).
# First word -> the names that start with it, longest first ("kansas city" before "kansas").
_PLACE_NAMES = _split(
    "alabama alaska arizona arkansas california colorado connecticut delaware florida "
    "georgia hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland "
    "massachusetts michigan minnesota mississippi missouri montana nebraska nevada "
    "new_hampshire new_jersey new_mexico new_york north_carolina north_dakota ohio oklahoma "
    "oregon pennsylvania rhode_island south_carolina south_dakota tennessee texas utah "
    "vermont virginia west_virginia wisconsin wyoming los_angeles chicago houston phoenix "
    "philadelphia san_antonio san_diego dallas san_jose austin jacksonville fort_worth "
    "columbus charlotte indianapolis san_francisco seattle denver oklahoma_city nashville "
    "el_paso boston portland las_vegas detroit memphis louisville baltimore milwaukee "
    "albuquerque tucson fresno sacramento kansas_city atlanta omaha colorado_springs raleigh "
    "long_beach virginia_beach miami oakland minneapolis tulsa tampa arlington new_orleans "
    "wichita cleveland bakersfield anaheim honolulu santa_ana riverside corpus_christi "
    "lexington stockton saint_paul st_paul cincinnati st_louis saint_louis pittsburgh "
    "greensboro anchorage plano orlando irvine newark durham chula_vista toledo fort_wayne "
    "st_petersburg laredo jersey_city madison lubbock scottsdale reno glendale "
    "north_las_vegas winston_salem chesapeake norfolk fremont garland hialeah richmond boise "
    "spokane baton_rouge salt_lake_city brooklyn queens bronx manhattan palo_alto"
)
_PLACES: dict[str, list[tuple[str, ...]]] = {}
for _name in _PLACE_NAMES:
    _PLACES.setdefault(_name.split("_")[0], []).append(tuple(_name.split("_")))
for _starts in _PLACES.values():
    _starts.sort(key=len, reverse=True)
_HASHER = FeatureHasher(n_features=N_FEATURES, input_type="pair", alternate_sign=False)


def normalize_text(text: str) -> str:
    """Lower case letters and '&', single spaces; digits and punctuation are separators."""
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def description_words(text: str, *, name: bool = False) -> str:
    """The description's words that may say what was bought (see the module docstring).

    `name`: the text is a cleaned merchant name, whose codes and wrappers are gone already
    and whose digits may be its own ("7-Eleven"): only places and web suffixes go."""
    tokens = text.lower().split()
    if not name:
        tokens = [t for t in tokens if not _HAS_DIGIT.search(t)]
    words = _NOT_WORD.sub(" ", " ".join(tokens)).split()
    if not name:
        start = 0
        while start < len(words) and words[start] in _WRAPPER:
            start += 1
        words = words[start:] or words
    if len(words) > 1 and words[-1] in _STATE_CODES:
        words = words[:-1]
    kept: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        place = next((p for p in _PLACES.get(word, ()) if tuple(words[i : i + len(p)]) == p), None)
        if place is not None:
            i += len(place)
            continue
        if word not in _WEB:
            kept.append(word)
        i += 1
    return " ".join(kept)


def _bucket(amount: Decimal | float) -> int:
    value = abs(float(amount))
    if value < 1.0:
        return 0
    return 1 + int(math.log10(value) * 2)  # 1-3 -> 1, 3-10 -> 2, 10-30 -> 3, ...


def feature_key(example: Example, cache: dict[str, str] | None = None) -> FeatureKey:
    """Everything the features depend on, normalised: equal keys give equal rows."""
    # The merchant name loses places too (a display name can keep a city, "Comcast
    # California"); one cache serves both, names keyed apart ("\0" + name).
    if cache is None:
        description = description_words(example.description)
        merchant = description_words(example.merchant, name=True)
    else:
        description = cache.get(example.description)  # type: ignore[assignment]
        if description is None:
            description = cache.setdefault(
                example.description, description_words(example.description)
            )
        merchant = cache.get("\0" + example.merchant)  # type: ignore[assignment]
        if merchant is None:
            merchant = cache.setdefault(
                "\0" + example.merchant, description_words(example.merchant, name=True)
            )
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
