"""Grouping cleaned descriptor keys into merchants.

Character n-gram TF-IDF (so "blue bottle coffe", a bank's truncation, still looks like
"blue bottle coffee") and complete-linkage agglomerative clustering with a tight threshold.
Complete linkage means every pair inside a group is similar, not just a chain of neighbours:
chaining is how "uber" -> "uber eats" -> "uber eats pass" would end up one merchant.

Precision comes first (a wrong merge is worse than a missed one; users can merge by hand), so
two guards apply on top of the similarity:

- the first words must agree (equal, or one a truncation of the other of at least 4 letters):
  "target" and "targus" never merge, nor (a recall cost) "pgande" and "pg and e";
- a name that is another name plus whole extra words is a different merchant: "uber" vs
  "uber eats", "amazon" vs "amazon prime", and also "shell" vs "shell oil" — that last one is the
  same company in real life, but nothing in the text tells it from "uber eats", so it is left
  to the user's merge rather than guessed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import AgglomerativeClustering  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

from finsight.analytics.descriptors import TRUNCATION_MIN, first_words_agree

__all__ = [
    "MIN_SIMILARITY",
    "MerchantGroup",
    "block_key",
    "group_merchants",
    "may_merge",
    "merchant_index",
]

# Cosine similarity of character 2-4-gram TF-IDF vectors every pair in a group must reach.
MIN_SIMILARITY = 0.8


@dataclass(frozen=True)
class MerchantGroup:
    name: str  # canonical member: the most frequent, then the longest (truncations are shorter)
    members: tuple[str, ...]  # sorted
    count: int  # how many input strings (with repeats) fell in the group


def may_merge(a: str, b: str) -> bool:
    """The guards that hold whatever the similarity (see the module docstring)."""
    words_a, words_b = a.split(), b.split()
    if not words_a or not words_b or not first_words_agree(words_a[0], words_b[0]):
        return False
    set_a, set_b = set(words_a), set(words_b)
    return not (set_a != set_b and (set_a < set_b or set_b < set_a))


def block_key(key: str) -> str:
    """Keys that may merge share their first 4 characters (first words agree, at least 4 long),
    so similarities are only computed inside a block: the work stays near linear, and keys of
    different blocks are never grouped (an incremental run compares only the blocks it
    touches)."""
    return key.split()[0][:TRUNCATION_MIN] if key.strip() else ""


def _cluster_block(keys: list[str], vectors: np.ndarray) -> list[list[str]]:
    if len(keys) == 1:
        return [keys]
    similarity = np.clip(vectors @ vectors.T, 0.0, 1.0)
    distance = 1.0 - similarity
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            if not may_merge(keys[i], keys[j]):
                distance[i, j] = distance[j, i] = 1.0
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="complete",
        distance_threshold=1.0 - MIN_SIMILARITY,
    )
    labels = model.fit_predict(distance)
    groups: dict[int, list[str]] = {}
    for key, label in zip(keys, labels, strict=True):
        groups.setdefault(int(label), []).append(key)
    return list(groups.values())


def group_merchants(keys: Iterable[str] | Mapping[str, int]) -> list[MerchantGroup]:
    """Group keys (repeats, or a mapping's counts, count towards the canonical name);
    deterministic, sorted by name."""
    counts = Counter({k: n for k, n in Counter(keys).items() if k.strip()})
    if not counts:
        return []
    unique = sorted(counts)
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, use_idf=False
    )
    matrix = vectorizer.fit_transform(unique)  # rows are L2-normalised
    index = {key: i for i, key in enumerate(unique)}
    blocks: dict[str, list[str]] = {}
    for key in unique:
        blocks.setdefault(block_key(key), []).append(key)
    result: list[MerchantGroup] = []
    for block in blocks.values():
        rows = matrix[[index[k] for k in block]].toarray()
        for members in _cluster_block(block, rows):
            name = min(members, key=lambda k: (-counts[k], -len(k), k))
            total = sum(counts[k] for k in members)
            result.append(MerchantGroup(name=name, members=tuple(sorted(members)), count=total))
    return sorted(result, key=lambda g: g.name)


def merchant_index(groups: Iterable[MerchantGroup]) -> dict[str, str]:
    """Member key -> canonical name, for labelling transactions."""
    return {member: group.name for group in groups for member in group.members}
