"""The shared bootstrap model for a tenant with no labels, and the prior every tenant model
learns on top of.

Its corpus is built here, deterministically, from three committed sources of knowledge:
- keywords.py: words and brands per seed category, rendered the way banks print descriptors
  (processor prefixes, store numbers, cities) with a typical amount;
- merchant category codes from the `iso18245` package, each mapped onto a seed category by
  rules over the code's official descriptions (airline and hotel code ranges, "Eating places",
  "Service stations", ...), the description serving as the example's text;
- the card issuers' category vocabularies in finsight.categories.bank_mapping.

Labels are seed-category paths, the seed names joined by "/" ("Restaurants/Coffee shops").
The model trains at first use (about a second) and is cached for the process; nothing binary
is committed.
"""

from __future__ import annotations

import random
import re
from functools import cache

import iso18245

from finsight.analytics.categorization.classifier import CategoryClassifier
from finsight.analytics.categorization.features import Example
from finsight.analytics.categorization.keywords import AMOUNTS, KEYWORDS
from finsight.categories.bank_mapping import BANK_CATEGORIES

__all__ = ["SEED_PATHS", "bootstrap_classifier", "corpus", "mcc_category"]

# The default category tree of migration tenant 0001, as paths (a test keeps them in step).
_SEED_TREE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Income", ("Salary", "Interest", "Refunds", "Other income")),
    ("Housing", ("Rent", "Mortgage", "Home maintenance", "Home insurance")),
    ("Groceries", ()),
    ("Restaurants", ("Coffee shops", "Fast food", "Bars")),
    ("Transport", ("Fuel", "Public transit", "Rideshare", "Parking", "Car maintenance")),
    ("Utilities", ("Electricity", "Gas", "Water", "Internet", "Phone")),
    ("Subscriptions", ("Streaming", "Software")),
    ("Healthcare", ("Pharmacy", "Doctor", "Health insurance")),
    ("Shopping", ("Clothing", "Electronics", "Household")),
    ("Entertainment", ()),
    ("Travel", ("Airfare", "Lodging")),
    ("Education", ()),
    ("Personal care", ()),
    ("Gifts and donations", ()),
    ("Taxes", ()),
    ("Fees", ("Bank fees", "Interest charged")),
    ("Transfers", ("Credit card payment", "Account transfer")),
)
SEED_PATHS: tuple[str, ...] = tuple(
    path
    for parent, children in _SEED_TREE
    for path in (parent, *(f"{parent}/{child}" for child in children))
)

# MCC descriptions -> category, first match wins; code ranges first (airlines, car rental and
# hotel chains have their own code each: 3000-3299, 3351-3500, 3501-3999).
_MCC_RANGES = (
    (3000, 3299, "Travel/Airfare"),
    (3351, 3500, "Travel"),
    (3501, 3999, "Travel/Lodging"),
)
_MCC_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), category)
    for pattern, category in (
        (r"airline|air carrier", "Travel/Airfare"),
        (r"lodging|hotel|motel|resort", "Travel/Lodging"),
        (r"commuter|passenger railway|railroad|bus lines|ferries", "Transport/Public transit"),
        (r"taxicab|taxi-cab|limousine", "Transport/Rideshare"),
        (r"parking|tolls", "Transport/Parking"),
        (r"service station|fuel dispenser", "Transport/Fuel"),
        (r"car rental|truck rental|travel agenc|tour operator|cruise|timeshare", "Travel"),
        (r"car and truck dealers", "Transport"),  # sales and leasing: the car payment
        (r"automo|auto |tire|car wash|towing|motor vehicle|body repair",
         "Transport/Car maintenance"),
        (r"fast food", "Restaurants/Fast food"),
        (r"drinking place|bars|taverns|nightclub", "Restaurants/Bars"),
        (r"eating place|restaurant|caterer", "Restaurants"),
        (r"grocer|supermarket|convenience|bakeries|dairy|meat|candy", "Groceries"),
        (r"utilities|electric, gas", "Utilities/Electricity"),
        (r"telecommunication|telephone", "Utilities/Phone"),
        (r"streaming", "Subscriptions/Streaming"),
        (r"cable|computer network", "Utilities/Internet"),
        (r"digital goods - games", "Entertainment"),  # games are Entertainment (keywords)
        # 7372 "Computer Programming, Data Processing": how SaaS and app makers bill, not a
        # computer shop.
        (r"digital goods|software|continuity|subscription|computer programming|data processing",
         "Subscriptions/Software"),
        (r"drug stores|pharmac", "Healthcare/Pharmacy"),
        (r"doctor|physician|dentist|orthodont|optometr|optician|chiropract|hospital|medical|nursing",
         "Healthcare/Doctor"),
        (r"insurance", "Housing/Home insurance"),
        (r"real estate", "Housing/Rent"),
        (r"exterminat|cleaning|janitorial|landscap|contractor|carpentry|roofing|plumbing"
         r"|hardware|lumber|paint|heating|air conditioning|home supply",
         "Housing/Home maintenance"),
        (r"furniture|home furnish|household|appliance|drapery|glassware|kitchen",
         "Shopping/Household"),
        (r"clothing|apparel|shoe|wear|tailor|accessor|boutique", "Shopping/Clothing"),
        (r"electronic|computer|camera|record store", "Shopping/Electronics"),
        (r"beauty|barber|salon|massage|health and fitness|cosmetic|spa", "Personal care"),
        (r"motion picture|theat|amusement|recreation|bowling|golf|video game|arcade|casino"
         r"|betting|lotter|tourist attraction|music|entertain|sports club|membership club",
         "Entertainment"),
        (r"school|college|universit|education|child care|day care", "Education"),
        (r"charit|religious|political|civic|social|florist", "Gifts and donations"),
        (r"tax payment|court|fines|government", "Taxes"),
        (r"financial institution|money order|wire transfer|securities|brokers|quasi cash"
         r"|stored value", "Transfers/Account transfer"),
        (r"book|department store|variety|discount|general merchandise|sporting|toy|hobby"
         r"|gift|jewel|direct marketing|catalog|retail|stores|shops|outlets", "Shopping"),
    )
)  # fmt: skip

_PREFIXES = ("", "", "", "SQ *", "TST* ", "POS DEBIT ", "CHECKCARD ", "PAYPAL *", "PURCHASE ")
_PLACES = (
    "DALLAS TX", "CHARLOTTE NC", "MINNEAPOLIS MN", "TAMPA FL", "COLUMBUS OH", "RALEIGH NC",
    "NASHVILLE TN", "PITTSBURGH PA", "SAN DIEGO CA", "KANSAS CITY MO", "MADISON WI",
    "RICHMOND VA", "ALBUQUERQUE NM", "TUCSON AZ", "OMAHA NE", "",
)  # fmt: skip
_INCOME_SUFFIXES = (" PPD ID", " ACH CREDIT", " DEPOSIT", "")


def _mcc_text(mcc: object) -> str:
    return " ".join(
        str(getattr(mcc, f)) for f in ("iso_description", "usda_description", "visa_description")
    )


@cache
def _mcc_table() -> dict[int, tuple[str, str]]:
    """MCC -> (category path, a description for people)."""
    table: dict[int, tuple[str, str]] = {}
    for mcc in iso18245.get_all_mccs():
        code = int(mcc.mcc)
        text = _mcc_text(mcc).lower()
        label = mcc.visa_description or mcc.iso_description or mcc.usda_description
        if not label:
            continue
        category = next((c for lo, hi, c in _MCC_RANGES if lo <= code <= hi), None)
        if category is None:
            category = next((c for rule, c in _MCC_RULES if rule.search(text)), None)
        if category is not None:
            table[code] = (category, label)
    return table


def _is_chain_code(code: int) -> bool:
    return any(lo <= code <= hi for lo, hi, _ in _MCC_RANGES)


def mcc_category(mcc: int) -> str | None:
    """The seed category an MCC belongs to, None when no rule places it."""
    entry = _mcc_table().get(mcc)
    return entry[0] if entry else None


def _bank_strings() -> dict[str, list[str]]:
    """Seed path -> the card issuers' category strings that mean it (or a parent of it)."""
    by_path: dict[str, list[str]] = {}
    for vocabulary in BANK_CATEGORIES:
        for text, path in vocabulary.items():
            if path is not None:
                by_path.setdefault("/".join(path), []).append(text)
    return by_path


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _amount(rng: random.Random, path: str) -> float:
    lo, hi, sign = AMOUNTS.get(path) or AMOUNTS.get(path.split("/")[0]) or (5.0, 200.0, -1)
    return sign * round(rng.uniform(lo, hi), 2)


@cache
def corpus() -> tuple[tuple[Example, str], ...]:
    """The labelled bootstrap examples (deterministic)."""
    bank = _bank_strings()
    mccs_by_path: dict[str, list[int]] = {}
    for code, (category, _) in sorted(_mcc_table().items()):
        mccs_by_path.setdefault(category, []).append(code)
    rows: list[tuple[Example, str]] = []
    for path, words in KEYWORDS.items():
        banks = [b for p in _ancestors(path) for b in bank.get(p, [])]
        codes = [c for p in _ancestors(path) for c in mccs_by_path.get(p, [])]
        income = path.startswith("Income")
        for word in words:
            # Each keyword draws from its own generator: adding a keyword leaves every other
            # keyword's examples as they were.
            draw = random.Random(f"18245:{path}:{word}")  # noqa: S311 - a fixed corpus
            for variant in range(4):
                name = word.upper()
                if income:
                    text = "EMPLOYER " * (variant == 3) + name + draw.choice(_INCOME_SUFFIXES)
                else:
                    place = draw.choice(_PLACES)
                    number = f" #{draw.randint(100, 9999)}" if variant % 2 else ""
                    text = f"{draw.choice(_PREFIXES)}{name}{number} {place}".strip()
                merchant = word.title() if variant < 2 else ""
                # The two unnamed variants are the descriptor alone (a checking account's row):
                # the words must explain them without a bank category or MCC to lean on (those
                # have rows of their own below).
                plain = variant >= 2
                rows.append(
                    (
                        Example(
                            text,
                            merchant,
                            _amount(draw, path),
                            draw.choice(banks)
                            if banks and draw.random() < 0.4 and not plain
                            else None,
                            draw.choice(codes)
                            if codes and draw.random() < 0.25 and not plain
                            else None,
                        ),
                        path,
                    )
                )
    rng = random.Random(18245)  # noqa: S311 - a fixed corpus, not secrets
    # Each MCC with its description as the text, and alone -- except the chain codes (one per
    # airline, car rental firm or hotel chain: 327 of Lodging's and 215 of Airfare's codes),
    # whose description (the chain's name) is the row. Alone, their hundreds of bare rows made
    # Lodging and Airfare mostly rows with nothing but a direction and a size, so those
    # generic features voted for them on any large payment to an unknown merchant.
    for code, (category, label) in sorted(_mcc_table().items()):
        amount = _amount(rng, category)
        if not _is_chain_code(code):
            rows.append((Example("", "", amount, None, code), category))
        rows.append((Example(label.upper(), "", amount, None, code), category))
    # Each bank category alone: what a card row with an unfamiliar merchant still says.
    for path, texts in bank.items():
        for text in texts:
            for _ in range(3):
                rows.append((Example("", "", _amount(rng, path), text, None), path))
    return tuple(rows)


@cache
def bootstrap_classifier() -> CategoryClassifier:
    """The shared model for a tenant without labels (trained once per process)."""
    rows = corpus()
    return CategoryClassifier.train(
        [e for e, _ in rows], [label for _, label in rows], seed=0, prior=(), calibrate=False
    )
