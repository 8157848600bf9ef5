"""Banks' own category strings mapped onto the default category tree.

The importer calls `category_resolver(session)` once per import and the returned function once
per row, so that function is a dictionary look-up. Resolution order for a bank's string:

1. the card issuers' fixed vocabularies below (Chase, Discover, Capital One), onto the seeded
   (system) categories, found by their seed names even after an organization renames them;
2. a category path, "Parent > Child" or QIF's "Parent:Child", case-insensitive;
3. a category name, case-insensitive (OFX and QIF categories are free text); where two
   categories share a name, the shallower one wins, then the system one, then the path's order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from finsight.categories.resolve import lookup_resolver, normalize_key
from finsight.categories.tree import load_tree, system_ids

Path = tuple[str, ...]

GROCERIES: Path = ("Groceries",)
RESTAURANTS: Path = ("Restaurants",)
FUEL: Path = ("Transport", "Fuel")
CAR: Path = ("Transport", "Car maintenance")
SHOPPING: Path = ("Shopping",)
TRAVEL: Path = ("Travel",)
UTILITIES: Path = ("Utilities",)
ENTERTAINMENT: Path = ("Entertainment",)
HEALTHCARE: Path = ("Healthcare",)
HOME: Path = ("Housing", "Home maintenance")
EDUCATION: Path = ("Education",)
FEES: Path = ("Fees",)
CARD_PAYMENT: Path = ("Transfers", "Credit card payment")

# Chase credit card exports ("Category" column).
CHASE: dict[str, Path | None] = {
    "Groceries": GROCERIES,
    "Food & Drink": RESTAURANTS,
    "Gas": FUEL,
    "Shopping": SHOPPING,
    "Travel": TRAVEL,
    "Bills & Utilities": UTILITIES,
    "Entertainment": ENTERTAINMENT,
    "Health & Wellness": HEALTHCARE,
    "Personal": ("Personal care",),
    "Home": HOME,
    "Automotive": CAR,
    "Education": EDUCATION,
    "Fees & Adjustments": FEES,
    "Gifts & Donations": ("Gifts and donations",),
    # The default tree has no professional-services category: left uncategorized.
    "Professional Services": None,
}

# Discover card exports ("Category" column).
DISCOVER: dict[str, Path | None] = {
    "Restaurants": RESTAURANTS,
    "Supermarkets": GROCERIES,
    "Gasoline": FUEL,
    "Merchandise": SHOPPING,
    "Travel/ Entertainment": TRAVEL,
    "Services": None,
    "Payments and Credits": CARD_PAYMENT,
    "Awards and Rebate Credits": ("Income", "Other income"),
    "Department Stores": SHOPPING,
    "Education": EDUCATION,
    "Government Services": ("Taxes",),
    "Home Improvement": HOME,
    "Medical Services": ("Healthcare", "Doctor"),
    "Warehouse Clubs": GROCERIES,
    "Automotive": CAR,
}

# Capital One card exports ("Category" column).
CAPITAL_ONE: dict[str, Path | None] = {
    "Dining": RESTAURANTS,
    "Grocery": GROCERIES,
    "Gas/Automotive": FUEL,
    "Merchandise": SHOPPING,
    "Entertainment": ENTERTAINMENT,
    "Airfare": ("Travel", "Airfare"),
    "Lodging": ("Travel", "Lodging"),
    "Health Care": HEALTHCARE,
    "Phone/Cable": ("Utilities", "Phone"),
    "Payment/Credit": CARD_PAYMENT,
    "Other Services": None,
    "Other Travel": TRAVEL,
    "Car Rental": TRAVEL,
    "Fee/Interest Charge": FEES,
    "Insurance": None,
    "Internet": ("Utilities", "Internet"),
    "Professional Services": None,
    "Utilities": UTILITIES,
}

BANK_CATEGORIES: tuple[dict[str, Path | None], ...] = (CHASE, DISCOVER, CAPITAL_ONE)


def _bank_keys() -> dict[str, Path | None]:
    """One vocabulary for all three banks (they agree where they share a string)."""
    merged: dict[str, Path | None] = {}
    for vocabulary in BANK_CATEGORIES:
        for label, path in vocabulary.items():
            key = normalize_key(label)
            if key in merged and merged[key] != path:
                raise AssertionError(f"banks disagree on {label!r}")
            merged[key] = path
    return merged


BANK_KEYS = _bank_keys()


def build_lookup(session: Session) -> dict[str, uuid.UUID | None]:
    """Every string a bank may send, normalized, to a category id (None: known, unmapped)."""
    nodes = load_tree(session)
    lookup: dict[str, uuid.UUID | None] = {}
    # 3. names: shallow first, system first, then tree order; the first claim wins.
    ranked = sorted(enumerate(nodes), key=lambda p: (len(p[1].path), not p[1].is_system, p[0]))
    for _, node in ranked:
        lookup.setdefault(normalize_key(node.name), node.id)
    # 2. paths override names.
    for node in nodes:
        if len(node.path) > 1:
            lookup[normalize_key(" > ".join(node.path))] = node.id
            lookup[normalize_key(":".join(node.path))] = node.id
    # 1. the banks' vocabularies override both; a target the tenant lacks falls through.
    system = system_ids(nodes)
    for key, path in BANK_KEYS.items():
        if path is None:
            lookup[key] = None
            continue
        target = system.get(tuple(part.lower() for part in path))
        if target is not None:
            lookup[key] = target
    return lookup


def category_resolver(session: Session) -> Callable[[str | None], uuid.UUID | None]:
    """Load the tenant's categories once; the returned function maps a bank's category string
    to a category id, or None when nothing matches (the row stays uncategorized)."""
    return lookup_resolver(build_lookup(session))
