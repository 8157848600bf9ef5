"""Default categories for the bills everybody has: rent, utilities, insurance, streaming,
fitness, phone and internet come out right without a rule (issue 21, point 14); and card
payments and transfers to one's own accounts are transfers (point 17).

The model alone left rent uncategorized (it abstained below its threshold), put GEICO under
Utilities and a gym under Healthcare, and the bank's category stood over it, so Netflix on one
card and Hulu on another landed in different categories. These are the names and words a
person would expect any finance app to know. They apply after a person's rules and before the
bank's category and the model; a merchant a person categorized follows the person instead.

Each default matches the words of the row's description and merchant name (as
`descriptor_key` spells them: lower case, "&" as "and"), for money going out only; rent also
needs a rent-sized amount ("RENT" is in "RENT THE RUNWAY" and "ENTERPRISE RENT-A-CAR").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from finsight.analytics.descriptors import descriptor_key

__all__ = ["DEFAULT_CONFIDENCE", "Default", "default_category"]

# Shown with the category like the model's answers; a known name is as sure as a rule.
DEFAULT_CONFIDENCE = 0.99
_RENT_AT_LEAST = Decimal(200)


@dataclass(frozen=True)
class Default:
    pattern: re.Pattern[str]
    path: str  # the seed category path ("Utilities/Internet")
    min_amount: Decimal = Decimal(0)  # money out at least this much


def _d(words: str, path: str, min_amount: Decimal = Decimal(0)) -> Default:
    return Default(re.compile(rf"\b(?:{words})\b"), path, min_amount)


# First match wins: specific names before generic words (Verizon Fios is internet, Verizon
# Wireless a phone; GEICO is car insurance, "insurance" alone the home's).
DEFAULTS: tuple[Default, ...] = (
    _d(
        r"netflix|hulu|disney ?plus|hbo ?max|max com|spotify|youtube premium|youtube tv|youtube"
        r"|paramount ?plus|peacock|apple tv|apple music|amazon prime|prime video|crunchyroll"
        r"|sling tv|fubo ?tv|pandora|siriusxm|sirius xm|audible|tidal|espn plus|nytimes"
        r"|new york times|wsj|washington post",
        "Subscriptions/Streaming",
    ),
    _d(
        r"icloud|apple icloud|google one|google storage|dropbox|microsoft 365|office 365",
        "Subscriptions/Software",
    ),
    _d(
        r"planet fitness|planet fit|24 hour fitness|la fitness|equinox|orangetheory|crunch fitness"
        r"|anytime fitness|lifetime fitness|life time fitness|golds gym|gold s gym|ymca|peloton"
        r"|classpass|crossfit|pilates|yoga|gym|fitness|health club",
        "Personal care",
    ),
    _d(
        r"blue cross|bcbs|aetna|cigna|united ?healthcare|uhc|humana|anthem|health insurance"
        r"|health plan|kaiser permanente",
        "Healthcare/Health insurance",
    ),
    _d(
        r"geico|progressive|esurance|root insurance|dairyland|the general|auto insurance"
        r"|car insurance|auto ins",
        "Transport",
    ),
    _d(
        r"state farm|allstate|liberty mutual|farmers ins\w*|lemonade|travelers ins\w*"
        r"|usaa ins\w*|nationwide|american family|erie insurance|homeowners insurance"
        r"|renters insurance|insurance|ins prem",
        "Housing/Home insurance",
    ),
    _d(
        r"comcast|xfinity(?! mobile)|spectrum(?! mobile)|charter comm\w*|cox comm\w*"
        r"|verizon fios|fios|att internet|at and t internet|centurylink|frontier comm\w*"
        r"|google fiber|starlink|optimum"
        r"|internet service|broadband|sonic net",
        "Utilities/Internet",
    ),
    _d(
        r"verizon|vzwrlss|vz wireless|at and t|att wireless|att mobility|t mobile|tmobile"
        r"|sprint|mint mobile|cricket wireless|visible|google fi|boost mobile|metro by t mobile"
        r"|us cellular|consumer cellular|tracfone|straight talk|wireless|spectrum mobile"
        r"|xfinity mobile|airalo|holafly|esim",
        "Utilities/Phone",
    ),
    _d(
        r"pg and e|pgande|con ?edison|coned|duke energy|southern california edison|sce"
        r"|xcel energy|dominion energy|fpl|entergy|georgia power|national grid|dte energy"
        r"|comed|pseg|eversource|electric|power company|energy",
        "Utilities/Electricity",
    ),
    _d(
        r"socalgas|socal gas|nicor gas|gas company|natural gas|piedmont gas|peoples gas"
        r"|washington gas|gas utility",
        "Utilities/Gas",
    ),
    _d(r"water|sewer|utilities|utility|wasser", "Utilities/Water"),
    _d(
        r"rent|rent payment|apts|apartments|apartment|property management|property mgmt"
        r"|leasing|landlord|rentcafe|appfolio|yardi|realpage|residences|miete",
        "Housing/Rent",
        _RENT_AT_LEAST,
    ),
)

# Money moved between a person's own accounts, either way: a card's payment as the paying
# account and the card print it, a transfer to savings or a brokerage. In a transfer category,
# anomalies, recurring bills and spending leave it out (issue 21, point 17).
TRANSFERS: tuple[Default, ...] = (
    _d(
        r"(?:chase|discover|capital one|capitalone|amex|american express|citi|citibank|barclaycard"
        r"|synchrony|apple ?card|bank of america|bk of amer|wells fargo|us bank|usaa|card)"
        r"(?: \w+){0,3} (?:payment|pymt|pmt|e payment|epayment|epay|autopay|auto pay|crcardpmt)"
        r"|card payment|payment thank you|payment received|autopay payment|directpay full balance"
        r"|chase card",
        "Transfers/Credit card payment",
    ),
    _d(
        r"(?:online |mobile |internal |funds )?(?:transfer|xfer) (?:to|from)|online transfer"
        r"|to savings|from savings|to sav|from sav|to chk|from chk|schwab|vanguard|fidelity"
        r"|robinhood|betterment|wealthfront|umbuchung|uebertrag",
        "Transfers/Account transfer",
    ),
)

# Words that make a row not the bill its other words suggest.
_NOT_A_BILL = re.compile(
    r"\b(?:rent a car|car rental|rental car|enterprise rent|budget rent|hertz|avis|rent the"
    r" runway|refund|return|reversal|interest|dividend)\b"
)


@lru_cache(maxsize=65_536)
def _match(description: str, merchant: str) -> Default | None:
    """Cached: a run meets the same descriptors again and again."""
    text = f"{descriptor_key(description)} {descriptor_key(merchant)}"
    if _NOT_A_BILL.search(text):
        return None
    for default in DEFAULTS:
        if default.pattern.search(text):
            return default
    return None


@lru_cache(maxsize=65_536)
def _transfer(description: str, merchant: str) -> str | None:
    text = f"{descriptor_key(description)} {descriptor_key(merchant)}"
    for default in TRANSFERS:
        if default.pattern.search(text):
            return default.path
    return None


def default_category(description: str, merchant: str | None, amount: Decimal) -> str | None:
    """The seed category path a transfer (either way) or a well-known bill belongs to, or
    None."""
    transfer = _transfer(description, merchant or "")
    if transfer is not None:
        return transfer
    if amount >= 0:
        return None
    found = _match(description, merchant or "")
    return found.path if found is not None and -amount >= found.min_amount else None
