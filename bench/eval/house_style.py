"""How a tenant files some things its own way (its house style), for the corrections protocol.

The generator's truth categories are the starter taxonomy, which is also what the shared
bootstrap model predicts: a tenant that files exactly that way leaves its corrections little to
do (make eval: the bootstrap alone scores 0.897 macro-F1 there, so "+10 points after 20
corrections" would need 0.997, which no learner reaches). Real organizations do not file like
any starter taxonomy: they do not use a subcategory, count streaming as entertainment, keep a
category of their own for the dog or the car loan. Those differences are what corrections are
for.

Each convention below is one such habit, named, with the probability a tenant has it (a
judgement of how common it is, fixed before any result was seen, not fitted), and drawn per
tenant from the seed: a tenant has each independently, so some have none. A row takes the
category of the first convention that covers it, else keeps its truth category. Only the
categorization suite uses house styles; every other suite scores the generator's truth as is.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.eval.generator import RawTxn


@dataclass(frozen=True)
class Convention:
    name: str
    probability: float
    covers: Callable[[RawTxn], bool]
    category: str  # the tenant's category for the rows it covers


def _category(path: str) -> Callable[[RawTxn], bool]:
    return lambda t: t.category == path


def _under(top: str) -> Callable[[RawTxn], bool]:
    return lambda t: t.category.split("/")[0] == top


def _merchants(*names: str) -> Callable[[RawTxn], bool]:
    return lambda t: t.merchant in names


CONVENTIONS: tuple[Convention, ...] = (
    Convention(
        "coffee counts as dining", 0.4, _category("Restaurants/Coffee shops"), "Restaurants"
    ),
    Convention(
        "streaming is entertainment", 0.3, _category("Subscriptions/Streaming"), "Entertainment"
    ),
    Convention("one Transport category", 0.3, _under("Transport"), "Transport"),
    Convention("one Travel category", 0.3, _under("Travel"), "Travel"),
    Convention("one Utilities category", 0.25, _under("Utilities"), "Utilities"),
    Convention(
        "software is a business expense",
        0.25,
        _category("Subscriptions/Software"),
        "Business/Software",
    ),
    Convention(
        "a Household category",
        0.3,
        _merchants("Amazon", "Amazon Marketplace", "Costco"),
        "Household",
    ),
    Convention("a Pets category", 0.3, _merchants("Rover", "Chewy"), "Pets"),
    Convention("childcare of its own", 0.3, _merchants("Bright Horizons"), "Kids/Childcare"),
    Convention("the car loan as debt", 0.3, _merchants("Toyota Financial"), "Loans/Car loan"),
)


def house_style(seed: int, index: int) -> tuple[Convention, ...]:
    """The conventions tenant `index` of `seed` has (seeded; independent of every other draw)."""
    rng = random.Random(f"{seed}:{index}:house-style")
    return tuple(c for c in CONVENTIONS if rng.random() < c.probability)


def styled_categories(style: Sequence[Convention], rows: Sequence[RawTxn]) -> list[str]:
    """Each row's category as a tenant with `style` files it."""
    return [next((c.category for c in style if c.covers(t)), t.category) for t in rows]
